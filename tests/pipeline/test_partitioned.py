"""Inputs read in parts by a real LocalCluster's workers: the same as one process reads, errors at the same place."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from explorer.core import tables
from explorer.core.dataset import DatasetError
from pipeline import glove, partitioned
from pipeline.cluster import Cluster
from pipeline.embeddings import TableOptions, read_embeddings
from pipeline.errors import PipelineError
from pipeline.filters import WordFilter
from pipeline.textfiles import count_lines, line_spans


def vectors_file(path: Path, n: int = 3000, header: bool = True) -> Path:
    rng = np.random.default_rng(3)
    lines = [f"{n} 8"] if header else []
    for i in range(n):
        word = "wörd3" if i == 1700 else f"wörd{i}"  # a word again, far down: its first occurrence wins
        lines.append(word + " " + " ".join(f"{v:.5f}" for v in rng.normal(size=8)))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_line_spans_cut_at_line_starts_and_cover_the_file(tmp_path: Path) -> None:
    path = vectors_file(tmp_path / "v.txt", 500)
    data = path.read_bytes()
    spans = line_spans(path, 7)
    assert spans[0][0] == 0 and spans[-1][1] == len(data) and len(spans) == 7
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:], strict=False))
    assert all(data[a - 1 : a] == b"\n" for a, _ in spans[1:])
    assert sum(count_lines(path, s) for s in spans) == data.count(b"\n")


def test_a_vectors_file_read_in_parts_is_the_file_read_alone(tmp_path: Path, cluster: Cluster) -> None:
    path = vectors_file(tmp_path / "v.txt")
    alone_filter, parts_filter = (WordFilter(stopwords=["wörd5", "wörd2999"]) for _ in range(2))
    alone = glove.read_vectors(path, keep=alone_filter.keeps)
    assert partitioned.splittable_text(path)
    parts = partitioned.read_vectors_on(cluster, path, parts_filter)
    assert parts[0] == alone[0] and len(parts[0]) == 3000 - 3  # two stop words, and wörd3's second line
    assert parts[1].tobytes() == alone[1].tobytes()
    assert parts_filter.removed == alone_filter.removed


def test_an_error_in_a_later_part_names_its_line_in_the_file(tmp_path: Path, cluster: Cluster) -> None:
    path = vectors_file(tmp_path / "v.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2500] = lines[2500].replace(" ", " x", 1)  # line 2501: a word that is not a number
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(PipelineError) as alone:
        glove.read_vectors(path)
    with pytest.raises(PipelineError) as parts:
        partitioned.read_vectors_on(cluster, path, WordFilter())
    assert str(parts.value) == str(alone.value) and ":2501: not a number" in str(parts.value)


def test_gzipped_and_binary_files_are_read_by_the_client(tmp_path: Path) -> None:
    import gzip

    path = vectors_file(tmp_path / "v.txt", 10)
    packed = tmp_path / "v.txt.gz"
    packed.write_bytes(gzip.compress(path.read_bytes()))
    assert partitioned.splittable_text(path) and not partitioned.splittable_text(packed)


def test_a_parquet_file_read_by_row_groups_is_the_file_read_alone(tmp_path: Path, cluster: Cluster) -> None:
    rng = np.random.default_rng(4)
    n = 5000
    table = pa.table({
        "word": [f"w{i}" for i in range(n)],
        "embedding": pa.array(list(rng.normal(size=(n, 6)).astype(np.float32)), type=pa.list_(pa.float32(), 6)),
        "lang": ["en", "de"] * (n // 2),
        "score": np.arange(n, dtype=np.int64),
    })  # fmt: skip
    path = tmp_path / "e.parquet"
    pq.write_table(table, path, row_group_size=700)
    assert tables.row_groups(path) == 8
    options = TableOptions(group_column="lang")
    alone = read_embeddings(path, options=options)
    parts = read_embeddings(path, options=options, cluster=cluster)
    assert parts.labels == alone.labels and parts.groups == alone.groups
    assert parts.vectors.tobytes() == alone.vectors.tobytes()
    assert parts.columns is not None and alone.columns is not None
    assert parts.columns.equals(alone.columns)


def test_a_bad_row_in_a_later_row_group_names_its_row_in_the_file(tmp_path: Path, cluster: Cluster) -> None:
    values = np.ones((3000, 4), dtype=np.float32)
    values[2222, 1] = np.nan
    table = pa.table({"word": [f"w{i}" for i in range(3000)], **{f"d{j}": values[:, j] for j in range(4)}})
    path = tmp_path / "bad.parquet"
    pq.write_table(table, path, row_group_size=500)
    with pytest.raises(DatasetError, match="row 2223: the vector holds NaN or infinity"):
        read_embeddings(path, cluster=cluster)
