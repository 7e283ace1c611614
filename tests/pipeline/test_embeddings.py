"""Ready-made embeddings: JSONL, .npy/.npz with labels, Projector TSV, tables; end to end and bad lines."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from explorer.core.dataset import read_dataset
from pipeline.embeddings import read_embeddings, read_jsonl, read_numpy, read_projector
from pipeline.errors import PipelineError

N, DIM = 240, 16


def clustered(seed: int = 0) -> tuple[np.ndarray, list[str], list[str]]:
    """Four well-separated clusters in 16-D, labelled by cluster."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(4, DIM)) * 6
    which = np.arange(N) % 4
    vectors = (centres[which] + rng.normal(size=(N, DIM))).astype(np.float32)
    return vectors, [f"item{i}-c{c}" for i, c in enumerate(which)], [f"c{c}" for c in which]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def neighbours_share_cluster(path: Path) -> float:
    """Fraction of 3D nearest neighbours in the point's own cluster."""
    ds = read_dataset(path)
    d = np.linalg.norm(ds.points[:, None] - ds.points[None], axis=2)
    np.fill_diagonal(d, np.inf)
    nearest = d.argmin(axis=1)
    own = np.array([label.rsplit("-", 1)[1] for label in ds.labels])
    return float((own[nearest] == own).mean())


# ----------------------------------------------------------------- end to end


@pytest.mark.slow
def test_jsonl_with_the_research_keys_end_to_end(cli, tmp_path: Path) -> None:
    vectors, labels, groups = clustered()
    keys = [("embed", "label"), ("clip", "filepath"), ("embedding", "text"), ("vector", "filename")]
    records = [{keys[i % 4][0]: v.tolist(), keys[i % 4][1]: lab, "group": g}
               for i, (v, lab, g) in enumerate(zip(vectors, labels, groups, strict=True))]  # fmt: skip
    out = tmp_path / "j.ds.tsv.gz"
    result = cli("embeddings", write_jsonl(tmp_path / "e.jsonl", records), "-o", out, "--knn", "5")
    assert result.returncode == 0, result.stderr
    ds = read_dataset(out)
    assert list(ds.labels) == labels and ds.group_counts() == {"c0": 60, "c1": 60, "c2": 60, "c3": 60}
    assert ds.knn.shape == (N, 5) and ds.meta["source"]["kind"] == "ready-made embeddings"
    assert ds.meta["embedding"]["dimensions"] == DIM
    assert neighbours_share_cluster(out) > 0.95


@pytest.mark.slow
def test_npy_and_npz_with_a_labels_file_end_to_end(cli, tmp_path: Path) -> None:
    vectors, labels, _ = clustered(1)
    np.save(tmp_path / "v.npy", vectors)
    np.savez(tmp_path / "v.npz", embeddings=vectors)
    (tmp_path / "labels.txt").write_text("\n".join(labels) + "\n", encoding="utf-8")
    for name in ("v.npy", "v.npz"):
        out = tmp_path / f"{name}.ds.tsv.gz"
        result = cli("embeddings", tmp_path / name, "--labels", tmp_path / "labels.txt", "-o", out)
        assert result.returncode == 0, result.stderr
        assert list(read_dataset(out).labels) == labels
        assert neighbours_share_cluster(out) > 0.95


