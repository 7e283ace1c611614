"""Incremental label search: exact, then prefix, then substring matches (pure).

Every label is case-folded once into one UTF-8 byte string, each label
between newlines (labels never hold one). The rows are also sorted by the
first 8 bytes of their folded label, read as one big-endian integer, so that
exact and prefix matches are one binary search over integers and a check of
the few rows that share those bytes; substring matches are one scan of the
byte string in C (``bytes.find``). As the user types on, only the previous
answer is searched again. Within each tier, matches keep the dataset's row
order: word datasets are written most frequent first, so the common word
comes before the rare one.

Labels from the binary cache (a :class:`LabelBlob`) are folded block by block
in NumPy where a block is ASCII: ten million labels never become ten million
Python strings.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from explorer.core.cache import LabelBlob

MAX_MATCHES = 1000  # enough to step through with F3; more is noise
KEY_BYTES = 8  # the sort key: a label's first 8 folded bytes
BLOCK = 1 << 20  # labels folded at a time


@dataclass(frozen=True)
class Matches:
    """Rows matching a query, best first, and whether the list was cut at ``MAX_MATCHES``."""

    query: str
    rows: np.ndarray  # int64 dataset rows
    exact: int  # how many of ``rows`` match the whole label
    prefix: int  # how many after those start with the query
    more: bool  # True when further matches were left out
    scanned: int = -1  # where the substring scan has reached in the folded text; -1 once it is done

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def partial(self) -> bool:
        """The substring matches are still being looked for: :meth:`LabelIndex.resume` goes on."""
        return self.scanned >= 0


class Joined(Sequence[str]):
    """The labels, then more texts (region names) after them: one list of what is searched, without a copy."""

    def __init__(self, first: Sequence[str], then: Sequence[str]) -> None:
        self.first, self.then = first, then

    def __len__(self) -> int:
        return len(self.first) + len(self.then)

    def __getitem__(self, index: int) -> str:  # type: ignore[override]
        i = int(index)
        return str(self.first[i]) if i < len(self.first) else str(self.then[i - len(self.first)])

    def __iter__(self) -> Iterator[str]:
        yield from (str(s) for s in self.first)
        yield from (str(s) for s in self.then)


def _folded(text: str) -> bytes:
    return text.casefold().encode("utf-8", "surrogatepass")


def _fold_block(labels: Sequence[str], blob: LabelBlob | None, a: int, b: int) -> tuple[bytes, np.ndarray]:
    """Rows a..b-1 folded, each followed by a newline, and each one's folded length in bytes."""
    if blob is not None:
        lo, hi = int(blob.offsets[a]), int(blob.offsets[b])
        raw = np.asarray(blob.blob[lo:hi])
        if not (raw >= 0x80).any():  # ASCII: casefold is lower-casing A-Z, done in place of a copy
            lengths = np.diff(blob.offsets[a : b + 1]).astype(np.int64)
            out = np.empty(hi - lo + (b - a), dtype=np.uint8)
            ends = np.cumsum(lengths + 1) - 1  # each row's newline
            keep = np.ones(len(out), dtype=bool)
            keep[ends] = False
            out[ends] = ord("\n")
            out[keep] = raw + np.uint8(32) * ((raw >= ord("A")) & (raw <= ord("Z"))).astype(np.uint8)
            return out.tobytes(), lengths
    encoded = [_folded(str(labels[i])) for i in range(a, b)]
    return b"".join(e + b"\n" for e in encoded), np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))


