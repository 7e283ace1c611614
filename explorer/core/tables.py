"""Tables of labelled vectors or points: Parquet, Arrow IPC / Feather, CSV or TSV with a
header, and Hugging Face dataset folders (pure: NumPy and pyarrow).

These are the files researchers' tools write. The pipeline reads vectors from
them and the explorer opens a table of ready 3D coordinates as it is. A
table's columns have roles: the label, the vector (one list column, or many
numeric columns), an optional group, and every other column, which travels
along as the dataset's columns. Tables are read in batches, into one array
allocated once, so a large file needs little more memory than its vectors.

Every error is a :class:`DatasetError` that names the file and the row (the
line, for CSV) or the column.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from explorer.core.dataset import Dataset, DatasetError
from explorer.core.formats import ARROW_SUFFIXES, CSV_SUFFIXES, PARQUET_SUFFIXES, is_float, text_sample

# Label columns by name, in order of preference (case does not matter).
LABEL_NAMES = (
    "label", "name", "text", "sentence", "word", "title", "caption", "filename", "filepath", "file", "path",
    "id", "key",
)  # fmt: skip
GROUP_NAMES = ("group",)
XYZ_NAMES = ("x", "y", "z")
BATCH_ROWS = 65_536
SUPPORTED = (
    "Parquet (.parquet), Arrow IPC / Feather (.arrow, .feather), CSV or TSV with a header (.csv, .tsv), "
    "a Hugging Face dataset folder (save_to_disk)"
)


Read = Callable[[Sequence[str]], Iterator[pa.RecordBatch]]  # batches of the named columns


@dataclass(frozen=True)
class CsvDialect:
    """How a CSV file is written: its delimiter, its decimal point, and its columns' names."""

    delimiter: str
    decimal_point: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """An open table: its columns and types, and how to read it batch by batch."""

    path: Path
    kind: str  # "parquet", "arrow", "csv" or "huggingface"
    schema: pa.Schema
    rows: int | None  # known before reading, except for CSV
    read: Read
    class_names: dict[str, list[str]] = field(default_factory=dict)  # Hugging Face ClassLabel columns
    header_lines: int = 0  # CSV: row r is on line r + header_lines (1-based rows)
    dialect: CsvDialect | None = None  # CSV
    unnamed: tuple[str, ...] = ()  # columns without a name in the file (pandas' index): never the vector
    first_row: int = 0  # a part of a Parquet file (some of its row groups): the 0-based row it starts at

    @property
    def names(self) -> list[str]:
        return list(self.schema.names)

    def place(self, row: int) -> tuple[int | None, str]:
        """Where 0-based ``row`` (of what this table reads) is, as (line, prefix) for a :class:`DatasetError`."""
        if self.kind == "csv":
            return row + 1 + self.header_lines, ""
        return None, f"row {self.first_row + row + 1}: "

    def error(self, row: int, problem: str) -> DatasetError:
        line, prefix = self.place(row)
        return DatasetError(self.path, line, prefix + problem)


def open_table(path: Path) -> Table:
    """Open a table by its name, then check that its content is what the name says."""
    name = path.name.lower()
    if path.is_dir():
        return _open_huggingface(path)
    if not path.exists():
        raise DatasetError(path, None, "no such file")
    if name.endswith(PARQUET_SUFFIXES):
        return _open_parquet(path)
    if name.endswith(ARROW_SUFFIXES):
        return _open_arrow(path)
    if name.endswith(CSV_SUFFIXES):
        return _open_csv(path)
    raise DatasetError(path, None, f"not a table format; supported: {SUPPORTED}")


# ----------------------------------------------------------------- Parquet and Arrow


def _open_parquet(path: Path, row_groups: range | None = None) -> Table:
    try:
        # Without pre-buffering, a row group's pages are read as they are decoded: a 1M x 384 file
        # then peaks at 1.55x its size instead of 2.3x (bench-tables), and reads no slower.
        parquet = pq.ParquetFile(path, pre_buffer=False)
    except (pa.ArrowInvalid, OSError) as exc:
        raise DatasetError(path, None, f"not a Parquet file: {exc}") from None
    meta = parquet.metadata
    groups = row_groups if row_groups is not None else range(meta.num_row_groups)
    first = sum(meta.row_group(g).num_rows for g in range(groups.start))
    rows = sum(meta.row_group(g).num_rows for g in groups)

    def read(columns: Sequence[str]) -> Iterator[pa.RecordBatch]:
        yield from parquet.iter_batches(batch_size=BATCH_ROWS, row_groups=list(groups), columns=list(columns))

    return Table(path, "parquet", parquet.schema_arrow, rows, read, first_row=first)


