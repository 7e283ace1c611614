"""This process's memory as /proc tells it: resident pages of a mapped file, and by mapping."""

from __future__ import annotations

import mmap
from pathlib import Path

import numpy as np

from explorer.core.process import resident_by_mapping_kb, resident_bytes


def test_a_mapped_file_is_resident_only_where_it_was_read(tmp_path: Path) -> None:
    path = tmp_path / "big.bin"
    path.write_bytes(bytes(32 << 20))
    with open(path, "rb") as fh:
        mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    array = np.frombuffer(mapped, dtype=np.uint8)
    assert resident_bytes(array) == 0  # mapped, never read
    assert int(array[:100].sum()) == 0
    touched = resident_bytes(array)
    assert mmap.PAGESIZE <= touched < 8 << 20  # a page, or the kernel's folio around it: never the whole file
    assert resident_bytes(array[16 << 20 :]) == 0
    mapping = resident_by_mapping_kb()
    assert mapping.get(str(path), 0) * 1024 == touched
    del array
    mapped.close()


def test_memory_this_process_wrote_is_resident() -> None:
    written = np.ones(4 << 20, dtype=np.uint8)
    assert resident_bytes(written) >= written.nbytes - mmap.PAGESIZE
    assert resident_by_mapping_kb()["[anon]"] > 0
