"""The flight loop: keyboard and pads merged, scripted flights, the pad menu's state (pure).

The window hands it the time once a frame and asks whether the frame needs
drawing; the keyboard and the pads write into it as they are read. Knowing
no Qt, it can be flown through minutes of input in a test in microseconds.
"""

from __future__ import annotations

from typing import Protocol

from explorer.core.camera import FlyCamera, Intent, Pose, set_pose
from explorer.core.keyboard import KeyboardMouse
from explorer.core.pad import PadState, merged, pad_intent
from explorer.core.pad_menu import Menu

MAX_STEP_S = 0.1  # a stall must not become a leap


class ScriptedFlight(Protocol):
    """A flight the camera follows on its own: a fly-to, a tour of saved views."""

    @property
    def duration_s(self) -> float: ...

    def pose(self, t: float) -> Pose: ...


class FlightLoop:
    """One camera flown by the keyboard, the pads and scripted flights."""

    def __init__(
        self, camera: FlyCamera | None = None, keys: KeyboardMouse | None = None, *, start: float = 0.0
    ) -> None:
        """``start`` is the clock's reading now: the first step flies from there."""
        self.camera = camera or FlyCamera()
        self.keys = keys or KeyboardMouse()
        self.pad = PadState()  # the pads' merged state, as last read
        self.flight: ScriptedFlight | None = None
        self.menu: Menu | None = None  # the pad menu, while it is open
        self._flight_t0 = 0.0
        self._last = start

    def fly(self, flight: ScriptedFlight, now: float) -> None:
        """Start a scripted flight; the pilot's first input ends it."""
        self.camera.orbiting = False
        self.camera.stop()
        self.flight, self._flight_t0 = flight, now

    def intent(self) -> Intent:
        """The keyboard and the pads together; while the pad menu is open the sticks do not fly."""
        pad = Intent() if self.menu is not None else pad_intent(self.pad)
        return merged(self.keys.intent(), pad)

    def step(self, now: float) -> bool:
        """Advance the camera to ``now``; True when the view changed or the pilot is holding a control."""
        dt = min(max(now - self._last, 0.0), MAX_STEP_S)
        self._last = now
        intent = self.intent()
        scripted = self.flight is not None
        if self.flight is not None:
            if intent.idle:
                t = now - self._flight_t0
                set_pose(self.camera, self.flight.pose(t))
                if t >= self.flight.duration_s:
                    self.flight = None
            else:
                self.flight = None  # any flight input takes the camera back
        self.camera.step(intent, dt)
        return scripted or self.camera.moving or not intent.idle
