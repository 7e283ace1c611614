"""Kiosk mode in a real window: picker by pad, idle tour, chords, rude words, no way out."""

from __future__ import annotations

import logging
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QApplication

from explorer.core.dataset import Dataset, write_dataset
from explorer.core.idle import Phase
from explorer.core.lod import GPU_FRAME_MS, SOFTWARE_FRAME_MS, is_software
from explorer.core.profanity import RudeWords
from explorer.devices.gamepad import Gamepads
from explorer.render.scene import renderer_string
from explorer.testing.virtual_pad import XBOX_NAME, FakePort, discover, report
from explorer.ui.kiosk.log import log_to_file
from explorer.ui.kiosk.mode import Kiosk

RUDE = ["shit", "fuck", "bollocks", "wanker", "scheiße", "kurwy", "хуя", "cazzo", "mierda", "coño", "prdele", "merda"]


def rude_dataset(path: Path) -> Path:
    """A tight ball of words, a quarter of them rude, in eight languages."""
    rng = np.random.default_rng(1)
    n = 400
    labels = np.array([RUDE[i // 4 % len(RUDE)] if i % 4 == 0 else f"word{i}" for i in range(n)], dtype=object)
    write_dataset(path, Dataset(labels=labels, points=rng.normal(size=(n, 3)).astype(np.float32)))
    return path


@pytest.fixture
def port(tmp_path: Path) -> Iterator[FakePort]:
    port = FakePort(tmp_path, XBOX_NAME)
    port.plug()
    yield port
    if port.fd is not None:
        port.unplug()


@pytest.fixture
def paths(make_dataset, tmp_path: Path) -> list[Path]:
    return [make_dataset(tmp_path / "a.ds.tsv.gz", n=800), rude_dataset(tmp_path / "b.ds.tsv.gz")]


@pytest.fixture
def make_kiosk(qtbot, isolated_settings, port: FakePort, paths: list[Path]) -> Iterator[Callable[..., Kiosk]]:
    made: list[Kiosk] = []

    def make(**kwargs: object) -> Kiosk:
        pads = Gamepads(discover([port]), rescan_s=0.05)
        pads.start()
        win = Kiosk(paths, gamepads=pads, label_budget=100, **kwargs)
        qtbot.addWidget(win)
        win.timer.stop()  # the test drives the frames
        win.resize(640, 480)
        win.show()
        qtbot.waitExposed(win)
        made.append(win)
        until(win, lambda: pads.poll()[0].pads == 1)
        return win

    yield make
    for win in made:
        win.may_quit = True
        win.close()


def until(win: Kiosk, check: Callable[[], bool], timeout: float = 5.0) -> None:
    """Run frames as the timer would until ``check`` holds."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        win.tick()
        QApplication.processEvents()
        time.sleep(0.01)


def frames_for(win: Kiosk, seconds: float) -> None:
    end = time.monotonic() + seconds
    until(win, lambda: time.monotonic() >= end, timeout=seconds + 5)


def fly_into(win: Kiosk, qtbot, index: int = 0) -> None:
    with qtbot.waitSignal(win.explorer.dataset_loaded, timeout=10_000):
        win.choose(index)
    assert win.phase is Phase.FLYING


def test_the_picker_is_driven_by_the_pad_alone(make_kiosk, port: FakePort, paths: list[Path], qtbot) -> None:
    win = make_kiosk()
    assert win.phase is Phase.PICKER and win.stack.currentWidget() is win.picker
    assert win.picker.current == 0
    port.send(report(("ABS_HAT0X", 1)) + report(("ABS_HAT0X", 0)))  # D-pad right
    until(win, lambda: win.picker.current == 1)
    port.send(report(("ABS_X", -32768)))  # a push of the stick: one step left
    until(win, lambda: win.picker.current == 0)
    port.send(report(("ABS_X", 0)))
    frames_for(win, 0.1)
    port.send(report(("ABS_X", 32767)))
    until(win, lambda: win.picker.current == 1)
    frames_for(win, 0.2)
    assert win.picker.current == 1  # held, it does not run on
    port.send(report(("ABS_X", 0)))
    with qtbot.waitSignal(win.explorer.dataset_loaded, timeout=10_000) as loaded:
        port.send(report(("BTN_SOUTH", 1)) + report(("BTN_SOUTH", 0)))
        until(win, lambda: win.explorer.loader is not None)
    assert loaded.args[0] == str(paths[1])
    assert win.phase is Phase.FLYING and win.stack.currentWidget() is win.explorer


def test_idle_starts_the_tour_and_any_input_stops_it(make_kiosk, port: FakePort, qtbot) -> None:
    win = make_kiosk(tour_after_s=0.3, picker_after_s=60)
    fly_into(win, qtbot)
    frames_for(win, 0.1)
    assert win.phase is Phase.FLYING
    until(win, lambda: win.phase is Phase.TOUR)
    start = win.explorer.camera.position.copy()
    frames_for(win, 0.3)
    assert not np.allclose(win.explorer.camera.position, start)  # it flies on its own
    assert win.explorer.scene.labels_on and win.explorer.last_stats.labels_shown > 0
    port.send(report(("ABS_RY", -20000)))  # a nudge of the right stick
    until(win, lambda: win.phase is Phase.FLYING, timeout=1.0)
    port.send(report(("ABS_RY", 0)))
    until(win, lambda: win.phase is Phase.TOUR)
    qtbot.keyPress(win.explorer.vtk_widget, Qt.Key.Key_W)  # the keyboard stops it too
    win.tick()
    assert win.phase is Phase.FLYING
    qtbot.keyRelease(win.explorer.vtk_widget, Qt.Key.Key_W)


def test_long_idle_returns_to_the_picker(make_kiosk, qtbot) -> None:
    win = make_kiosk(tour_after_s=0.2, picker_after_s=0.8)
    fly_into(win, qtbot)
    until(win, lambda: win.phase is Phase.TOUR)
    until(win, lambda: win.phase is Phase.PICKER)
    assert win.stack.currentWidget() is win.picker


def test_holding_l1_and_r1_returns_to_the_picker(make_kiosk, port: FakePort, paths: list[Path], qtbot) -> None:
    win = make_kiosk()
    fly_into(win, qtbot)
    port.send(report(("BTN_TL", 1)))
    frames_for(win, 0.1)
    port.send(report(("BTN_TR", 1)))
    frames_for(win, 0.6)
    assert win.phase is Phase.FLYING  # not yet: the chord is held for a second
    until(win, lambda: win.phase is Phase.PICKER, timeout=1.0)
    port.send(report(("BTN_TL", 0)) + report(("BTN_TR", 0)))
    frames_for(win, 0.2)
    assert (
        win.explorer.dataset_path == paths[0] and win.explorer.loader.isFinished()
    )  # the chord did not also switch dataset


def test_start_opens_the_menu_only_on_a_long_press(make_kiosk, port: FakePort, qtbot) -> None:
    win = make_kiosk()
    fly_into(win, qtbot)
    port.send(report(("BTN_START", 1)) + report(("BTN_START", 0)))  # a child's quick press
    frames_for(win, 0.3)
    assert win.explorer.pad_menu is None
    port.send(report(("BTN_START", 1)))
    until(win, lambda: win.explorer.pad_menu is not None, timeout=2.0)
    assert "Back to the picker" in win.explorer.card_text()


def labels_around(win: Kiosk, steps: int = 40) -> set[str]:
    """The labels drawn while circling the ball of words, close up."""
    labels, shown = win.explorer.dataset.labels, set()
    for step in range(steps):
        angle = step * 0.16
        win.explorer.camera.position = np.array([4 * np.cos(angle), 4 * np.sin(angle), 0.5])
        win.explorer.camera.look_at(np.zeros(3))
        win.explorer.render_frame()
        shown |= {str(labels[i]) for i in win.explorer.scene.shown_rows}
    return shown


def test_every_world_is_checked_while_the_picker_shows(make_kiosk, qtbot) -> None:
    win = make_kiosk()
    qtbot.waitUntil(win.previews.isFinished, timeout=10_000)
    with qtbot.waitSignal(win.rude_checked, timeout=1_000) as checked:
        fly_into(win, qtbot, index=1)
        assert not win.rude_pending  # known as the world is shown: no check runs during the switch
    assert checked.args == [100]
    shown = labels_around(win)
    assert len(shown) > 20 and not shown & set(RUDE)


def test_rude_words_are_never_labelled_in_kiosk_mode(make_kiosk, paths: list[Path], qtbot) -> None:
    win = make_kiosk()
    qtbot.waitUntil(win.previews.isFinished, timeout=10_000)
    later = paths[1].stat().st_mtime_ns + 10**9
    os.utime(paths[1], ns=(later, later))  # changed since the picker read it: checked again when shown
    with qtbot.waitSignal(win.rude_checked, timeout=10_000) as checked:
        fly_into(win, qtbot, index=1)
        assert labels_around(win, 5) == set()  # until the labels are checked, none shows
    assert checked.args == [100] and "100 labels hidden" in win.filter_text()
    shown = labels_around(win)
    assert len(shown) > 20 and not shown & set(RUDE)
    win.toggle_profanity_filter()  # the admin's setting
    assert win.filter_text() == "Rude-word filter: OFF"
    assert labels_around(win) & set(RUDE)
    win.toggle_profanity_filter()
    assert not win.rude_pending  # checked once per file: the answer is kept
    assert not labels_around(win) & set(RUDE)


def test_a_shows_own_word_lists_reach_the_kiosk(make_kiosk, qtbot, tmp_path: Path) -> None:
    more, allow = tmp_path / "more.txt", tmp_path / "allow.txt"
    more.write_text("word5\nword6\n", encoding="utf-8")
    allow.write_text("cazzo\n", encoding="utf-8")
    win = make_kiosk(rude=RudeWords.bundled(extra=[more], allowed=[allow]))
    with qtbot.waitSignal(win.rude_checked, timeout=10_000) as checked:
        fly_into(win, qtbot, index=1)
    hidden = win.explorer.scene.hidden_layer("rude")
    labels = win.explorer.dataset.labels
    assert checked.args == [100 - 8 + 2]  # eight rows of cazzo let through, word5 and word6 hidden
    assert {str(labels[i]) for i in np.flatnonzero(hidden)} >= {"word5", "word6", "kurwy"}
    assert "cazzo" not in {str(labels[i]) for i in np.flatnonzero(hidden)}


def test_the_point_budget_follows_the_frame_time_unless_given(make_kiosk, qtbot) -> None:
    win = make_kiosk()
    fly_into(win, qtbot)
    renderer = renderer_string(win.explorer.render_window)
    frame_budget = win.explorer.scene.frame_budget
    assert frame_budget is not None  # adaptive, toward 25 fps on llvmpipe and 60 on a GPU
    assert frame_budget.target_ms == (SOFTWARE_FRAME_MS if is_software(renderer) else GPU_FRAME_MS)
    assert win.explorer.scene.lod is not None and win.explorer.scene.lod.budget == int(frame_budget.budget)
    every = make_kiosk(point_budget=0)
    fly_into(every, qtbot)
    assert every.explorer.scene.frame_budget is None and every.explorer.scene.lod.budget == 0


def test_esc_and_the_close_button_do_not_quit_but_ctrl_alt_q_does(make_kiosk, qtbot) -> None:
    win = make_kiosk()
    fly_into(win, qtbot)
    qtbot.keyClick(win.explorer.vtk_widget, Qt.Key.Key_Escape)
    win.close()
    QApplication.processEvents()
    assert win.isVisible()
    quit_action = next(a for a in win.actions() if a.shortcut().toString() == "Ctrl+Alt+Q")
    assert win.explorer.actions() == []  # no Ctrl+O, Ctrl+Q & co: the window built no shortcuts at all
    quit_action.trigger()
    assert not win.isVisible()


def test_an_error_in_the_frame_loop_is_logged_and_the_loop_goes_on(make_kiosk, qtbot, tmp_path: Path) -> None:
    win = make_kiosk()
    fly_into(win, qtbot)
    log_file = tmp_path / "kiosk.log"
    hook, level = sys.excepthook, logging.getLogger().level
    log_to_file(log_file)
    real_update = win.explorer.scene.update
    calls = {"n": 0}

    def flaky(*args):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("a glitch in frame two")
        return real_update(*args)

    try:
        win.explorer.scene.update = flaky
        for _ in range(5):
            win.explorer.request_render()
            win.tick()
        assert win.loop_errors == 1 and calls["n"] == 5
        assert "RuntimeError: a glitch in frame two" in log_file.read_text(encoding="utf-8")
    finally:
        sys.excepthook = hook
        logging.getLogger().setLevel(level)  # as it was: later tests must not log more
        for handler in logging.getLogger().handlers[:]:
            if getattr(handler, "baseFilename", None) == str(log_file):
                logging.getLogger().removeHandler(handler)
                handler.close()


def test_the_status_line_says_uptime_memory_fps_world_switches_and_hidden_labels(make_kiosk, qtbot) -> None:
    win = make_kiosk()
    with qtbot.waitSignal(win.rude_checked, timeout=10_000):
        fly_into(win, qtbot, index=1)
    line = win.status_line()
    assert re.fullmatch(
        r"status: up 0:00:\d\d, RSS \d+ MB, \d+ fps, flying in b\.ds\.tsv\.gz, 0 switches, 100 labels hidden", line
    ), line
    win.show_picker()
    with qtbot.waitSignal(win.explorer.dataset_loaded, timeout=10_000):
        win.choose(0)
    assert ", 1 switches, " in win.status_line()


def test_the_tour_visits_the_named_regions_and_says_where_it_is(make_kiosk, paths: list[Path], qtbot) -> None:
    from explorer.core.dataset import read_dataset
    from explorer.core.regions import build_regions
    from explorer.core.tour import region_waypoints

    world = read_dataset(paths[0])
    regions = build_regions(world.points, list(world.labels), sizes=(6,))
    write_dataset(paths[0], Dataset(world.labels, world.points, world.groups, regions=regions))
    win = make_kiosk(tour_after_s=0.2, picker_after_s=60)
    fly_into(win, qtbot)
    until(win, lambda: win.phase is Phase.TOUR)
    tour = win._tour
    assert tour is not None
    for centre in region_waypoints(regions):  # the tour's spline passes through every region's centre
        assert np.linalg.norm(tour.path - centre, axis=1).min() < 1e-6
    hint = win.hud_text()
    assert hint.startswith("touring…") and hint.split("   ·   ")[-1] in regions.names(0)


def test_the_shows_rude_words_hide_region_names_too(make_kiosk, paths: list[Path], qtbot, tmp_path: Path) -> None:
    from explorer.core.dataset import read_dataset
    from explorer.core.regions import build_regions

    world = read_dataset(paths[0])
    regions = build_regions(world.points, list(world.labels), sizes=(6,))
    write_dataset(paths[0], Dataset(world.labels, world.points, world.groups, regions=regions))
    banned = regions.levels[0][0].name.split(" · ")[0]
    extra = tmp_path / "ours.txt"
    extra.write_text(f"{banned}\n", encoding="utf-8")
    win = make_kiosk(rude=RudeWords.bundled(extra=[extra]))
    fly_into(win, qtbot)
    signposts = win.explorer.scene.signposts
    assert signposts is not None and signposts.hidden_at(0)[0] and signposts.hidden_at(0).sum() == 1
    win.toggle_profanity_filter()  # the admin turns the filter off: the name may show again
    assert not signposts.hidden_at(0).any()
    win.toggle_profanity_filter()
