"""The binary cache: arrays round-trip memory-mapped; a stale, cut or damaged cache is refused; labels as a blob."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from explorer.core.cache import (
    CacheError,
    LabelBlob,
    LabelFile,
    cache_path_for,
    existing_cache_path,
    open_cache,
    source_key,
    writable_cache_path,
    write_cache,
)


def arrays() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "points": rng.normal(size=(1001, 3)).astype(np.float32),
        "order": rng.permutation(1001).astype(np.int32),
        "groups": rng.integers(0, 7, 1001).astype(np.uint16),
        "empty": np.zeros((0, 3), dtype=np.float64),
    }


def test_arrays_round_trip_memory_mapped_with_their_key(tmp_path: Path) -> None:
    source = tmp_path / "w.ds.tsv.gz"
    source.write_bytes(b"x\t1\t2\t3\n")
    path = cache_path_for(source)
    assert path.name == "w.ds.cache"
    key = source_key(source)
    write_cache(path, key, arrays(), {"groups": ["a", "b"]})
    cache = open_cache(path, key)
    for name, array in arrays().items():
        got = cache[name]
        assert got.dtype == array.dtype and np.array_equal(got, array)
        assert not got.flags.writeable  # a view of the mapped file, not a copy
    assert cache.extra == {"groups": ["a", "b"]}
    assert existing_cache_path(source) == path
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_a_touched_or_rewritten_source_makes_the_cache_stale(tmp_path: Path) -> None:
    source = tmp_path / "w.ds.tsv.gz"
    source.write_bytes(b"x\t1\t2\t3\n")
    key = source_key(source)
    path = cache_path_for(source)
    write_cache(path, key, arrays(), {})
    os.utime(source, ns=(key["mtime_ns"] + 10**9, key["mtime_ns"] + 10**9))  # touched
    with pytest.raises(CacheError, match="stale"):
        open_cache(path, source_key(source))
    source.write_bytes(b"y\t1\t2\t3\n")  # same size, new bytes
    os.utime(source, ns=(key["mtime_ns"], key["mtime_ns"]))  # and even the old time
    with pytest.raises(CacheError, match="stale"):
        open_cache(path, source_key(source))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda b: b[: len(b) - 100], "cut short"),
        (lambda b: b"NOTACACHE" + b[9:], "not a Flythrough cache"),
        (lambda b: b[:24] + b"{" * 20 + b[44:], "damaged header"),
        (lambda b: b[:-8] + bytes(8 * [0xFF]), "is damaged"),
        (lambda b: b"", "cannot be read"),
    ],
)
def test_a_damaged_cache_is_refused_with_the_reason(tmp_path: Path, damage, message: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "w.ds.cache"
    write_cache(path, {"size": 1}, arrays() | {"tail": np.arange(100, dtype=np.int64)}, {})
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(CacheError, match=message):
        open_cache(path, {"size": 1})


def test_damage_can_be_found_after_the_first_frame(tmp_path: Path) -> None:
    path = tmp_path / "w.ds.cache"
    write_cache(path, {}, {"a": np.arange(1000, dtype=np.int64)}, {})
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))
    cache = open_cache(path, {}, verify=False)  # opens at once...
    with pytest.raises(CacheError, match="'a' is damaged"):
        cache.verify()  # ... and the check, off the UI thread, finds it


def test_a_read_only_folder_puts_the_cache_under_the_user_cache(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    folder = tmp_path / "ro"
    folder.mkdir()
    source = folder / "w.ds.tsv.gz"
    source.write_bytes(b"x\t1\t2\t3\n")
    assert writable_cache_path(source) == folder / "w.ds.cache"
    # A folder this user may not write (root may write anywhere, so the answer is given here).
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == folder else real_access(p, mode))
    path = writable_cache_path(source)
    assert path.parent == tmp_path / "home-cache" / "flythrough" / "datasets" and path.suffix == ".cache"
    write_cache(path, source_key(source), arrays(), {})
    assert existing_cache_path(source) == path  # found there next time


def test_labels_of_any_unicode_survive_the_blob(tmp_path: Path) -> None:
    labels = ["", "a", "straße", "кошка", "日本語", "👩‍👩‍👧", "tab\there", "new\nline", "\x00nul", "é" * 300, "\ud800"]
    blob = LabelBlob.of(labels)
    assert len(blob) == len(labels) and list(blob) == labels
    assert [blob[i] for i in range(len(labels))] == labels and blob[-1] == labels[-1]
    assert blob.take(np.array([5, 2])) == [labels[5], labels[2]]
    with pytest.raises(IndexError):
        blob[len(labels)]
    path = tmp_path / "l.ds.cache"
    write_cache(path, {}, {"blob": blob.blob, "offsets": blob.offsets}, {})
    cache = open_cache(path, {})
    assert list(LabelBlob(cache["blob"], cache["offsets"])) == labels
    with pytest.raises(ValueError, match="offsets"):
        LabelBlob(blob.blob, blob.offsets[::-1].copy())


def test_labels_read_from_the_cache_file_match_the_blob_and_close_with_it(tmp_path: Path) -> None:
    labels = ["", "a", "straße", "кошка", "日本語", "👩‍👩‍👧", "tab\there", "é" * 300, "\ud800", "last"]
    blob = LabelBlob.of(labels)
    path = tmp_path / "l.ds.cache"
    write_cache(path, {}, {"points": np.zeros((3, 3), np.float32), "blob": blob.blob, "offsets": blob.offsets}, {})
    read = open_cache(path, {}).label_file("blob", "offsets")
    assert isinstance(read, LabelFile) and len(read) == len(labels)
    assert list(read) == labels and read[-1] == "last" and read[-len(labels)] == ""
    with pytest.raises(IndexError):
        read[len(labels)]
    with pytest.raises(CacheError, match="int64 offsets"):
        open_cache(path, {}).label_file("points", "offsets")
    fd = read._file.fileno()
    os.fstat(fd)
    read.close()
    with pytest.raises(OSError):
        os.fstat(fd)
