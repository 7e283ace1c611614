"""Read, write and validate Flythrough datasets (``NAME.ds.tsv.gz`` and sidecars).

The format is the original browser demo's: UTF-8, no header, one point per line,
``label<TAB>x<TAB>y<TAB>z[<TAB>group]``. This module is the only reader and the
only writer; the pipeline imports it. It is pure Python (no Qt, no VTK).
"""

from __future__ import annotations

import csv
import dataclasses
import gzip
import io
import json
import os
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from explorer.core.dataset_cache import Derived, read_cached_rows, write_cached_rows
from explorer.core.files import atomic_file
from explorer.core.octree import Octree
from explorer.core.regions import Regions, RegionsError, read_regions, write_regions

DATASET_SUFFIXES = (".tsv.gz", ".tsv")
META_SUFFIX = ".meta.json"
THUMBS_SUFFIX = ".thumbs.npy"
KNN_SUFFIX = ".knn.npy"
COLUMNS_SUFFIX = ".columns.parquet"
REGIONS_SUFFIX, REGION_MEMBERS_SUFFIX = ".regions.json", ".regions.npy"
_TAB, _NEWLINE = ord("\t"), ord("\n")


class DatasetError(Exception):
    """A dataset file is unreadable or breaks the format; says where and why."""

    def __init__(self, path: str | os.PathLike[str], line: int | None, problem: str) -> None:
        self.path = Path(path)
        self.line = line
        self.problem = problem
        where = f"{self.path}:{line}" if line is not None else f"{self.path}"
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True, eq=False)
class Dataset:
    """Points with their labels, optional groups and optional sidecars."""

    labels: Any  # object array of str, shape [N]; or a LabelBlob from the binary cache (read_dataset(blob_labels=True))
    points: np.ndarray  # float32, shape [N, 3]
    groups: np.ndarray | None = None  # object array of str, shape [N]
    meta: dict[str, Any] = field(default_factory=dict)
    knn: np.ndarray | None = None  # int32, shape [N, k], indices into rows
    path: Path | None = None
    thumbs: np.ndarray | None = None  # uint8, shape [N, S, S, 3]: small pictures of image datasets
    columns: Any = None  # a pyarrow Table: every other column of the input, in row order, with its type
    regions: Regions | None = None  # named regions, coarse to fine
    # From the binary cache (explorer.core.dataset_cache), when the file had a valid one: the
    # level-of-detail octree, and the points in its order (memory-mapped).
    octree: Octree | None = None
    ordered_points: np.ndarray | None = None
    derived: Derived | None = None  # the default colours, label lengths and frame, in octree order
    ordered_labels: Any = None  # the labels in octree order (a LabelFile, read from the cache)

    def __post_init__(self) -> None:
        n = len(self.labels)
        if self.points.shape != (n, 3):
            raise ValueError(f"points must have shape ({n}, 3), not {self.points.shape}")
        if self.groups is not None and len(self.groups) != n:
            raise ValueError(f"groups must have {n} entries, not {len(self.groups)}")
        if self.knn is not None and (self.knn.ndim != 2 or self.knn.shape[0] != n):
            raise ValueError(f"knn must have shape ({n}, k), not {self.knn.shape}")
        if self.thumbs is not None and (self.thumbs.ndim != 4 or self.thumbs.shape[0] != n):
            raise ValueError(f"thumbs must have shape ({n}, S, S, 3), not {self.thumbs.shape}")
        if self.regions is not None and len(self.regions) != n:
            raise ValueError(f"regions must cover {n} points, not {len(self.regions)}")
        if self.columns is not None and self.columns.num_rows != n:
            raise ValueError(f"columns must have {n} rows, not {self.columns.num_rows}")

    def __len__(self) -> int:
        return len(self.labels)

    def group_counts(self) -> dict[str, int]:
        """Points per group, largest first; empty when the dataset has no groups."""
        if self.groups is None:
            return {}
        names, counts = np.unique(self.groups.astype(str), return_counts=True)
        order = np.lexsort((names, -counts))
        return {str(names[i]): int(counts[i]) for i in order}

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper corners of the axis-aligned bounding box."""
        if len(self) == 0:
            zero = np.zeros(3, dtype=np.float32)
            return zero, zero
        return self.points.min(axis=0), self.points.max(axis=0)


# ----------------------------------------------------------------- file names


def dataset_base(path: str | os.PathLike[str]) -> Path:
    """``x/NAME.ds.tsv.gz`` -> ``x/NAME.ds``: the stem that sidecar names extend."""
    p = Path(path)
    for suffix in DATASET_SUFFIXES:
        if p.name.endswith(suffix) and len(p.name) > len(suffix):
            return p.with_name(p.name[: -len(suffix)])
    raise DatasetError(p, None, "not a dataset file name: expected it to end in .tsv.gz or .tsv")


def datasets_in(folder: str | os.PathLike[str]) -> list[Path]:
    """The dataset files of a folder (``NAME.ds.tsv.gz``, ``NAME.ds.tsv``), sorted by name."""
    names = tuple(f".ds{suffix}" for suffix in DATASET_SUFFIXES)
    return sorted(p for p in Path(folder).iterdir() if p.name.endswith(names))


def meta_path(path: str | os.PathLike[str]) -> Path:
    base = dataset_base(path)
    return base.with_name(base.name + META_SUFFIX)


def knn_path(path: str | os.PathLike[str]) -> Path:
    base = dataset_base(path)
    return base.with_name(base.name + KNN_SUFFIX)


def thumbs_path(path: str | os.PathLike[str]) -> Path:
    base = dataset_base(path)
    return base.with_name(base.name + THUMBS_SUFFIX)


def regions_paths(path: str | os.PathLike[str]) -> tuple[Path, Path]:
    """The regions sidecars: the named regions (JSON) and each point's region per level (NumPy)."""
    base = dataset_base(path)
    return base.with_name(base.name + REGIONS_SUFFIX), base.with_name(base.name + REGION_MEMBERS_SUFFIX)