@pytest.mark.slow
def test_projector_tsv_with_metadata_end_to_end(cli, tmp_path: Path) -> None:
    vectors, labels, groups = clustered(2)
    (tmp_path / "vectors.tsv").write_text(
        "".join("\t".join(f"{x:.5f}" for x in v) + "\n" for v in vectors), encoding="utf-8"
    )
    rows = ["word\tgroup\tcount"] + [f"{lab}\t{g}\t{i}" for i, (lab, g) in enumerate(zip(labels, groups, strict=True))]
    (tmp_path / "metadata.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "p.ds.tsv.gz"
    result = cli("embeddings", tmp_path / "vectors.tsv", "--metadata", tmp_path / "metadata.tsv",
                     "--label-column", "word", "-o", out)  # fmt: skip
    assert result.returncode == 0, result.stderr
    ds = read_dataset(out)
    assert list(ds.labels) == labels and len(ds.group_counts()) == 4
    assert neighbours_share_cluster(out) > 0.95


# ----------------------------------------------------------------- formats and bad lines


def test_one_column_projector_metadata_has_no_header(tmp_path: Path) -> None:
    (tmp_path / "v.tsv").write_text("1\t2\n3\t4\n", encoding="utf-8")
    (tmp_path / "m.tsv").write_text("alpha\nbeta\n", encoding="utf-8")
    e = read_projector(tmp_path / "v.tsv", tmp_path / "m.tsv", None)
    assert e.labels == ["alpha", "beta"] and e.groups is None and e.vectors.shape == (2, 2)


@pytest.mark.parametrize(
    ("lines", "problem"),
    [
        (['{"embed": [1, 2], "label": "a"}', '{"embed": [1, 2, 3], "label": "b"}'],
         "e.jsonl:2: vector length 3, expected 2 like the earlier lines"),
        (['{"embed": [1, 2], "label": "a"}', '{"embed": [1, NaN], "label": "b"}'],
         "e.jsonl:2: the vector holds NaN or infinity"),
        (['{"embed": [1, 2], "label": "a"}', "", '{"embed": [3, 4]}'],
         "e.jsonl:3: no label: expected one of label, text, filepath, filename"),
        (['{"label": "a"}'], "e.jsonl:1: no vector: expected one of embed, clip, embedding, vector"),
        (['{"embed": [1, "x"], "label": "a"}'], "e.jsonl:1: the vector holds something that is not a number"),
        (['{"embed": [1, 2], "label": "a"', ], "e.jsonl:1: not valid JSON"),
        (["[1, 2]"], "e.jsonl:1: expected a JSON object"),
    ],
)  # fmt: skip
def test_jsonl_errors_name_the_line(tmp_path: Path, lines: list[str], problem: str) -> None:
    path = tmp_path / "e.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(PipelineError) as error:
        read_jsonl(path)
    assert str(error.value).startswith(f"{tmp_path}/{problem}")


def test_numpy_errors(tmp_path: Path) -> None:
    labels = tmp_path / "labels.txt"
    labels.write_text("a\nb\n", encoding="utf-8")
    bad = np.ones((3, 4), dtype=np.float32)
    bad[2, 1] = np.nan
    np.save(tmp_path / "nan.npy", bad)
    with pytest.raises(PipelineError, match=r"nan.npy: row 3 holds NaN or infinity"):
        read_numpy(tmp_path / "nan.npy", labels)
    np.save(tmp_path / "three.npy", np.ones((3, 4)))
    with pytest.raises(PipelineError, match=r"labels.txt: 2 labels for 3 vectors in three.npy"):
        read_numpy(tmp_path / "three.npy", labels)
    with pytest.raises(PipelineError, match=r"three.npy: a .npy/.npz file needs --labels FILE"):
        read_embeddings(tmp_path / "three.npy")
    np.savez(tmp_path / "two.npz", a=np.ones((2, 2)), b=np.ones((2, 2)))
    with pytest.raises(PipelineError, match=r"two.npz: expected one array in the .npz, found 2: a, b"):
        read_numpy(tmp_path / "two.npz", labels)


def test_projector_errors(tmp_path: Path) -> None:
    (tmp_path / "v.tsv").write_text("1\t2\n3\tx\n", encoding="utf-8")
    (tmp_path / "m.tsv").write_text("alpha\nbeta\n", encoding="utf-8")
    with pytest.raises(PipelineError, match=r"v.tsv:2: not a number: 'x'"):
        read_projector(tmp_path / "v.tsv", tmp_path / "m.tsv", None)
    (tmp_path / "v.tsv").write_text("1\t2\n3\t4\n5\t6\n", encoding="utf-8")
    with pytest.raises(PipelineError, match=r"m.tsv: 2 labels for 3 vectors in v.tsv"):
        read_projector(tmp_path / "v.tsv", tmp_path / "m.tsv", None)
    (tmp_path / "m2.tsv").write_text("word\tgroup\na\tg\nb\tg\tEXTRA\nc\tg\n", encoding="utf-8")
    with pytest.raises(PipelineError, match=r"m2.tsv:3: expected 2 tab-separated fields, found 3"):
        read_projector(tmp_path / "v.tsv", tmp_path / "m2.tsv", None)
    with pytest.raises(PipelineError, match=r"m2.tsv:1: no column 'name'; the header has word, group"):
        read_projector(tmp_path / "v.tsv", tmp_path / "m2.tsv", "name")


def test_a_bad_line_on_the_command_line_is_one_clear_error(cli, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "e.jsonl", [{"embed": [1.0, 2.0], "label": "a"}, {"embed": [1.0], "label": "b"}])
    result = cli("embeddings", path, "-o", tmp_path / "out.ds.tsv.gz")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"flythrough-pipeline: error: {path}:2: vector length 1, expected 2 like the earlier lines"
    )
    assert not list(tmp_path.glob("out*"))


# ----------------------------------------------------------------- tables: Parquet, CSV, Hugging Face


