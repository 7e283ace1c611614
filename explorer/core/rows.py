"""Rows of a large array copied out on demand: from its file where it is memory-mapped (pure).

A memory map keeps every page it ever read resident in this process. A flight
among a hundred thousand pictures reads each thumbnail once, when it comes near,
and through the map all of them would stay: the whole sidecar (300 MB at 100k
pictures of 32 px) counted against the process after an hour. Read with
``pread``, the rows pass through the page cache, shared and reclaimable, and
the process holds only the buffer they are copied into.
"""

from __future__ import annotations

import os

import numpy as np


class RowFile:
    """``array[rows]`` into a caller's buffer: read from the file of a memory-mapped array, else copied."""

    def __init__(self, array: np.ndarray) -> None:
        self.array = array
        self.row_bytes = int(np.prod(array.shape[1:], dtype=np.int64)) * array.itemsize
        self._file = None
        self._at = 0
        if isinstance(array, np.memmap) and array.filename is not None and array.flags.c_contiguous:
            self._file = open(array.filename, "rb", buffering=0)  # noqa: SIM115 (kept open: closed with this object)
            self._at = int(array.offset)

    def __len__(self) -> int:
        return len(self.array)

    def read(self, rows: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Rows ``rows`` into ``out`` (C-contiguous, ``len(rows)`` rows of the array's shape and type); returns it."""
        if self._file is None:
            return np.take(self.array, rows, axis=0, out=out)
        fd = self._file.fileno()
        flat = out.reshape(len(rows), -1).view(np.uint8)
        for i, row in enumerate(np.asarray(rows, dtype=np.int64).tolist()):
            if not 0 <= row < len(self.array):
                raise IndexError(f"row {row} of {len(self.array)}")
            if os.preadv(fd, [flat[i]], self._at + row * self.row_bytes) != self.row_bytes:
                raise OSError(f"{self._file.name}: cut short at row {row}")
        return out

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