def columns_path(path: str | os.PathLike[str]) -> Path:
    base = dataset_base(path)
    return base.with_name(base.name + COLUMNS_SUFFIX)


# ----------------------------------------------------------------- reading


Progress = Callable[[str, float], None]  # (what is being done, fraction of the whole done): for a progress bar


def read_dataset(
    path: str | os.PathLike[str], *, sidecars: bool = True, blob_labels: bool = False, progress: Progress | None = None
) -> Dataset:
    """Read and validate a dataset; raise :class:`DatasetError` on any problem.

    The rows come from the binary cache when it matches the file (a memory map,
    no parsing), else from the file itself. With ``blob_labels`` the labels of
    a cached dataset stay its UTF-8 blob (a :class:`LabelBlob`, as the explorer
    keeps them: ten million labels are not ten million strings); else they are
    an object array of str. ``progress``, when given, hears how far the
    parsing of a file read without its cache has come.
    """
    path = Path(path)
    cached = read_cached_rows(path) if path.is_file() else None
    octree = ordered = derived = ordered_labels = None
    labels: Any
    if cached is not None:
        labels = cached.labels if blob_labels else np.array(list(cached.labels), dtype=object)
        points, groups = cached.points, cached.groups
        octree, ordered, derived = cached.octree, cached.ordered_points, cached.derived
        ordered_labels = cached.ordered_labels if blob_labels else None
    else:
        if progress is not None:
            progress("reading", 0.0)
        raw, text = _decoded(path)
        labels, points, groups = _parse_rows(path, raw, text, progress)
    meta: dict[str, Any] = {}
    knn = thumbs = columns = regions = None
    if sidecars:
        meta = read_meta(path)
        knn = read_knn(path, len(labels))
        thumbs = read_thumbs(path, len(labels))
        columns = read_columns(path, len(labels))
        regions = read_regions_of(path, len(labels))
        if regions is None and cached is not None:
            regions = cached.regions  # computed at an earlier open and kept in the cache
    return Dataset(labels=labels, points=points, groups=groups, meta=meta, knn=knn, path=path, thumbs=thumbs,
                   columns=columns, regions=regions, octree=octree, ordered_points=ordered,
                   derived=derived, ordered_labels=ordered_labels)  # fmt: skip