def parquet_part(path: Path, row_groups: range) -> Table:
    """Some of a Parquet file's row groups, as a table of their own whose errors name the file's own rows."""
    return _open_parquet(path, row_groups)


def row_groups(path: Path) -> int:
    """How many row groups a Parquet file has: the parts it can be read in."""
    try:
        return int(pq.ParquetFile(path).metadata.num_row_groups)
    except (pa.ArrowInvalid, OSError) as exc:
        raise DatasetError(path, None, f"not a Parquet file: {exc}") from None


def _ipc_batches(source: pa.NativeFile) -> tuple[pa.Schema, list[pa.RecordBatch]]:
    """The batches of an Arrow IPC file or stream, memory-mapped: nothing is decoded yet."""
    try:
        reader = pa.ipc.open_file(source)
        return reader.schema, [reader.get_batch(i) for i in range(reader.num_record_batches)]
    except pa.ArrowInvalid:
        source.seek(0)
        stream = pa.ipc.open_stream(source)
        return stream.schema, list(stream)


def _open_arrow(path: Path) -> Table:
    try:
        schema, batches = _ipc_batches(pa.memory_map(str(path)))
    except (pa.ArrowInvalid, OSError) as exc:
        raise DatasetError(path, None, f"not an Arrow IPC or Feather file: {exc}") from None
    return _batch_table(path, "arrow", schema, batches)


