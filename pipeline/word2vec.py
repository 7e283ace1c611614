"""word2vec's binary format (``.bin``, also gzipped): GoogleNews vectors, gensim's ``binary=True``.

The file starts with an ASCII line ``WORDS DIMENSIONS``. Then, for each word:
the word in UTF-8, one space, and DIMENSIONS little-endian float32 numbers;
the original C tool ends each record with a newline, gensim does not. The
reader streams the file, so ``limit`` and ``keep`` spare the memory of the
words they skip.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO

import numpy as np

from pipeline.errors import located
from pipeline.textfiles import open_binary

CHUNK = 1 << 20
SUFFIXES = (".bin", ".bin.gz")


def is_binary(path: Path) -> bool:
    """Told by content: a ``WORDS DIMENSIONS`` line, then bytes that are not text (float32s).

    A file named ``.bin`` without that line counts as binary too, so that its
    error says what the first line should be.
    """
    try:
        with open_binary(path) as fh:
            head = fh.read(1 << 16)
    except (OSError, EOFError):
        return False
    first, _, rest = head.partition(b"\n")
    fields = first.split()
    if len(fields) != 2 or not all(f.isdigit() for f in fields):
        return path.name.lower().endswith(SUFFIXES)
    try:
        rest.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start < len(rest) - 4  # not just a character cut at the end of the sample
    return b"\x00" in rest


def _header(path: Path, fh: IO[bytes]) -> tuple[int, int]:
    first = fh.readline(256)
    fields = first.split()
    if len(fields) != 2 or not all(f.isdigit() for f in fields):
        raise located(path, 1, "not a word2vec binary file: the first line must be 'WORDS DIMENSIONS'")
    count, dim = int(fields[0]), int(fields[1])
    if dim < 1:
        raise located(path, 1, "word2vec header: the vectors need at least 1 dimension")
    return count, dim


class _Buffer:
    """Bytes of a stream, read a chunk at a time, taken a record at a time."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh, self.data, self.at = fh, b"", 0

    def _more(self) -> bool:
        chunk = self.fh.read(CHUNK)
        if not chunk:
            return False
        self.data = self.data[self.at :] + chunk
        self.at = 0
        return True

    def word(self) -> bytes | None:
        """Bytes up to the next space, leading newlines dropped; None at the end."""
        while True:
            while self.at < len(self.data) and self.data[self.at] in (0x0A, 0x0D):
                self.at += 1
            end = self.data.find(b" ", self.at)
            if end >= 0:
                word, self.at = self.data[self.at : end], end + 1
                return word
            if not self._more():
                rest = self.data[self.at :].strip()
                self.at = len(self.data)
                return rest or None

    def take(self, size: int) -> bytes:
        while len(self.data) - self.at < size and self._more():
            pass
        taken = self.data[self.at : self.at + size]
        self.at += len(taken)
        return taken


def read_binary(
    path: Path,
    *,
    keep: Callable[[str], bool] | None = None,
    limit: int | None = None,
    on_word: Callable[[], None] | None = None,
) -> tuple[list[str], np.ndarray]:
    """Words and float32 vectors of a word2vec binary file; the first occurrence of a word wins."""
    labels: list[str] = []
    rows: list[np.ndarray] = []
    seen: set[str] = set()
    with open_binary(path) as fh:
        count, dim = _header(path, fh)
        size = 4 * dim
        buffer = _Buffer(fh)
        for number in range(1, count + 1):
            raw = buffer.word()
            if raw is None:
                raise located(path, None, f"word {number} of {count}: the file ends early (truncated?)")
            try:
                word = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise located(path, None, f"word {number} of {count}: not valid UTF-8: {raw[:40]!r}") from None
            data = buffer.take(size)
            if len(data) < size:
                raise located(
                    path, None, f"word {number} of {count} ({word!r}): its vector ends after {len(data)} of {size} "
                    "bytes (truncated file?)",
                )  # fmt: skip
            if on_word is not None:
                on_word()
            if word in seen or (keep is not None and not keep(word)):
                continue
            vector = np.frombuffer(data, dtype="<f4").astype(np.float32)
            if not np.isfinite(vector).all():
                raise located(path, None, f"word {number} of {count} ({word!r}): the vector has NaN or infinity")
            seen.add(word)
            labels.append(word)
            rows.append(vector)
            if limit is not None and len(labels) >= limit:
                break
    if not rows and count == 0:
        raise located(path, None, "empty file: no vectors")
    vectors = np.vstack(rows) if rows else np.zeros((0, dim), dtype=np.float32)
    return labels, vectors
