"""Labelled high-dimensional vectors, and readers for ready-made embedding files.

Every embedding source hands an :class:`Embeddings` to the reducer. The
readers take the formats researchers already have:

- JSONL, one object per line: the vector under ``embed``, ``clip``,
  ``embedding`` or ``vector``; the label under ``label``, ``text``,
  ``filepath`` or ``filename``; an optional ``group`` (the keys of the
  original research scripts);
- ``.npy`` / ``.npz`` arrays with a labels file, one label per line;
- TensorFlow Embedding Projector files: ``vectors.tsv`` plus ``metadata.tsv``
  (with a header row when it has more than one column);
- tables: Parquet, Arrow IPC / Feather, CSV or TSV with a header, and Hugging
  Face dataset folders (``explorer.core.tables`` reads them; every column
  besides the label and the vector travels along).

The format comes from the name and is checked by the content. Every error
names the file and the line (or row) and the problem.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from explorer.core import formats, tables
from explorer.core.formats import is_float
from pipeline.errors import PipelineError, located
from pipeline.textfiles import numbered_lines

if TYPE_CHECKING:
    from pipeline.cluster import Cluster

VECTOR_KEYS = ("embed", "clip", "embedding", "vector")
LABEL_KEYS = ("label", "text", "filepath", "filename")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".json", ".json.gz")
NUMPY_SUFFIXES = (".npy", ".npz")
SUPPORTED = (
    f"JSONL (.jsonl), NumPy (.npy, .npz) with --labels, Projector vectors.tsv with --metadata, {tables.SUPPORTED}"
)


@dataclass(frozen=True)
class Embeddings:
    """Labels with their vectors (one row each) and optional groups."""

    labels: list[str]
    vectors: np.ndarray
    groups: list[str] | None = None
    thumbs: np.ndarray | None = None  # uint8 [N, S, S, 3], for image datasets
    columns: Any = None  # a pyarrow Table: the input's other columns, in row order

    def subset(self, rows: Sequence[int]) -> Embeddings:
        take = np.asarray(rows, dtype=np.int64)
        if len(take) == len(self.labels) and np.array_equal(take, np.arange(len(take))):
            return self  # nothing left out: no copy of the vectors
        return Embeddings(
            labels=[self.labels[i] for i in rows],
            vectors=self.vectors[take],
            groups=[self.groups[i] for i in rows] if self.groups is not None else None,
            thumbs=self.thumbs[take] if self.thumbs is not None else None,
            columns=self.columns.take(take) if self.columns is not None else None,
        )


@dataclass(frozen=True)
class TableOptions:
    """Which column is what, in a table; None: found by name and type."""

    label_column: str | None = None
    vector_columns: Sequence[str] | None = None
    group_column: str | None = None
    xyz: Sequence[str] | None = None


def read_embeddings(
    path: Path,
    *,
    labels: Path | None = None,
    metadata: Path | None = None,
    label_column: str | None = None,
    options: TableOptions | None = None,
    on_rows: Callable[[int], None] | None = None,
    cluster: Cluster | None = None,
) -> Embeddings:
    """Any of the formats above, told apart by the file name and checked by the content.

    On a ``cluster``, a Parquet file of several row groups is read by the workers (:mod:`pipeline.partitioned`).
    """
    name = path.name.lower()
    options = options or TableOptions(label_column=label_column)
    if name.endswith(NUMPY_SUFFIXES):
        if labels is None:
            raise located(path, None, "a .npy/.npz file needs --labels FILE (one label per line)")
        return read_numpy(path, labels)
    if name.endswith((".tsv", ".tsv.gz")) and (metadata is not None or not _has_header(path)):
        if metadata is None:
            raise located(path, None, "Projector vectors need --metadata metadata.tsv for their labels")
        return read_projector(path, metadata, options.label_column)
    if formats.is_table(path):
        return read_table(path, options, on_rows, cluster)
    if name.endswith(JSONL_SUFFIXES):
        return read_jsonl(path)
    raise located(path, None, f"unknown format; supported: {SUPPORTED}")


def _has_header(path: Path) -> bool:
    """Whether a TSV file starts with a row of names (a table) rather than numbers (Projector vectors)."""
    for _, line in numbered_lines(path):
        return not all(is_float(field) for field in line.split("\t"))
    return False


# ----------------------------------------------------------------- tables


def read_table(
    path: Path, options: TableOptions, on_rows: Callable[[int], None] | None = None, cluster: Cluster | None = None
) -> Embeddings:
    """A table's labels, vectors, groups and other columns; three coordinates stay float64, exactly as given."""
    table = tables.open_table(path)
    roles = tables.pick_roles(
        table, label_column=options.label_column, vector_columns=options.vector_columns,
        group_column=options.group_column, xyz=options.xyz,
    )  # fmt: skip
    three = options.xyz is not None or tables.vector_width(table, roles.vector) == 3
    dtype = np.float64 if three else np.float32
    if cluster is not None and table.kind == "parquet" and tables.row_groups(path) > 1:
        from pipeline.partitioned import read_parquet_on

        rows = read_parquet_on(cluster, table, roles, dtype)
    else:
        rows = tables.read_rows(table, roles, dtype=dtype, on_rows=on_rows)
    if options.xyz is not None and rows.vectors.shape[1] != 3:
        raise PipelineError(f"{path}: --xyz needs three columns, not {rows.vectors.shape[1]}")
    groups = rows.groups.tolist() if rows.groups is not None else None
    return Embeddings(rows.labels.tolist(), rows.vectors, groups, columns=rows.columns)


