"""Label selection: nearest in front, inside the view, within budget, no overlaps."""

from __future__ import annotations

import numpy as np

from explorer.core.labels import LabelPicker, LabelSettings
from explorer.core.view import View

# Camera at the origin looking along +x, z up; 90° field of view on a square window.
VIEW = View(
    position=np.zeros(3),
    forward=np.array([1.0, 0.0, 0.0]),
    right=np.array([0.0, -1.0, 0.0]),
    up=np.array([0.0, 0.0, 1.0]),
    fov_deg=90.0,
    width_px=1000,
    height_px=1000,
)
SETTINGS = LabelSettings(budget=10, max_distance=100.0, text_height=0.1, min_height_px=1.0)


def picker(points: list[list[float]], lengths: list[int] | None = None) -> LabelPicker:
    pts = np.array(points, dtype=float)
    return LabelPicker.of(pts, np.array(lengths or [3] * len(pts), dtype=float))


def test_nearest_in_front_come_first_and_behind_never() -> None:
    p = picker([[5, 0, 0], [-1, 0, 0], [2, 0.5, 0.5], [9, 2, 1]])
    sel = p.select(VIEW, SETTINGS)
    assert sel.rows.tolist() == [2, 0, 3]
    assert np.all(np.diff(sel.distances) >= 0)


def test_points_outside_the_view_are_left_out() -> None:
    # 90° view: at depth 2 the view reaches 2 units to each side.
    sel = picker([[2, 1.5, 0], [2, 0, 3], [2, -2.5, 0], [2, 0, -1.9]]).select(VIEW, SETTINGS)
    assert sorted(sel.rows.tolist()) == [0, 3]


def test_budget_and_distance_limit() -> None:
    rng = np.random.default_rng(0)
    pts = np.column_stack([rng.uniform(5, 50, 500), rng.uniform(-2, 2, 500), rng.uniform(-2, 2, 500)])
    p = LabelPicker.of(pts, np.ones(500))
    sel = p.select(VIEW, LabelSettings(budget=25, max_distance=100.0, text_height=0.01, min_height_px=0.1))
    assert len(sel) == 25
    near = p.select(VIEW, LabelSettings(budget=500, max_distance=10.0, text_height=0.01, min_height_px=0.1))
    assert len(near) > 0 and near.distances.max() <= 10.0
    assert np.all(near.heights <= 0.01)  # world size, shrunk only where the pixel cap bites
    assert np.all((near.fade >= 0) & (near.fade <= 1)) and near.fade[0] >= near.fade[-1]


def test_where_labels_overlap_the_nearer_wins() -> None:
    # Two long labels almost on the same line of sight: the far one would sit under the near one.
    p = picker([[3.0, 0.0, 0.0], [3.2, 0.01, 0.0], [3.0, 0.0, 2.0]], lengths=[12, 12, 12])
    sel = p.select(VIEW, LabelSettings(budget=10, max_distance=100.0, text_height=0.3))
    assert sel.rows.tolist() == [0, 2]


def test_hidden_rows_are_never_selected() -> None:
    p = picker([[2, 0, 0], [3, 0, 1], [4, 0, -1]])
    p.set_hidden(np.array([True, False, True]))
    assert p.select(VIEW, SETTINGS).rows.tolist() == [1]


def test_near_labels_are_capped_on_screen_not_in_the_world() -> None:
    settings = LabelSettings(budget=10, max_distance=100.0, text_height=1.0, max_height_px=20.0, min_height_px=1.0)
    sel = picker([[0.5, 0, 0], [90, 0, 30]]).select(VIEW, settings)
    # 90° view, 1000 px high: at depth d one world unit spans 500 / d pixels.
    assert sel.rows.tolist() == [0, 1]
    np.testing.assert_allclose(sel.heights, [20 * 0.5 / 500, 1.0])


def test_zero_budget_selects_nothing() -> None:
    assert len(picker([[2, 0, 0]]).select(VIEW, LabelSettings(budget=0))) == 0


def test_rows_are_dataset_rows_whatever_order_the_picker_keeps() -> None:
    rng = np.random.default_rng(3)
    points = rng.uniform(-50, 50, size=(300, 3))
    p = LabelPicker.of(points, np.full(len(points), 1.0))
    assert sorted(p.order.tolist()) == list(range(len(points)))  # a permutation
    settings = LabelSettings(budget=5, max_distance=1000.0, text_height=0.01, min_height_px=0.0, spacing=0.0)
    sel = p.select(VIEW, settings)
    # Brute force: the nearest points in front of the camera, inside the 90° view.
    rel = points - VIEW.position
    depth = rel @ VIEW.forward
    inside = (depth > 0) & (np.abs(rel @ VIEW.right) <= depth) & (np.abs(rel @ VIEW.up) <= depth)
    nearest = np.flatnonzero(inside)[np.argsort(np.linalg.norm(rel[inside], axis=1))]
    assert len(sel) >= 1
    assert sel.rows.tolist() == nearest[: len(sel)].tolist()  # the nearest candidates, as dataset rows
    np.testing.assert_allclose(sel.distances, np.linalg.norm(rel[sel.rows], axis=1))


def test_a_selection_knows_its_points_octree_positions() -> None:
    rng = np.random.default_rng(4)
    points = rng.uniform(-20, 20, size=(2000, 3))
    p = LabelPicker.of(points, np.full(len(points), 3.0))
    sel = p.select(VIEW, LabelSettings(budget=30, max_distance=100.0, text_height=0.01, min_height_px=0.0))
    assert len(sel) > 5 and sel.rows.tolist() == p.order[sel.positions].tolist()
    np.testing.assert_allclose(p.index.points[sel.positions], points[sel.rows], rtol=1e-6)
