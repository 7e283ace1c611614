"""The real window under Xvfb: it draws, labels show, bad files don't kill it, F12 saves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtCore import Qt

from explorer.core.colors import BACKGROUND
from explorer.core.dataset import Dataset, read_dataset
from explorer.ui.research.controller import Research
from explorer.ui.window import FlythroughWindow

BG = np.array(BACKGROUND) * 255


@pytest.fixture
def window(qtbot, isolated_settings, small_dataset: Path) -> FlythroughWindow:
    win = FlythroughWindow(label_budget=150, drive_frames=False)  # tests drive frames themselves
    Research(win)  # as the explorer opens it
    qtbot.addWidget(win)
    win.resize(800, 600)
    win.show()
    qtbot.waitExposed(win)
    win.show_dataset(read_dataset(small_dataset), str(small_dataset))
    return win


def lit(pixels: np.ndarray) -> np.ndarray:
    """Pixels clearly brighter than the background."""
    return np.abs(pixels.astype(float) - BG).sum(axis=2) > 60


def test_a_frame_renders_points(window: FlythroughWindow) -> None:
    pixels = window.view_pixels()
    assert pixels.shape[0] > 400 and pixels.shape[1] == 800
    assert lit(pixels).mean() > 0.01


def test_a_paint_event_asks_the_frame_loop_for_a_frame_and_draws_none_itself(window: FlythroughWindow) -> None:
    window.render_frame()
    renders: list[int] = []
    window.render_window.AddObserver("StartEvent", lambda *_: renders.append(1))
    window.vtk_widget.repaint()  # Qt paints the widget now
    assert renders == []  # a widget render would draw the scene with the last frame's labels
    window.tick()
    assert renders == [1]  # the next frame draws it, once
    window.tick()
    assert renders == [1]  # and nothing more until something changes


def test_labels_appear_and_disappear(window: FlythroughWindow) -> None:
    window.camera.position = window.dataset.points[0] - window.camera.forward * 2.0  # among the words
    with_labels = window.view_pixels()
    assert window.last_stats.labels_shown > 5
    window.toggle_labels()
    without = window.view_pixels()
    assert window.last_stats.labels_shown == 0
    # Labels are near-white text; points are coloured and dimmer.
    white = lambda p: (p.min(axis=2) > 170).sum()  # noqa: E731
    assert white(with_labels) > white(without) + 200


def test_keys_fly_and_release_stops(window: FlythroughWindow, qtbot) -> None:
    start = window.camera.position.copy()
    window.vtk_widget.setFocus()
    qtbot.keyPress(window.vtk_widget, Qt.Key.Key_W)
    for _ in range(10):
        window.tick()
        qtbot.wait(10)
    assert np.linalg.norm(window.camera.position - start) > 0
    qtbot.keyRelease(window.vtk_widget, Qt.Key.Key_W)
    assert window.keys.intent().idle
    for _ in range(90):  # three seconds of simulated frames: the glide ends
        window.camera.step(window.keys.intent(), 1 / 30)
    assert not window.camera.moving


def test_a_bad_file_shows_the_message_and_the_app_keeps_running(window: FlythroughWindow, qtbot, tmp_path) -> None:
    bad = tmp_path / "bad.ds.tsv"
    bad.write_text("one\t1\t2\t3\ntwo\t1\toops\t3\n", encoding="utf-8")
    shown = window.dataset
    with qtbot.waitSignal(window.load_failed, timeout=10_000) as signal:
        window.open_path(bad)
    assert signal.args[0] == f"{bad}:2: y is not a number: 'oops'"
    assert window.error_box is not None and window.error_box.isVisible()
    assert f"{bad}:2:" in window.error_box.text()
    assert window.dataset is shown
    window.error_box.close()
    assert lit(window.view_pixels()).mean() > 0.01  # still flying


def test_open_in_background_remembers_recent_files(make_dataset, window: FlythroughWindow, qtbot, tmp_path) -> None:
    other = make_dataset(tmp_path / "other.ds.tsv", n=500, groups=True)
    with qtbot.waitSignal(window.dataset_loaded, timeout=10_000):
        window.open_path(other)
    assert len(window.dataset) == 500
    assert window.recent_files()[0] == str(other.resolve())
    assert window.recent_menu.actions()[0].text() == str(other.resolve())


def test_a_first_open_shows_its_progress_and_stays_responsive(
    make_dataset, window: FlythroughWindow, qtbot, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PyQt6.QtCore import QTimer

    from explorer.core import dataset as dataset_module
    from explorer.core.cache import cache_path_for

    monkeypatch.setattr(dataset_module, "PARSE_CHUNK", 400)  # a small file read in chunks, as a big one is
    path = make_dataset(tmp_path / "first.ds.tsv.gz", n=3000)
    cache_path_for(path).unlink()  # never opened: no cache yet
    steps: list[tuple[str, float]] = []
    window.loading_progress.connect(lambda step, done: steps.append((step, done)))
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))  # the UI thread's event loop, running meanwhile
    timer.start(1)
    with qtbot.waitSignal(window.dataset_loaded, timeout=20_000):
        window.open_path(path)
    timer.stop()
    names = [step for step, _ in steps]
    assert names.count("reading") >= 5  # chunk by chunk
    assert names.index("reading") < names.index("building the level of detail") < names.index("colouring")
    done = [d for _, d in steps]
    assert done == sorted(done) and done[0] >= 0 and done[-1] <= 1
    assert window.progress.isHidden() and len(window.dataset) == 3000
    assert len(ticks) > 0
    qtbot.waitUntil(lambda: cache_path_for(path).is_file(), timeout=10_000)  # the next open maps it


def test_a_parquet_table_of_points_opens_as_it_is(window: FlythroughWindow, qtbot, tmp_path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    points = np.random.default_rng(2).normal(size=(300, 3)) * 50 + 1000
    path = tmp_path / "mine.parquet"
    pq.write_table(pa.table({"name": [f"p{i}" for i in range(300)], "x": points[:, 0], "y": points[:, 1],
                             "z": points[:, 2], "score": np.arange(300.0)}), path)  # fmt: skip
    with qtbot.waitSignal(window.dataset_loaded, timeout=10_000):
        window.open_path(path)
    assert window.dataset.labels[7] == "p7" and window.dataset.columns.column_names == ["score"]
    np.testing.assert_allclose(window.dataset.points, points, rtol=1e-6)
    assert lit(window.view_pixels()).mean() > 0.01  # framed and drawn


def cloud_of(scale: float, stray: bool = False) -> Dataset:
    rng = np.random.default_rng(9)
    points = rng.normal(size=(3000, 3)) * scale
    if stray:
        points[0] = (1e7 * scale, 0, 0)
    return Dataset(labels=np.array([f"w{i}" for i in range(3000)], dtype=object), points=points.astype(np.float32))


@pytest.mark.parametrize("scale", [1e-20, 1e20])
def test_any_magnitude_is_framed_and_drawn_as_unit_scale_is(window: FlythroughWindow, scale: float) -> None:
    window.show_dataset(cloud_of(1.0))
    unit = lit(window.view_pixels()).mean()
    window.show_dataset(cloud_of(scale))
    drawn = lit(window.view_pixels()).mean()
    assert unit > 0.01 and drawn == pytest.approx(unit, rel=0.2)
    window.camera.position = window.dataset.points[5] - window.camera.forward * 0.3 * scale
    window.render_frame()
    assert window.last_stats.labels_shown > 0  # labels at that scale too


def test_a_stray_point_leaves_the_cloud_framed_and_the_hud_says_so(window: FlythroughWindow) -> None:
    window.show_dataset(cloud_of(1.0))
    plain = lit(window.view_pixels()).mean()
    window.show_dataset(cloud_of(1.0, stray=True))
    assert lit(window.view_pixels()).mean() == pytest.approx(plain, rel=0.2)  # once: an empty screen
    assert "(1 far outside the frame)" in window.default_hud_text()


def test_region_names_show_from_afar_in_the_same_text_as_the_labels(window: FlythroughWindow) -> None:
    from explorer.core.regions import build_regions

    plain = cloud_of(1.0)
    regions = build_regions(plain.points, list(plain.labels), sizes=(6, 18))
    named = Dataset(plain.labels, plain.points, regions=regions)
    window.show_dataset(plain)
    before = window.view_pixels().astype(int)
    window.show_dataset(named)
    after = window.view_pixels().astype(int)
    assert window.last_stats.names_shown >= 3
    drawn = window.scene.label_mesh.chars_used - sum(len(window.dataset.labels[r]) for r in window.scene.shown_rows)
    assert drawn >= 3 * 5  # the names' characters are in the labels' mesh
    assert (np.abs(after - before).sum(axis=2) > 120).sum() > 200  # and on screen
    window.scene.labels_on = False
    window.render_frame()
    assert window.last_stats.names_shown == 0  # the labels switch turns the names off too


def test_a_dataset_without_region_sidecars_gets_them_computed(window: FlythroughWindow, qtbot, make_dataset,
                                                              tmp_path) -> None:  # fmt: skip
    plain = make_dataset(tmp_path / "plain.ds.tsv.gz", n=2000)
    with qtbot.waitSignal(window.dataset_loaded, timeout=10_000):
        window.open_path(plain)
    assert window.dataset.regions is not None and len(window.dataset.regions.levels[0]) == 16
    assert window.scene.signposts is not None  # the names are drawn


def test_f12_writes_a_png_and_says_where(window: FlythroughWindow, qtbot, isolated_settings) -> None:
    pictures = isolated_settings.parent / "Pictures"
    pictures.mkdir()
    with qtbot.waitActive(window):
        window.activateWindow()
    window.vtk_widget.setFocus()
    qtbot.keyClick(window.vtk_widget, Qt.Key.Key_F12)
    saved = list(pictures.glob("flythrough-*.png"))
    assert len(saved) == 1
    assert saved[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(saved[0]) in window.statusBar().currentMessage()
    assert not list(pictures.glob(".*"))  # no temporary file left behind


def test_groups_get_distinct_colours_and_a_legend_with_counts(make_dataset, window: FlythroughWindow, tmp_path) -> None:
    grouped = make_dataset(tmp_path / "grouped.ds.tsv.gz", n=2000, groups=True)
    dataset = read_dataset(grouped)
    window.show_dataset(dataset, str(grouped))
    window.render_frame()
    counts = dataset.group_counts()
    lines = [actor.GetInput() for actor in window.scene.legend]
    assert lines == [f"{name}  {count:,}" for name, count in counts.items()]
    colours = {tuple(round(c, 3) for c in a.GetTextProperty().GetColor()) for a in window.scene.legend}
    assert len(colours) == len(counts)
    window.show_dataset(read_dataset(make_dataset(tmp_path / "plain.ds.tsv", n=500)), None)
    assert window.scene.legend == []


def test_dropping_a_file_opens_it(make_dataset, window: FlythroughWindow, qtbot, tmp_path) -> None:
    from PyQt6.QtCore import QMimeData, QPointF, QUrl
    from PyQt6.QtGui import QDropEvent

    dropped = make_dataset(tmp_path / "dropped.ds.tsv", n=700)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(dropped))])
    event = QDropEvent(
        QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    )
    with qtbot.waitSignal(window.dataset_loaded, timeout=10_000):
        window.dropEvent(event)
    assert len(window.dataset) == 700 and window.windowTitle().startswith("dropped.ds.tsv")
