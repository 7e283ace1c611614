"""Rows of a memory-mapped array read from its file: the same bytes as through the map, none left resident."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from explorer.core.process import resident_bytes
from explorer.core.rows import RowFile


def test_rows_read_from_the_file_equal_the_arrays_and_leave_nothing_resident(tmp_path: Path) -> None:
    array = np.random.default_rng(0).integers(0, 256, size=(5_000, 8, 8, 3), dtype=np.uint8)
    np.save(tmp_path / "a.npy", array)
    mapped = np.load(tmp_path / "a.npy", mmap_mode="r")
    rows = RowFile(mapped)
    out = np.zeros((4, 8, 8, 3), dtype=np.uint8)
    picked = np.array([4_999, 0, 17, 2_500])
    assert rows.read(picked, out) is out and np.array_equal(out, array[picked])
    assert resident_bytes(mapped) == 0
    with pytest.raises(IndexError):
        rows.read(np.array([5_000]), out[:1])
    rows.close()
    in_memory = RowFile(array)  # not a file map: copied as it is
    assert np.array_equal(in_memory.read(picked, out), array[picked])


def test_a_reader_brings_rows_from_its_thread_and_memory_rows_at_once(tmp_path: Path) -> None:
    from explorer.core.rows import RowReader

    array = np.random.default_rng(1).integers(0, 256, size=(2_000, 4, 4, 3), dtype=np.uint8)
    np.save(tmp_path / "a.npy", array)
    threaded = RowReader(RowFile(np.load(tmp_path / "a.npy", mmap_mode="r")), batch=8)
    at_once = RowReader(RowFile(array), batch=8)
    asked = np.array([1_999, 3, 700, 3_000 - 2_000, 42, 5, 6, 7, 8, 9])  # more than a batch: the first 8 are read
    for reader in (threaded, at_once):
        assert reader.idle and reader.collect() is None
        reader.request(asked)
        assert not reader.idle
        with pytest.raises(RuntimeError):
            reader.request(asked)  # one batch at a time
        assert reader.wait(10)
        got = reader.collect()
        assert got is not None and reader.idle
        rows, values, error = got
        assert error is None and rows.tolist() == sorted(asked[:8].tolist())
        assert np.array_equal(values, array[rows])
        reader.close()
