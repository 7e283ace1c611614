"""The research tools in the real window under Xvfb: search, fly-to, picking, neighbours, groups, views."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtCore import QPoint, Qt

from explorer.core.dataset import Dataset, read_dataset, write_dataset
from explorer.core.picking import screen_xy
from explorer.ui.research.controller import Research
from explorer.ui.window import FlythroughWindow


def rich_dataset(make_dataset, folder: Path, *, knn: bool = True, thumbs: bool = False) -> Path:
    """A small clustered cloud with groups, and optionally the kNN and thumbnails sidecars."""
    base = read_dataset(make_dataset(folder / "base.ds.tsv.gz", n=1500, groups=True), sidecars=False)
    rng = np.random.default_rng(3)
    neighbours = rng.integers(0, 1500, size=(1500, 6)).astype(np.int32) if knn else None
    pictures = rng.integers(0, 255, size=(1500, 8, 8, 3), dtype=np.uint8) if thumbs else None
    path = folder / "rich.ds.tsv.gz"
    write_dataset(path, Dataset(base.labels, base.points, base.groups, knn=neighbours, thumbs=pictures))
    return path


def open_window(qtbot, path: Path) -> FlythroughWindow:
    win = FlythroughWindow(label_budget=80, drive_frames=False)  # the test drives the frames
    win.research = Research(win)  # type: ignore[attr-defined]  # kept beside the window for the tests
    qtbot.addWidget(win)
    win.resize(1100, 700)
    win.show()
    qtbot.waitExposed(win)
    win.show_dataset(read_dataset(path), str(path))
    qtbot.waitUntil(lambda: win.research.index is not None, timeout=5000)
    return win


@pytest.fixture
def window(qtbot, isolated_settings, make_dataset, tmp_path: Path) -> Iterator[FlythroughWindow]:
    yield open_window(qtbot, rich_dataset(make_dataset, tmp_path))


def fly_until_still(win: FlythroughWindow, qtbot, limit_s: float = 6.0) -> None:
    deadline = time.monotonic() + limit_s
    while win.flight is not None:
        assert time.monotonic() < deadline, "the flight never ended"
        win.tick()
        qtbot.wait(10)
    win.render_frame()


def on_screen(win: FlythroughWindow, row: int) -> tuple[float, float]:
    """Where a row's point is, in the 3D widget's pixels."""
    width, height = win.render_window.GetSize()
    x, y, depth = screen_xy(win.scene.view(win.camera, width, height), win.dataset.points[row])
    assert depth[0] > 0
    return float(x[0]), float(y[0])


def test_a_keystroke_scans_a_slice_and_the_list_grows_to_the_whole_answer(
    window: FlythroughWindow, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from explorer.core.search import LabelIndex
    from explorer.ui.research import panels

    monkeypatch.setattr(panels, "SCAN_SLICE", 256)  # as ten million labels look to a keystroke
    panel = window.research.search_panel
    panel.box.setText("er")
    first = panel.matches
    assert first is not None and first.partial and "searching" in panel.count.text()
    qtbot.waitUntil(lambda: panel.matches is not None and not panel.matches.partial, timeout=10_000)
    whole = LabelIndex(window.scene.label_texts).search("er")
    assert panel.matches.rows.tolist() == whole.rows.tolist()
    assert panel.results.count() == min(len(whole), panels.SHOWN_MATCHES) and panel.results.currentRow() == 0
    assert "searching" not in panel.count.text()


def test_typing_lists_matches_and_enter_flies_to_the_first(window: FlythroughWindow, qtbot) -> None:
    window.research.open_search()
    assert window.research.search_dock.isVisible()
    qtbot.keyClicks(window.research.search_panel.box, "RIVER")  # case does not matter
    panel = window.research.search_panel
    labels = window.scene.label_texts
    shown = [panel.results.item(i).text().split()[0] for i in range(panel.results.count())]
    assert shown[0] == "river"  # the exact match first
    assert all("river" in s for s in shown) and len(shown) > 3
    qtbot.keyClick(panel.box, Qt.Key.Key_Return)
    row = window.research.selected
    assert labels[row] == "river"
    fly_until_still(window, qtbot)
    x, y = on_screen(window, row)
    width, height = window.render_window.GetSize()
    assert abs(x - width / 2) < 5 and abs(y - height / 2) < 5  # it lands in the middle of the view
    assert row in window.scene.shown_rows  # and its label shows
    assert window.scene.highlight.actor.GetVisibility()


def test_f3_steps_through_the_matches_and_no_match_says_so(window: FlythroughWindow, qtbot) -> None:
    research = window.research
    research.open_search()
    qtbot.keyClicks(research.search_panel.box, "lake")
    matches = research.search_panel.matches.rows.tolist()
    research.search_panel.step(1)
    assert research.selected == matches[0]
    research.search_panel.step(1)
    assert research.selected == matches[1]
    research.search_panel.step(-1)
    assert research.selected == matches[0]
    research.search_panel.step(-1)
    assert research.selected == matches[-1]  # wraps round
    research.search_panel.box.setText("no such word")
    assert research.search_panel.count.text() == "No match"
    assert research.search_panel.results.count() == 0


def test_a_pad_chooses_from_the_result_list(window: FlythroughWindow, qtbot) -> None:
    research = window.research
    research.open_search()
    qtbot.keyClicks(research.search_panel.box, "king")
    matches = research.search_panel.matches.rows.tolist()
    window.pad_action("down")
    window.pad_action("select")
    assert research.selected == matches[1]
    window.pad_action("back")
    assert not research.search_dock.isVisible()


def test_clicking_a_point_selects_it_and_empty_space_clears(window: FlythroughWindow, qtbot) -> None:
    research = window.research
    research.select(100, fly=True)
    fly_until_still(window, qtbot)
    research.select(None)
    x, y = on_screen(window, 100)
    ratio = window.render_window.GetSize()[0] / window.vtk_widget.width()
    qtbot.mouseClick(window.vtk_widget, Qt.MouseButton.LeftButton, pos=QPoint(round(x / ratio), round(y / ratio)))
    picked = research.selected
    assert picked is not None
    px, py = on_screen(window, picked)
    assert np.hypot(px - x, py - y) <= 6 * ratio  # the point under the cursor, or one drawn on it
    window.camera.yaw += np.pi  # turn away from the cloud: nothing under the cursor
    window.camera.position = window.camera.position - window.camera.forward * window.scene.diagonal * 3
    window.render_frame()
    qtbot.mouseClick(window.vtk_widget, Qt.MouseButton.LeftButton, pos=QPoint(round(x / ratio), round(y / ratio)))
    assert research.selected is None
    assert not window.scene.highlight.actor.GetVisibility()


def test_the_panel_lists_the_sidecar_neighbours_and_clicking_one_flies_there(
    window: FlythroughWindow,
    qtbot,
) -> None:
    research, panel = window.research, window.research.selection_panel
    research.select(42)
    knn = window.dataset.knn[42]
    expected = [r for r in knn.tolist() if r != 42]
    listed = [int(panel.original.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(panel.original.count())]
    assert listed == expected
    first = panel.original.item(0).text()
    d = np.linalg.norm(window.dataset.points[expected[0]] - window.dataset.points[42])
    assert first.startswith(window.scene.label_texts[expected[0]]) and f"{d:.3g}" in first
    assert panel.in_3d.count() == 10 and "UMAP kept" in panel.kept.text()
    assert set(window.scene.pinned.tolist()) == {42, *expected}  # their labels always show
    panel.original.itemClicked.emit(panel.original.item(0))
    assert research.selected == expected[0] and window.flight is not None


def test_without_a_sidecar_the_panel_says_so(qtbot, isolated_settings, make_dataset, tmp_path: Path) -> None:
    win = open_window(qtbot, rich_dataset(make_dataset, tmp_path, knn=False))
    win.research.select(5)
    panel = win.research.selection_panel
    assert "No neighbour file" in panel.original_title.text()
    assert not panel.original.isVisible() and panel.in_3d.count() == 10


def test_groups_toggle_and_isolate_from_the_legend(window: FlythroughWindow, qtbot) -> None:
    research, scene = window.research, window.scene
    listing = research.groups_panel.listing
    assert research.groups_dock.isVisible() and listing.count() == len(scene.groups.names) == 6
    assert listing.item(0).text().endswith(f"{int(scene.groups.counts[0]):,}")
    rect = listing.visualItemRect(listing.item(0))
    qtbot.mouseClick(listing.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert not scene.groups.visible[0] and listing.item(0).checkState() == Qt.CheckState.Unchecked
    drawn = scene.drawable_points()
    assert drawn == len(window.dataset) - scene.groups.counts[0]
    hidden_name = scene.groups.names[0]
    for _ in range(20):  # fly about: no label of the hidden group ever shows
        window.camera.position = window.dataset.points[np.random.default_rng(_).integers(1500)] - window.camera.forward
        window.render_frame()
        assert not (window.dataset.groups[window.scene.shown_rows] == hidden_name).any()
    rect = listing.visualItemRect(listing.item(2))
    qtbot.mouseClick(listing.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.AltModifier, rect.center())
    assert scene.groups.visible.tolist() == [False, False, True, False, False, False]
    assert scene.drawable_points() == scene.groups.counts[2]
    research.groups_panel.all_button.click()
    assert scene.groups.all_visible and scene.drawable_points() == len(window.dataset)


def test_colour_modes(window: FlythroughWindow, qtbot) -> None:
    scene, combo = window.scene, window.research.groups_panel.mode
    by_group = scene.point_colours()
    combo.setCurrentIndex(1)
    assert scene.color_mode == "distance" and not np.array_equal(scene.point_colours(), by_group)
    with qtbot.waitSignal(window.research.colours_ready, timeout=10000):
        combo.setCurrentIndex(2)  # density is computed off the UI thread
    assert scene.color_mode == "density"
    assert len(np.unique(scene.point_colours(), axis=0)) > 20


def test_views_persist_across_restarts_and_play_as_a_tour(
    qtbot, isolated_settings, make_dataset, tmp_path: Path
) -> None:
    path = rich_dataset(make_dataset, tmp_path)
    win = open_window(qtbot, path)
    win.camera.position = np.array([1.0, 2.0, 3.0])
    win.camera.yaw, win.camera.pitch = 0.5, 0.1
    win.research.add_bookmark("first")
    win.camera.position = np.array([-4.0, 0.0, 1.0])
    win.research.add_bookmark("second")
    win.close()
    again = open_window(qtbot, path)
    assert [m.name for m in again.research.bookmarks] == ["first", "second"]
    assert any(a.text() == "2. second" for a in again.research.views_menu.actions())
    again.research.go_to_bookmark(0)
    fly_until_still(again, qtbot)
    assert np.allclose(again.camera.position, [1.0, 2.0, 3.0]) and again.camera.yaw == pytest.approx(0.5)
    again.research.play_bookmarks()
    seen = set()
    deadline = time.monotonic() + 20
    while again.flight is not None and time.monotonic() < deadline:
        again.tick()
        for i, mark in enumerate(again.research.bookmarks):
            if np.allclose(again.camera.position, mark.position, atol=1e-6):
                seen.add(i)
        qtbot.wait(5)
    assert seen == {0, 1}


def test_image_datasets_show_pictures_of_the_selection_and_neighbours(
    qtbot,
    isolated_settings,
    make_dataset,
    tmp_path: Path,
) -> None:
    win = open_window(qtbot, rich_dataset(make_dataset, tmp_path, thumbs=True))
    win.research.select(7)
    panel = win.research.selection_panel
    assert panel.picture.isVisible() and not panel.picture.pixmap().isNull()
    assert not panel.original.item(0).icon().isNull() and not panel.in_3d.item(0).icon().isNull()


def columns_dataset(make_dataset, folder: Path) -> Path:
    """The rich cloud with a columns sidecar: a number, a category and a text column of URLs."""
    import pyarrow as pa

    base = read_dataset(make_dataset(folder / "base.ds.tsv.gz", n=1500, groups=True), sidecars=False)
    columns = pa.table({
        "year": pa.array([1900 + i % 120 for i in range(1500)], pa.int32()),
        "colour": [["red", "green", "blue"][i % 3] for i in range(1500)],
        "page": [f"https://example.org/item/{i}?q=a&b" for i in range(1500)],
        "caption": [f"a caption that says {i} and wraps at the panel's edge" for i in range(1500)],
    })  # fmt: skip
    path = folder / "cols.ds.tsv.gz"
    write_dataset(path, Dataset(base.labels, base.points, base.groups, columns=columns))
    return path


def test_columns_colour_the_cloud_show_in_the_selection_and_can_be_searched(
    qtbot, isolated_settings, make_dataset, tmp_path: Path
) -> None:
    win = open_window(qtbot, columns_dataset(make_dataset, tmp_path))
    research = win.research
    qtbot.waitUntil(lambda: bool(research.columns), timeout=5000)
    modes = [research.groups_panel.mode.itemData(i) for i in range(research.groups_panel.mode.count())]
    assert {"column:year", "column:colour"} <= set(modes) and "column:page" not in modes  # URLs are text
    with qtbot.waitSignal(research.colours_ready, timeout=5000):
        research.set_colour_mode("column:year")
    rgb = win.scene.point_colours()  # the colours handed to VTK
    assert not (rgb[0] == rgb[119]).all()  # 1900 and 2019 at the two ends of the map
    key = research.groups_panel.key.text()
    assert "1901 <span" in key and "</span> 2018" in key  # the bar spans the central 98%
    with qtbot.waitSignal(research.colours_ready, timeout=5000):
        research.set_colour_mode("column:colour")
    rgb = win.scene.point_colours()
    assert (rgb[0] == rgb[3]).all() and not (rgb[0] == rgb[1]).all()
    assert "red" in research.groups_panel.key.text() and "500" in research.groups_panel.key.text()

    research.select(7)
    text = research.selection_panel.fields.text()
    assert "<b>year</b>: 1907" in text and 'href="https://example.org/item/7?q=a&amp;b"' in text
    assert research.selection_panel.fields.openExternalLinks() and research.selection_panel.fields.wordWrap()

    panel = research.search_panel
    panel.field.setCurrentIndex(panel.field.findData("caption"))
    qtbot.waitUntil(lambda: panel.index is not None and panel.values is not None, timeout=5000)
    panel.box.setText("says 1234 and")
    assert panel.matches is not None and panel.matches.rows[:1].tolist() == [1234]
    assert "a caption that says 1234" in panel.results.item(0).text()


def test_search_finds_region_names_and_flies_to_see_the_region(
    qtbot, isolated_settings, make_dataset, tmp_path: Path
) -> None:
    from explorer.core.regions import Region, Regions

    base = read_dataset(make_dataset(tmp_path / "base.ds.tsv.gz", n=1500, groups=True), sidecars=False)
    centre = base.points[:200].mean(axis=0)
    regions = Regions([[Region(0, None, "zanzibar quarter", tuple(float(c) for c in centre), 0.5, 200)]],
                      np.array([[0]] * 200 + [[-1]] * 1300, dtype=np.int32))  # fmt: skip
    path = tmp_path / "named.ds.tsv.gz"
    write_dataset(path, Dataset(base.labels, base.points, base.groups, regions=regions))
    win = open_window(qtbot, path)
    panel = win.research.search_panel
    panel.box.setText("zanzibar")
    assert panel.results.count() == 1 and panel.results.item(0).text() == "zanzibar quarter   ▸ region"
    panel.choose_current()
    fly_until_still(win, qtbot)
    distance = float(np.linalg.norm(win.camera.position - centre))
    assert distance == pytest.approx(3.0 * 0.5, rel=0.05)  # stood back to see it whole
    assert win.research.selected is None  # a region is not a point: nothing is selected


def test_the_pad_flies_from_region_to_region(qtbot, isolated_settings, make_dataset, tmp_path: Path) -> None:
    from explorer.core.regions import Region, Regions

    base = read_dataset(make_dataset(tmp_path / "base.ds.tsv.gz", n=1500, groups=True), sidecars=False)
    a, b = base.points[:700].mean(axis=0), base.points[700:].mean(axis=0)
    top = [Region(0, None, "east", tuple(float(c) for c in a), 0.4, 700),
           Region(1, None, "west", tuple(float(c) for c in b), 0.6, 800)]  # fmt: skip
    path = tmp_path / "two.ds.tsv.gz"
    members = np.array([[0]] * 700 + [[1]] * 800, dtype=np.int32)
    write_dataset(path, Dataset(base.labels, base.points, base.groups, regions=Regions([top], members)))
    win = open_window(qtbot, path)
    for expected, centre, radius in (("east", a, 0.4), ("west", b, 0.6), ("east", a, 0.4)):
        win.pad_action("right")  # D-pad right: the next named region
        assert win.statusBar().currentMessage() == expected
        fly_until_still(win, qtbot)
        assert float(np.linalg.norm(win.camera.position - centre)) == pytest.approx(3.0 * radius, rel=0.05)
    win.pad_action("left")
    fly_until_still(win, qtbot)
    assert float(np.linalg.norm(win.camera.position - b)) == pytest.approx(1.8, rel=0.05)


def test_the_tour_records_in_the_background_while_the_window_flies_on(window: FlythroughWindow, qtbot,
                                                                       tmp_path: Path) -> None:  # fmt: skip
    out = tmp_path / "tour.gif"
    seen: list[tuple[int, int]] = []
    recording = window.research.record(out, seconds=1.0, size=(160, 90))
    recording.progress.connect(lambda done, total: seen.append((done, total)))
    with qtbot.waitSignal(recording.finished, timeout=90_000) as finished:
        while recording.process.state() != recording.process.ProcessState.NotRunning:
            window.tick()  # the window keeps drawing meanwhile
            qtbot.wait(20)
    assert finished.args == [True, str(out)] and out.stat().st_size > 0
    assert seen and seen[-1] == (30, 30)  # one second at 30 frames a second, reported frame by frame
    assert window.statusBar().currentMessage() == f"Wrote {out}"
