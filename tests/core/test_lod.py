"""Level of detail: the nodes in view, largest on screen first, within the budget; shares that ease."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.lod import FASTEST_CUT, RISE, FrameBudget, LevelOfDetail
from explorer.core.octree import build_octree
from explorer.core.picking import screen_xy
from explorer.core.view import View


def cloud(n: int = 200_000) -> np.ndarray:
    rng = np.random.default_rng(3)
    centres = rng.uniform(-50, 50, size=(40, 3))
    return (centres[rng.integers(0, 40, n)] + rng.normal(scale=4.0, size=(n, 3))).astype(np.float32)


def view_from(position: tuple[float, float, float], yaw: float) -> View:
    """Looking along (cos yaw, sin yaw, 0): yaw 0 looks toward +x, into the cloud from the -x side."""
    forward = np.array([np.cos(yaw), np.sin(yaw), 0.0])
    up = np.array([0.0, 0.0, 1.0])
    return View(np.array(position, dtype=float), forward, np.cross(forward, up), up, 60.0, 1280, 720)


@pytest.mark.parametrize(("position", "yaw"), [((0, 0, 0), 0.0), ((-120, 0, 0), 0.0), ((0, 0, 0), 2.0),
                                               ((30, 30, 10), -2.5)])  # fmt: skip
def test_the_budget_is_met_with_the_points_in_view(position: tuple[float, float, float], yaw: float) -> None:
    points = cloud()
    tree = build_octree(points, capacity=500)  # the budget spans some 40 nodes
    lod = LevelOfDetail(tree, budget=20_000)
    view = view_from(position, yaw)
    share = lod.update(view)
    drawn = lod.drawn()
    assert 19_000 <= drawn <= 20_000 + len(tree)  # the budget, give or take the last node's rounding
    # Points are only spent on what can be seen: most drawn points are on screen.
    rows = np.concatenate([tree.rows_of(node)[: int(np.ceil(share[node] * tree.count[node]))]
                           for node in np.flatnonzero(share > 0)])  # fmt: skip
    x, y, depth = screen_xy(view, points[rows])
    on_screen = (depth > 0) & (x >= 0) & (x <= 1280) & (y >= 0) & (y <= 720)
    # The budget goes where the camera looks: no fewer of the drawn points are on screen than of the cloud.
    x, y, depth = screen_xy(view, points)
    assert on_screen.mean() >= ((depth > 0) & (x >= 0) & (x <= 1280) & (y >= 0) & (y <= 720)).mean()
    # A node is drawn only with its parent drawn in full.
    for node in np.flatnonzero(share > 0)[1:]:
        assert share[tree.parent[node]] == 1.0


def test_near_is_deep_and_far_is_coarse() -> None:
    points = cloud()
    tree = build_octree(points, capacity=2000)
    lod = LevelOfDetail(tree, budget=30_000)
    centre = points.mean(axis=0)
    near = lod.choose(view_from((centre[0] - 5, centre[1], centre[2]), 0.0)).copy()
    far = lod.choose(view_from((centre[0] - 400, centre[1], centre[2]), 0.0)).copy()
    assert tree.depth[near > 0].max() > tree.depth[far > 0].max()


def test_everything_fits_without_a_budget_and_nothing_behind_is_drawn() -> None:
    points = cloud(20_000)
    tree = build_octree(points, capacity=1000)
    lod = LevelOfDetail(tree, budget=0)
    assert lod.choose(view_from((-400, 0, 0), 0.0)).min() == 1.0  # the whole cloud in view: all of it
    assert lod.choose(view_from((-400, 0, 0), np.pi)).max() == 0.0  # looking away: none of it


def test_shares_ease_up_and_down_after_the_first_frame() -> None:
    points = cloud(50_000)
    tree = build_octree(points, capacity=1000)
    lod = LevelOfDetail(tree, budget=5_000)
    away = view_from((-400, 0, 0), np.pi)
    toward = view_from((-400, 0, 0), 0.0)
    assert lod.update(away).max() == 0.0  # the first frame is what is chosen
    first = lod.update(toward).copy()
    assert 0 < first.max() <= RISE + 1e-12  # then the cloud fades in, a step a frame
    for _ in range(30):
        settled = lod.update(toward).copy()
    assert np.allclose(settled, lod.choose(toward))
    assert lod.update(away).max() < settled.max()  # and fades out when the camera turns away


def _settle(budget: FrameBudget, ms_per_point: float, frames: int = 400) -> int:
    """Frames whose time is this many ms per point drawn (every point of the budget is in view)."""
    for _ in range(frames):
        drawn = int(budget.budget)
        budget.frame_took(ms_per_point * drawn, drawn)
    return int(budget.budget)


def test_the_frame_budget_settles_where_frames_take_the_target() -> None:
    budget = FrameBudget(33.3, 250_000)
    settled = _settle(budget, 33.3 / 100_000)
    assert 90_000 < settled < 110_000


def test_two_frames_far_over_the_target_cut_the_budget_at_once_and_one_does_not() -> None:
    budget = FrameBudget(33.3, 100_000)
    budget.frame_took(120.0, 100_000)  # one frame the machine was busy elsewhere: the usual 5% at most
    assert budget.budget >= 0.95 * 100_000
    before = budget.budget
    budget.frame_took(120.0, int(before))  # a second one: a trend
    assert budget.budget == pytest.approx(before * FASTEST_CUT)  # sqrt(33.3 / 120) is under the fastest cut
    before = budget.budget
    budget.frame_took(60.0, int(before))
    assert budget.budget == pytest.approx(before * (33.3 / 60.0) ** 0.5)


def test_each_world_starts_where_its_budget_settled_when_it_was_last_shown() -> None:
    budget = FrameBudget(33.3, 250_000)
    assert budget.enter("words.ds.tsv.gz") == 250_000  # a new world starts where the budget stands
    words = _settle(budget, 33.3 / 100_000)
    assert budget.enter("pictures.ds.tsv.gz") == words
    pictures = _settle(budget, 33.3 / 40_000)  # its points cost more: pictures beside them
    assert pictures < 0.5 * words
    assert budget.enter("words.ds.tsv.gz") == words  # back as it was left, not from the pictures' budget
    assert budget.smoothed_ms == 33.3 and budget.slow_frames == 0  # the last world's frames say nothing of this one
    assert budget.enter(None) == words  # a world with no name keeps the budget as it stands
    assert budget.enter("pictures.ds.tsv.gz") == pictures