def cache_dataset(dataset: Dataset, tree: Octree | None = None, derived: Derived | None = None) -> Path | None:
    """Write the binary cache of a dataset file (read without one, or just named), so that the next open maps it.

    None where there is no file to cache (a table, a folder, points from Python) or it cannot be written.
    """
    path = dataset.path
    if path is None or not path.is_file() or not path.name.endswith(DATASET_SUFFIXES):
        return None
    json_path, npy_path = regions_paths(path)
    computed = None if json_path.exists() and npy_path.exists() else dataset.regions  # sidecars are not copied
    return write_cached_rows(path, dataset.labels, np.asarray(dataset.points), dataset.groups, tree, derived,
                             computed, dataset.thumbs)  # fmt: skip


def read_regions_of(path: str | os.PathLike[str], n_points: int) -> Regions | None:
    """The regions sidecars of a dataset, or None when it has none."""
    json_path, npy_path = regions_paths(path)
    if not (json_path.exists() and npy_path.exists()):
        return None
    try:
        return read_regions(json_path, npy_path, n_points)
    except RegionsError as exc:
        raise DatasetError(json_path, None, str(exc).removeprefix(f"{json_path}: ")) from None


def _raw_bytes(path: Path) -> bytes:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DatasetError(path, None, "no such file") from None
    except IsADirectoryError:
        raise DatasetError(path, None, "is a folder, not a dataset file") from None
    except OSError as exc:
        raise DatasetError(path, None, f"cannot read: {exc.strerror or exc}") from None
    if raw[:2] != b"\x1f\x8b":
        return raw
    inflater = zlib.decompressobj(wbits=31)
    try:
        data = inflater.decompress(raw)
    except zlib.error as exc:
        raise DatasetError(path, None, f"corrupt gzip data ({exc})") from None
    if not inflater.eof:
        complete = data.count(b"\n")
        raise DatasetError(path, complete + 1, "gzip data ends early (truncated file); the lines before are intact")
    return data


def _decoded(path: Path) -> tuple[bytes, str]:
    """The file's bytes (gunzipped, without a BOM) and the same as text."""
    raw = _raw_bytes(path).removeprefix(b"\xef\xbb\xbf")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        bad = raw[exc.start : exc.start + 4]
        raise DatasetError(path, line, f"not valid UTF-8 (bytes {bad!r})") from None
    if not text.strip():
        raise DatasetError(path, None, "empty file: no points")
    return raw, text


def _fields_per_line(raw: bytes) -> np.ndarray:
    """Number of TAB-separated fields on each line, counted without splitting."""
    data = np.frombuffer(raw, dtype=np.uint8)
    newlines = np.flatnonzero(data == _NEWLINE)
    if len(data) and data[-1] != _NEWLINE:
        newlines = np.append(newlines, len(data))
    tabs_before = np.concatenate(([0], np.cumsum(data == _TAB)))
    tabs_at_ends = tabs_before[newlines]
    tabs_per_line = np.diff(np.concatenate(([0], tabs_at_ends)))
    return tabs_per_line + 1


