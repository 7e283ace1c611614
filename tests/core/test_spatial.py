"""The octree as the one spatial index: nearest points and points along a ray, checked by brute force."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.octree import build_octree
from explorer.core.ranges import blocks, runs
from explorer.core.spatial import GRID, PointIndex


def clustered(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-10, 10, size=(12, 3))
    return (centres[rng.integers(0, 12, n)] + rng.normal(scale=0.7, size=(n, 3))).astype(np.float32)


def index_of(points: np.ndarray, capacity: int = 256) -> PointIndex:
    tree = build_octree(points, capacity=capacity)
    return PointIndex(tree, np.ascontiguousarray(points[tree.order]))


def test_runs_concatenates_ranges() -> None:
    assert runs(np.array([5, 0, 9]), np.array([2, 0, 3])).tolist() == [5, 6, 9, 10, 11]
    assert runs(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)).tolist() == []


def test_blocks_lists_every_cell_of_each_block() -> None:
    which, (i, j) = blocks(np.array([[0, 5], [2, 2], [3, 3]]), np.array([[1, 6], [1, 9], [3, 3]]))
    assert which.tolist() == [0, 0, 0, 0, 2]  # the second block is empty
    assert list(zip(i.tolist(), j.tolist(), strict=True)) == [(0, 5), (0, 6), (1, 5), (1, 6), (3, 3)]


@pytest.mark.parametrize("k", [1, 10, 300])
def test_nearest_equals_brute_force(k: int) -> None:
    points = clustered(20_000)
    index = index_of(points)
    rng = np.random.default_rng(1)
    for centre in [*rng.uniform(-15, 15, size=(5, 3)), points[17], np.array([80.0, 0, 0])]:
        positions, distance = index.nearest(centre, k)
        truth = np.sort(np.linalg.norm(points.astype(np.float64) - centre, axis=1))[:k]
        np.testing.assert_allclose(distance, truth, rtol=1e-12)
        rows = index.rows(positions)
        np.testing.assert_allclose(np.linalg.norm(points[rows].astype(np.float64) - centre, axis=1), distance)


def test_nearest_keeps_to_the_limit_the_drawn_share_and_the_visible() -> None:
    points = clustered(8_000, seed=2)
    index = index_of(points, capacity=128)
    centre = points[0].astype(np.float64)
    _, distance = index.nearest(centre, 10_000, limit=1.5)
    assert len(distance) == int((np.linalg.norm(points - centre, axis=1) <= 1.5).sum())
    # Only the leading share of each node's run counts, as the level of detail draws it.
    shares = np.random.default_rng(3).uniform(0, 1, len(index.tree))
    positions, _ = index.nearest(centre, 50, shares=shares)
    node = index.tree.node_at(positions)
    assert ((positions - index.tree.start[node]) < shares[node] * index.tree.count[node]).all()
    drawn = np.zeros(len(points), dtype=bool)
    drawn[runs(index.tree.start, index.drawn_counts(shares))] = True
    ordered = index.points.astype(np.float64)
    truth = np.sort(np.linalg.norm(ordered[drawn] - centre, axis=1))[:50]
    np.testing.assert_allclose(np.linalg.norm(ordered[positions] - centre, axis=1), truth)
    hidden = np.random.default_rng(4).uniform(size=len(points)) < 0.9
    positions, _ = index.nearest(centre, 40, hidden=hidden)
    assert len(positions) == 40 and not hidden[positions].any()


def test_along_ray_finds_every_point_in_the_cone() -> None:
    points = clustered(20_000, seed=5)
    index = index_of(points)
    origin, slope = np.array([-20.0, 1.0, 0.5]), 0.02
    direction = points[0] - origin  # through a cluster
    direction /= np.linalg.norm(direction)
    found = index.along_ray(origin, direction, slope, near=0.1, far=60.0)
    rel = index.points.astype(np.float64) - origin
    t = rel @ direction
    off = np.linalg.norm(rel - np.outer(t, direction), axis=1)
    truth = np.flatnonzero((t >= 0.1) & (t <= 60.0) & (off <= slope * t))
    assert len(truth) > 5
    assert sorted(found.tolist()) == truth.tolist()


def test_an_empty_cloud_answers_nothing() -> None:
    index = index_of(np.zeros((0, 3), dtype=np.float32))
    assert len(index.nearest(np.zeros(3), 5)[0]) == 0
    assert len(index.along_ray(np.zeros(3), np.array([1.0, 0, 0]), 0.1, 0.0, 10.0)) == 0


def test_grids_sort_each_node_by_the_cell_of_its_cube() -> None:
    points = clustered(30_000, seed=5)
    index = index_of(points, capacity=2_000)
    tree, grids = index.tree, index.grids
    for node in range(len(tree)):
        start, count = int(tree.start[node]), int(tree.count[node])
        within = grids.order[start : start + count].astype(np.int64)
        assert sorted(within.tolist()) == list(range(count))  # a permutation of the node's run
        table = grids.first[node]
        assert table[0] == 0 and table[-1] == count and (np.diff(table) >= 0).all()
        corner = tree.center[node] - tree.half[node]
        step = 2 * tree.half[node] / GRID
        for cell in np.flatnonzero(np.diff(table))[:20]:  # each cell's points lie in that cell of the cube
            members = index.points[start + within[table[cell] : table[cell + 1]]].astype(np.float64)
            expected = np.array([cell // GRID**2, cell // GRID % GRID, cell % GRID])
            assert (np.clip(np.floor((members - corner) / step), 0, GRID - 1) == expected).all()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nearest_in_big_coarse_nodes_equals_brute_force_with_shares(seed: int) -> None:
    """Nodes of 16k points, as ten million points have them: coarse cubes are read by slab, not whole."""
    points = clustered(60_000, seed=seed)
    tree = build_octree(points)
    index = PointIndex(tree, np.ascontiguousarray(points[tree.order]))
    shares = np.random.default_rng(seed).uniform(0.2, 1.0, len(tree))
    drawn = np.zeros(len(points), dtype=bool)
    drawn[runs(tree.start, index.drawn_counts(shares))] = True
    ordered = index.points.astype(np.float64)
    for centre in [points[seed * 7].astype(np.float64), np.array([3.0, -2.0, 1.0])]:
        positions, distance = index.nearest(centre, 225, shares=shares)
        truth = np.sort(np.linalg.norm(ordered[drawn] - centre, axis=1))[:225]
        np.testing.assert_allclose(distance, truth, rtol=1e-12)
        assert drawn[positions].all()


def test_nearest_asked_for_more_points_than_there_are_gives_them_all() -> None:
    points = clustered(3_000, seed=6)
    index = index_of(points)
    for centre in [points[0].astype(np.float64), np.array([500.0, 500.0, 500.0])]:
        positions, distance = index.nearest(centre, 10_000)
        assert sorted(index.rows(positions).tolist()) == list(range(3_000))
        assert (np.diff(distance) >= 0).all()


def test_in_box_holds_every_drawn_visible_point_of_the_box_and_little_else() -> None:
    points = clustered(20_000, seed=5)
    index = index_of(points, capacity=512)
    ordered = index.points
    shares = np.random.default_rng(6).uniform(0.2, 1, len(index.tree))
    drawn = np.zeros(len(points), dtype=bool)
    drawn[runs(index.tree.start, index.drawn_counts(shares))] = True
    hidden = np.random.default_rng(7).uniform(size=len(points)) < 0.3
    for low, high in [((-3, -2, -5), (1, 4, 0)), ((5, 5, 5), (5.5, 6, 9)), ((50, 50, 50), (60, 60, 60))]:
        low_a, high_a = np.array(low, dtype=np.float64), np.array(high, dtype=np.float64)
        found = index.in_box(low_a, high_a, shares=shares, hidden=hidden)
        assert len(np.unique(found)) == len(found)
        inside = ((ordered >= low_a) & (ordered <= high_a)).all(axis=1) & drawn & ~hidden
        assert set(np.flatnonzero(inside).tolist()) <= set(found.tolist())
        assert drawn[found].all() and not hidden[found].any()
        # Only the grid cells the box meets are read: what lies outside the box is a thin margin of them.
        assert len(found) <= 4 * max(int(inside.sum()), 10)
    assert len(index.in_box(np.full(3, -np.inf), np.full(3, np.inf))) == len(points)


def test_in_box_leaves_out_cells_wholly_outside_the_planes() -> None:
    points = clustered(20_000, seed=8)
    index = index_of(points, capacity=512)
    ordered = index.points.astype(np.float64)
    low, high = np.array([-12.0, -12, -12]), np.array([12.0, 12, 12])
    planes = np.array([[1.0, 0, 0, 0.0], [0.6, 0.8, 0, 1.0]])  # x >= 0 and 0.6 x + 0.8 y >= -1
    found = index.in_box(low, high, planes=planes)
    in_planes = ((ordered @ planes[:, :3].T + planes[:, 3]) >= 0).all(axis=1)
    inside = ((ordered >= low) & (ordered <= high)).all(axis=1) & in_planes
    assert set(np.flatnonzero(inside).tolist()) <= set(found.tolist())
    assert len(found) < 0.7 * len(index.in_box(low, high))  # the half space's cells were not read
