"""Neighbours (true and in 3D), group visibility, pinned labels, saved views and routes: the pure parts."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from explorer.core.bookmarks import BookmarkStore, bookmark_of
from explorer.core.camera import FlyTo, facing
from explorer.core.groups import Groups
from explorer.core.labels import LabelPicker, LabelSettings, View
from explorer.core.neighbours import neighbourhood
from explorer.core.spatial import PointIndex
from explorer.core.tour import RouteTour

VIEW = View(np.zeros(3), np.array([1.0, 0, 0]), np.array([0, -1.0, 0]), np.array([0, 0, 1.0]), 60.0, 800, 600)


def test_neighbourhood_lists_the_sidecar_and_the_true_3d_neighbours() -> None:
    rng = np.random.default_rng(0)
    points = rng.normal(size=(500, 3))
    index = PointIndex.of(points)  # it holds the points in octree order, and answers in rows
    knn = np.array([rng.choice(500, 8, replace=False) for _ in range(500)], dtype=np.int32)
    knn[7, 0] = 7  # a sidecar may list the point itself first
    n = neighbourhood(7, points, index, knn, k=8)
    assert n.original is not None and 7 not in n.original
    assert n.original.tolist() == [r for r in knn[7].tolist() if r != 7]
    np.testing.assert_allclose(n.original_3d, np.linalg.norm(points[n.original] - points[7], axis=1))
    brute = np.argsort(np.linalg.norm(points - points[7], axis=1))[1:9]
    assert n.in_3d.tolist() == brute.tolist()
    assert n.kept == int(np.isin(n.original, brute).sum())


def test_without_a_sidecar_only_3d_neighbours() -> None:
    points = np.arange(30, dtype=float).reshape(10, 3)
    n = neighbourhood(0, points, PointIndex.of(points), None, k=3)
    assert n.original is None and n.kept is None
    assert n.in_3d.tolist() == [1, 2, 3]


def test_groups_toggle_isolate_and_show_all() -> None:
    groups = Groups(np.array(["b", "a", "b", "c", "b", "a"], dtype=object), 6)
    assert groups.names == ["b", "a", "c"] and groups.counts.tolist() == [3, 2, 1]
    assert groups.hidden_rows() is None and sorted(groups.shown_ids().tolist()) == list(range(6))
    groups.toggle(0)  # hide "b"
    assert sorted(groups.shown_ids().tolist()) == [1, 3, 5]
    assert groups.hidden_rows().tolist() == [True, False, True, False, True, False]
    groups.isolate(2)  # only "c"
    assert groups.shown_ids().tolist() == [3]
    groups.isolate(2)  # isolating the lone group again brings everything back
    assert groups.all_visible
    groups.toggle(1)
    groups.show_all()
    assert groups.all_visible


def test_hidden_groups_labels_are_never_selected() -> None:
    rng = np.random.default_rng(1)
    pts = np.column_stack([rng.uniform(2, 30, 4000), rng.uniform(-3, 3, 4000), rng.uniform(-3, 3, 4000)])
    names = np.where(np.arange(4000) % 10 == 0, "rare", "common").astype(object)
    groups = Groups(names, 4000)
    picker = LabelPicker.of(pts, np.full(4000, 4.0))
    settings = LabelSettings(budget=40, max_distance=100.0, text_height=0.05, min_height_px=0.1)
    groups.toggle(groups.names.index("common"))  # hide 90% of the points
    picker.set_hidden(groups.hidden_rows())
    rows = picker.select(VIEW, settings).rows
    assert len(rows) >= 20  # the search reached past the hidden points to the visible ones
    assert (names[rows] == "rare").all()


def test_pinned_labels_show_first_at_any_distance_unless_hidden() -> None:
    pts = np.array([[5.0, 0.0, 0.0], [5.0, 0.5, 0.3], [400.0, 10.0, 0.0], [6.0, -2.0, 1.5]])
    picker = LabelPicker.of(pts, np.full(4, 5.0))
    settings = LabelSettings(budget=10, max_distance=50.0, text_height=0.1, min_height_px=6.0)
    assert 2 not in picker.select(VIEW, settings).rows  # far beyond max_distance
    sel = picker.select(VIEW, settings, pinned=np.array([2, 3]))
    assert sel.rows[0] == 2 and sel.rows[1] == 3 and sel.fade[0] == 1.0
    picker.set_hidden(np.array([False, False, True, False]))
    assert 2 not in picker.select(VIEW, settings, pinned=np.array([2])).rows


def test_bookmarks_round_trip_per_dataset(tmp_path: Path) -> None:
    store = BookmarkStore(tmp_path / "cfg" / "bookmarks.json")
    a, b = tmp_path / "a.ds.tsv.gz", tmp_path / "b.ds.tsv.gz"
    store.save(
        a, [bookmark_of("harbour", np.array([1.0, 2.0, 3.0]), 0.5, -0.2), bookmark_of("peak", np.zeros(3), 1.0, 0.0)]
    )
    store.save(b, [bookmark_of("only b", np.ones(3), 0.0, 0.0)])
    fresh = BookmarkStore(tmp_path / "cfg" / "bookmarks.json")
    assert [m.name for m in fresh.load(a)] == ["harbour", "peak"]
    assert fresh.load(a)[0].position == (1.0, 2.0, 3.0) and fresh.load(a)[0].pitch == pytest.approx(-0.2)
    assert [m.name for m in fresh.load(b)] == ["only b"]
    assert fresh.load(tmp_path / "c.ds.tsv.gz") == []
    assert not list((tmp_path / "cfg").glob("*.part"))  # written whole, then renamed


def test_a_damaged_bookmark_file_reads_as_empty_and_bad_entries_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "bookmarks.json"
    path.write_text("{not json", encoding="utf-8")
    assert BookmarkStore(path).load(tmp_path / "a.ds.tsv.gz") == []
    key = str((tmp_path / "a.ds.tsv.gz").resolve())
    good = {"name": "ok", "position": [0, 0, 0], "yaw": 0, "pitch": 0}
    path.write_text(json.dumps({key: [{"name": "broken"}, good]}), encoding="utf-8")
    assert [m.name for m in BookmarkStore(path).load(tmp_path / "a.ds.tsv.gz")] == ["ok"]


def test_fly_to_ends_facing_the_target_at_the_approach_distance() -> None:
    target = np.array([10.0, 4.0, -2.0])
    end = facing(target, np.zeros(3), 0.5)
    flight = FlyTo((np.zeros(3), 3.0, 0.4), end, 1.5)
    position, yaw, pitch = flight.pose(1.5)
    assert np.linalg.norm(target - position) == pytest.approx(0.5)
    look = np.array([math.cos(pitch) * math.cos(yaw), math.cos(pitch) * math.sin(yaw), math.sin(pitch)])
    assert look @ (target - position) / 0.5 == pytest.approx(1.0)
    assert np.allclose(flight.pose(0.0)[0], 0.0) and flight.done(1.5) and not flight.done(1.0)


def test_a_route_passes_through_every_stop_in_order() -> None:
    stops = [(np.array([float(i), 0.0, 0.0]) * 10, 0.1 * i, 0.0) for i in range(1, 4)]
    route = RouteTour((np.zeros(3), 0.0, 0.0), stops, diagonal=30.0, hold_s=1.0)
    times = np.linspace(0, route.duration_s, 400)
    reached = []
    for t in times:
        position = route.pose(t)[0]
        for i, stop in enumerate(stops):
            if np.allclose(position, stop[0]) and i not in reached:
                reached.append(i)
    assert reached == [0, 1, 2]
    assert np.allclose(route.pose(route.duration_s + 5)[0], stops[-1][0])