def _parse_rows(
    path: Path, raw: bytes, text: str, progress: Progress | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    fields = _fields_per_line(raw)
    ncols = int(fields[0])
    if ncols not in (4, 5):
        raise DatasetError(path, 1, f"expected 4 or 5 TAB-separated fields (label x y z [group]), found {ncols}")
    wrong = np.flatnonzero(fields != ncols)
    if len(wrong):
        line = int(wrong[0]) + 1
        raise DatasetError(
            path, line, f"expected {ncols} TAB-separated fields like line 1, found {int(fields[wrong[0]])}"
        )
    try:
        frame = _read_table(text, ncols, numeric=True, progress=progress, lines=len(fields))
        points = frame[[1, 2, 3]].to_numpy(dtype=np.float64)
    except ValueError:
        points = np.full((1, 3), np.nan)  # found below, with its line
    if not np.isfinite(points).all():
        # Slow path, only for broken files: find the first bad value and its line.
        frame = _read_table(text, ncols, numeric=False)
        for axis in range(3):
            _check_numbers(path, frame[axis + 1], "xyz"[axis])
    labels = frame[0].to_numpy(dtype=object)
    groups = frame[4].to_numpy(dtype=object) if ncols == 5 else None
    return labels, points.astype(np.float32), groups


PARSE_CHUNK = 500_000  # lines parsed at a time when someone watches the progress


def _read_table(text: str, ncols: int, *, numeric: bool, progress: Progress | None = None, lines: int = 0) -> Any:
    import pandas as pd  # deferred: pandas costs ~0.3 s of start-up

    dtype: Any = {0: str, 4: str, 1: np.float64, 2: np.float64, 3: np.float64} if numeric else str
    chunked = progress is not None and lines > PARSE_CHUNK
    table = pd.read_csv(
        io.StringIO(text),
        sep="\t",
        header=None,
        names=list(range(ncols)),
        dtype=dtype,
        quoting=csv.QUOTE_NONE,
        keep_default_na=False,
        na_filter=False,
        skip_blank_lines=False,
        comment=None,
        engine="c",
        chunksize=PARSE_CHUNK if chunked else None,
    )
    if not chunked:
        return table
    parts: list[Any] = []
    for part in table:
        parts.append(part)
        assert progress is not None
        progress("reading", min(1.0, len(parts) * PARSE_CHUNK / lines))
    return pd.concat(parts, ignore_index=True)


def _check_numbers(path: Path, column: Any, axis: str) -> None:
    import pandas as pd

    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(values))
    if len(bad):
        row = int(bad[0])
        raw = str(column.iloc[row])
        spelled_number = raw.strip().lower().lstrip("+-") in {"nan", "inf", "infinity"}
        kind = "not finite" if spelled_number else "not a number"
        raise DatasetError(path, row + 1, f"{axis} is {kind}: {raw!r}")


