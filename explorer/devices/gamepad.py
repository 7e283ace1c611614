"""Gamepads read with ``inputs`` on one daemon thread, with hot-plug (adapter).

The thread only updates a snapshot and a queue of button changes; the UI
timer reads both each frame, so the UI thread never blocks on a device.
``inputs`` lists devices once, at import; this thread re-scans every second,
so a pad plugged in again steers within two seconds. A pad that goes away
(the read fails, or the stream ends) is dropped at once and reported as an
``UNPLUGGED`` event, so the camera stops instead of running on with the
last axis value.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import select
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from explorer.core.pad import (
    STICKS,
    TRIGGERS,
    UNPLUGGED,
    AxisRange,
    PadEvent,
    PadState,
    PadTracker,
    combine,
    fallback_ranges,
)

log = logging.getLogger(__name__)

RESCAN_S = 1.0
POLL_S = 0.05  # how often the thread looks at its stop flag and the rescan clock
EVENTS_PER_READ = 64
ABS_CODES = {"ABS_X": 0x00, "ABS_Y": 0x01, "ABS_Z": 0x02, "ABS_RX": 0x03, "ABS_RY": 0x04, "ABS_RZ": 0x05}
SKIPPED_NAMES = ("motion sensors", "touchpad")  # a PS4 pad's other event nodes are not sticks


def eviocgabs(axis: int) -> int:
    """The ioctl request for an axis' ``struct input_absinfo`` (six int32): _IOR('E', 0x40 + axis, 24)."""
    return (2 << 30) | (24 << 16) | (ord("E") << 8) | (0x40 + axis)


def device_ranges(fd: int, name: str) -> dict[str, AxisRange]:
    """Each axis' range as the device reports it, or the known range for its kind of pad."""
    ranges = fallback_ranges(name)
    for code, axis in ABS_CODES.items():
        if code not in STICKS and code not in TRIGGERS:
            continue
        try:
            info = fcntl.ioctl(fd, eviocgabs(axis), bytes(24))
        except OSError:
            continue  # not an evdev node (a pipe in tests), or no such axis
        _, low, high, *_ = struct.unpack("6i", info)
        if high > low:
            ranges[code] = AxisRange(low, high)
    return ranges


def installed_pads() -> list[Any]:
    """A fresh scan of /dev/input, as ``inputs`` does at import."""
    import inputs

    return list(inputs.DeviceManager().gamepads)


@dataclass
class _Open:
    pad: Any  # an inputs.GamePad
    fd: int
    tracker: PadTracker
    pending: bytes = b""  # the start of a record whose end has not arrived yet
    skipped: int = 0  # records of event types or codes that inputs does not know