def _batch_table(path: Path, kind: str, schema: pa.Schema, batches: list[pa.RecordBatch], **more: Any) -> Table:
    def read(columns: Sequence[str]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            yield batch.select(list(columns))

    return Table(path, kind, schema, sum(b.num_rows for b in batches), read, **more)


def _open_huggingface(folder: Path) -> Table:
    """A folder written by ``datasets.save_to_disk``: Arrow stream files named in ``state.json``."""
    if (folder / "dataset_dict.json").exists():
        splits = sorted(p.name for p in folder.iterdir() if p.is_dir())
        raise DatasetError(folder, None, f"a DatasetDict: open one split's folder ({', '.join(splits)})")
    state = _json_of(folder / "state.json")
    names = [entry["filename"] for entry in state.get("_data_files", [])] or sorted(
        p.name for p in folder.glob("*.arrow")
    )
    if not names:
        raise DatasetError(folder, None, "no .arrow data files in this Hugging Face dataset folder")
    schema: pa.Schema | None = None
    batches: list[pa.RecordBatch] = []
    for name in names:
        try:
            file_schema, file_batches = _ipc_batches(pa.memory_map(str(folder / name)))
        except (pa.ArrowInvalid, OSError) as exc:
            raise DatasetError(folder / name, None, f"not an Arrow file: {exc}") from None
        if schema is not None and not file_schema.equals(schema):
            raise DatasetError(folder / name, None, "its columns differ from the first data file's")
        schema = file_schema
        batches += file_batches
    assert schema is not None
    features = _json_of(folder / "dataset_info.json").get("features", {})
    class_names = {
        name: list(feature["names"])
        for name, feature in features.items()
        if isinstance(feature, dict) and feature.get("_type") == "ClassLabel" and "names" in feature
    }
    return _batch_table(folder, "huggingface", schema, batches, class_names=class_names)


def _json_of(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DatasetError(path, None, f"not valid JSON: {exc}") from None
    return value if isinstance(value, dict) else {}


# ----------------------------------------------------------------- CSV and TSV


def sniff_delimiter(path: Path, sample: str) -> str:
    """Comma, tab or semicolon, whichever the first lines use consistently."""
    try:
        return csv.Sniffer().sniff(sample, delimiters=",\t;").delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        counts = {d: first.count(d) for d in ",\t;"}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ("\t" if ".tsv" in path.name.lower() else ",")


def _open_csv(path: Path) -> Table:
    sample = text_sample(path)
    if not sample.strip():
        raise DatasetError(path, None, "empty file: expected a header row and rows of values")
    delimiter = sniff_delimiter(path, sample)
    header = next(csv.reader([sample.splitlines()[0]], delimiter=delimiter))
    # pandas writes its index under an empty name; pandas reads it back as "Unnamed: 0", and so do we.
    names = tuple(h if h.strip() else f"Unnamed: {i}" for i, h in enumerate(header))
    if len(set(names)) != len(names):
        raise DatasetError(path, 1, "the header needs a distinct name for every column")
    unnamed = tuple(n for n, h in zip(names, header, strict=True) if not h.strip())
    try:
        schema = _guessed_types(path, CsvDialect(delimiter, ".", names))
        decimal = "."
        if delimiter == ";":  # a European file may write 1,5 for 1.5
            comma = _guessed_types(path, CsvDialect(delimiter, ",", names))
            if _count_numeric(comma) > _count_numeric(schema):
                schema, decimal = comma, ","
    except StopIteration:
        raise DatasetError(path, None, "no rows: the file has only a header") from None
    except (pa.ArrowInvalid, OSError) as exc:
        raise DatasetError(path, None, f"cannot read as CSV: {exc}") from None
    dialect = CsvDialect(delimiter, decimal, names)
    return Table(path, "csv", schema, None, _csv_read(path, dialect, {}), header_lines=1, dialect=dialect,
                 unnamed=unnamed)  # fmt: skip


def _guessed_types(path: Path, dialect: CsvDialect) -> pa.Schema:
    reader = _csv_reader(path, dialect, pa_csv.ConvertOptions(decimal_point=dialect.decimal_point))
    return _numbers_despite_typos(reader.schema, reader.read_next_batch())


def _count_numeric(schema: pa.Schema) -> int:
    return sum(_numeric(schema.field(n).type) for n in schema.names)


def _csv_reader(path: Path, dialect: CsvDialect, convert: pa_csv.ConvertOptions) -> pa_csv.CSVStreamingReader:
    return pa_csv.open_csv(
        path,
        read_options=pa_csv.ReadOptions(column_names=list(dialect.names), skip_rows=1),
        parse_options=pa_csv.ParseOptions(delimiter=dialect.delimiter, newlines_in_values=True),
        convert_options=convert,
    )


def _numbers_despite_typos(schema: pa.Schema, first: pa.RecordBatch) -> pa.Schema:
    """The guessed types, but a column of numbers with a few stray words counts as numbers.

    pyarrow takes such a column for text, and the vector would silently lose it;
    as numbers, reading it fails at the stray word, whose line the error names.
    """
    fields = []
    for name in schema.names:
        kind = schema.field(name).type
        values = [v for v in first.column(name).to_pylist() if v not in (None, "")] if _texty(kind) else []
        numbers = sum(is_float(v) for v in values)
        fields.append(pa.field(name, pa.float64() if values and 2 * numbers >= len(values) else kind))
    return pa.schema(fields)


def _csv_read(path: Path, dialect: CsvDialect, types: dict[str, pa.DataType]) -> Read:
    """Batches of a CSV file, with the types of some columns fixed rather than guessed from the first block."""

    def read(columns: Sequence[str]) -> Iterator[pa.RecordBatch]:
        convert = pa_csv.ConvertOptions(column_types=types, include_columns=list(columns),
                                        decimal_point=dialect.decimal_point)  # fmt: skip
        yield from _csv_reader(path, dialect, convert)

    return read


_CONVERSION = re.compile(r"In CSV column #(\d+): .*invalid value '(.*)'", re.S)


def _failed_column(exc: pa.ArrowInvalid, columns: Sequence[str]) -> tuple[str, str] | None:
    """The column and the value that pyarrow could not convert, from its message."""
    found = _CONVERSION.search(str(exc))
    if found is None or int(found.group(1)) >= len(columns):
        return None
    return columns[int(found.group(1))], found.group(2)


def _csv_failure(table: Table, exc: pa.ArrowInvalid) -> DatasetError:
    """The line and column of a value that is not a number, found again with Python's csv reader."""
    assert table.dialect is not None
    failed = _failed_column(exc, table.dialect.names)  # pyarrow numbers the columns as the file has them
    if failed is None:
        return DatasetError(table.path, None, f"cannot read as CSV: {exc}")
    name, value = failed
    opener = gzip.open if table.path.name.lower().endswith(".gz") else open
    assert table.dialect is not None
    with opener(table.path, "rt", encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, delimiter=table.dialect.delimiter)
        next(reader)
        at = table.dialect.names.index(name) if name in table.dialect.names else -1
        for row in reader:
            if 0 <= at < len(row) and row[at] == value:
                return DatasetError(table.path, reader.line_num, f"column {name!r}: not a number: {row[at]!r}")
    return DatasetError(table.path, None, f"column {name!r}: not a number: {value!r}")


# ----------------------------------------------------------------- roles of columns


def _numeric(kind: pa.DataType) -> bool:
    return bool(pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind))


def _is_vector_list(kind: pa.DataType) -> bool:
    listy = pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind)
    return bool(listy and _numeric(kind.value_type))