# ----------------------------------------------------------------- JSONL


def read_jsonl(path: Path) -> Embeddings:
    labels: list[str] = []
    rows: list[list[float]] = []
    groups: list[str] = []
    any_group = False
    dim = None
    for lineno, line in numbered_lines(path):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise located(path, lineno, f"not valid JSON: {exc.msg}") from None
        if not isinstance(record, dict):
            raise located(path, lineno, "expected a JSON object")
        vector = _first(record, VECTOR_KEYS)
        if vector is None:
            raise located(path, lineno, f"no vector: expected one of {', '.join(VECTOR_KEYS)}")
        label = _first(record, LABEL_KEYS)
        if label is None or (isinstance(label, str) and not label.strip()):
            raise located(path, lineno, f"no label: expected one of {', '.join(LABEL_KEYS)}")
        row = _vector(path, lineno, vector)
        if dim is None:
            dim = len(row)
        elif len(row) != dim:
            raise located(path, lineno, f"vector length {len(row)}, expected {dim} like the earlier lines")
        group = record.get("group")
        any_group = any_group or group is not None
        labels.append(str(label))
        rows.append(row)
        groups.append("" if group is None else str(group))
    if not rows:
        raise located(path, None, "no embeddings: the file is empty")
    return Embeddings(labels, np.array(rows, dtype=np.float32), groups if any_group else None)


def jsonl_values(path: Path, key: str) -> list[str]:
    """One field of every object of a JSONL file (blank lines skipped, as :func:`read_jsonl` skips them)."""
    values: list[str] = []
    for lineno, line in numbered_lines(path):
        if not line.strip():
            continue
        record = json.loads(line)
        value = record.get(key) if isinstance(record, dict) else None
        if value is None:
            raise located(path, lineno, f"no {key!r} field (--image-column)")
        values.append(str(value))
    return values


def _first(record: dict[str, object], keys: Sequence[str]) -> object:
    return next((record[k] for k in keys if record.get(k) is not None), None)


