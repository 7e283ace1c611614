"""The text of the centred help card: titled sections of key / meaning rows (Qt-free formatting)."""

from __future__ import annotations

from collections.abc import Sequence

Rows = Sequence[tuple[str, str]]


def card_rows(rows: Rows, width: int) -> str:
    """The key / meaning lines of a help card, keys padded to ``width``."""
    return "\n".join(f"  {key.ljust(width)}   {meaning}  " for key, meaning in rows)


def card(sections: Sequence[tuple[str, Rows]], footer: str, *, width: int | None = None) -> str:
    """Sections under their titles, keys in one column (as wide as the widest key, or ``width``), then a footer."""
    if width is None:
        width = max((len(key) for _, rows in sections for key, _ in rows), default=0)
    body = "\n\n".join(f"  {title}\n\n" + card_rows(rows, width) for title, rows in sections)
    return f"{body}\n\n  {footer}"
