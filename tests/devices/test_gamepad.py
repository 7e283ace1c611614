"""Gamepads through the real ``inputs`` parser: ranges, dead zone, buttons, hot-plug."""

from __future__ import annotations

import gc
import os
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from explorer.core.pad import UNPLUGGED, PadEvent, PadState, fallback_ranges, pad_intent
from explorer.devices.gamepad import Gamepads, device_ranges, eviocgabs
from explorer.testing.virtual_pad import EV_ABS, EV_KEY, PS4_NAME, XBOX_NAME, FakePort, discover, record, report


@pytest.fixture
def ports(tmp_path: Path) -> list[FakePort]:
    return []


@pytest.fixture
def pads(ports: list[FakePort]) -> Iterator[Gamepads]:
    pads = Gamepads(discover(ports), rescan_s=0.05)
    pads.start()
    yield pads
    pads.stop()
    for port in ports:
        if port.fd is not None:
            port.unplug()


def plugged(ports: list[FakePort], folder: Path, name: str) -> FakePort:
    port = FakePort(folder, name)
    port.plug()
    ports.append(port)
    return port


def until(pads: Gamepads, check: Callable[[PadState, list[PadEvent]], bool], timeout: float = 3.0) -> list[PadEvent]:
    """Poll like the UI timer does until ``check`` holds; returns every event seen."""
    seen: list[PadEvent] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state, events = pads.poll()
        seen += events
        if check(state, seen):
            return seen
        time.sleep(0.005)
    raise AssertionError(f"timed out; last state {pads.poll()[0]}, events {seen}")


def test_ps4_ranges_are_normalised(pads: Gamepads, ports: list[FakePort], tmp_path: Path) -> None:
    port = plugged(ports, tmp_path, PS4_NAME)
    until(pads, lambda s, e: s.pads == 1)
    port.send(report(("ABS_X", 255), ("ABS_Y", 0), ("ABS_RX", 0), ("ABS_RY", 128), ("ABS_Z", 255), ("ABS_RZ", 64)))
    until(pads, lambda s, e: s.triggers[0] == 1.0)
    state, _ = pads.poll()
    assert state.left == (1.0, -1.0)
    assert state.right[0] == -1.0 and abs(state.right[1]) < 0.01
    assert state.triggers[1] == pytest.approx(64 / 255)


def test_xbox_ranges_are_normalised(pads: Gamepads, ports: list[FakePort], tmp_path: Path) -> None:
    port = plugged(ports, tmp_path, XBOX_NAME)
    until(pads, lambda s, e: s.pads == 1)
    port.send(report(("ABS_X", -32768), ("ABS_Y", 32767), ("ABS_RY", -16384), ("ABS_Z", 1023), ("ABS_RZ", 512)))
    until(pads, lambda s, e: s.triggers[0] == 1.0)
    state, _ = pads.poll()
    assert state.left == pytest.approx((-1.0, 1.0), abs=1e-4)
    assert state.right[1] == pytest.approx(-0.5, abs=1e-3)
    assert state.triggers[1] == pytest.approx(512 / 1023)


def test_an_xbox_360_trigger_beyond_its_range_widens_it() -> None:
    from explorer.core.pad import PadTracker

    tracker = PadTracker(fallback_ranges("Microsoft X-Box 360 pad"))
    tracker.apply("ABS_Z", 255)
    assert tracker.triggers[0] == 1.0
    tracker.apply("ABS_Z", 1023)  # an Xbox One pad behind a generic name
    tracker.apply("ABS_Z", 512)
    assert tracker.triggers[0] == pytest.approx(512 / 1023)


def test_sticks_at_rest_are_inside_the_dead_zone(pads: Gamepads, ports: list[FakePort], tmp_path: Path) -> None:
    port = plugged(ports, tmp_path, PS4_NAME)
    until(pads, lambda s, e: s.pads == 1)
    # A worn PS4 stick rests a few counts off centre; a light touch on R2.
    port.send(report(("ABS_X", 139), ("ABS_Y", 118), ("ABS_RX", 121), ("ABS_RY", 133), ("ABS_RZ", 8)))
    until(pads, lambda s, e: s.left[0] > 0.05)
    state, _ = pads.poll()
    assert pad_intent(state).idle
    port.send(report(("ABS_Y", 0)))  # full forward
    until(pads, lambda s, e: s.left[1] == -1.0)
    move = pad_intent(pads.poll()[0]).move
    assert move[2] > 0.95 and abs(move[0]) < 0.1 and move[1] == 0.0


