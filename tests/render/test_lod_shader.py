"""The level of detail as drawn: the shader draws exactly the points the rule keeps (real VTK)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from explorer.core.colors import BACKGROUND
from explorer.core.dataset import Dataset
from explorer.core.lod import FADE


def grid_cloud(seed: int) -> Dataset:
    """60 points on a screen grid, from 2 to 20 units away; two far anchors behind the camera
    make the cloud's extent large, so fog stays out of the way."""
    rng = np.random.default_rng(seed)
    depth = rng.permutation(np.geomspace(2.0, 20.0, 60))
    col, row = np.meshgrid(np.linspace(-0.8, 0.8, 10), np.linspace(-0.7, 0.7, 6))
    t = math.tan(math.radians(30.0))
    points = np.column_stack((depth, -col.ravel() * depth * t * 800 / 600, row.ravel() * depth * t))
    anchors = np.array([[-300.0, 60.0, 60.0], [-300.0, -60.0, -60.0]])
    points = np.vstack((points, anchors)).astype(np.float32)
    return Dataset(labels=np.array([f"p{i}" for i in range(len(points))], dtype=object), points=points)


@pytest.mark.parametrize("budget", [0, 20])
def test_the_shader_culls_exactly_the_points_the_rule_drops(bare_window, snapshot, seed: int, budget: int) -> None:  # type: ignore[no-untyped-def]
    window = bare_window(point_budget=budget)
    dataset = grid_cloud(seed)
    shot = snapshot(window, dataset, dataset.points[:60])
    pixels, depths, x, y = shot.pixels, shot.depths, shot.x, shot.y
    around = [(slice(int(b) - 1, int(b) + 2), slice(int(a) - 1, int(a) + 2)) for a, b in zip(x, y, strict=True)]
    lit = np.array([np.abs(pixels[at] - np.array(BACKGROUND) * 255).sum(axis=2).max() > 60 for at in around])
    drawn = np.array([depths[at].min() < 1.0 for at in around])  # a faded point still writes its depth
    if budget == 0:
        assert lit.all() and drawn.all()
        return
    lod = window.scene.lod
    assert lod is not None and lod.budget == budget
    kept = lod.drawn_rows(np.arange(60))
    assert 15 <= int(kept.sum()) <= 21  # the budget of 20, less the two anchors when they are drawn
    assert np.array_equal(drawn, kept)  # cut in the vertex shader: never rasterised
    # The newest points of a part-drawn node fade in; the ones well inside its share are drawn in full.
    at = lod.positions[np.arange(60)]
    end = lod.share[0] * lod.tree.count[0]
    surely = kept & (at < (1 - FADE) * end)
    assert surely.sum() >= 3
    assert lit[surely].all()
