"""The point budget: how far full detail reaches, what the shader draws, what gets labels."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from explorer.core.labels import LabelPicker, LabelSettings
from explorer.core.picking import screen_xy
from explorer.core.thinning import SOFTWARE_GL_BUDGET, Thinning, budget_for, full_detail_for, point_ranks
from explorer.core.view import View

FORWARD_VIEW = View(
    position=np.zeros(3),
    forward=np.array([1.0, 0.0, 0.0]),
    right=np.array([0.0, -1.0, 0.0]),
    up=np.array([0.0, 0.0, 1.0]),
    fov_deg=60.0,
    width_px=800,
    height_px=600,
)


def expected_drawn(points: np.ndarray, ranks: np.ndarray, view: View, full_detail: float) -> int:
    """Points in view that the shader's rule keeps: rank * depth**2 < full_detail**2."""
    x, y, depth = screen_xy(view, points)
    seen = (depth > 0) & (x >= 0) & (x <= view.width_px) & (y >= 0) & (y <= view.height_px)
    return int((seen & (ranks * depth**2 < full_detail**2)).sum())


def test_ranks_are_fixed_and_uniform() -> None:
    ranks = point_ranks(100_000)
    assert ranks.dtype == np.float32
    assert np.array_equal(ranks, point_ranks(100_000))
    assert ranks.min() >= 0 and ranks.max() < 1
    assert np.histogram(ranks, bins=10, range=(0, 1))[0].min() > 9_500


def test_full_detail_depth_meets_the_expected_count(seed) -> None:
    depths = np.random.default_rng(seed).uniform(1.0, 50.0, size=3_000)
    for budget in (10.0, 200.0, 1_500.0, 2_999.0):
        d = full_detail_for(depths, 1.0, budget)
        assert np.minimum(1.0, d * d / depths**2).sum() == pytest.approx(budget, rel=1e-9)
    assert full_detail_for(depths, 1.0, 3_000.0) == math.inf  # all of them fit
    assert full_detail_for(depths, 10.0, 30_000.0) == math.inf  # each sample stands for ten
    assert full_detail_for(np.zeros(0), 1.0, 5.0) == math.inf


@pytest.mark.parametrize("yaw", [0.0, 1.0, 2.5, 4.0])
def test_a_frame_draws_about_the_budget_wherever_the_camera_looks(seed, yaw: float) -> None:
    rng = np.random.default_rng(seed)
    points = rng.normal(size=(60_000, 3)) * [4.0, 2.0, 1.0]
    ranks = point_ranks(len(points))
    thinning = Thinning(points, ranks, 5_000, far=100.0)
    forward = np.array([math.cos(yaw), math.sin(yaw), 0.0])
    view = View(-6.0 * forward, forward, np.cross(forward, [0, 0, 1]), np.array([0, 0, 1.0]), 60.0, 800, 600)
    assert expected_drawn(points, ranks, view, math.inf) > 15_000  # the whole cloud is in view
    d = thinning.update(view)
    assert expected_drawn(points, ranks, view, d) == pytest.approx(5_000, rel=0.1)


def test_the_cut_falls_at_once_and_rises_gently(seed) -> None:
    points = np.random.default_rng(seed).normal(size=(20_000, 3))
    thinning = Thinning(points, point_ranks(len(points)), 2_000, far=100.0)
    looking_in = replace(FORWARD_VIEW, position=np.array([-5.0, 0, 0]))
    looking_out = replace(looking_in, forward=-looking_in.forward, right=-looking_in.right)
    assert thinning.full_detail == 100.0  # nothing seen yet: everything
    cut = thinning.update(looking_in)
    assert cut < 10.0  # at once: the first heavy frame is already within budget
    assert thinning.update(looking_out) < 0.5 * (cut + 100.0)  # rising: eased, not a jump
    for _ in range(200):
        thinning.update(looking_out)
    assert thinning.full_detail == pytest.approx(100.0)  # nothing to thin when looking away


def test_software_renderers_get_a_budget_and_gpus_none() -> None:
    assert budget_for("llvmpipe (LLVM 15.0.6, 256 bits)") == SOFTWARE_GL_BUDGET
    assert budget_for("softpipe") == SOFTWARE_GL_BUDGET
    assert budget_for("NVIDIA GeForce RTX 4070/PCIe/SSE2") == 0
    assert budget_for("Mesa Intel(R) UHD Graphics 620 (KBL GT2)") == 0


def test_thinned_points_get_no_labels(seed) -> None:
    rng = np.random.default_rng(seed)
    points = np.column_stack((rng.uniform(1, 30, 3_000), rng.uniform(-3, 3, 3_000), rng.uniform(-2, 2, 3_000)))
    ranks = point_ranks(len(points))
    picker = LabelPicker(points, np.full(len(points), 5.0), ranks)
    settings = LabelSettings(budget=400, max_distance=40.0, text_height=0.05, min_height_px=1.0, spacing=0.0)
    full = picker.select(FORWARD_VIEW, settings)
    cut = picker.select(FORWARD_VIEW, settings, full_detail=4.0)
    depth = points[cut.rows, 0]
    assert len(cut) > 20
    assert np.all(ranks[cut.rows] * depth**2 < 16.0)
    assert len(cut) < len(full)
    # A pinned row is labelled even where its point is thinned.
    far = int(np.flatnonzero((points[:, 0] > 20) & (ranks > 0.5) & (np.abs(points[:, 1]) < 2))[0])
    assert far in picker.select(FORWARD_VIEW, settings, np.array([far]), full_detail=4.0).rows