class LabelIndex:
    """Search over one dataset's labels (and any names after them); build it off the UI thread."""

    def __init__(self, labels: Sequence[str], extra: Sequence[str] = ()) -> None:
        blob = labels if isinstance(labels, LabelBlob) else None
        pieces, lengths = [b"\n"], []
        for a in range(0, len(labels), BLOCK):
            text, length = _fold_block(labels, blob, a, min(a + BLOCK, len(labels)))
            pieces.append(text)
            lengths.append(length)
        if len(extra):
            text, length = _fold_block(extra, None, 0, len(extra))
            pieces.append(text)
            lengths.append(length)
        self._text = b"".join(pieces)
        del pieces
        size = np.concatenate(lengths) if lengths else np.zeros(0, dtype=np.int64)
        # starts[i] is where row i's text begins in ``_text``, just after its newline (4 bytes a row
        # where the text allows: ten million rows keep the index near 25 bytes a row).
        starts = np.empty(len(size) + 1, dtype=np.int64)
        starts[0] = 1
        np.cumsum(size + 1, out=starts[1:])
        starts[1:] += 1
        self.starts = starts.astype(np.uint32) if len(self._text) < 2**32 - 1 else starts
        keys = self._keys(starts[:-1], size)
        del starts, size
        self.sorted_rows = np.argsort(keys, kind="stable").astype(np.int32)  # rows, by key, then row order
        self.sorted_keys = keys[self.sorted_rows]
        self._last: Matches | None = None  # the previous query's answer, narrowed as the user types

    def lengths(self, rows: np.ndarray) -> np.ndarray:
        """The folded labels' lengths in bytes."""
        rows = np.asarray(rows, dtype=np.int64)
        out: np.ndarray = self.starts[rows + 1].astype(np.int64) - self.starts[rows].astype(np.int64) - 1
        return out

    def _keys(self, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Each row's first 8 folded bytes as a big-endian integer (zero past its end): byte order is key order."""
        text = np.frombuffer(self._text, dtype=np.uint8)
        keys = np.zeros(len(starts), dtype=np.uint64)
        for j in range(KEY_BYTES):
            byte = np.where(lengths > j, text[np.minimum(starts + j, len(text) - 1)], 0).astype(np.uint64)
            keys = (keys << np.uint64(8)) | byte
        return keys

    def __len__(self) -> int:
        return len(self.starts) - 1

    def _row_at(self, position: int) -> int:
        """The row whose text holds ``position`` of ``_text``."""
        # A scalar of the table's own type: a Python int would make NumPy convert the whole table per call.
        return int(np.searchsorted(self.starts, self.starts.dtype.type(position), side="right")) - 1

    def label(self, row: int) -> bytes:
        """Row ``row``'s case-folded label, as UTF-8."""
        return self._text[int(self.starts[row]) : int(self.starts[row + 1]) - 1]

    def _scan(self, needle: bytes, seen: set[int], limit: int, start: int, stop: int) -> tuple[list[int], bool, int]:
        """Rows where ``needle`` starts in ``_text[start:stop]``, in row order, each once and none of ``seen``.

        Returns them, whether ``limit`` cut them, and where the next scan goes on.
        """
        text, rows = self._text, list[int]()
        end = min(stop + len(needle) - 1, len(text))  # a match that starts before ``stop`` is this slice's
        at = text.find(needle, start, end)
        while at >= 0:
            row = self._row_at(at)
            if row not in seen:
                if len(rows) == limit:
                    return rows, True, at
                rows.append(row)
                seen.add(row)
            at = text.find(needle, int(self.starts[row + 1]) - 1, end)  # on from this row's end
        return rows, False, stop

    def search(self, query: str, limit: int = MAX_MATCHES, *, scan_bytes: int | None = None) -> Matches:
        """Matches of ``query`` (case-insensitive, any script), best first.

        With ``scan_bytes``, the substring scan stops after that many bytes of
        the folded text and the answer is :attr:`~Matches.partial`: a keystroke
        stays short at ten million labels, and :meth:`resume` finds the rest.
        """
        q = _folded(query.replace("\n", " ").replace("\t", " "))
        if not q:
            return Matches(query, np.zeros(0, dtype=np.int64), 0, 0, False)
        last = self._last
        if (last is not None and not last.more and not last.partial and q.startswith(_folded(last.query))
                and limit >= len(last)):  # fmt: skip
            matches = Matches(query, *self._narrowed(q, last.rows))  # typing on: only the last matches can match
        else:
            matches = self._scanned(query, q, limit, scan_bytes)
        self._last = matches
        return matches

    def resume(self, matches: Matches, scan_bytes: int | None = None, limit: int = MAX_MATCHES) -> Matches:
        """A partial answer, scanned on for ``scan_bytes`` more bytes (None: to the end)."""
        if not matches.partial:
            return matches
        q = _folded(matches.query.replace("\n", " ").replace("\t", " "))
        seen = set(matches.rows.tolist())
        stop = len(self._text) if scan_bytes is None else min(matches.scanned + scan_bytes, len(self._text))
        inner, more, at = self._scan(q, seen, limit - len(matches), matches.scanned, stop)
        rows = np.concatenate((matches.rows, np.array(inner, dtype=np.int64)))
        done = more or at >= len(self._text)
        found = Matches(matches.query, rows, matches.exact, matches.prefix, more, -1 if done else at)
        if self._last is matches:
            self._last = found
        return found

    def _tiers(self, q: bytes, rows: list[int], more: bool) -> tuple[np.ndarray, int, int, bool]:
        """Order ``rows`` (row order, all containing ``q``) exact, then prefix, then inside."""
        exact, prefix, inner = list[int](), list[int](), list[int]()
        for row in rows:
            text = self.label(row)
            (exact if text == q else prefix if text.startswith(q) else inner).append(row)
        return np.array(exact + prefix + inner, dtype=np.int64), len(exact), len(prefix), more

    def _narrowed(self, q: bytes, candidates: np.ndarray) -> tuple[np.ndarray, int, int, bool]:
        rows = sorted(int(r) for r in candidates if q in self.label(int(r)))
        return self._tiers(q, rows, False)

    def _starting_with(self, q: bytes) -> tuple[np.ndarray, np.ndarray]:
        """The rows whose label is ``q``, and those that start with it and go on (each in key order)."""
        head = q[:KEY_BYTES]
        low = np.uint64(int.from_bytes(head.ljust(KEY_BYTES, b"\0"), "big"))
        high = np.uint64(int.from_bytes(head.ljust(KEY_BYTES, b"\xff"), "big"))
        first = int(np.searchsorted(self.sorted_keys, low, side="left"))
        end = int(np.searchsorted(self.sorted_keys, high, side="right"))
        if len(q) < KEY_BYTES:
            # A label equal to a short query has the lowest key of the range (zeros after it): one slice each.
            whole = int(np.searchsorted(self.sorted_keys[first:end], low, side="right")) + first
            return self.sorted_rows[first:whole], self.sorted_rows[whole:end]
        rows = self.sorted_rows[first:end]
        if len(q) > KEY_BYTES and len(rows):  # the rest of a long query, byte by byte over the few left
            text = np.frombuffer(self._text, dtype=np.uint8)
            ok = self.lengths(rows) >= len(q)
            begin = self.starts[rows].astype(np.int64)
            for j in range(KEY_BYTES, len(q)):
                ok &= text[np.minimum(begin + j, len(text) - 1)] == q[j]
            rows = rows[ok]
        whole = self.lengths(rows) == len(q)
        return rows[whole], rows[~whole]

    def _scanned(self, query: str, q: bytes, limit: int, scan_bytes: int | None) -> Matches:
        equal, starting = self._starting_with(q)
        exact = _first_rows(equal, limit)
        prefix = _first_rows(starting, limit - len(exact))
        room = limit - len(exact) - len(prefix)
        head = np.concatenate((exact, prefix))
        if len(equal) + len(starting) > len(head):
            return Matches(query, head, len(exact), len(prefix), True)
        found = Matches(query, head, len(exact), len(prefix), False, 0 if room > 0 else -1)
        return self.resume(found, scan_bytes, limit) if room > 0 else found


def _first_rows(rows: np.ndarray, count: int) -> np.ndarray:
    """The ``count`` smallest rows, in order, without sorting them all (a common prefix matches a million)."""
    if count <= 0 or len(rows) == 0:
        return np.zeros(0, dtype=np.int64)
    if len(rows) > count:
        rows = np.partition(rows, count - 1)[:count]
    return np.sort(rows).astype(np.int64)
