"""The binary cache of a dataset: arrays a later open memory-maps instead of parsing text (pure).

The dataset file (``NAME.ds.tsv.gz``) stays the contract and the source of
truth. Its cache, ``NAME.ds.cache`` beside it (or under
``~/.cache/flythrough/datasets`` where that folder cannot be written), holds
named arrays behind a small JSON header::

    b"FLYCACHE"  uint32 version  uint32 0  uint64 header length  header (JSON)  arrays, each 64-byte aligned

The header names the source (its size, its mtime and a SHA-256 of its first
MiB) and, for every array, its dtype, shape, offset and CRC-32. A cache whose
source has changed is stale; one that is cut short, or whose bytes do not
match their CRC, is damaged. Either is rebuilt, never trusted.

Labels are kept as one UTF-8 blob with offsets (:class:`LabelBlob`), not as
ten million Python strings.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import struct
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from explorer.core.files import atomic_file, cache_home
from explorer.core.ranges import runs

MAGIC = b"FLYCACHE"
VERSION = 1
PREAMBLE = struct.Struct("<8sIIQ")  # magic, version, reserved, header length
ALIGN = 64
HEAD_BYTES = 1 << 20  # the source's first MiB is hashed: a file rewritten with the same size and mtime is caught
CRC_BLOCK = 1 << 24
LENGTHS_BLOCK = 1 << 20  # labels counted at a time: a block's running count stays small
SUFFIX = ".cache"


class CacheError(Exception):
    """A cache that cannot be used: why, in one line (it is then rebuilt)."""


def source_key(source: Path) -> dict[str, Any]:
    """What a cache must match of its source: size, modification time and a hash of its head."""
    stat = source.stat()
    with open(source, "rb") as fh:
        head = hashlib.sha256(fh.read(HEAD_BYTES)).hexdigest()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "head_sha256": head}


def cache_path_for(source: Path) -> Path:
    """``NAME.ds.cache`` beside ``NAME.ds.tsv.gz`` (or any dataset suffix)."""
    name = source.name
    stem = name[: name.index(".ds.") + 3] if ".ds." in name else name
    return source.with_name(stem + SUFFIX)


def fallback_path_for(source: Path) -> Path:
    """Where the cache goes when the dataset's folder cannot be written: keyed by the file's absolute path."""
    digest = hashlib.sha256(str(source.resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return cache_home() / "datasets" / f"{digest}{SUFFIX}"


def writable_cache_path(source: Path) -> Path:
    """Beside the dataset where its folder can be written, else under the user's cache folder."""
    beside = cache_path_for(source)
    if os.access(beside.parent, os.W_OK):
        return beside
    fallback = fallback_path_for(source)
    fallback.parent.mkdir(parents=True, exist_ok=True)
    return fallback


def existing_cache_path(source: Path) -> Path | None:
    """The cache of ``source`` if there is one, beside it first."""
    for candidate in (cache_path_for(source), fallback_path_for(source)):
        if candidate.is_file():
            return candidate
    return None


def _crc(data: np.ndarray) -> int:
    flat = np.ascontiguousarray(data).reshape(-1).view(np.uint8).data
    crc = 0
    for at in range(0, len(flat), CRC_BLOCK):
        crc = zlib.crc32(flat[at : at + CRC_BLOCK], crc)
    return crc


