"""The pad's small on-screen menu, driven by D-pad and buttons, or arrow keys (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class MenuAnswer:
    """What a pad action or key meant to the open menu.

    ``kind`` is "moved" (the cursor), "choose" (``item`` was chosen),
    "adjust" (``item`` stepped by ``step``, ◀ ▶) or "close".
    """

    kind: str
    item: str = ""
    step: int = 0


@dataclass
class Menu:
    """Items are (key, text); the cursor wraps around. ``adjustable`` items also take ◀ ▶."""

    title: str
    items: list[tuple[str, str]]
    cursor: int = 0
    adjustable: frozenset[str] = field(default_factory=frozenset)

    def move(self, step: int) -> None:
        self.cursor = (self.cursor + step) % len(self.items)

    @property
    def chosen(self) -> str:
        return self.items[self.cursor][0]

    def answer(self, action: str) -> MenuAnswer | None:
        """The meaning of a pad action ("up", "select", …) in the menu; None when the menu has no use for it."""
        if action in ("up", "down"):
            self.move(-1 if action == "up" else 1)
            return MenuAnswer("moved")
        if action in ("left", "right") and self.chosen in self.adjustable:
            return MenuAnswer("adjust", self.chosen, -1 if action == "left" else 1)
        if action == "select":
            return MenuAnswer("choose", self.chosen)
        if action in ("back", "menu"):
            return MenuAnswer("close")
        return None

    def text(self) -> str:
        lines = [f"  {'▶' if i == self.cursor else ' '} {text}  " for i, (_, text) in enumerate(self.items)]
        return f"  {self.title}\n\n" + "\n".join(lines) + "\n\n  ✕/A or Enter choose · ○/B or Esc close"
