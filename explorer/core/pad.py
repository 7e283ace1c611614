"""Gamepad events to flight intent and button actions (pure: no ``inputs``, no Qt).

Pads report raw integers whose ranges differ by model: a PS4 pad's sticks run
0..255, an Xbox pad's -32768..32767, triggers 0..255 or 0..1023. Each device's
events go through a :class:`PadTracker` with that device's ranges, which keeps
normalised values: sticks in [-1, 1], triggers in [0, 1], the D-pad as
buttons. :func:`combine` merges every connected pad (any of them steers) and
:func:`pad_intent` turns the result into the camera's :class:`Intent`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from explorer.core.camera import Intent

STICKS: dict[str, tuple[int, int]] = {"ABS_X": (0, 0), "ABS_Y": (0, 1), "ABS_RX": (1, 0), "ABS_RY": (1, 1)}
TRIGGERS: dict[str, int] = {"ABS_Z": 0, "ABS_RZ": 1}  # L2/LT, R2/RT
HATS: dict[str, tuple[str, str]] = {"ABS_HAT0X": ("DPAD_LEFT", "DPAD_RIGHT"), "ABS_HAT0Y": ("DPAD_UP", "DPAD_DOWN")}
DPAD_BUTTONS = {"BTN_DPAD_UP": "DPAD_UP", "BTN_DPAD_DOWN": "DPAD_DOWN",
                "BTN_DPAD_LEFT": "DPAD_LEFT", "BTN_DPAD_RIGHT": "DPAD_RIGHT"}  # fmt: skip

# What each button does; the names are the kernel's (evdev), the same on PS4 and Xbox pads.
ACTIONS: dict[str, str] = {
    "BTN_SOUTH": "select",  # ✕ / A
    "BTN_EAST": "back",  # ○ / B
    "BTN_START": "menu",  # Options / Start (Menu)
    "BTN_SELECT": "labels",  # Share / Back (View)
    "BTN_TL": "previous",  # L1 / LB
    "BTN_TR": "next",  # R1 / RB
    "DPAD_UP": "up",
    "DPAD_DOWN": "down",
    "DPAD_LEFT": "left",
    "DPAD_RIGHT": "right",
}

PAD_HELP: list[tuple[str, str]] = [
    ("left stick", "fly forward, back and sideways"),
    ("right stick", "look around"),
    ("R2 / RT, L2 / LT", "up / down"),
    ("D-pad up / down", "cruising speed up / down"),
    ("D-pad left / right", "fly to the previous / next named region"),
    ("✕ / A", "select (menus, dataset picker)"),
    ("○ / B", "back; in flight, overview of the cloud"),
    ("Share / Back", "labels on / off"),
    ("L1 / R1 (LB / RB)", "previous / next dataset"),
    ("Options / Start", "menu"),
]

STICK_DEAD_ZONE = 0.15  # radial: worn sticks rest up to ~0.1 off centre
TRIGGER_DEAD_ZONE = 0.05
RESPONSE_EXPONENT = 1.8  # fine control near the centre, full speed at the rim


@dataclass(frozen=True)
class AxisRange:
    """An axis' raw range; ``low``..``high`` maps to -1..1 (stick) or 0..1 (trigger)."""

    low: float
    high: float

    def stick(self, value: float) -> float:
        centre, half = (self.low + self.high) / 2, (self.high - self.low) / 2
        return max(-1.0, min(1.0, (value - centre) / half)) if half > 0 else 0.0

    def trigger(self, value: float) -> float:
        span = self.high - self.low
        return max(0.0, min(1.0, (value - self.low) / span)) if span > 0 else 0.0


PS4_RANGES = {**{code: AxisRange(0, 255) for code in STICKS}, **{code: AxisRange(0, 255) for code in TRIGGERS}}
XBOX_360_RANGES = {**{code: AxisRange(-32768, 32767) for code in STICKS},
                   **{code: AxisRange(0, 255) for code in TRIGGERS}}  # fmt: skip
XBOX_ONE_RANGES = {**XBOX_360_RANGES, **{code: AxisRange(0, 1023) for code in TRIGGERS}}
TRIGGER_RANGES = (255, 1023)  # a trigger seen beyond its range widens to the next known one


def fallback_ranges(name: str) -> dict[str, AxisRange]:
    """Known ranges by device name, for when the device cannot be asked (EVIOCGABS)."""
    lowered = name.lower()
    if "xbox" in lowered or "x-box" in lowered or "microsoft" in lowered:
        return dict(XBOX_360_RANGES if "360" in lowered else XBOX_ONE_RANGES)
    if any(word in lowered for word in ("sony", "playstation", "ps4", "ps5", "dualshock", "dualsense")):
        return dict(PS4_RANGES)
    if lowered.endswith("wireless controller"):  # the PS4 pad's own name in the kernel
        return dict(PS4_RANGES)
    return dict(XBOX_360_RANGES)  # most HID pads: signed 16-bit sticks, 8-bit triggers