def write_cache(path: Path, key: dict[str, Any], arrays: dict[str, np.ndarray], extra: dict[str, Any]) -> None:
    """Write the arrays and their header atomically (nothing half-written appears under ``path``)."""
    layout: dict[str, dict[str, Any]] = {}
    offset = 0
    for name, array in arrays.items():
        offset = -(-offset // ALIGN) * ALIGN
        array = np.ascontiguousarray(array)
        layout[name] = {"dtype": array.dtype.str, "shape": list(array.shape), "offset": offset, "crc32": _crc(array)}
        offset += array.nbytes
    header = json.dumps({"key": key, "arrays": layout, "extra": extra}, ensure_ascii=True).encode("ascii")
    base = -(-(PREAMBLE.size + len(header)) // ALIGN) * ALIGN
    with atomic_file(path) as fh:
        fh.write(PREAMBLE.pack(MAGIC, VERSION, 0, len(header)))
        fh.write(header)
        fh.write(b"\0" * (base - PREAMBLE.size - len(header)))
        written = 0
        for name, array in arrays.items():
            at = int(layout[name]["offset"])
            fh.write(b"\0" * (at - written))
            fh.write(np.ascontiguousarray(array).reshape(-1).view(np.uint8).data)
            written = at + array.nbytes


@dataclass
class Cache:
    """An open cache: its arrays are read-only views of the memory-mapped file."""

    path: Path
    key: dict[str, Any]
    extra: dict[str, Any]
    arrays: dict[str, np.ndarray]
    _crcs: dict[str, int]
    _map: mmap.mmap
    _spans: dict[str, tuple[int, int]]  # each array's offset in the file and its size in bytes

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name]

    def copy_on_write(self, name: str) -> np.ndarray:
        """A writable view of an array whose pages stay the file's until written (a private mapping).

        The colours are recoloured in place: a copy made at every open would
        cost their size in memory (30 MB at ten million points) even if the
        user never recolours; this costs only the pages a frame reads, and a
        recolouring the pages it writes.
        """
        at, _ = self._spans[name]
        with open(self.path, "rb") as fh:
            private = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_COPY)
        private.madvise(mmap.MADV_RANDOM)
        array = self.arrays[name]
        view: np.ndarray = np.frombuffer(private, dtype=array.dtype, count=array.size, offset=at).reshape(array.shape)
        return view

    def label_file(self, blob: str, offsets: str) -> LabelFile:
        """The labels of a blob and its offsets, read from the file label by label (see :class:`LabelFile`)."""
        if self.arrays[offsets].dtype != np.dtype("<i8") or self.arrays[blob].dtype != np.uint8:
            raise CacheError(f"{self.path}: labels {blob!r} are not a UTF-8 blob with int64 offsets")
        return LabelFile(self.path, self._spans[blob], self._spans[offsets])

    def verify(self, *names: str) -> None:
        """Check the named arrays (all, by default) against their CRC; raises CacheError on the first mismatch.

        The bytes are read from the file, not through the map: checking a cache
        does not make every page of it resident in this process.
        """
        buffer = bytearray(min(CRC_BLOCK, max((size for _, size in self._spans.values()), default=0)))
        with open(self.path, "rb") as fh:
            for name in names or tuple(self.arrays):
                at, size = self._spans[name]
                fh.seek(at)
                crc = 0
                while size > 0:
                    got = fh.readinto(memoryview(buffer)[: min(size, len(buffer))])
                    if not got:
                        raise CacheError(f"{self.path}: cut short (array {name!r} runs past the end)")
                    crc = zlib.crc32(memoryview(buffer)[:got], crc)
                    size -= got
                if crc != self._crcs[name]:
                    raise CacheError(f"{self.path}: array {name!r} is damaged (CRC mismatch)")


