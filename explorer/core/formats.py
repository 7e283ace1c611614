"""Which format a path holds, told by its name and a look at its first bytes (pure, no pyarrow).

The explorer opens its own datasets (``NAME.ds.tsv.gz``) and tables of points
(Parquet, Arrow, CSV, a TSV with a header, a Hugging Face folder); this module
tells them apart before anything heavy is imported.
"""

from __future__ import annotations

import gzip
from pathlib import Path

from explorer.core.dataset import DatasetError

PARQUET_SUFFIXES = (".parquet", ".pq")
ARROW_SUFFIXES = (".arrow", ".feather", ".ipc")
CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz")
HF_MARKERS = ("dataset_info.json", "state.json", "dataset_dict.json")  # what save_to_disk writes


def is_table(path: Path) -> bool:
    """Whether the name says table (or the folder is a Hugging Face dataset)."""
    name = path.name.lower()
    if path.is_dir():
        return any((path / marker).exists() for marker in HF_MARKERS)
    return name.endswith(PARQUET_SUFFIXES + ARROW_SUFFIXES + CSV_SUFFIXES)


def text_sample(path: Path, size: int = 1 << 16) -> str:
    """The first ``size`` bytes as text, gunzipped if need be; a character cut at the end is dropped."""
    try:
        with open(path, "rb") as probe:
            gzipped = probe.read(2) == b"\x1f\x8b"
        with gzip.open(path, "rb") if gzipped else open(path, "rb") as fh:
            raw = fh.read(size)
    except FileNotFoundError:
        raise DatasetError(path, None, "no such file") from None
    except (OSError, EOFError) as exc:
        raise DatasetError(path, None, f"cannot read: {exc}") from None
    try:
        return raw.decode("utf-8-sig", errors="ignore" if len(raw) == size else "strict")
    except UnicodeDecodeError as exc:
        raise DatasetError(path, 1, f"not valid UTF-8 ({exc.reason}); convert the file to UTF-8") from None


def is_float(text: str) -> bool:
    """Whether ``float(text)`` would succeed: to tell numbers from names, and to name a bad field in an error."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _has_header(path: Path) -> bool:
    """Whether the first line names columns: the dataset format's starts ``label, x, y, z``, numbers."""
    lines = text_sample(path, 1 << 12).splitlines()
    fields = lines[0].split("\t") if lines else []
    return len(fields) < 4 or not all(is_float(f) for f in fields[1:4])


def is_points_table(path: Path) -> bool:
    """Whether the explorer opens ``path`` as a table rather than as a dataset file (``NAME.ds.tsv.gz``)."""
    name = path.name.lower()
    if name.endswith((".ds.tsv", ".ds.tsv.gz")) or not is_table(path):
        return False
    return not name.endswith((".tsv", ".tsv.gz")) or _has_header(path)