def _texty(kind: pa.DataType) -> bool:
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_dictionary(kind))


@dataclass(frozen=True)
class Roles:
    """Which column is what: the label, the vector (one list column or numeric ones), the group, the rest."""

    label: str
    vector: tuple[str, ...]
    group: str | None
    extra: tuple[str, ...]


def _column(table: Table, name: str, what: str) -> str:
    if name not in table.names:
        raise DatasetError(table.path, None, f"no {what} column {name!r}; the columns are {', '.join(table.names)}")
    return name


def _by_name(table: Table, wanted: Sequence[str], test: Callable[[pa.DataType], bool]) -> str | None:
    lower = {n.lower(): n for n in table.names if test(table.schema.field(n).type)}
    return next((lower[w] for w in wanted if w in lower), None)


def pick_roles(
    table: Table,
    *,
    label_column: str | None = None,
    vector_columns: Sequence[str] | None = None,
    group_column: str | None = None,
    xyz: Sequence[str] | None = None,
    points: bool = False,
) -> Roles:
    """The roles of the columns: as named, or found by their names and types.

    ``points`` asks for 3D coordinates (the explorer): the columns ``x, y, z``,
    or else the only three numeric ones.
    """
    schema = table.schema
    if label_column is not None:
        label = _column(table, label_column, "label")
    else:
        found = _by_name(table, LABEL_NAMES, lambda t: not _is_vector_list(t))
        texts = [n for n in table.names if _texty(schema.field(n).type)]
        if found is None and len(texts) != 1:
            raise DatasetError(table.path, None, f"no label column: name one with --label-column "
                               f"(the columns are {', '.join(table.names)})")  # fmt: skip
        label = found if found is not None else texts[0]
    group = _column(table, group_column, "group") if group_column else _by_name(table, GROUP_NAMES, lambda t: True)
    if group == label:
        group = None
    others = [n for n in table.names if n not in (label, group)]
    if xyz is not None:
        vector = [_column(table, n, "coordinate") for n in xyz]
    elif vector_columns is not None:
        vector = [_column(table, n, "vector") for n in vector_columns]
    else:
        vector = _found_vector(table, others, points)
    for name in vector:
        kind = schema.field(name).type
        if not (_numeric(kind) or (len(vector) == 1 and _is_vector_list(kind))):
            raise DatasetError(table.path, None, f"column {name!r} holds {kind}, not numbers")
    if len(vector) > 1 and any(_is_vector_list(schema.field(n).type) for n in vector):
        raise DatasetError(table.path, None, "a list column must be the only vector column")
    if points and vector_width(table, vector) not in (3, None):
        raise DatasetError(table.path, None, f"expected 3 coordinates, found {vector_width(table, vector)} columns")
    extra = tuple(n for n in table.names if n != label and n not in vector)
    return Roles(label, tuple(vector), group, extra)


def _found_vector(table: Table, others: list[str], points: bool) -> list[str]:
    schema = table.schema
    if points:
        xyz = [_by_name(table, (axis,), _numeric) for axis in XYZ_NAMES]
        if all(xyz):
            return [n for n in xyz if n is not None]
    lists = [n for n in others if _is_vector_list(schema.field(n).type)]
    if len(lists) > 1:
        raise DatasetError(table.path, None, f"several vector columns ({', '.join(lists)}): pick one with "
                           "--vector-columns")  # fmt: skip
    if lists and not points:
        return lists
    numeric = [n for n in others if _numeric(schema.field(n).type) and not _is_index(table, n)]
    if points and len(numeric) != 3:
        raise DatasetError(table.path, None, f"no coordinates: expected columns x, y, z or three numeric columns "
                           f"(the columns are {', '.join(table.names)})")  # fmt: skip
    if not numeric:
        raise DatasetError(table.path, None, f"no vector: expected a list column or numeric columns "
                           f"(the columns are {', '.join(table.names)})")  # fmt: skip
    return numeric


