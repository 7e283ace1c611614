"""Input files read in parts across a Dask cluster's workers.

Each worker reads and parses its own part of the file, from the same path (on
a cluster, shared storage that every worker mounts at the same place), and
sends back numbers, not text. What can be cut without reading it first:
- a plain GloVe text file, at line starts: a first pass counts each part's
  lines (cheap), so that an error in any part names its line in the file;
- a Parquet file, by row groups: an error names the row in the file.

A gzipped file, word2vec's binary format and the other formats cannot be cut
without reading them through, so the client reads those as it does alone.
"""

from __future__ import annotations

import copy
import itertools
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from explorer.core import tables
from pipeline import glove
from pipeline.textfiles import count_lines, line_spans

if TYPE_CHECKING:
    import pyarrow as pa

    from pipeline.cluster import Cluster
    from pipeline.filters import WordFilter

PART_BYTES = 64 << 20  # a text part at most this big: a task holds its bytes at once
PARTS_PER_WORKER = 4  # at least this many parts a worker, so that a slow one holds no one up


def splittable_text(path: Path) -> bool:
    """Whether a vectors file is plain text (not gzipped, not word2vec's binary format)."""
    from pipeline import word2vec

    with open(path, "rb") as fh:
        gzipped = fh.read(2) == b"\x1f\x8b"
    return not gzipped and not word2vec.is_binary(path)


def read_vectors_on(cluster: Cluster, path: Path, word_filter: WordFilter) -> tuple[list[str], np.ndarray]:
    """A plain GloVe text file's words and vectors, read in parts by the workers; the first occurrence wins.

    Each part screens its words with a copy of ``word_filter``; what the copies removed is added to its tally.
    """
    shape = glove.vectors_shape(path)
    parts = max(cluster.workers * PARTS_PER_WORKER, path.stat().st_size // PART_BYTES + 1)
    spans = line_spans(path, parts)
    counts = cluster.run("lines", f"counting the lines of {path.name} ({len(spans)} parts)", _count_lines, spans,
                         path=path)  # fmt: skip
    firsts = [1 + n for n in itertools.accumulate([0, *counts[:-1]])]
    found = cluster.run("read", f"reading {path.name} on the workers ({len(spans)} parts)", _read_span,
                        list(zip(spans, firsts, strict=True)), path=path, shape=shape,
                        word_filter=word_filter)  # fmt: skip
    labels: list[str] = []
    keep_rows: list[np.ndarray] = []
    seen: set[str] = set()
    for words, _, removed in found:
        word_filter.removed.update(removed)
        fresh = np.array([w not in seen for w in words], dtype=bool)  # a word of an earlier part wins
        for w, new in zip(words, fresh, strict=True):
            if new:
                seen.add(w)
                labels.append(w)
        keep_rows.append(fresh)
    vectors = np.concatenate([v[k] for (_, v, _), k in zip(found, keep_rows, strict=True)])
    return labels, vectors.reshape(len(labels), shape[0])


def _count_lines(span: tuple[int, int], path: Path) -> int:
    return count_lines(path, span)


def _read_span(
    part: tuple[tuple[int, int], int], path: Path, shape: tuple[int, int], word_filter: WordFilter
) -> tuple[list[str], np.ndarray, Counter[str]]:
    """One task: a span's words, vectors, and what its screen removed."""
    span, first_line = part
    screen = copy.copy(word_filter)  # a tally of its own: the task's copy may be shared on its worker
    screen.removed = Counter()
    labels, vectors = glove.read_vector_span(path, span, first_line, shape, screen.keeps)
    return labels, vectors, screen.removed


def read_parquet_on(
    cluster: Cluster, table: tables.Table, roles: tables.Roles, dtype: type[np.floating[Any]]
) -> tables.Rows:
    """A Parquet file's rows, each worker reading some of its row groups; in the file's order."""
    groups = tables.row_groups(table.path)
    per_part = max(1, groups // (cluster.workers * PARTS_PER_WORKER))
    parts = [range(g, min(g + per_part, groups)) for g in range(0, groups, per_part)]
    found = cluster.run("read", f"reading {table.path.name} on the workers ({len(parts)} parts)", _read_row_groups,
                        parts, path=table.path, roles=roles, dtype=dtype)  # fmt: skip
    return tables.Rows(
        labels=np.concatenate([r.labels for r in found]),
        vectors=np.concatenate([r.vectors for r in found]),
        groups=np.concatenate([r.groups for r in found]) if roles.group is not None else None,
        columns=_concatenated([r.columns for r in found]),
    )


def _read_row_groups(row_groups: range, path: Path, roles: tables.Roles, dtype: type[np.floating[Any]]) -> tables.Rows:
    return tables.read_rows(tables.parquet_part(path, row_groups), roles, dtype=dtype)


def _concatenated(columns: list[pa.Table | None]) -> pa.Table | None:
    import pyarrow as pa

    present = [c for c in columns if c is not None]
    return pa.concat_tables(present) if present else None
