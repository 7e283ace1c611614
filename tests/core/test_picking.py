"""Picking: the point under the click, within a few pixels; empty space picks nothing."""

from __future__ import annotations

import numpy as np

from explorer.core.picking import pick, screen_xy
from explorer.core.spatial import PointIndex
from explorer.core.view import View

VIEW = View(np.zeros(3), np.array([1.0, 0, 0]), np.array([0, -1.0, 0]), np.array([0, 0, 1.0]), 60.0, 800, 600)


def cloud(n: int = 20000, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(2, 40, n), rng.uniform(-15, 15, n), rng.uniform(-12, 12, n)])


def test_clicking_a_points_screen_position_picks_it() -> None:
    points = cloud()
    tree = PointIndex.of(points)
    x, y, depth = screen_xy(VIEW, points)
    on_screen = np.flatnonzero((depth > 0) & (x > 5) & (x < 795) & (y > 5) & (y < 595))
    rng = np.random.default_rng(1)
    for i in rng.choice(on_screen, 50, replace=False):
        hit = pick(tree, VIEW, x[i], y[i], near=0.01, far=100.0)
        assert hit is not None
        # The hit is within a pixel of the click: the point itself, or one drawn at the same spot.
        assert np.hypot(x[hit] - x[i], y[hit] - y[i]) <= 1.0
        if np.hypot(x[hit] - x[i], y[hit] - y[i]) > 0.01:
            assert depth[hit] <= depth[i]  # nearer wins a tie: it is drawn on top


def test_a_lone_point_is_picked_within_the_tolerance_and_not_beyond() -> None:
    points = np.array([[10.0, 0.0, 0.0], [10.0, 5.0, 5.0]])
    tree = PointIndex.of(points)
    x, y, _ = screen_xy(VIEW, points)
    assert pick(tree, VIEW, x[0] + 4, y[0] - 3, near=0.01, far=100.0) == 0
    assert pick(tree, VIEW, x[0] + 12, y[0], near=0.01, far=100.0) is None


def test_empty_space_and_points_behind_pick_nothing() -> None:
    points = np.array([[-10.0, 0.0, 0.0], [10.0, 8.0, 0.0]])  # one behind the camera, one off to the side
    tree = PointIndex.of(points)
    assert pick(tree, VIEW, 400, 300, near=0.01, far=100.0) is None


def test_hidden_points_cannot_be_picked() -> None:
    points = np.array([[10.0, 0.0, 0.0], [20.0, 0.0, 0.0]])
    tree = PointIndex.of(points)
    assert pick(tree, VIEW, 400, 300, near=0.01, far=100.0) == 0
    assert pick(tree, VIEW, 400, 300, near=0.01, far=100.0, hidden=np.array([True, False])[tree.tree.order]) == 1


def test_a_far_point_near_the_edge_of_the_view_is_picked() -> None:
    points = np.array([[80.0, -40.0, 30.0]])
    tree = PointIndex.of(points)
    x, y, _ = screen_xy(VIEW, points)
    assert 0 < x[0] < 800 and 0 < y[0] < 600
    assert pick(tree, VIEW, x[0] - 2, y[0] + 2, near=0.01, far=200.0) == 0


def test_only_drawn_points_are_picked() -> None:
    # Two points on one line of sight; the level of detail draws only the far one's node: the click finds it.
    points = np.vstack([[[10.0, 0.0, 0.0]], cloud(3000, seed=4), [[30.0, 0.0, 0.0]]])
    from explorer.core.octree import build_octree

    tree = build_octree(points, capacity=64)
    index = PointIndex(tree, np.ascontiguousarray(points[tree.order], dtype=np.float32))
    near_node = int(tree.node_at(tree.positions[[0]])[0])
    far_node = int(tree.node_at(tree.positions[[len(points) - 1]])[0])
    assert near_node != far_node
    shares = np.ones(len(tree))
    assert pick(index, VIEW, 400, 300, near=0.01, far=100.0, shares=shares) == 0
    shares[near_node] = 0.0  # not drawn this frame: cannot be clicked
    hit = pick(index, VIEW, 400, 300, near=0.01, far=100.0, shares=shares)
    assert hit != 0 and hit is not None
