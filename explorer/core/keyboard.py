"""Keyboard and mouse state to flight intent. Pure: keys are plain names, not Qt codes.

The window translates Qt's key codes to these names; the gamepad adapter
produces the same :class:`~explorer.core.camera.Intent`, so the camera never knows
where its orders came from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from explorer.core.camera import Intent

# name -> (axis, sign); axes 0 right, 1 up, 2 forward
MOVE_KEYS: dict[str, tuple[int, float]] = {
    "w": (2, 1.0), "up": (2, 1.0), "s": (2, -1.0), "down": (2, -1.0),
    "d": (0, 1.0), "right": (0, 1.0), "a": (0, -1.0), "left": (0, -1.0),
    "e": (1, 1.0), "space": (1, 1.0), "q": (1, -1.0), "shift": (1, -1.0),
}  # fmt: skip
BOOST_KEY = "ctrl"
BOOST = 3.0
SPEED_STEP = 1.25
SPEED_LIMITS = (1 / 32, 32.0)
MOUSE_RADIANS_PER_PIXEL = math.radians(0.2)

HELP: list[tuple[str, str]] = [
    ("W A S D / arrows", "fly forward, left, back, right"),
    ("E or Space / Q or Shift", "up / down"),
    ("Ctrl (held)", "fly three times faster"),
    ("drag with the mouse", "look around"),
    ("mouse wheel", "cruising speed up / down"),
    ("Home", "overview of the whole cloud"),
    ("O", "orbit around the centre of view on / off"),
    ("L", "labels on / off"),
    ("Ctrl+O", "open a dataset (or drop a file on the window)"),
    ("F11", "full screen on / off"),
    ("F12", "save a screenshot (PNG)"),
    ("F1", "this help on / off"),
]


@dataclass
class KeyboardMouse:
    """Held keys and the speed setting; turns them into an :class:`Intent`."""

    held: set[str] = field(default_factory=set)
    speed_factor: float = 1.0

    def press(self, name: str) -> None:
        self.held.add(name)

    def release(self, name: str) -> None:
        self.held.discard(name)

    def release_all(self) -> None:
        """Forget held keys: focus left the window, so their releases will never come."""
        self.held.clear()

    def wheel(self, notches: float) -> float:
        """Change cruising speed by whole or fractional wheel notches; returns the new factor."""
        low, high = SPEED_LIMITS
        self.speed_factor = min(high, max(low, self.speed_factor * SPEED_STEP**notches))
        return self.speed_factor

    def intent(self) -> Intent:
        move = [0.0, 0.0, 0.0]
        for name in self.held:
            if name in MOVE_KEYS:
                axis, sign = MOVE_KEYS[name]
                move[axis] += sign
        clamped = (max(-1.0, min(1.0, m)) for m in move)
        boost = (BOOST if BOOST_KEY in self.held else 1.0) * self.speed_factor
        return Intent(move=tuple(clamped), boost=boost)  # type: ignore[arg-type]


def mouse_look(dx_px: float, dy_px: float) -> tuple[float, float]:
    """Yaw and pitch (radians) for a mouse drag: right turns right, up looks up."""
    return -dx_px * MOUSE_RADIANS_PER_PIXEL, -dy_px * MOUSE_RADIANS_PER_PIXEL