def _vector(path: Path, lineno: int, value: object) -> list[float]:
    if not isinstance(value, list) or not value:
        raise located(path, lineno, "the vector must be a non-empty list of numbers")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        raise located(path, lineno, "the vector holds something that is not a number")
    if not all(math.isfinite(v) for v in value):
        raise located(path, lineno, "the vector holds NaN or infinity")
    return [float(v) for v in value]


# ----------------------------------------------------------------- NumPy


def read_numpy(path: Path, labels_path: Path) -> Embeddings:
    try:
        loaded = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise located(path, None, f"cannot read as NumPy: {exc}") from None
    if isinstance(loaded, np.lib.npyio.NpzFile):
        with loaded:
            names = loaded.files
            if len(names) != 1:
                raise located(path, None, f"expected one array in the .npz, found {len(names)}: {', '.join(names)}")
            array = loaded[names[0]]
    else:
        array = loaded
    if array.ndim != 2 or not np.issubdtype(array.dtype, np.number):
        raise located(path, None, f"expected a 2-D array of numbers, found shape {array.shape} of {array.dtype}")
    bad = np.flatnonzero(~np.isfinite(array).all(axis=1))
    if len(bad):
        raise located(path, None, f"row {bad[0] + 1} holds NaN or infinity")
    labels = _label_lines(labels_path)
    if len(labels) != len(array):
        raise located(labels_path, None, f"{len(labels)} labels for {len(array)} vectors in {path.name}")
    return Embeddings(labels, array.astype(np.float32))


def _label_lines(path: Path) -> list[str]:
    labels = []
    for lineno, line in numbered_lines(path):
        if not line.strip():
            raise located(path, lineno, "empty label")
        labels.append(line)
    return labels


# ----------------------------------------------------------------- Embedding Projector


def read_projector(vectors_path: Path, metadata_path: Path, label_column: str | None) -> Embeddings:
    rows: list[list[float]] = []
    for lineno, line in numbered_lines(vectors_path):
        if not line.strip():
            continue
        fields = line.split("\t")
        try:
            row = [float(f) for f in fields]
        except ValueError:
            bad = next(f for f in fields if not is_float(f))
            raise located(vectors_path, lineno, f"not a number: {bad!r}") from None
        if rows and len(row) != len(rows[0]):
            raise located(
                vectors_path, lineno, f"vector length {len(row)}, expected {len(rows[0])} like the earlier lines"
            )
        if not all(math.isfinite(v) for v in row):
            raise located(vectors_path, lineno, "the vector holds NaN or infinity")
        rows.append(row)
    if not rows:
        raise located(vectors_path, None, "no embeddings: the file is empty")
    labels, groups = _projector_metadata(metadata_path, label_column)
    if len(labels) != len(rows):
        raise located(metadata_path, None, f"{len(labels)} labels for {len(rows)} vectors in {vectors_path.name}")
    return Embeddings(labels, np.array(rows, dtype=np.float32), groups)


def _projector_metadata(path: Path, label_column: str | None) -> tuple[list[str], list[str] | None]:
    """Labels (and a ``group`` column if there is one); one column means no header, as the Projector has it."""
    lines = list(numbered_lines(path))
    if not lines:
        raise located(path, None, "empty metadata file")
    width = len(lines[0][1].split("\t"))
    if width == 1:
        if label_column is not None:
            raise located(path, 1, "--label-column needs a header row, but this file has one column")
        return [text for _, text in lines], None
    header = lines[0][1].split("\t")
    column = label_column or header[0]
    if column not in header:
        raise located(path, 1, f"no column {column!r}; the header has {', '.join(header)}")
    at = header.index(column)
    group_at = header.index("group") if "group" in header and column != "group" else None
    labels, groups = [], []
    for lineno, line in lines[1:]:
        fields = line.split("\t")
        if len(fields) != width:
            raise located(path, lineno, f"expected {width} tab-separated fields, found {len(fields)}")
        labels.append(fields[at])
        if group_at is not None:
            groups.append(fields[group_at])
    return labels, groups if group_at is not None else None
