"""Incremental label search: exact, then prefix, then substring matches (pure).

Every label is case-folded once and joined into one string, each label
between newlines (labels never hold one), and the rows are also kept sorted by
their folded label. Exact and prefix matches are then one binary search;
substring matches are one scan of the joined string in C (``str.find``). As the
user types on, only the previous answer is searched again. A keystroke stays
within milliseconds at a million labels. Within each tier, matches keep the
dataset's row order: word datasets are written most frequent first, so the
common word comes before the rare one.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

import numpy as np

MAX_MATCHES = 1000  # enough to step through with F3; more is noise


@dataclass(frozen=True)
class Matches:
    """Rows matching a query, best first, and whether the list was cut at ``MAX_MATCHES``."""

    query: str
    rows: np.ndarray  # int64 dataset rows
    exact: int  # how many of ``rows`` match the whole label
    prefix: int  # how many after those start with the query
    more: bool  # True when further matches were left out

    def __len__(self) -> int:
        return len(self.rows)


class LabelIndex:
    """Search over one dataset's labels; build it off the UI thread (about 1 s at 1M labels)."""

    def __init__(self, labels: list[str]) -> None:
        folded = [label.casefold() for label in labels]
        self._text = "\n" + "\n".join(folded) + "\n"
        lengths = np.fromiter(map(len, folded), dtype=np.int64, count=len(folded))
        # starts[i] is where row i's text begins in ``_text``, just after its newline.
        self.starts = np.empty(len(folded) + 1, dtype=np.int64)
        self.starts[0] = 1
        np.cumsum(lengths + 1, out=self.starts[1:])
        self.starts[1:] += 1
        self.sorted_rows = np.array(sorted(range(len(folded)), key=folded.__getitem__), dtype=np.int32)
        self._last: Matches | None = None  # the previous query's answer, narrowed as the user types

    def __len__(self) -> int:
        return len(self.starts) - 1

    def _row_at(self, position: int) -> int:
        """The row whose text holds ``position`` of ``_text``."""
        return int(np.searchsorted(self.starts, position, side="right")) - 1

    def label(self, row: int) -> str:
        """Row ``row``'s case-folded label."""
        return self._text[int(self.starts[row]) : int(self.starts[row + 1]) - 1]

    def _scan(self, needle: str, seen: set[int], limit: int, offset: int) -> tuple[list[int], bool]:
        """Rows where ``needle`` occurs, in row order, each once and none of ``seen``;
        ``offset`` is the query's position inside ``needle`` (1 after a newline)."""
        text, rows = self._text, list[int]()
        at = text.find(needle)
        while at >= 0:
            row = self._row_at(at + offset)
            if row not in seen:
                if len(rows) == limit:
                    return rows, True
                rows.append(row)
                seen.add(row)
            at = text.find(needle, int(self.starts[row + 1]) - 1)  # on from this row's end
        return rows, False

    def search(self, query: str, limit: int = MAX_MATCHES) -> Matches:
        """Matches of ``query`` (case-insensitive, any script), best first."""
        q = query.casefold().replace("\n", " ").replace("\t", " ")
        if not q:
            return Matches(query, np.zeros(0, dtype=np.int64), 0, 0, False)
        last = self._last
        if last is not None and not last.more and q.startswith(last.query.casefold()) and limit >= len(last):
            found = self._narrowed(q, last.rows)  # typing on: only the last matches can still match
        else:
            found = self._scanned(q, limit)
        matches = Matches(query, *found)
        self._last = matches
        return matches

    def _tiers(self, q: str, rows: list[int], more: bool) -> tuple[np.ndarray, int, int, bool]:
        """Order ``rows`` (row order, all containing ``q``) exact, then prefix, then inside."""
        exact, prefix, inner = list[int](), list[int](), list[int]()
        for row in rows:
            text = self.label(row)
            (exact if text == q else prefix if text.startswith(q) else inner).append(row)
        return np.array(exact + prefix + inner, dtype=np.int64), len(exact), len(prefix), more

    def _narrowed(self, q: str, candidates: np.ndarray) -> tuple[np.ndarray, int, int, bool]:
        rows = sorted(int(r) for r in candidates if q in self.label(int(r)))
        return self._tiers(q, rows, False)

    def _sorted_range(self, q: str) -> tuple[int, int, int]:
        """Positions in ``sorted_rows`` of the labels starting with ``q``: (first, after exact, end)."""
        key = lambda i: self.label(int(self.sorted_rows[i]))  # noqa: E731
        n = len(self.sorted_rows)
        first = bisect_left(range(n), q, key=key)
        after_exact = bisect_left(range(n), q + "\x00", lo=first, key=key)
        end = bisect_left(range(n), q + "\U0010ffff", lo=after_exact, key=key)
        return first, after_exact, end

    def _scanned(self, q: str, limit: int) -> tuple[np.ndarray, int, int, bool]:
        first, after_exact, end = self._sorted_range(q)
        exact = np.sort(self.sorted_rows[first:after_exact])[:limit].astype(np.int64)
        prefix = np.sort(self.sorted_rows[after_exact:end])[: limit - len(exact)].astype(np.int64)
        room = limit - len(exact) - len(prefix)
        if end - first > limit - room:
            return np.concatenate((exact, prefix)), len(exact), len(prefix), True
        seen = set(self.sorted_rows[first:end].tolist())
        inner, more = self._scan(q, seen, room, 0)
        rows = np.concatenate((exact, prefix, np.array(inner, dtype=np.int64)))
        return rows, len(exact), len(prefix), more