def read_meta(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The ``.meta.json`` sidecar of a dataset, or ``{}`` when there is none."""
    mpath = meta_path(path)
    if not mpath.exists():
        return {}
    try:
        meta = json.loads(mpath.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise DatasetError(mpath, None, "not valid UTF-8") from None
    except json.JSONDecodeError as exc:
        raise DatasetError(mpath, exc.lineno, f"invalid JSON: {exc.msg}") from None
    if not isinstance(meta, dict):
        raise DatasetError(mpath, 1, "expected a JSON object")
    return meta


def read_knn(path: str | os.PathLike[str], n_points: int) -> np.ndarray | None:
    """The ``.knn.npy`` sidecar of a dataset, checked against its row count."""
    kpath = knn_path(path)
    if not kpath.exists():
        return None
    try:
        knn: np.ndarray = np.load(kpath, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise DatasetError(kpath, None, f"not a readable .npy array ({exc})") from None
    if knn.ndim != 2 or knn.shape[0] != n_points:
        raise DatasetError(kpath, None, f"expected shape ({n_points}, k), found {knn.shape}")
    if not np.issubdtype(knn.dtype, np.integer):
        raise DatasetError(kpath, None, f"expected integer indices, found {knn.dtype}")
    if knn.size and (knn.min() < 0 or knn.max() >= n_points):
        raise DatasetError(kpath, None, f"indices must lie in [0, {n_points})")
    return knn.astype(np.int32, copy=False)


# ----------------------------------------------------------------- writing


def clean_label(text: str) -> str:
    """A label as it can be stored: TAB, CR and LF become spaces."""
    return text.replace("\t", " ").replace("\r", " ").replace("\n", " ")


def format_rows(labels: Any, points: np.ndarray, groups: Any = None) -> Iterator[str]:
    """Dataset lines, ``%.6g`` floats, labels and groups cleaned."""
    if groups is None:
        for label, (x, y, z) in zip(labels, points.tolist(), strict=True):
            yield f"{clean_label(str(label))}\t{x:.6g}\t{y:.6g}\t{z:.6g}\n"
    else:
        for label, (x, y, z), group in zip(labels, points.tolist(), groups, strict=True):
            yield f"{clean_label(str(label))}\t{x:.6g}\t{y:.6g}\t{z:.6g}\t{clean_label(str(group))}\n"


def write_dataset(path: str | os.PathLike[str], dataset: Dataset) -> None:
    """Write the sidecars, then the TSV (gzip when the name ends .gz), each atomically.

    The TSV comes last so that a dataset never appears without its sidecars; a
    sidecar left from an earlier dataset of the same name is removed. Output is
    reproducible: gzip carries no time stamp and no file name.
    """
    path = Path(path)
    dataset_base(path)  # rejects names that sidecars could not be derived from
    if len(dataset) == 0:
        raise ValueError("a dataset needs at least one point")
    if not np.isfinite(dataset.points).all():
        raise ValueError("points must be finite")
    body = "".join(format_rows(dataset.labels, np.asarray(dataset.points), dataset.groups)).encode("utf-8")
    written: list[Path] = []
    try:
        if dataset.knn is not None:
            write_knn(path, dataset.knn)
            written.append(knn_path(path))
        if dataset.thumbs is not None:
            write_thumbs(path, dataset.thumbs)
            written.append(thumbs_path(path))
        if dataset.regions is not None:
            write_regions(*regions_paths(path), dataset.regions)
            written += regions_paths(path)
        if dataset.columns is not None and dataset.columns.num_columns:
            write_columns(path, dataset.columns)
            written.append(columns_path(path))
        if dataset.meta:
            write_meta(path, dataset.meta)
            written.append(meta_path(path))
        with atomic_file(path) as fh:
            if path.name.endswith(".gz"):
                with gzip.GzipFile(filename="", mode="wb", fileobj=fh, mtime=0, compresslevel=6) as gz:
                    gz.write(body)
            else:
                fh.write(body)
    except BaseException:
        for p in written:
            p.unlink(missing_ok=True)
        raise
    for stale in {knn_path(path), meta_path(path), thumbs_path(path), columns_path(path), *regions_paths(path)} - set(
        written
    ):
        stale.unlink(missing_ok=True)
    # Last, since it carries the TSV's key: a big dataset opens fast the first time too. From the
    # file as written (its numbers are rounded to 6 digits): the cache holds what the TSV says.
    # With the thumbnails, if any: an image dataset's default colours are its pictures'.
    cache_dataset(dataclasses.replace(read_dataset(path, sidecars=False), thumbs=dataset.thumbs))


def write_meta(path: str | os.PathLike[str], meta: dict[str, Any]) -> None:
    text = json.dumps(meta, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    with atomic_file(meta_path(path)) as fh:
        fh.write(text.encode("utf-8"))


def write_knn(path: str | os.PathLike[str], knn: np.ndarray) -> None:
    with atomic_file(knn_path(path)) as fh:
        np.save(fh, np.ascontiguousarray(knn, dtype=np.int32), allow_pickle=False)


def write_thumbs(path: str | os.PathLike[str], thumbs: np.ndarray) -> None:
    with atomic_file(thumbs_path(path)) as fh:
        np.save(fh, np.ascontiguousarray(thumbs, dtype=np.uint8), allow_pickle=False)


def write_columns(path: str | os.PathLike[str], columns: Any) -> None:
    """The columns sidecar: Parquet, so that every column keeps its type."""
    import pyarrow.parquet as pq  # only where a dataset has columns: the explorer starts without it

    with atomic_file(columns_path(path)) as fh:
        pq.write_table(columns, fh, compression="zstd")


def read_columns(path: str | os.PathLike[str], n_points: int) -> Any:
    """The columns sidecar as a pyarrow Table, or None when there is none."""
    cpath = columns_path(path)
    if not cpath.exists():
        return None
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        columns = pq.read_table(cpath)
    except (pa.ArrowInvalid, OSError) as exc:
        raise DatasetError(cpath, None, f"not a Parquet file: {exc}") from None
    if columns.num_rows != n_points:
        raise DatasetError(cpath, None, f"{columns.num_rows} rows for the dataset's {n_points} points")
    return columns


def read_thumbs(path: str | os.PathLike[str], n_points: int) -> np.ndarray | None:
    """The thumbnails sidecar, memory-mapped (read on demand), or None when there is none."""
    tpath = thumbs_path(path)
    if not tpath.exists():
        return None
    try:
        thumbs: np.ndarray = np.load(tpath, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise DatasetError(tpath, None, f"not a NumPy array file: {exc}") from None
    if thumbs.dtype != np.uint8 or thumbs.ndim != 4 or thumbs.shape[0] != n_points or thumbs.shape[3] != 3:
        raise DatasetError(
            tpath,
            None,
            f"expected uint8 thumbnails of shape ({n_points}, S, S, 3), found {thumbs.dtype} {thumbs.shape}",
        )
    return thumbs
