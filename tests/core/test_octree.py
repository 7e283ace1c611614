"""The level-of-detail octree: every point once, nodes that nest, coarse samples that are even."""

from __future__ import annotations

import numpy as np

from explorer.core.octree import MAX_DEPTH, build_octree, morton


def clustered(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(12, 3)) * 10
    return (centres[rng.integers(0, 12, n)] + rng.normal(size=(n, 3))).astype(np.float32)


def test_every_point_is_in_exactly_one_node_and_inside_its_cube() -> None:
    points = clustered(50_000)
    tree = build_octree(points, capacity=1000)
    assert np.array_equal(np.sort(tree.order), np.arange(len(points)))  # a permutation: each point once
    assert tree.count.sum() == len(points) and (tree.count >= 1).all()
    assert np.array_equal(tree.start[1:], np.cumsum(tree.count)[:-1])  # runs follow each other
    assert (tree.count[tree.depth < MAX_DEPTH] <= 1000).all()
    assert tree.depth.max() >= 3 and (np.diff(tree.depth) >= 0).all()  # coarse first
    for node in range(len(tree)):
        inside = np.abs(points[tree.rows_of(node)] - tree.center[node]) <= tree.half[node] * (1 + 1e-6)
        assert inside.all(), node


def test_children_nest_in_their_parent_and_full_nodes_pass_the_rest_down() -> None:
    points = clustered(20_000, seed=1)
    tree = build_octree(points, capacity=500)
    assert tree.parent[0] == -1 and (tree.parent[1:] >= 0).all()
    for node in range(1, len(tree)):
        up = tree.parent[node]
        assert tree.depth[up] == tree.depth[node] - 1
        assert tree.first_child[up] <= node < tree.first_child[up] + tree.children[up]
        assert np.all(np.abs(tree.center[node] - tree.center[up]) <= tree.half[up] + 1e-9)
        assert np.isclose(tree.half[node], tree.half[up] / 2)
        assert tree.count[up] == 500  # only a full node has children
    # Positions and nodes invert: each row's position in octree order lies in its node's run.
    where = tree.positions
    node = tree.node_at(where)
    assert np.array_equal(tree.order[where], np.arange(len(points)))
    assert ((tree.start[node] <= where) & (where < tree.start[node] + tree.count[node])).all()


def test_a_coarse_node_is_an_even_sample_and_the_tree_is_deterministic() -> None:
    rng = np.random.default_rng(2)
    points = rng.random((40_000, 3)).astype(np.float32)
    tree = build_octree(points, capacity=4000)
    root = points[tree.rows_of(0)]
    # The root's sample fills the unit cube evenly: each octant holds about an eighth of it.
    octants = np.bincount(((root > 0.5) * [4, 2, 1]).sum(axis=1), minlength=8)
    assert octants.min() > 0.8 * 500 and octants.max() < 1.2 * 500
    # ... and so does the first half of its run.
    half = points[tree.rows_of(0)[:2000]]
    assert abs(float(half.mean()) - 0.5) < 0.02
    again = build_octree(points, capacity=4000)
    assert np.array_equal(tree.order, again.order) and np.array_equal(tree.count, again.count)


def test_duplicates_one_point_and_nothing() -> None:
    same = np.ones((3000, 3), dtype=np.float32)
    tree = build_octree(same, capacity=100)
    assert tree.count.sum() == 3000 and tree.depth.max() == MAX_DEPTH  # the deepest node keeps them all
    one = build_octree(np.zeros((1, 3), dtype=np.float32))
    assert len(one) == 1 and one.count.tolist() == [1]
    empty = build_octree(np.zeros((0, 3), dtype=np.float32))
    assert len(empty) == 0 and empty.points == 0


def test_morton_interleaves_x_highest() -> None:
    cells = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [3, 0, 0], [(1 << 21) - 1] * 3])
    assert morton(cells).tolist() == [4, 2, 1, 4 + 32, (1 << 63) - 1]
