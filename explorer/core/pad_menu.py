"""A small on-screen menu driven by D-pad and buttons, or arrow keys (pure)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Menu:
    """Items are (action, text); the cursor wraps around."""

    title: str
    items: list[tuple[str, str]]
    cursor: int = 0

    def move(self, step: int) -> None:
        self.cursor = (self.cursor + step) % len(self.items)

    @property
    def chosen(self) -> str:
        return self.items[self.cursor][0]

    def text(self) -> str:
        lines = [f"  {'▶' if i == self.cursor else ' '} {text}  " for i, (_, text) in enumerate(self.items)]
        return f"  {self.title}\n\n" + "\n".join(lines) + "\n\n  ✕/A or Enter choose · ○/B or Esc close"
