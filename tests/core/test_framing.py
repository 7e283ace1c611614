"""The frame follows the bulk of the points, at any magnitude, and counts the strays."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.colors import by_distance
from explorer.core.framing import frame_of

UNIT = np.random.default_rng(4).normal(size=(2000, 3))


def test_one_stray_point_does_not_change_the_frame() -> None:
    strayed = np.vstack([UNIT, [[1e7, 0, 0]]])
    plain, frame = frame_of(UNIT), frame_of(strayed)
    assert 5 < plain.diagonal < 12  # the central 99% of a unit normal cloud on each axis: about ±2.6
    assert frame.diagonal == pytest.approx(plain.diagonal, rel=0.02)
    assert plain.far_outside == 0 and frame.far_outside == 1


@pytest.mark.parametrize("scale", [1e-20, 1e-6, 1e6, 1e20])
def test_the_frame_and_the_colours_scale_with_the_points(scale: float) -> None:
    points = (UNIT * scale).astype(np.float32)
    frame, unit = frame_of(points), frame_of(UNIT.astype(np.float32))
    assert frame.diagonal == pytest.approx(unit.diagonal * scale, rel=1e-5)
    np.testing.assert_allclose(frame.centre / scale, unit.centre, atol=1e-5)
    same = (by_distance(points) == by_distance(UNIT.astype(np.float32))).all(axis=1).mean()
    assert same > 0.99  # once crashed at 1e20 (an IndexError: the squares overflowed float32)


def test_a_single_point_and_a_flat_cloud_still_have_a_scale() -> None:
    assert frame_of(np.array([[5.0, 5.0, 5.0]])).diagonal > 0
    assert frame_of(np.array([[0.0, 0.0, 0.0]])).diagonal == 1.0
    flat = UNIT.copy()
    flat[:, 2] = 3.0
    assert frame_of(flat).diagonal > 5


def test_a_stray_point_takes_the_last_colour_not_the_whole_map() -> None:
    strayed = np.vstack([UNIT, [[1e7, 0, 0]]]).astype(np.float32)
    colours = by_distance(strayed)
    assert len(np.unique(colours[:-1], axis=0)) > 50  # the bulk still spans the map


def test_a_single_points_frame_is_a_box_of_its_own_diagonal() -> None:
    frame = frame_of(np.array([[1.0, 2.0, 3.0]]))
    assert float(np.linalg.norm(frame.high - frame.low)) == pytest.approx(frame.diagonal)
    assert frame.centre.tolist() == pytest.approx([1.0, 2.0, 3.0])