def _is_index(table: Table, name: str) -> bool:
    """A row index written beside the data (pandas' unnamed CSV column, its ``__index_level_0__`` in Parquet)."""
    return name in table.unnamed or bool(re.fullmatch(r"__index_level_\d+__", name))


def vector_width(table: Table, vector: Sequence[str]) -> int | None:
    """Dimensions, when the schema tells (numeric columns, fixed-size lists); None for variable lists."""
    kind = table.schema.field(vector[0]).type
    if len(vector) == 1 and pa.types.is_fixed_size_list(kind):
        return int(kind.list_size)
    if len(vector) == 1 and _is_vector_list(kind):
        return None
    return len(vector)


# ----------------------------------------------------------------- reading rows


@dataclass(frozen=True)
class Rows:
    """What a table holds, by role."""

    labels: np.ndarray  # object array of str
    vectors: np.ndarray  # [N, D]
    groups: np.ndarray | None  # object array of str
    columns: pa.Table | None  # every other column, in row order


def read_rows(
    table: Table,
    roles: Roles,
    *,
    dtype: type[np.floating[Any]] = np.float32,
    on_rows: Callable[[int], None] | None = None,
) -> Rows:
    """Every row of the table, batch by batch; the vectors fill one array allocated once (when the size is known)."""
    wanted = list(dict.fromkeys([roles.label, *roles.vector, *roles.extra]))
    as_text: set[str] = set()
    while True:
        try:
            return _read_all(table, roles, _reader(table, roles, as_text), wanted, dtype, on_rows)
        except pa.ArrowInvalid as exc:
            if table.kind != "csv":
                raise DatasetError(table.path, None, f"cannot read: {exc}") from None
            failed = _failed_column(exc, table.dialect.names if table.dialect else wanted)
            if failed is None or failed[0] in roles.vector or failed[0] in as_text:
                raise _csv_failure(table, exc) from None
            as_text.add(failed[0])  # a column of other things that began with numbers: read it as text
        except OSError as exc:
            raise DatasetError(table.path, None, f"cannot read: {exc}") from None


def _read_all(
    table: Table,
    roles: Roles,
    read: Read,
    wanted: list[str],
    dtype: type[np.floating[Any]],
    on_rows: Callable[[int], None] | None,
) -> Rows:
    out = _Collector(table, roles, dtype)
    row = 0
    for batch in read(wanted):
        out.add(batch, row)
        row += batch.num_rows
        if on_rows is not None:
            on_rows(batch.num_rows)
    if row == 0:
        raise DatasetError(table.path, None, "no rows: the table is empty")
    return out.rows(row)


def _reader(table: Table, roles: Roles, as_text: set[str]) -> Read:
    """How to read the table; a CSV file's vector columns are read as numbers and its label and group as text."""
    if table.kind != "csv":
        return table.read
    types: dict[str, pa.DataType] = {name: pa.float64() for name in roles.vector}
    for name in (roles.label, roles.group, *as_text):
        if name is not None:
            types[name] = pa.string()
    assert table.dialect is not None
    return _csv_read(table.path, table.dialect, types)