def test_parquet_with_a_list_column_and_metadata_end_to_end(cli, tmp_path: Path) -> None:
    vectors, labels, groups = clustered()
    labels[5] = "shit"  # left out by the filter: the columns must follow the rows that stay
    table = pa.table({
        "id": pa.array(range(N), pa.int32()),
        "title": labels,
        "embedding": pa.FixedSizeListArray.from_arrays(pa.array(vectors.ravel()), DIM),
        "cluster": groups,
        "url": [f"https://example.org/{i}" for i in range(N)],
    })  # fmt: skip
    path = tmp_path / "e.parquet"
    pq.write_table(table, path, row_group_size=50)
    out = tmp_path / "p.ds.tsv.gz"
    result = cli("embeddings", path, "-o", out, "--group-column", "cluster", "--filter-profanity", "--knn", "5")
    assert result.returncode == 0, result.stderr
    ds = read_dataset(out)
    kept = [i for i in range(N) if i != 5]
    assert list(ds.labels) == [labels[i] for i in kept] and ds.group_counts()["c0"] == 60
    assert ds.columns is not None and ds.columns.column_names == ["id", "cluster", "url"]
    assert ds.columns["id"].to_pylist() == kept and ds.columns["id"].type == pa.int32()
    assert ds.meta["source"]["columns"] == ["id", "cluster", "url"]
    assert neighbours_share_cluster(out) > 0.95
    sizes = [len(level) for level in ds.regions.levels] if ds.regions is not None else []
    assert len(sizes) == 2 and sizes[0] == 16 and 16 < sizes[1] <= 239 // 8  # a small map: as many as its cells
    assert ".columns.parquet sidecar" in result.stderr
    info = cli("info", out)
    assert "columns        3: id (int32), cluster (string), url (string)" in info.stdout


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_a_csv_of_labels_and_numbers_end_to_end(cli, tmp_path: Path) -> None:
    vectors, labels, _ = clustered()
    rows = [[label, *v.tolist()] for label, v in zip(labels, vectors, strict=True)]
    path = write_csv(tmp_path / "e.csv", ["word", *[f"d{j}" for j in range(DIM)]], rows)
    out = tmp_path / "c.ds.tsv.gz"
    result = cli("embeddings", path, "-o", out, "--neighbors", "10", "--no-regions")
    assert result.returncode == 0, result.stderr
    assert list(read_dataset(out).labels) == labels and neighbours_share_cluster(out) > 0.95
    assert read_dataset(out).regions is None and not (tmp_path / "c.ds.regions.json").exists()


