"""Tables researchers bring, each written by its own library: Parquet and Feather by pyarrow,
CSV by Python's csv module, a Hugging Face folder as save_to_disk lays it out."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest

from explorer.core.dataset import DatasetError, read_dataset, write_dataset
from explorer.core.formats import is_points_table
from explorer.core.tables import open_table, pick_roles, read_points, read_rows

RNG = np.random.default_rng(7)
N, D = 50, 6
VECTORS = RNG.normal(size=(N, D)).astype(np.float32)
LABELS = [f"word{i}" for i in range(N)]
KINDS = [["cat", "dog"][i % 2] for i in range(N)]


def vector_table() -> pa.Table:
    return pa.table({
        "id": pa.array(range(N), pa.int64()),
        "text": LABELS,
        "embedding": pa.FixedSizeListArray.from_arrays(pa.array(VECTORS.ravel()), D),
        "kind": KINDS,
        "score": RNG.random(N),
        "url": [f"https://example.org/{i}" for i in range(N)],
    })  # fmt: skip


def read(path: Path, **roles: object):  # type: ignore[no-untyped-def]
    table = open_table(path)
    return read_rows(table, pick_roles(table, **roles))  # type: ignore[arg-type]


def test_parquet_with_a_list_column(tmp_path: Path) -> None:
    path = tmp_path / "e.parquet"
    written = vector_table()
    pq.write_table(written, path, row_group_size=16)  # several row groups, several batches
    rows = read(path)
    assert rows.labels.tolist() == LABELS  # "text" is a label name
    np.testing.assert_array_equal(rows.vectors, VECTORS)
    assert rows.columns is not None and rows.columns.column_names == ["id", "kind", "score", "url"]
    assert rows.columns["id"].type == pa.int64() and rows.columns["score"].equals(written["score"])


def test_feather_with_a_variable_list_column_and_a_group(tmp_path: Path) -> None:
    path = tmp_path / "e.feather"
    table = pa.table({"name": LABELS, "vector": [list(map(float, v)) for v in VECTORS], "group": KINDS})
    feather.write_feather(table, path)
    rows = read(path)
    assert rows.groups is not None and rows.groups.tolist() == KINDS
    np.testing.assert_array_equal(rows.vectors, VECTORS)


def test_numeric_columns_make_the_vector_unless_named(tmp_path: Path) -> None:
    path = tmp_path / "e.parquet"
    pq.write_table(pa.table({"word": LABELS, **{f"d{j}": VECTORS[:, j] for j in range(D)}}), path)
    np.testing.assert_array_equal(read(path).vectors, VECTORS)
    chosen = read(path, vector_columns=["d0", "d2"])
    np.testing.assert_array_equal(chosen.vectors, VECTORS[:, [0, 2]])
    assert chosen.columns is not None and "d1" in chosen.columns.column_names


def write_csv(path: Path, header: list[str], rows: list[list[object]], delimiter: str = ",") -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_csv_with_any_delimiter_and_quoted_fields(tmp_path: Path, delimiter: str) -> None:
    labels = [f"a, b; c {i}" if i % 3 == 0 else f'say "hi" {i}' for i in range(N)]
    rows = [[label, *map(float, v), "x"] for label, v in zip(labels, VECTORS, strict=True)]
    path = write_csv(tmp_path / "e.csv", ["label", *[f"v{j}" for j in range(D)], "note"], rows, delimiter)
    got = read(path)
    assert got.labels.tolist() == labels
    np.testing.assert_allclose(got.vectors, VECTORS, rtol=1e-6)


def test_a_csv_non_number_names_the_line_and_the_column(tmp_path: Path) -> None:
    rows: list[list[object]] = [[f"w{i}", i, i + 0.5] for i in range(100_000)]
    rows[90_000][2] = "1,5"  # far beyond pyarrow's first block, where it guessed the types
    rows[95_000][1] = ""
    path = write_csv(tmp_path / "e.csv", ["word", "a", "b"], rows)
    with pytest.raises(DatasetError) as caught:
        read(path)
    assert str(caught.value) == f"{path}:90002: column 'b': not a number: '1,5'"
    rows[90_000][2] = 7
    write_csv(path, ["word", "a", "b"], rows)
    with pytest.raises(DatasetError) as caught:
        read(path)
    assert str(caught.value) == f"{path}:95002: column 'a' has no number"


def test_a_csv_column_that_only_begins_with_numbers_is_kept_as_text(tmp_path: Path) -> None:
    rows: list[list[object]] = [[f"w{i}", i * 0.5, str(i)] for i in range(100_000)]
    rows[-1][2] = "later a word"
    path = write_csv(tmp_path / "e.csv", ["word", "a", "code"], rows)
    got = read(path, vector_columns=["a"])
    assert got.columns is not None and got.columns["code"].to_pylist()[-1] == "later a word"


def test_a_hugging_face_folder_with_class_labels(tmp_path: Path) -> None:
    folder = tmp_path / "hf"
    folder.mkdir()
    table = pa.table({"sentence": LABELS, "embeddings": [list(map(float, v)) for v in VECTORS],
                      "label": pa.array([i % 2 for i in range(N)], pa.int64())})  # fmt: skip
    arrow = str(folder / "data-00000-of-00001.arrow")
    with pa.OSFile(arrow, "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:  # as save_to_disk writes
        writer.write_table(table, max_chunksize=20)
    (folder / "state.json").write_text(json.dumps({"_data_files": [{"filename": "data-00000-of-00001.arrow"}]}))
    features = {
        "sentence": {"dtype": "string", "_type": "Value"},
        "label": {"names": ["neg", "pos"], "_type": "ClassLabel"},
    }
    (folder / "dataset_info.json").write_text(json.dumps({"features": features}))
    rows = read(folder, label_column="sentence", group_column="label")
    assert rows.labels.tolist() == LABELS
    assert rows.groups is not None and rows.groups.tolist()[:3] == ["neg", "pos", "neg"]
    np.testing.assert_allclose(rows.vectors, VECTORS)


@pytest.mark.parametrize(
    ("table", "roles", "problem"),
    [
        (pa.table({"word": ["a", "b"], "v": [[1.0, 2.0], [1.0]]}), {}, "e.parquet: row 2: vector length 1, expected 2"),
        (pa.table({"word": ["a", "b"], "v": [1.0, 2.0]}), {"label_column": "lbl"}, "e.parquet: no label column 'lbl'"),
        (pa.table({"n": [1, 2], "m": [3.0, 4.0]}), {}, "e.parquet: no label column: name one with --label-column"),
        (pa.table({"word": ["a", "b"], "v": [1.0, float("nan")]}), {}, "e.parquet: row 2: the vector holds NaN"),
        (pa.table({"word": ["a", None], "v": [1.0, 2.0]}), {}, "e.parquet: row 2: no label in column 'word'"),
        (pa.table({"word": pa.array([], pa.string()), "v": pa.array([], pa.float64())}), {}, "e.parquet: no rows"),
        (pa.table({"word": ["a"], "v": [[1.0]], "w": [[2.0]]}), {}, "e.parquet: several vector columns (v, w)"),
    ],
)
def test_bad_tables_say_where_and_what(tmp_path: Path, table: pa.Table, roles: dict[str, str], problem: str) -> None:
    path = tmp_path / "e.parquet"
    pq.write_table(table, path)
    with pytest.raises(DatasetError) as caught:
        read(path, **roles)
    assert str(caught.value).startswith(f"{tmp_path}/{problem}")


def test_not_what_the_name_says(tmp_path: Path) -> None:
    path = tmp_path / "e.parquet"
    path.write_text("label,x\nw,1\n")
    with pytest.raises(DatasetError, match=r"e\.parquet: not a Parquet file"):
        open_table(path)


def test_the_explorer_opens_a_table_of_points_as_it_is(tmp_path: Path) -> None:
    points = RNG.normal(size=(N, 3)) * 1e3
    path = tmp_path / "points.parquet"
    pq.write_table(pa.table({"title": LABELS, "X": points[:, 0], "Y": points[:, 1], "Z": points[:, 2],
                             "year": range(N)}), path)  # fmt: skip
    assert is_points_table(path)
    dataset = read_points(path)
    np.testing.assert_allclose(dataset.points, points, rtol=1e-7)
    assert dataset.columns is not None and dataset.columns.column_names == ["year"]


def test_a_tsv_is_a_table_only_when_it_has_a_header(tmp_path: Path, make_dataset) -> None:  # type: ignore[no-untyped-def]
    plain = make_dataset(tmp_path / "demo.tsv", n=20)  # the demo's headerless format, under a plain name
    assert not is_points_table(plain) and len(read_dataset(plain)) == 20
    headed = write_csv(tmp_path / "mine.tsv", ["label", "x", "y", "z"], [["a", 1, 2, 3], ["b", 4, 5, 6]], "\t")
    assert is_points_table(headed) and read_points(headed).points.tolist() == [[1, 2, 3], [4, 5, 6]]


def test_columns_travel_in_a_sidecar(tmp_path: Path) -> None:
    path = tmp_path / "p.parquet"
    born = pa.array([1901, 1950, None], pa.int32())
    pq.write_table(pa.table({"label": ["a", "b", "c"], "x": [1.0, 2, 3], "y": [0.0, 0, 0], "z": [1.0, 1, 1],
                             "born": born, "note": ["x", None, "z"]}), path)  # fmt: skip
    dataset = read_points(path)
    out = tmp_path / "p.ds.tsv.gz"
    write_dataset(out, dataset)
    assert (tmp_path / "p.ds.columns.parquet").exists()
    back = read_dataset(out)
    assert back.columns is not None and back.columns.equals(dataset.columns)
    assert back.columns["born"].type == pa.int32() and back.columns["note"].to_pylist() == ["x", None, "z"]
    write_dataset(out, read_dataset(out, sidecars=False))  # rewritten without columns: no stale sidecar
    assert not (tmp_path / "p.ds.columns.parquet").exists()


def test_files_as_strangers_bring_them(tmp_path: Path) -> None:
    import pandas as pd

    points = RNG.normal(size=(20, 3))
    frame = pd.DataFrame({"label": [f"p{i}" for i in range(20)], "a": points[:, 0], "b": points[:, 1],
                          "c": points[:, 2]})  # fmt: skip
    frame.to_csv(tmp_path / "pandas.csv")  # with pandas' unnamed index column first
    rows = read(tmp_path / "pandas.csv")
    np.testing.assert_allclose(rows.vectors, points, rtol=1e-6)  # the index is not a dimension
    assert rows.columns is not None and rows.columns.column_names == ["Unnamed: 0"]

    euro = [[f"p{i}", *(f"{v:.4f}".replace(".", ",") for v in row)] for i, row in enumerate(points)]
    rows = read(write_csv(tmp_path / "euro.csv", ["name", "x", "y", "z"], euro, ";"))  # decimal commas
    np.testing.assert_allclose(rows.vectors, points, atol=1e-4)

    categorical = pd.DataFrame({"word": pd.Categorical(LABELS), "group": pd.Categorical(KINDS), "v": VECTORS[:, 0]})
    categorical.to_parquet(tmp_path / "cat.parquet")
    rows = read(tmp_path / "cat.parquet")
    assert rows.labels.tolist() == LABELS and rows.groups is not None and rows.groups.tolist() == KINDS

    pq.write_table(pa.table({"id": pa.array(range(N), pa.int64()), "v": VECTORS[:, 1]}), tmp_path / "ids.parquet")
    rows = read(tmp_path / "ids.parquet")
    assert rows.labels.tolist()[:3] == ["0", "1", "2"] and rows.vectors.shape == (
        N,
        1,
    )  # the id labels, not a dimension


def test_a_csv_error_names_the_right_column_wherever_the_label_is(tmp_path: Path) -> None:
    rows: list[list[object]] = [[i, i + 0.5, i * 2.0, f"w{i}"] for i in range(100_000)]
    rows[80_000][1] = "abc"
    path = write_csv(tmp_path / "e.csv", ["x", "y", "z", "label"], rows)
    with pytest.raises(DatasetError) as caught:
        read(path)
    assert str(caught.value) == f"{path}:80002: column 'y': not a number: 'abc'"
    rows = [[f"w{i}", i, 0.1 * i, 0.2 * i, 0.3 * i] for i in range(100_000)]
    rows[-1][1] = "unknown"  # a column of years that turns to text late: kept, as text
    path = write_csv(tmp_path / "years.csv", ["name", "year", "x", "y", "z"], rows)
    got = read(path, vector_columns=["x", "y", "z"])
    assert got.columns is not None and got.columns["year"].to_pylist()[-1] == "unknown"


def test_small_files_that_are_not_text_say_so(tmp_path: Path) -> None:
    latin = tmp_path / "pts.tsv"
    latin.write_bytes("label\tx\ty\tz\ncaf\xe9\t1\t2\t3\n".encode("latin-1"))
    with pytest.raises(DatasetError, match=r"pts\.tsv:1: not valid UTF-8"):
        is_points_table(latin)
    with pytest.raises(DatasetError, match=r"missing\.tsv: no such file"):
        is_points_table(tmp_path / "missing.tsv")


def test_pandas_parquet_index_is_not_a_dimension(tmp_path: Path) -> None:
    import pandas as pd

    frame = pd.DataFrame({"word": LABELS, **{f"d{j}": VECTORS[:, j] for j in range(D)}})
    frame[frame.index % 2 == 0].to_parquet(tmp_path / "half.parquet")  # keeps __index_level_0__
    rows = read(tmp_path / "half.parquet")
    assert rows.vectors.shape == (N // 2, D)
