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
import threading

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

    @property
    def reads_file(self) -> bool:
        """Whether rows come from the file (which may wait on the disk), not from memory."""
        return self._file is not None

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


class RowReader:
    """Rows of a :class:`RowFile` read a batch at a time on a thread of its own, into one pooled buffer.

    A flight brings dozens of new pictures near every frame, and reading their
    thumbnails from a cold page cache waits on the disk: on the UI thread that
    wait is a dropped frame. Here the UI thread asks for a batch and takes it
    a frame or more later; meanwhile it asks for nothing more. An array in
    memory has no file to wait on: its rows are copied at once.

    A read that fails (the file cut short, a row out of range) never ends the
    thread: the batch comes back marked failed, with the error, and the caller
    decides what its rows become.
    """

    def __init__(self, rows: RowFile, batch: int) -> None:
        self.file = rows
        self.buffer = np.zeros((batch, *rows.array.shape[1:]), dtype=rows.array.dtype)
        self._rows = np.zeros(batch, dtype=np.int64)
        self._count = 0  # rows in the batch asked for, 0 when none is
        self._error: Exception | None = None
        self._done = threading.Event()  # the batch asked for has been read (or has failed)
        self._wake = threading.Event()
        self._closing = False
        self._thread: threading.Thread | None = None
        if rows.reads_file:
            self._thread = threading.Thread(target=self._run, name="picture-reader", daemon=True)
            self._thread.start()

    @property
    def idle(self) -> bool:
        """Whether a batch may be asked for: none is being read or waiting to be taken."""
        return self._count == 0

    def request(self, rows: np.ndarray) -> None:
        """Read these rows (the first ``batch`` of them; only when idle)."""
        if not self.idle:
            raise RuntimeError("a batch is already being read")
        n = min(len(rows), len(self.buffer))
        if n == 0:
            return
        self._rows[:n] = rows[:n]
        self._rows[:n].sort()  # the file read in order
        self._count, self._error = n, None
        self._done.clear()
        if self._thread is None:
            self._read()
        else:
            self._wake.set()

    def collect(self) -> tuple[np.ndarray, np.ndarray, Exception | None] | None:
        """The batch asked for, once read: its rows (sorted), their values (views of pooled buffers) and any error.

        The values stay valid until the next :meth:`request`. None while the
        batch is still being read, or when none was asked for.
        """
        if self._count == 0 or not self._done.is_set():
            return None
        n, self._count = self._count, 0
        return self._rows[:n], self.buffer[:n], self._error

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the batch asked for has been read; False if it is still being read after ``timeout``."""
        return self._count == 0 or self._done.wait(timeout)

    def _read(self) -> None:
        try:
            self.file.read(self._rows[: self._count], self.buffer[: self._count])
        except Exception as exc:  # a bad file must not end the reader: the caller is told
            self._error = exc
        self._done.set()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._closing:
                return
            self._read()

    def close(self) -> None:
        """Stop the thread (after the read under way, if any) and close the file."""
        if self._thread is not None:
            self._closing = True
            self._wake.set()
            self._thread.join()
            self._thread = None
        self.file.close()
