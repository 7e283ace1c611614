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