class _Collector:
    """Gathers batches: vectors into one array, labels and groups as text, the rest as Arrow columns."""

    def __init__(self, table: Table, roles: Roles, dtype: type[np.floating[Any]]) -> None:
        self.table, self.roles, self.dtype = table, roles, dtype
        self.width = vector_width(table, roles.vector)
        self.vectors: np.ndarray | None = None
        self.chunks: list[np.ndarray] = []  # when the row count is not known ahead (CSV)
        self.labels: list[np.ndarray] = []
        self.groups: list[np.ndarray] = []
        self.extra: list[pa.RecordBatch] = []

    def add(self, batch: pa.RecordBatch, start: int) -> None:
        block = self._vectors(batch, start)
        if self.table.rows is not None:
            if self.vectors is None:
                self.vectors = np.empty((self.table.rows, block.shape[1]), dtype=self.dtype)
            self.vectors[start : start + len(block)] = block
        else:
            self.chunks.append(block.astype(self.dtype, copy=False))
        self.labels.append(self._labels(batch, start))
        if self.roles.group is not None:
            self.groups.append(self._text(batch.column(self.roles.group), self.roles.group))
        if self.roles.extra:
            self.extra.append(batch.select(list(self.roles.extra)))

    def _vectors(self, batch: pa.RecordBatch, start: int) -> np.ndarray:
        roles = self.roles
        if len(roles.vector) == 1 and _is_vector_list(batch.schema.field(roles.vector[0]).type):
            block = self._list_vectors(batch.column(roles.vector[0]), start)
        else:
            block = np.empty((batch.num_rows, len(roles.vector)), dtype=self.dtype)
            for j, name in enumerate(roles.vector):
                column = batch.column(name)
                if column.null_count:
                    bad = int(np.flatnonzero(column.is_null().to_numpy(zero_copy_only=False))[0])
                    raise self.table.error(start + bad, f"column {name!r} has no number")
                block[:, j] = column.to_numpy(zero_copy_only=False)
        # A row's sum is NaN or infinite when the row holds NaN or infinity: one pass, no N×D mask.
        if not np.isfinite(block.sum(axis=1)).all():
            finite = np.isfinite(block).all(axis=1)  # (or the sum overflowed): look row by row
            if not finite.all():
                raise self.table.error(start + int(np.flatnonzero(~finite)[0]), "the vector holds NaN or infinity")
        return block

    def _list_vectors(self, column: pa.Array, start: int) -> np.ndarray:
        name = self.roles.vector[0]
        if column.null_count:
            bad = int(np.flatnonzero(column.is_null().to_numpy(zero_copy_only=False))[0])
            raise self.table.error(start + bad, f"no vector in column {name!r}")
        if pa.types.is_fixed_size_list(column.type):
            width = column.type.list_size
        else:
            lengths = np.diff(column.offsets.to_numpy())
            width = self.width if self.width is not None else (int(lengths[0]) if len(lengths) else 0)
            ragged = np.flatnonzero(lengths != width)
            if len(ragged):
                at = int(ragged[0])
                raise self.table.error(
                    start + at, f"vector length {lengths[at]}, expected {width} like the rows before"
                )
            self.width = width
        if width < 1:
            raise self.table.error(start, f"the vector in column {name!r} is empty")
        values = column.flatten()
        if values.null_count:
            bad = int(np.flatnonzero(values.is_null().to_numpy(zero_copy_only=False))[0]) // width
            raise self.table.error(start + bad, "the vector holds an empty value")
        return np.asarray(values.to_numpy(zero_copy_only=False)).reshape(-1, width)

    def _labels(self, batch: pa.RecordBatch, start: int) -> np.ndarray:
        name = self.roles.label
        column = batch.column(name)
        if column.null_count:
            bad = int(np.flatnonzero(column.is_null().to_numpy(zero_copy_only=False))[0])
            raise self.table.error(start + bad, f"no label in column {name!r}")
        return self._text(column, name)

    def _text(self, column: pa.Array, name: str) -> np.ndarray:
        names = self.table.class_names.get(name)
        if names is not None and pa.types.is_integer(column.type):
            lookup = np.array(names, dtype=object)
            codes = column.fill_null(-1).to_numpy(zero_copy_only=False)
            return np.where(codes >= 0, lookup[np.clip(codes, 0, len(names) - 1)], "")
        if not _texty(column.type):
            column = column.cast(pa.string())
        return np.asarray(column.fill_null("").to_numpy(zero_copy_only=False), dtype=object)

    def rows(self, count: int) -> Rows:
        if self.vectors is not None:
            vectors = self.vectors[:count]
        else:
            vectors = np.concatenate(self.chunks) if len(self.chunks) > 1 else self.chunks[0]
            self.chunks = []
        groups = np.concatenate(self.groups) if self.groups else None
        columns = pa.Table.from_batches(self.extra) if self.extra else None
        return Rows(np.concatenate(self.labels), vectors, groups, columns)


# ----------------------------------------------------------------- a table of points, for the explorer


def read_points(source: Path | Table) -> Dataset:
    """A table of labelled 3D points (a file, or a :class:`Table` already open), as a dataset."""
    table = open_table(source) if isinstance(source, Path) else source
    rows = read_rows(table, pick_roles(table, points=True), dtype=np.float64)
    return Dataset(
        labels=rows.labels,
        points=rows.vectors.astype(np.float32),
        groups=rows.groups,
        path=table.path if isinstance(source, Path) else None,
        columns=rows.columns,
    )


def table_of(arrow: pa.Table, name: Path) -> Table:
    """An in-memory Arrow table (from a DataFrame, say) as a :class:`Table`; ``name`` is what errors call it."""
    return _batch_table(name, "arrow", arrow.schema, arrow.to_batches())