def open_cache(path: Path, key: dict[str, Any] | None = None, *, verify: bool = True) -> Cache:
    """Memory-map a cache; with ``key``, it must belong to that version of the source.

    Raises CacheError, saying why, for a missing, stale, cut or damaged file.
    With ``verify=False`` the CRCs are left for :meth:`Cache.verify` (off the UI
    thread, after the first frame).
    """
    try:
        with open(path, "rb") as fh:
            mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError) as exc:  # ValueError: an empty file cannot be mapped
        raise CacheError(f"{path}: cannot be read ({exc})") from None
    # A frame reads a few rows here and there (the labels it shows, the nodes near): without this the
    # kernel maps 64 KB around every page read, and a flight pages in the whole cache.
    mapped.madvise(mmap.MADV_RANDOM)
    arrays: dict[str, np.ndarray] = {}
    crcs: dict[str, int] = {}
    spans: dict[str, tuple[int, int]] = {}
    try:
        magic, version, _, length = PREAMBLE.unpack_from(mapped, 0)
        if magic != MAGIC:
            raise CacheError(f"{path}: not a Flythrough cache")
        if version != VERSION:
            raise CacheError(f"{path}: cache version {version}, this program writes {VERSION}")
        header = json.loads(bytes(mapped[PREAMBLE.size : PREAMBLE.size + length]).decode("ascii"))
        base = -(-(PREAMBLE.size + length) // ALIGN) * ALIGN
        if key is not None and header.get("key") != key:
            raise CacheError(f"{path}: stale (its dataset has changed)")
        for name, spec in header["arrays"].items():
            dtype, shape = np.dtype(spec["dtype"]), tuple(int(s) for s in spec["shape"])
            count = int(np.prod(shape, dtype=np.int64))
            at = base + int(spec["offset"])
            if at + count * dtype.itemsize > len(mapped):
                raise CacheError(f"{path}: cut short (array {name!r} runs past the end)")
            arrays[name] = np.frombuffer(mapped, dtype=dtype, count=count, offset=at).reshape(shape)
            crcs[name] = int(spec["crc32"])
            spans[name] = (at, count * dtype.itemsize)
    except CacheError:
        arrays.clear()  # the views go first: a map with views into it cannot close
        mapped.close()
        raise
    except (struct.error, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        arrays.clear()
        mapped.close()
        raise CacheError(f"{path}: damaged header ({exc.__class__.__name__})") from None
    cache = Cache(path, header["key"], header.get("extra", {}), arrays, crcs, mapped, spans)
    if verify:
        cache.verify()
    return cache


class LabelBlob(Sequence[str]):
    """Labels as one UTF-8 byte blob and int64 offsets: label i is ``blob[offsets[i]:offsets[i + 1]]``.

    Ten million labels cost their bytes and 8 bytes each, instead of a Python
    object each; a label becomes a ``str`` only when asked for.
    """

    def __init__(self, blob: np.ndarray, offsets: np.ndarray, *, check: bool = True) -> None:
        """``check=False`` trusts the offsets to rise (a cache whose CRC vouches for them): nothing is read."""
        if len(offsets) == 0 or offsets[0] != 0 or offsets[-1] != len(blob):
            raise ValueError("label offsets must rise from 0 to the blob's length")
        if check and (np.diff(offsets) < 0).any():
            raise ValueError("label offsets must rise from 0 to the blob's length")
        self.blob, self.offsets = blob, offsets

    @classmethod
    def of(cls, labels: Sequence[str]) -> LabelBlob:
        encoded = [str(label).encode("utf-8", "surrogatepass") for label in labels]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in encoded], out=offsets[1:])
        return cls(np.frombuffer(b"".join(encoded), dtype=np.uint8).copy(), offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, index: int) -> str:  # type: ignore[override]
        i = _label_index(index, len(self))
        return bytes(self.blob[self.offsets[i] : self.offsets[i + 1]]).decode("utf-8", "surrogatepass")

    def __iter__(self) -> Iterator[str]:
        data, offsets = self.blob.tobytes(), self.offsets.tolist()
        for a, b in zip(offsets[:-1], offsets[1:], strict=True):
            yield data[a:b].decode("utf-8", "surrogatepass")

    def lengths(self) -> np.ndarray:
        """Characters per label, counted in the blob (UTF-8 lead bytes) without decoding a label."""
        out = np.empty(len(self), dtype=np.int64)
        offsets = self.offsets
        for a in range(0, len(self), LENGTHS_BLOCK):
            b = min(a + LENGTHS_BLOCK, len(self))
            lo, hi = int(offsets[a]), int(offsets[b])
            leads = np.zeros(hi - lo + 1, dtype=np.int64)
            np.cumsum((self.blob[lo:hi] & 0xC0) != 0x80, out=leads[1:])
            out[a:b] = leads[offsets[a + 1 : b + 1] - lo] - leads[offsets[a:b] - lo]
        return out

    def reordered(self, order: np.ndarray) -> LabelBlob:
        """The labels in another order (label ``i`` of the result is label ``order[i]``), copied as bytes."""
        order = np.asarray(order, dtype=np.int64)
        starts, lengths = self.offsets[:-1][order], np.diff(self.offsets)[order]
        offsets = np.zeros(len(order) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        blob = np.empty(int(offsets[-1]), dtype=np.uint8)
        for a in range(0, len(order), LENGTHS_BLOCK):  # a block at a time: the byte index stays small
            b = min(a + LENGTHS_BLOCK, len(order))
            blob[offsets[a] : offsets[b]] = self.blob[runs(starts[a:b], lengths[a:b])]
        return LabelBlob(blob, offsets, check=False)

    def take(self, rows: np.ndarray) -> list[str]:
        """The labels of some rows (a frame's labels), without touching the others."""
        return [self[int(r)] for r in rows]


def _label_index(index: int, count: int) -> int:
    """``index`` as a label number in ``0 .. count - 1`` (negative counts from the end); IndexError outside."""
    i = int(index)
    if i < 0:
        i += count
    if not 0 <= i < count:
        raise IndexError(f"label {index} of {count}")
    return i


class LabelFile(Sequence[str]):
    """A cache's label blob read label by label from the file (``pread``), never memory-mapped.

    A flight shows a few dozen labels a frame, new ones nearly every frame,
    from all over the cloud. Mapped, each one made a page of the blob and a
    page of the offsets resident, and an hour of flight made the whole blob
    resident (136 MB at ten million points). Read, they cost two small reads
    each and stay in the page cache, not in this process. The file is closed
    with this object.
    """

    OFFSET = struct.Struct("<qq")  # the cache writes int64 offsets, little-endian (numpy's "<i8")

    def __init__(self, path: Path, blob: tuple[int, int], offsets: tuple[int, int]) -> None:
        """``blob`` and ``offsets``: each array's place in the file and its size in bytes."""
        self._file = open(path, "rb", buffering=0)  # noqa: SIM115 (kept open: closed with this object)
        self._blob_at, self._offsets_at = blob[0], offsets[0]
        self._count = offsets[1] // 8 - 1

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: int) -> str:  # type: ignore[override]
        i = _label_index(index, self._count)
        fd = self._file.fileno()
        lo, hi = self.OFFSET.unpack(os.pread(fd, 16, self._offsets_at + 8 * i))
        return os.pread(fd, hi - lo, self._blob_at + lo).decode("utf-8", "surrogatepass")

    def close(self) -> None:
        self._file.close()


class Reordered(Sequence[str]):
    """Labels seen in another order: item ``i`` is ``labels[order[i]]`` (no copy)."""

    def __init__(self, labels: Sequence[str], order: np.ndarray) -> None:
        self.labels, self.order = labels, order

    def __len__(self) -> int:
        return len(self.order)

    def __getitem__(self, index: int) -> str:  # type: ignore[override]
        return str(self.labels[int(self.order[int(index)])])


def label_lengths(labels: Sequence[str]) -> np.ndarray:
    """Characters per label: counted in the blob when the labels are one (no string is made), else by ``len``."""
    if isinstance(labels, LabelBlob):
        return labels.lengths()
    return np.fromiter((len(str(s)) for s in labels), dtype=np.int64, count=len(labels))