def test_three_coordinates_are_kept_exactly_without_umap(cli, tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    xyz = rng.normal(size=(30, 3)) * np.array([1e-12, 1.0, 3e15])
    rows = [[f"p{i}", *row.tolist(), f"note {i}"] for i, row in enumerate(xyz)]
    path = write_csv(tmp_path / "points.csv", ["name", "east", "north", "up", "note"], rows)
    out = tmp_path / "x.ds.tsv"
    result = cli("embeddings", path, "-o", out, "--xyz", "east,north,up", "--knn", "4")
    assert result.returncode == 0, result.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines == [f"p{i}\t{x:.6g}\t{y:.6g}\t{z:.6g}" for i, (x, y, z) in enumerate(xyz)]
    meta = read_dataset(out).meta
    assert meta["reduction"]["method"] == "none" and meta["knn"]["metric"] == "euclidean"
    assert "kept as they are" in result.stderr
    assert read_dataset(out).columns["note"].to_pylist()[2] == "note 2"


def test_a_hugging_face_folder_end_to_end(cli, tmp_path: Path) -> None:
    vectors, labels, groups = clustered()
    folder = tmp_path / "hf"
    folder.mkdir()
    table = pa.table({"sentence": labels, "embeddings": vectors.tolist(), "group": groups})
    with pa.OSFile(str(folder / "data-00000-of-00001.arrow"), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as w:
        w.write_table(table)
    (folder / "dataset_info.json").write_text(json.dumps({"features": {}}))
    out = tmp_path / "h.ds.tsv.gz"
    result = cli("embeddings", folder, "-o", out)
    assert result.returncode == 0, result.stderr
    assert read_dataset(out).group_counts() == {"c0": 60, "c1": 60, "c2": 60, "c3": 60}


@pytest.mark.parametrize(
    ("name", "content", "args", "problem"),
    [
        ("e.csv", "word,a,b\nx,1,2\ny,3,4\nz,5,oops\n", [], "e.csv:4: column 'b': not a number: 'oops'"),
        ("e.csv", "", [], "e.csv: empty file: expected a header row and rows of values"),
        (
            "e.csv",
            "word,a\nx,1\n",
            ["--label-column", "name"],
            "e.csv: no label column 'name'; the columns are word, a",
        ),
        ("e.csv", "n,a\n1,2\n", [], "e.csv: no label column: name one with --label-column (the columns are n, a)"),
        ("e.xlsx", "x", [], "e.xlsx: unknown format; supported: JSONL (.jsonl), NumPy (.npy, .npz) with --labels"),
    ],
)
def test_bad_tables_exit_2_naming_the_file_and_place(
    cli, tmp_path: Path, name: str, content: str, args: list[str], problem: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = cli("embeddings", path, "-o", tmp_path / "out.ds.tsv.gz", *args)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith(f"flythrough-pipeline: error: {tmp_path}/{problem}")
    assert not list(tmp_path.glob("out*"))


def test_ragged_vectors_in_parquet_name_the_row(cli, tmp_path: Path) -> None:
    path = tmp_path / "e.parquet"
    pq.write_table(pa.table({"label": ["a", "b", "c"], "v": [[1.0, 2.0], [3.0, 4.0], [5.0]]}), path)
    result = cli("embeddings", path, "-o", tmp_path / "out.ds.tsv.gz")
    assert result.returncode == 2
    assert result.stderr.strip().endswith(f"{path}: row 3: vector length 1, expected 2 like the rows before")


def write_pictures(folder: Path, count: int) -> list[tuple[int, int, int]]:
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    colours = [(40 * i % 256, 200 - 10 * i, 30 + 7 * i) for i in range(count)]
    for i, colour in enumerate(colours):
        Image.new("RGB", (60 + 10 * i, 40), colour).save(folder / f"p{i}.png")
    return colours


def test_a_table_with_an_image_column_becomes_an_image_dataset(cli, tmp_path: Path) -> None:
    colours = write_pictures(tmp_path / "pictures", 12)
    (tmp_path / "pictures" / "p5.png").write_bytes(b"not a png")  # one broken picture does not stop the rest
    rng = np.random.default_rng(2)
    xyz = rng.normal(size=(12, 3))
    table = pa.table({"name": [f"picture {i}" for i in range(12)], "x": xyz[:, 0], "y": xyz[:, 1], "z": xyz[:, 2],
                      "file": [f"p{i}.png" for i in range(12)]})  # fmt: skip
    pq.write_table(table, tmp_path / "points.parquet")
    out = tmp_path / "pictures.ds.tsv.gz"
    result = cli("embeddings", tmp_path / "points.parquet", "-o", out, "--xyz", "x,y,z", "--knn", "3",
                 "--image-column", "file", "--images-root", tmp_path / "pictures", "--thumb-size", "32")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "p5.png" in result.stderr and "not a readable image" in result.stderr
    ds = read_dataset(out)
    assert ds.thumbs is not None and ds.thumbs.shape == (12, 32, 32, 3)
    for i in (0, 7, 11):
        assert np.abs(ds.thumbs[i, 16, 16].astype(int) - colours[i]).max() <= 2  # its own picture, by row
    assert not ds.thumbs[5].any()  # the broken one: black
    assert ds.meta["source"]["thumbnails"]["unreadable_files"] == ["p5.png"]
    missing = cli("embeddings", tmp_path / "points.parquet", "-o", tmp_path / "m.ds.tsv.gz", "--xyz", "x,y,z",
                  "--image-column", "photo")  # fmt: skip
    assert missing.returncode == 2 and "points.parquet: no column 'photo' for --image-column" in missing.stderr
    rootless = cli("embeddings", tmp_path / "points.parquet", "-o", tmp_path / "r.ds.tsv.gz", "--xyz", "x,y,z",
                   "--images-root", tmp_path)  # fmt: skip
    assert rootless.returncode == 2 and "--images-root needs --image-column" in rootless.stderr


def test_jsonl_records_name_their_images(tmp_path: Path) -> None:
    from pipeline.embeddings import TableOptions
    from pipeline.report import Report
    from pipeline.stages import PictureOptions, embed_file

    colours = write_pictures(tmp_path / "img", 4)
    path = write_jsonl(tmp_path / "e.jsonl", [{"embedding": [float(i), 1.0, 0.5], "label": f"thing {i}",
                                               "image": f"img/p{i}.png"} for i in range(4)])  # fmt: skip
    embeddings, provenance = embed_file(path, labels=None, metadata=None, options=TableOptions(), report=Report(),
                                        pictures=PictureOptions("image", px=16))  # fmt: skip
    assert embeddings.thumbs is not None and embeddings.thumbs.shape == (4, 16, 16, 3)
    assert embeddings.thumbs[2, 8, 8].tolist() == list(colours[2])
    assert provenance["source"]["thumbnails"]["unreadable"] == 0
    with pytest.raises(PipelineError, match=r"e.jsonl:1: no 'photo' field"):
        embed_file(path, labels=None, metadata=None, options=TableOptions(), report=Report(),
                   pictures=PictureOptions("photo"))  # fmt: skip