def test_buttons_map_to_actions_on_both_kinds_of_pad(pads: Gamepads, ports: list[FakePort], tmp_path: Path) -> None:
    ps4 = plugged(ports, tmp_path, PS4_NAME)
    xbox = plugged(ports, tmp_path, XBOX_NAME)
    until(pads, lambda s, e: s.pads == 2)
    ps4.send(report(("BTN_SOUTH", 1)) + report(("BTN_SOUTH", 0)) + report(("ABS_HAT0Y", -1)) + report(("BTN_TL", 1)))
    xbox.send(report(("BTN_EAST", 1), scan=False) + report(("BTN_SELECT", 1), scan=False)
              + report(("BTN_START", 1), scan=False) + report(("BTN_TR", 1), scan=False))  # fmt: skip
    events = until(pads, lambda s, e: len([x for x in e if x.pressed]) >= 7)
    pressed = [(e.button, e.action) for e in events if e.pressed]
    assert ("BTN_SOUTH", "select") in pressed and ("DPAD_UP", "up") in pressed and ("BTN_TL", "previous") in pressed
    assert ("BTN_EAST", "back") in pressed and ("BTN_SELECT", "labels") in pressed
    assert ("BTN_START", "menu") in pressed and ("BTN_TR", "next") in pressed
    assert PadEvent("BTN_SOUTH", False) in events  # releases are reported too
    assert pads.poll()[0].held == {"DPAD_UP", "BTN_TL", "BTN_EAST", "BTN_SELECT", "BTN_START", "BTN_TR"}


def test_any_of_several_pads_steers(pads: Gamepads, ports: list[FakePort], tmp_path: Path) -> None:
    plugged(ports, tmp_path, PS4_NAME)
    xbox = plugged(ports, tmp_path, XBOX_NAME)
    until(pads, lambda s, e: s.pads == 2)
    xbox.send(report(("ABS_RX", 32767)))
    until(pads, lambda s, e: s.right[0] == 1.0)
    assert pad_intent(pads.poll()[0]).look[0] < -0.99  # stick right turns right


def test_unplug_mid_stream_zeroes_the_state_then_the_pad_comes_back(
    pads: Gamepads, ports: list[FakePort], tmp_path: Path
) -> None:
    port = plugged(ports, tmp_path, PS4_NAME)
    until(pads, lambda s, e: s.pads == 1)
    port.send(report(("ABS_Y", 0), ("ABS_RZ", 255), ("BTN_SOUTH", 1)))
    until(pads, lambda s, e: s.left[1] == -1.0)
    port.unplug()  # the pipe closes in the middle of a flight
    events = until(pads, lambda s, e: s.pads == 0)
    state, more = pads.poll()
    assert state == PadState()  # nothing held, no axis left over
    assert PadEvent(UNPLUGGED, True) in events + more
    start = time.monotonic()
    port.plug()
    until(pads, lambda s, e: s.pads == 1)
    port.send(report(("ABS_X", 0)))
    until(pads, lambda s, e: s.left[0] == -1.0)
    assert time.monotonic() - start < 2.0
    assert pads.poll()[0].left[1] == 0.0  # the old forward push did not come back with it


def test_no_pad_at_all_is_quiet(pads: Gamepads) -> None:
    scans = pads.scans
    until(pads, lambda s, e: pads.scans > scans + 2)
    state, events = pads.poll()
    assert state == PadState() and events == [] and pads.names == []


def test_hundred_unplug_replug_cycles_leak_nothing(pads: Gamepads, ports: list[FakePort], tmp_path: Path) -> None:
    port = plugged(ports, tmp_path, XBOX_NAME)
    until(pads, lambda s, e: s.pads == 1)
    gc.collect()  # objects of earlier tests must not close their files during the count
    threads, fds = threading.active_count(), len(os.listdir("/proc/self/fd"))
    tracemalloc.start()
    for cycle in range(100):
        port.send(report(("ABS_X", 32767), ("ABS_RZ", 1023)))
        until(pads, lambda s, e: s.left[0] == 1.0)
        port.unplug()
        until(pads, lambda s, e: s.pads == 0 and s.left[0] == 0.0)
        port.plug()
        until(pads, lambda s, e: s.pads == 1)
        if cycle == 9:
            baseline, _ = tracemalloc.get_traced_memory()
    grown = tracemalloc.get_traced_memory()[0] - baseline
    tracemalloc.stop()
    assert threading.active_count() == threads
    assert len(os.listdir("/proc/self/fd")) == fds
    assert grown < 64 * 1024, f"{grown} bytes more after 90 cycles"


def test_stop_ends_the_thread(ports: list[FakePort], tmp_path: Path) -> None:
    plugged(ports, tmp_path, PS4_NAME)
    pads = Gamepads(discover(ports), rescan_s=0.05)
    pads.start()
    until(pads, lambda s, e: s.pads == 1)
    before = threading.active_count()
    pads.stop()
    assert threading.active_count() == before - 1
    ports[0].unplug()


def test_axis_ranges_come_from_the_device_or_from_its_kind(tmp_path: Path) -> None:
    assert eviocgabs(0) == 0x80184540  # EVIOCGABS(ABS_X) in linux/input.h
    port = FakePort(tmp_path, PS4_NAME)
    port.plug()
    fd = os.open(port.path, os.O_RDONLY | os.O_NONBLOCK)
    try:  # a pipe answers no ioctl: the PS4's known ranges apply
        assert device_ranges(fd, PS4_NAME)["ABS_X"].high == 255
        assert device_ranges(fd, XBOX_NAME)["ABS_X"].low == -32768
        assert device_ranges(fd, XBOX_NAME)["ABS_RZ"].high == 1023
    finally:
        os.close(fd)
        port.unplug()


