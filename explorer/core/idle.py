"""Exhibition-mode timing: idle clock, held-button chords and long presses (pure).

Times are plain seconds from a monotonic clock, passed in, so tests can drive
hours in microseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Phase(Enum):
    PICKER = "picker"  # the attract screen with the dataset picker
    FLYING = "flying"  # a visitor has the controls
    TOUR = "tour"  # nobody touched anything for a while: the automatic tour


@dataclass
class IdleClock:
    """Flying → tour after ``tour_after_s`` idle; → picker after ``picker_after_s`` idle."""

    tour_after_s: float = 90.0
    picker_after_s: float = 600.0

    def phase(self, current: Phase, idle_s: float) -> Phase:
        if current is Phase.PICKER:
            return Phase.PICKER
        if idle_s >= self.picker_after_s:
            return Phase.PICKER
        if idle_s >= self.tour_after_s:
            return Phase.TOUR
        return Phase.FLYING


@dataclass
class Hold:
    """Fires once when every button of ``buttons`` has been held together for ``seconds``."""

    buttons: frozenset[str]
    seconds: float
    _since: float | None = None
    _fired: bool = False

    def update(self, held: frozenset[str], now: float) -> bool:
        if not self.buttons <= held:
            self._since, self._fired = None, False
            return False
        if self._since is None:
            self._since = now
        if not self._fired and now - self._since >= self.seconds:
            self._fired = True
            return True
        return False

    @property
    def pending(self) -> bool:
        """All buttons are down but the hold has not completed (or has fired): not a tap."""
        return self._since is not None


@dataclass
class Taps:
    """L1/R1 as single taps, told apart from the L1+R1 chord.

    A tap counts on release, and only if the other button of the pair was never
    down meanwhile: pressing both to go back to the picker must not also switch
    dataset.
    """

    pair: tuple[str, str] = ("BTN_TL", "BTN_TR")
    _chord: bool = False
    _down: frozenset[str] = frozenset()

    def update(self, held: frozenset[str]) -> str | None:
        """The button tapped (released without the chord), or None."""
        mine = held & frozenset(self.pair)
        if len(mine) == 2:
            self._chord = True
        released = self._down - mine
        self._down = mine
        tapped = next(iter(released), None) if released and not self._chord else None
        if not mine:
            self._chord = False
        return tapped
