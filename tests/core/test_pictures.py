"""Pictures: which near points are drawn as pictures, and the pool of atlas cells they live in."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.octree import build_octree
from explorer.core.picking import screen_xy
from explorer.core.pictures import PictureCells, PictureSettings, behind_nearer, choose_pictures, picture_centres
from explorer.core.spatial import PointIndex
from explorer.core.view import View

VIEW = View(np.zeros(3), np.array([1.0, 0, 0]), np.array([0, -1.0, 0]), np.array([0, 0, 1.0]), 60.0, 800, 600)


def index_of(points: np.ndarray) -> PointIndex:
    tree = build_octree(points, capacity=256)
    return PointIndex(tree, np.ascontiguousarray(points[tree.order], dtype=np.float32))


def exactly_seen(
    x: np.ndarray, y: np.ndarray, half: np.ndarray, depth: np.ndarray, width: int, height: int
) -> np.ndarray:
    """Pixel by pixel: whether any pixel of each square (nearest drawn first, opaque) shows on screen."""
    covered = np.zeros((height, width), dtype=bool)
    seen = np.zeros(len(x), dtype=bool)
    for i in np.argsort(depth, kind="stable"):
        x0, x1 = max(int(np.floor(x[i] - half[i])), 0), min(int(np.ceil(x[i] + half[i])), width)
        y0, y1 = max(int(np.floor(y[i] - half[i])), 0), min(int(np.ceil(y[i] + half[i])), height)
        if x1 > x0 and y1 > y0:
            seen[i] = not covered[y0:y1, x0:x1].all()
            covered[y0:y1, x0:x1] = True
    return seen


def test_squares_wholly_behind_nearer_ones_are_found_and_no_seen_one_is() -> None:
    x, y = np.array([100.0, 100.0, 150.0, 500.0, -80.0]), np.array([100.0, 100.0, 100.0, 300.0, 50.0])
    half, depth = np.array([60.0, 20.0, 20.0, 10.0, 10.0]), np.array([1.0, 2.0, 2.0, 3.0, 1.0])
    # Behind the big near square: hidden; peeking out of its edge: seen; alone: seen; off screen: hidden.
    assert behind_nearer(x, y, half, depth, 640, 480).tolist() == [False, True, False, False, True]
    rng = np.random.default_rng(3)
    for _ in range(5):
        n = 400
        x, y = rng.uniform(-50, 690, n), rng.uniform(-50, 530, n)
        depth = rng.uniform(1, 10, n)
        half = 200.0 / depth
        hidden = behind_nearer(x, y, half, depth, 640, 480)
        seen = exactly_seen(x, y, half, depth, 640, 480)
        assert not (hidden & seen).any()  # never hides a square of which a pixel shows
        assert hidden.sum() >= 0.6 * (~seen).sum()  # ... and finds most of those wholly behind


def test_the_nearest_points_in_view_are_the_pictures_within_the_budget() -> None:
    rng = np.random.default_rng(0)
    points = rng.uniform(-30, 30, size=(20_000, 3))
    index = index_of(points)
    settings = PictureSettings(budget=50, size=0.5, max_distance=20.0)
    chosen = choose_pictures(index, VIEW, settings)
    assert len(chosen) == 50 and np.all(np.diff(chosen.distances) >= 0)
    rel = points - VIEW.position
    depth = rel @ VIEW.forward
    t = np.tan(np.radians(30.0))
    inside = (depth > 0.25) & (np.abs(rel @ VIEW.right) <= depth * t * 800 / 600 + 0.25)
    inside &= np.abs(rel @ VIEW.up) <= depth * t + 0.25
    candidates = np.flatnonzero(inside)[np.argsort(np.linalg.norm(rel[inside], axis=1))]
    x, y, depth_c = screen_xy(VIEW, picture_centres(points[candidates], VIEW.position, 0.5))
    half_px = 0.25 / (depth_c * 2 * t) * 600
    seen = exactly_seen(x, y, half_px, depth_c, 800, 600)
    last = int(np.flatnonzero(np.isin(candidates, chosen.rows))[-1])
    # Brute force agrees: nearest first, in view, and every picture of which a pixel shows is kept.
    assert set(chosen.rows.tolist()) <= set(candidates.tolist())
    assert chosen.rows.tolist() == [r for r in candidates[: last + 1].tolist() if r in set(chosen.rows.tolist())]
    assert set(candidates[: last + 1][seen[: last + 1]].tolist()) <= set(chosen.rows.tolist())
    assert (~seen[: last + 1]).any()  # this view has pictures wholly behind nearer ones: they were left out
    assert len(choose_pictures(index, VIEW, PictureSettings(budget=0))) == 0  # dots only


def test_only_drawn_and_visible_points_become_pictures() -> None:
    rng = np.random.default_rng(1)
    points = rng.uniform(1, 20, size=(5000, 3)) * np.array([1.0, 0.3, 0.3])
    index = index_of(points)
    settings = PictureSettings(budget=100, size=0.2, max_distance=50.0)
    shares = rng.uniform(0, 1, len(index.tree))
    hidden = rng.uniform(size=len(points)) < 0.5
    chosen = choose_pictures(index, VIEW, settings, shares=shares, hidden=hidden)
    assert len(chosen) > 10 and not hidden[chosen.positions].any()
    node = index.tree.node_at(chosen.positions)
    assert ((chosen.positions - index.tree.start[node]) < shares[node] * index.tree.count[node]).all()


def test_a_hundred_thousand_pictures_churn_through_a_fixed_pool() -> None:
    cells = PictureCells(256, 100_000)
    owner, last_used = cells.owner, cells.last_used
    rng = np.random.default_rng(2)
    for frame in range(2000):  # 50 pictures a frame, most of them new: 100k distinct rows in all
        cells.next_frame()
        rows = np.unique(np.concatenate((rng.integers(0, 100_000, 40), np.arange(10) + frame % 7)))
        got, fresh = cells.cells_of(rows, new_at_most=32)
        given = got >= 0
        assert len(fresh) <= 32 and set(fresh.tolist()) <= set(np.flatnonzero(given).tolist())
        assert (cells.owner[got[given]] == rows[given]).all()  # every picture samples its own cell
        assert len(set(got[given].tolist())) == int(given.sum())  # no two pictures share a cell
        assert int((cells.cell_of_row >= 0).sum()) <= 256
    assert cells.owner is owner and cells.last_used is last_used and owner.shape == (256,)  # nothing grew
    assert len({int(r) for r in owner if r >= 0}) == 256
    assert (cells.cell_of_row[owner] == np.arange(256)).all() and int((cells.cell_of_row >= 0).sum()) == 256


def test_a_cell_on_screen_is_never_taken_in_the_same_frame() -> None:
    cells = PictureCells(4, 10)
    cells.next_frame()
    got, fresh = cells.cells_of(np.arange(6))
    assert got.tolist()[:4] == sorted(got.tolist()[:4]) and (got[4:] == -1).all() and len(fresh) == 4
    cells.next_frame()
    again, fresh = cells.cells_of(np.array([2, 3, 9]))
    assert again[:2].tolist() == got[2:4].tolist() and len(fresh) == 1  # kept their cells; 9 took an old one
    assert cells.owner[again[2]] == 9 and int(again[2]) in got[:2].tolist()


def test_pictures_are_sized_by_how_far_apart_the_points_lie() -> None:
    from scipy.spatial import cKDTree

    from explorer.core.pictures import SIZE_PER_SPACING, picture_size

    grid = np.stack(np.meshgrid(*[np.arange(20.0)] * 3), axis=-1).reshape(-1, 3)  # neighbours 1 apart
    assert picture_size(grid, diagonal=100.0) == pytest.approx(SIZE_PER_SPACING * 1.0)
    assert picture_size(grid, diagonal=40.0) == pytest.approx(0.02 * 40.0)  # at most a fiftieth of the diagonal
    rng = np.random.default_rng(3)
    cloud = rng.uniform(0, 10, size=(60_000, 3))  # sampled: 20k of them, scaled back to the whole
    truth = SIZE_PER_SPACING * float(np.median(cKDTree(cloud).query(cloud, k=2)[0][:, 1]))
    assert picture_size(cloud, diagonal=17.3) == pytest.approx(truth, rel=0.15)
    assert picture_size(np.zeros((5, 3)), diagonal=10.0) == pytest.approx(0.0005 * 10.0)  # never nothing


def test_new_pictures_fill_one_page_before_the_next() -> None:
    cells = PictureCells(16, 1_000, page_cells=4)
    cells.next_frame()
    got, _ = cells.cells_of(np.arange(6))
    assert sorted(got.tolist()) == [0, 1, 2, 3, 4, 5]
    cells.next_frame()  # six other pictures: the untouched pages take them, whole pages first
    got, _ = cells.cells_of(np.arange(100, 106))
    assert sorted(got.tolist()) == [8, 9, 10, 11, 12, 13]
    rng = np.random.default_rng(0)
    for _ in range(200):  # churn: each frame keeps some pictures and brings 5 new ones
        cells.next_frame()
        kept = cells.owner[cells.owner >= 0][:6]
        got, fresh = cells.cells_of(np.concatenate((kept, rng.choice(np.arange(200, 1_000), 5, replace=False))))
        pages = np.unique(got[fresh] // 4)
        assert len(pages) <= 2  # five new pictures dirty two pages at most, never one per picture
        assert len(np.unique(got[got >= 0])) == int((got >= 0).sum())  # no cell given twice