@dataclass(frozen=True)
class PadEvent:
    """A button going down or up (the D-pad counts as four buttons), or a pad leaving."""

    button: str
    pressed: bool

    @property
    def action(self) -> str | None:
        return ACTIONS.get(self.button)


UNPLUGGED = "UNPLUGGED"


@dataclass(frozen=True)
class PadState:
    """Every connected pad's sticks and buttons, merged; all zero when none is connected."""

    left: tuple[float, float] = (0.0, 0.0)
    right: tuple[float, float] = (0.0, 0.0)
    triggers: tuple[float, float] = (0.0, 0.0)  # L2, R2
    held: frozenset[str] = frozenset()
    pads: int = 0

    @property
    def idle(self) -> bool:
        return not self.held and pad_intent(self).idle


@dataclass
class PadTracker:
    """One device's state, fed its events one at a time."""

    ranges: dict[str, AxisRange]
    sticks: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0, 0.0])  # lx, ly, rx, ry
    triggers: list[float] = field(default_factory=lambda: [0.0, 0.0])
    held: set[str] = field(default_factory=set)

    def apply(self, code: str, value: int) -> list[PadEvent]:
        """Take one absolute-axis or key event; returns the button changes it caused."""
        if code in STICKS:
            stick, axis = STICKS[code]
            self.sticks[2 * stick + axis] = self.ranges[code].stick(value)
            return []
        if code in TRIGGERS:
            self.triggers[TRIGGERS[code]] = self._trigger(code, value)
            return []
        if code in HATS:
            negative, positive = HATS[code]
            return self._set(negative, value < 0) + self._set(positive, value > 0)
        if code.startswith("BTN_") and value in (0, 1):  # 2 is key repeat
            return self._set(DPAD_BUTTONS.get(code, code), value == 1)
        return []

    def _trigger(self, code: str, value: int) -> float:
        r = self.ranges[code]
        if value > r.high:  # e.g. an Xbox One trigger read with the 360's range
            # Only to a range real pads have: a wild value (a glitch, a broken device) is
            # clipped, and must not leave the trigger needing a push it can never give.
            wider = next((high for high in TRIGGER_RANGES if value <= high), None)
            if wider is not None:
                r = self.ranges[code] = AxisRange(r.low, wider)
        return r.trigger(value)

    def _set(self, button: str, down: bool) -> list[PadEvent]:
        if down == (button in self.held):
            return []
        (self.held.add if down else self.held.discard)(button)
        return [PadEvent(button, down)]


def combine(trackers: list[PadTracker]) -> PadState:
    """Any pad steers: axes add up (clipped), held buttons unite."""
    if not trackers:
        return PadState()

    def total(values: list[float]) -> float:
        return max(-1.0, min(1.0, sum(values)))

    sticks = [total([t.sticks[i] for t in trackers]) for i in range(4)]
    triggers = [total([t.triggers[i] for t in trackers]) for i in range(2)]
    held = frozenset().union(*(t.held for t in trackers))
    return PadState((sticks[0], sticks[1]), (sticks[2], sticks[3]), (triggers[0], triggers[1]), held, len(trackers))


def radial_dead_zone(x: float, y: float, dead: float = STICK_DEAD_ZONE) -> tuple[float, float]:
    """Zero inside a circle of radius ``dead``; beyond it, rescaled to start at zero and curved.

    Radial (not per axis), so diagonals do not snap to the axes; the curve
    gives fine control near the centre.
    """
    magnitude = math.hypot(x, y)
    if magnitude <= dead:
        return 0.0, 0.0
    scaled = ((min(magnitude, 1.0) - dead) / (1.0 - dead)) ** RESPONSE_EXPONENT
    return x / magnitude * scaled, y / magnitude * scaled


def _trigger_response(value: float) -> float:
    if value <= TRIGGER_DEAD_ZONE:
        return 0.0
    return float(((min(value, 1.0) - TRIGGER_DEAD_ZONE) / (1.0 - TRIGGER_DEAD_ZONE)) ** RESPONSE_EXPONENT)


def pad_intent(state: PadState, boost: float = 1.0) -> Intent:
    """Left stick flies (up on the stick is forward), right stick looks, triggers climb and sink."""
    lx, ly = radial_dead_zone(*state.left)
    rx, ry = radial_dead_zone(*state.right)
    climb = _trigger_response(state.triggers[1]) - _trigger_response(state.triggers[0])
    # Pads report y growing downward: pushing a stick up gives a negative value.
    return Intent(move=(lx, climb, -ly), look=(-rx, -ry), boost=boost)


def merged(a: Intent, b: Intent) -> Intent:
    """Keyboard and pad at once: axes add up, clipped; ``a``'s boost (the speed setting) wins."""

    def clip(v: float) -> float:
        return max(-1.0, min(1.0, v))

    move = tuple(clip(x + y) for x, y in zip(a.move, b.move, strict=True))
    look = tuple(clip(x + y) for x, y in zip(a.look, b.look, strict=True))
    return Intent(move=move, look=look, boost=a.boost)  # type: ignore[arg-type]