class Gamepads:
    """Every connected pad, merged. ``discover`` lists the pads present now (``inputs`` objects)."""

    def __init__(self, discover: Callable[[], list[Any]] = installed_pads, rescan_s: float = RESCAN_S) -> None:
        self.discover = discover
        self.rescan_s = rescan_s
        self._open: dict[str, _Open] = {}
        self._lock = threading.Lock()
        self._state = PadState()
        self._events: deque[PadEvent] = deque(maxlen=256)
        self._names: list[str] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_scan = 0.0
        self.scans = 0

    # ------------------------------------------------------------------ UI side

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="gamepads", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def poll(self) -> tuple[PadState, list[PadEvent]]:
        """The merged state now, and the button changes since the last call (oldest first).

        Taken together under one lock: an unplug's zeroed state and its
        ``UNPLUGGED`` event always arrive in the same frame.
        """
        with self._lock:
            events = list(self._events)
            self._events.clear()
            return self._state, events

    @property
    def names(self) -> list[str]:
        with self._lock:
            return list(self._names)

    # ------------------------------------------------------------------ thread side

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    self._step()
                except Exception:  # never the end of the thread: drop every pad, rescan, go on
                    log.exception("gamepad thread: unexpected error; dropping the pads until the next scan")
                    for key in list(self._open):
                        self._close(key, report=True)
                    self._stop.wait(POLL_S)
        finally:
            for key in list(self._open):
                self._close(key, report=False)

    def _step(self) -> None:
        if time.monotonic() >= self._next_scan:
            self._rescan()
            self._next_scan = time.monotonic() + self.rescan_s
        fds = [o.fd for o in self._open.values()]
        if not fds:
            self._stop.wait(POLL_S)
            return
        ready, _, _ = select.select(fds, [], [], POLL_S)
        for key, opened in list(self._open.items()):
            if opened.fd in ready:
                self._read(key, opened)

    def _rescan(self) -> None:
        self.scans += 1
        try:
            pads = self.discover()
        except Exception:
            log.exception("gamepad scan failed")
            return
        for pad in pads:
            key = pad.get_char_device_path()
            if key in self._open or any(word in str(pad.name).lower() for word in SKIPPED_NAMES):
                continue
            try:
                fd = os.open(key, os.O_RDONLY | os.O_NONBLOCK)
            except OSError as exc:
                log.warning("cannot open gamepad %s (%s): %s", pad.name, key, exc)
                continue
            # inputs reads through this file; unbuffered, so select() sees every waiting event.
            pad._character_file = os.fdopen(fd, "rb", buffering=0)
            self._open[key] = _Open(pad, fd, PadTracker(device_ranges(fd, str(pad.name))))
            log.info("gamepad connected: %s (%s)", pad.name, key)
            self._publish()

    def _read(self, key: str, opened: _Open) -> None:
        """Read what the pad sent; whatever it sent, the thread goes on (a failing pad is dropped)."""
        try:
            changes = self._events_of(opened)
        except OSError:
            changes = None  # ENODEV: the pad is gone
        except Exception:  # anything a broken device or driver sends: drop the pad, a rescan finds it again
            log.exception("gamepad %s sent what cannot be read; dropped until the next scan", opened.pad.name)
            changes = None
        if changes is None:  # the stream ended, or the pad failed
            self._close(key, report=True)
            return
        self._publish(changes)

    @staticmethod
    def _events_of(opened: _Open) -> list[PadEvent] | None:
        """The button changes in what is waiting; None at the end of the stream.

        Records are parsed by ``inputs`` (its record format and its tables of
        event types and codes), one whole 24-byte record at a time: a read that
        ends inside a record keeps the rest for the next read, and a record of
        an unknown type or code is skipped, not the batch around it.
        """
        import inputs

        data = opened.pad._character_file.read(EVENTS_PER_READ * inputs.EVENT_SIZE)
        if data is None:  # nothing waiting after all (a spurious wake-up)
            return []
        if not data:
            return None
        buffer = opened.pending + data
        whole = len(buffer) - len(buffer) % inputs.EVENT_SIZE
        opened.pending = buffer[whole:]
        changes: list[PadEvent] = []
        for record in struct.iter_unpack(inputs.EVENT_FORMAT, buffer[:whole]):
            try:
                event = opened.pad._make_event(*record)
            except (inputs.UnknownEventCode, inputs.UnknownEventType):
                opened.skipped += 1
                continue
            if event.ev_type in ("Absolute", "Key"):
                changes += opened.tracker.apply(event.code, event.state)
        return changes

    def _close(self, key: str, *, report: bool) -> None:
        opened = self._open.pop(key)
        with contextlib.suppress(OSError):
            opened.pad._character_file.close()
        opened.pad._character_file = None
        log.info("gamepad disconnected: %s", opened.pad.name)
        self._publish([PadEvent(UNPLUGGED, True)] if report else [])

    def _publish(self, changes: list[PadEvent] | None = None) -> None:
        state = combine([o.tracker for o in self._open.values()])
        names = [str(o.pad.name) for o in self._open.values()]
        with self._lock:
            self._state, self._names = state, names
            self._events.extend(changes or ())