# ---------------------------------------------------------------------- whatever a device sends


def steers(pads: Gamepads, port: FakePort, value: int = 0) -> None:
    """A forward push of the left stick arrives and steers, then the stick is released."""
    port.send(report(("ABS_Y", value)))
    until(pads, lambda s, e: s.pads == 1 and s.left[1] == -1.0)
    port.send(report(("ABS_Y", 128 if value == 0 else 0)))
    until(pads, lambda s, e: abs(s.left[1]) < 0.05)


def pushed_then_steers(pads: Gamepads, port: FakePort, data: bytes) -> None:
    """``data`` ends a forward push: it arrives, is released, and the stick still steers after."""
    port.send(data)
    until(pads, lambda s, e: s.left[1] == -1.0)
    port.send(report(("ABS_Y", 128)))
    until(pads, lambda s, e: abs(s.left[1]) < 0.05)
    steers(pads, port)


def test_a_read_that_ends_inside_a_record_keeps_the_rest(pads: Gamepads, ports: list[FakePort], tmp_path: Path) -> None:
    port = plugged(ports, tmp_path, PS4_NAME)
    until(pads, lambda s, e: s.pads == 1)
    push = report(("ABS_Y", 0))
    port.send(push[:10])  # not a whole 24-byte record: inputs alone would raise struct.error
    time.sleep(0.2)
    assert pads.poll()[0].pads == 1 and pads._thread is not None and pads._thread.is_alive()
    pushed_then_steers(pads, port, push[10:])  # the record, once whole, counts


def test_unknown_event_types_and_codes_are_skipped_alone(pads: Gamepads, ports: list[FakePort], tmp_path: Path) -> None:
    port = plugged(ports, tmp_path, PS4_NAME)
    until(pads, lambda s, e: s.pads == 1)
    strange = record(0x1F, 0x2, 7) + record(EV_KEY, 0x2FF, 1) + record(EV_ABS, 0x3E, 99)  # no such type; codes
    pushed_then_steers(pads, port, strange + report(("ABS_Y", 0)))  # the push in the same read still counts


def test_random_records_never_end_the_thread(pads: Gamepads, ports: list[FakePort], tmp_path: Path) -> None:
    port = plugged(ports, tmp_path, PS4_NAME)
    until(pads, lambda s, e: s.pads == 1)
    rng = np.random.default_rng(7)
    for _ in range(20):
        port.send(rng.integers(0, 256, size=24 * int(rng.integers(1, 40)), dtype=np.uint8).tobytes())
    port.send(rng.integers(0, 256, size=13, dtype=np.uint8).tobytes())  # and a torn one
    time.sleep(0.3)
    assert pads._thread is not None and pads._thread.is_alive()
    # Whatever the noise left half-read, the pad is read afresh after a rescan, or reads on aligned.
    port.unplug()
    until(pads, lambda s, e: s.pads == 0)
    port.plug()
    until(pads, lambda s, e: s.pads == 1)
    steers(pads, port)


def test_a_pad_whose_read_fails_is_dropped_and_found_again(
    pads: Gamepads, ports: list[FakePort], tmp_path: Path
) -> None:
    port = plugged(ports, tmp_path, PS4_NAME)
    until(pads, lambda s, e: s.pads == 1)
    opened = next(iter(pads._open.values()))
    real = opened.pad._make_event

    def broken(*record):  # a driver that hands over something no parser expects
        opened.pad._make_event = real
        raise RuntimeError("garbled")

    opened.pad._make_event = broken
    port.send(report(("ABS_Y", 0)))
    events = until(pads, lambda s, e: PadEvent(UNPLUGGED, True) in e)
    assert PadEvent(UNPLUGGED, True) in events  # dropped: the camera stops
    until(pads, lambda s, e: s.pads == 1)  # and the rescan finds it again
    steers(pads, port)


def test_extreme_values_do_not_widen_a_range_for_good(pads: Gamepads, ports: list[FakePort], tmp_path: Path) -> None:
    port = plugged(ports, tmp_path, PS4_NAME)
    until(pads, lambda s, e: s.pads == 1)
    port.send(report(("ABS_Z", 2**31 - 1), ("ABS_X", -(2**31))))
    until(pads, lambda s, e: s.triggers[0] == 1.0 and s.left[0] == -1.0)  # clipped, not wrapped
    port.send(report(("ABS_Z", 255), ("ABS_X", 128)))
    until(pads, lambda s, e: abs(s.left[0]) < 0.05)
    assert pads.poll()[0].triggers[0] == 1.0  # a full pull is still a full pull
    port.send(report(("ABS_Z", 0)))
    until(pads, lambda s, e: s.triggers[0] == 0.0)
    steers(pads, port)
