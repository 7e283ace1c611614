"""The window flown with a gamepad: response within a frame, unplug stops, buttons act, menu."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from explorer.core.dataset import read_dataset
from explorer.devices.gamepad import Gamepads
from explorer.testing.virtual_pad import PS4_NAME, FakePort, discover, report
from explorer.ui.research.controller import Research
from explorer.ui.window import FlythroughWindow


@pytest.fixture
def port(tmp_path: Path) -> Iterator[FakePort]:
    port = FakePort(tmp_path, PS4_NAME)
    port.plug()
    yield port
    if port.fd is not None:
        port.unplug()


@pytest.fixture
def window(qtbot, isolated_settings, small_dataset: Path, port: FakePort) -> Iterator[FlythroughWindow]:
    pads = Gamepads(discover([port]), rescan_s=0.05)
    pads.start()
    win = FlythroughWindow(label_budget=50, gamepads=pads, drive_frames=False)  # the test drives the frames
    Research(win)  # as the explorer opens it
    qtbot.addWidget(win)
    win.resize(640, 480)
    win.show()
    qtbot.waitExposed(win)
    win.show_dataset(read_dataset(small_dataset), str(small_dataset))
    wait_for(lambda: pads.poll()[0].pads == 1)
    yield win
    pads.stop()


def wait_for(check, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def published(win: FlythroughWindow, check) -> None:
    """Wait until the pad thread has taken the event in (the UI has not run a frame yet)."""
    wait_for(lambda: check(win.gamepads._state))


def test_a_stick_moves_the_camera_in_the_next_frame(window: FlythroughWindow, port: FakePort) -> None:
    start, yaw = window.camera.position.copy(), window.camera.yaw
    port.send(report(("ABS_Y", 0), ("ABS_RX", 255)))  # full forward, look right
    published(window, lambda s: s.left[1] == -1.0 and s.right[0] == 1.0)
    window.tick()  # one frame
    assert window.camera.moving
    assert not np.allclose(window.camera.position, start)
    assert window.camera.yaw != yaw


def test_unplugging_mid_flight_stops_the_camera_at_once(window: FlythroughWindow, port: FakePort) -> None:
    port.send(report(("ABS_Y", 0)))
    published(window, lambda s: s.left[1] == -1.0)
    for _ in range(5):
        window.tick()
        time.sleep(0.01)
    assert window.camera.moving
    port.unplug()
    published(window, lambda s: s.pads == 0)
    window.tick()
    assert not window.camera.moving
    here = window.camera.position.copy()
    for _ in range(5):
        window.tick()
        time.sleep(0.01)
    np.testing.assert_array_equal(window.camera.position, here)  # no runaway from the last value


def press(window: FlythroughWindow, port: FakePort, *changes: tuple[str, int]) -> None:
    """Send button changes and wait until the pad thread has queued them all."""
    port.send(b"".join(report(change) for change in changes))
    wait_for(lambda: len(window.gamepads._events) >= len(changes))


def test_buttons_toggle_labels_change_speed_and_step_datasets(
    make_dataset,
    window: FlythroughWindow,
    port: FakePort,
    tmp_path: Path,
    qtbot,
) -> None:
    press(window, port, ("BTN_SELECT", 1), ("BTN_SELECT", 0))
    window.tick()
    assert not window.scene.labels_on
    press(window, port, ("ABS_HAT0Y", -1), ("ABS_HAT0Y", 0))
    window.tick()
    assert window.keys.speed_factor > 1.0
    other = make_dataset(tmp_path / "zz-other.ds.tsv.gz", n=500)
    window.playlist = [Path(str(window.dataset_path)), other]
    with qtbot.waitSignal(window.dataset_loaded, timeout=10_000) as loaded:
        press(window, port, ("BTN_TR", 1), ("BTN_TR", 0))
        window.tick()
    assert loaded.args[0] == str(other)
    with qtbot.waitSignal(window.dataset_loaded, timeout=10_000) as loaded:
        press(window, port, ("BTN_TL", 1), ("BTN_TL", 0))  # L1 goes back, wrapping around
        window.tick()
    assert Path(loaded.args[0]).name == "small.ds.tsv.gz"


def test_the_menu_is_driven_by_the_pad(window: FlythroughWindow, port: FakePort) -> None:
    press(window, port, ("BTN_START", 1), ("BTN_START", 0))
    window.tick()
    assert window.pad_menu is not None and "Labels: on" in window.card_text()
    press(window, port, ("BTN_SOUTH", 1), ("BTN_SOUTH", 0))  # the first item: labels
    window.tick()
    assert not window.scene.labels_on and "Labels: off" in window.card_text()
    port.send(report(("ABS_Y", 0)))  # sticks do not fly while the menu is open
    published(window, lambda s: s.left[1] == -1.0)
    window.tick()
    assert not window.camera.moving
    press(window, port, ("BTN_EAST", 1))
    window.tick()
    assert window.pad_menu is None
