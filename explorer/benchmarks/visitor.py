"""A seeded, repeatable festival visitor: what children do with a pad over a day, as a timed script.

The script is a list of :class:`Step` (a time, then bytes for the virtual
pad, an unplug or a replug), computed up front from a seed, so that two runs
send the same day. ``Visitor`` plays it on a thread into a
:class:`~explorer.testing.virtual_pad.FakePort`, where the real ``inputs``
parser reads it, as it would a pad.

Over each ``switch_every_s``: bursts of random stick pushes and button
mashing, with short pauses; now and then a pause long enough for the tour; the
Start menu opened and used; then L1+R1 held back to the picker and the next
world chosen. Every ``replug_every_s`` the pad is pulled out and put back.
Every ``picker_idle_every`` cycles the visitor walks away for longer than the
kiosk waits before it returns to the picker, and the next one starts there.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np

from explorer.testing.virtual_pad import FakePort, report

STICKS = ("ABS_X", "ABS_Y", "ABS_RX", "ABS_RY")
TRIGGERS = ("ABS_Z", "ABS_RZ")
MASHED = ("BTN_SOUTH", "BTN_EAST", "BTN_NORTH", "BTN_WEST", "BTN_SELECT", "BTN_START")
SHOULDERS = ("BTN_TL", "BTN_TR")
CENTRE = 128  # a PS4 pad: sticks and triggers 0..255


@dataclass(frozen=True)
class Step:
    at_s: float
    kind: str  # "send", "unplug", "plug", or a mark for the record: "switch", "menu", "idle"
    data: bytes = b""


@dataclass(frozen=True)
class DayPlan:
    """How the visitor's day is shaped; the defaults are a festival day at the kiosk's own timings."""

    minutes: float
    seed: int = 0
    switch_every_s: float = 120.0
    replug_every_s: float = 600.0
    tour_after_s: float = 90.0  # the kiosk's --idle-seconds
    picker_after_s: float = 600.0  # the kiosk's --picker-minutes, in seconds
    tour_pause_every: int = 3  # every third cycle has a pause long enough for the tour
    picker_idle_every: int = 15  # every fifteenth cycle the visitor walks away for good


def _press(button: str, at: float, hold: float) -> list[Step]:
    return [Step(at, "send", report((button, 1))), Step(at + hold, "send", report((button, 0)))]


def _burst(rng: np.random.Generator, at: float, seconds: float) -> list[Step]:
    """Random stick pushes and button mashing for ``seconds``, then everything released."""
    steps, t = [], at
    while t < at + seconds:
        kind = rng.random()
        if kind < 0.5:
            axis = str(rng.choice(STICKS))
            steps.append(Step(t, "send", report((axis, int(rng.integers(0, 256))))))
        elif kind < 0.65:
            steps.append(Step(t, "send", report((str(rng.choice(TRIGGERS)), int(rng.integers(0, 256))))))
        else:  # mashing; a lone L1 or R1 (a world switch) now and then, as children find it
            button = str(rng.choice(SHOULDERS if rng.random() < 0.03 else MASHED))
            steps += _press(button, t, float(rng.uniform(0.03, 0.25)))
        t += float(rng.exponential(0.12))
    release = report(*[(axis, CENTRE) for axis in STICKS], *[(trigger, 0) for trigger in TRIGGERS])
    return [*steps, Step(t, "send", release)]


def _switch(at: float) -> list[Step]:
    """L1+R1 held past the kiosk's chord, then the next world on the picker: D-pad right, ✕."""
    chord = [Step(at, "switch"), Step(at, "send", report(("BTN_TL", 1), ("BTN_TR", 1)))]
    chord.append(Step(at + 1.4, "send", report(("BTN_TL", 0), ("BTN_TR", 0))))
    return [*chord, *_choose_next(at + 2.0)]


def _choose_next(at: float) -> list[Step]:
    return [
        Step(at, "send", report(("ABS_HAT0X", 1))),
        Step(at + 0.1, "send", report(("ABS_HAT0X", 0))),
        *_press("BTN_SOUTH", at + 0.6, 0.1),
    ]


def _menu(at: float) -> list[Step]:
    """Start held open the menu; labels off and on again; ○ closes it."""
    steps = [Step(at, "menu"), *_press("BTN_START", at, 1.1)]
    steps += _press("BTN_SOUTH", at + 1.6, 0.1) + _press("BTN_SOUTH", at + 2.2, 0.1)
    return steps + _press("BTN_EAST", at + 2.8, 0.1)


def day_script(plan: DayPlan) -> list[Step]:
    """The whole day, sorted by time."""
    rng = np.random.default_rng(plan.seed)
    end = plan.minutes * 60
    steps: list[Step] = [*_choose_next(1.0)]  # into the first world from the picker
    cycle, start = 0, 4.0
    while start < end:
        cycle += 1
        t, close = start, start + plan.switch_every_s - 3.0
        if cycle % plan.picker_idle_every == 0:
            t += float(rng.uniform(5, 20))
            steps += _burst(rng, start, t - start)
            steps.append(Step(t, "idle"))
            start = t + plan.picker_after_s + 15.0  # back at the picker by itself: choose from there
            steps += _choose_next(start)
            start += 3.0
            continue
        tour_pause = cycle % plan.tour_pause_every == 0
        if cycle % 2:  # every other cycle starts with the Start menu
            steps += _menu(t)
            t += 3.5
        while t < close:
            length = float(rng.uniform(1.5, 8.0))
            steps += _burst(rng, t, min(length, close - t))
            t += length
            pause = plan.tour_after_s + 8.0 if tour_pause and t < close - plan.tour_after_s - 8.0 else 0.0
            tour_pause = tour_pause and pause == 0.0
            t += pause or float(rng.uniform(0.5, 6.0))
        steps += _switch(close)
        start = close + 3.0
    switches = [s.at_s for s in steps if s.kind == "switch"]
    replug = plan.replug_every_s
    while replug < end:
        at = replug
        while any(-3.0 <= at - t <= 5.0 for t in switches):  # not in the middle of the L1+R1 chord
            at += 1.0
        steps += [Step(at, "unplug"), Step(at + 2.0, "plug")]
        replug += plan.replug_every_s
    return sorted((s for s in steps if s.at_s < end), key=lambda s: s.at_s)


class Visitor:
    """Plays a day script into a virtual pad on a thread of its own."""

    def __init__(self, port: FakePort, steps: list[Step]) -> None:
        self.port = port
        self.steps = steps
        self.replugs = 0
        self.marks: list[tuple[float, str]] = []  # (seconds since start, "switch" | "menu" | "idle")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._play, name="visitor", daemon=True)
        self.started = 0.0

    def start(self) -> None:
        self.started = time.monotonic()
        self._thread.start()

    @property
    def native_id(self) -> int | None:
        """The thread's id in the system, to leave it out of the process's count."""
        return self._thread.native_id

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5.0)

    def _play(self) -> None:
        for step in self.steps:
            if self._stop.wait(max(0.0, self.started + step.at_s - time.monotonic())):
                return
            if step.kind == "send" and self.port.fd is not None:
                self.port.send(step.data)
            elif step.kind == "unplug" and self.port.fd is not None:
                self.port.unplug()
            elif step.kind == "plug" and self.port.fd is None:
                self.port.plug()
                self.replugs += 1
            elif step.kind in ("switch", "menu", "idle"):
                self.marks.append((time.monotonic() - self.started, step.kind))
