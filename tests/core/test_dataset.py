"""The dataset contract: what the original demo wrote must load, and every flaw is named."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explorer.core.dataset import (
    Dataset,
    DatasetError,
    atomic_file,
    dataset_base,
    knn_path,
    meta_path,
    read_dataset,
    write_dataset,
)


def _dataset(labels, groups=None, knn=None, meta=None) -> Dataset:
    n = len(labels)
    points = np.arange(n * 3, dtype=np.float32).reshape(n, 3) / 7
    return Dataset(
        labels=np.array(labels, dtype=object),
        points=points,
        groups=np.array(groups, dtype=object) if groups is not None else None,
        knn=knn,
        meta=meta or {},
    )


def test_original_demo_four_column_file_loads_unchanged(tmp_path: Path) -> None:
    # Exactly as the Babylon.js demo wrote them: headless, gzipped, word x y z.
    path = tmp_path / "words.ds.tsv.gz"
    path.write_bytes(gzip.compress(b"football\t1.5\t-2\t3e-1\nnan\t0\t0\t0\nNA\t1\t1\t1\n#1\t2\t2\t2\n"))
    ds = read_dataset(path)
    assert list(ds.labels) == ["football", "nan", "NA", "#1"]
    np.testing.assert_allclose(ds.points[0], [1.5, -2.0, 0.3], rtol=1e-6)
    assert ds.groups is None and ds.knn is None and ds.meta == {}


def test_fifth_column_is_the_group(tmp_path: Path) -> None:
    path = tmp_path / "langs.ds.tsv"
    path.write_text("haus\t0\t0\t0\tde\nhouse\t1\t1\t1\ten\ndom\t2\t2\t2\tpl\nhund\t3\t3\t3\tde\n", encoding="utf-8")
    ds = read_dataset(path)
    assert list(ds.groups) == ["de", "en", "pl", "de"]
    assert ds.group_counts() == {"de": 2, "en": 1, "pl": 1}


labels_strategy = st.lists(
    st.one_of(
        st.sampled_from(
            ["nan", "NA", "null", "", "#x", '"quoted"', "'single'", "a\tb", "line\nbreak", "中文", "🙂🚀", "None"]
        ),
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=12),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(labels=labels_strategy, gzipped=st.booleans(), with_groups=st.booleans())
def test_round_trip_keeps_every_label(tmp_path: Path, labels: list[str], gzipped: bool, with_groups: bool) -> None:
    path = tmp_path / ("rt.ds.tsv.gz" if gzipped else "rt.ds.tsv")
    groups = [f"g{i % 3}" for i in range(len(labels))] if with_groups else None
    original = _dataset(labels, groups)
    write_dataset(path, original)
    back = read_dataset(path)
    expected = [s.replace("\t", " ").replace("\r", " ").replace("\n", " ") for s in labels]
    assert list(back.labels) == expected
    np.testing.assert_allclose(back.points, original.points, rtol=1e-5, atol=1e-6)
    assert (back.groups is None) == (groups is None)


def test_sidecars_round_trip_and_stale_ones_are_removed(tmp_path: Path) -> None:
    path = tmp_path / "s.ds.tsv.gz"
    knn = np.array([[1, 2], [0, 2], [0, 1]], dtype=np.int32)
    write_dataset(path, _dataset(["a", "b", "c"], knn=knn, meta={"source": "test"}))
    assert meta_path(path).name == "s.ds.meta.json" and knn_path(path).name == "s.ds.knn.npy"
    back = read_dataset(path)
    np.testing.assert_array_equal(back.knn, knn)
    assert back.meta == {"source": "test"}
    write_dataset(path, _dataset(["a", "b", "c", "d"]))
    assert not meta_path(path).exists() and not knn_path(path).exists()
    assert read_dataset(path).knn is None


def test_knn_sidecar_that_does_not_match_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "k.ds.tsv"
    write_dataset(path, _dataset(["a", "b", "c"]))
    np.save(knn_path(path), np.array([[1], [0]], dtype=np.int32))
    with pytest.raises(DatasetError, match=r"k\.ds\.knn\.npy: expected shape \(3, k\)"):
        read_dataset(path)
    np.save(knn_path(path), np.array([[1], [7], [0]], dtype=np.int32))
    with pytest.raises(DatasetError, match=r"indices must lie in \[0, 3\)"):
        read_dataset(path)


def test_broken_meta_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "m.ds.tsv"
    write_dataset(path, _dataset(["a"]))
    meta_path(path).write_text('{\n  "a": 1,\n  oops\n}\n')
    with pytest.raises(DatasetError, match=r"m\.ds\.meta\.json:3: invalid JSON"):
        read_dataset(path)


def test_writes_are_reproducible_bytes(tmp_path: Path) -> None:
    a, b = tmp_path / "a.ds.tsv.gz", tmp_path / "sub" / "a.ds.tsv.gz"
    b.parent.mkdir()
    write_dataset(a, _dataset(["x", "y"]))
    os.utime(a, (0, 0))
    write_dataset(b, _dataset(["x", "y"]))
    assert a.read_bytes() == b.read_bytes()
    assert b"a.ds.tsv" not in a.read_bytes()  # no file name in the gzip header
    assert gzip.decompress(a.read_bytes()).decode() == "x\t0\t0.142857\t0.285714\ny\t0.428571\t0.571429\t0.714286\n"


def test_failed_write_leaves_old_file_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "keep.ds.tsv"
    write_dataset(path, _dataset(["old"]))
    before = path.read_bytes()
    with pytest.raises(RuntimeError), atomic_file(path) as fh:
        fh.write(b"half a line")
        raise RuntimeError("crash mid-write")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.ds.cache", "keep.ds.tsv"]  # and its cache


def test_write_refuses_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="output folder does not exist"):
        write_dataset(tmp_path / "nope" / "x.ds.tsv", _dataset(["a"]))


def test_sidecar_names_follow_the_dataset_name() -> None:
    assert dataset_base("d/words-en.ds.tsv.gz") == Path("d/words-en.ds")
    assert dataset_base("plain.tsv") == Path("plain")
    with pytest.raises(DatasetError, match="end in .tsv.gz or .tsv"):
        dataset_base("words.csv")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"a\t1\t2\t3\nb\t1\t2\n", r":2: expected 4 TAB-separated fields like line 1, found 3"),
        (b"a\t1\t2\t3\tg\nb\t1\t2\t3\n", r":2: expected 5 TAB-separated fields like line 1, found 4"),
        (b"a 1 2 3\n", r":1: expected 4 or 5 TAB-separated fields"),
        (b"a\t1\t2\t3\n\nb\t1\t2\t3\n", r":2: expected 4 TAB-separated fields like line 1, found 1"),
        (b"a\t1\t2\t3\nb\t1\tseven\t3\n", r":2: y is not a number: 'seven'"),
        (b"a\t1\t2\t3\nb\t1\t2\t\n", r":2: z is not a number: ''"),
        (b"a\t1\t2\t3\nb\tNaN\t2\t3\n", r":2: x is not finite: 'NaN'"),
        (b"a\t1\t2\t3\nb\t1\t2\t-inf\n", r":2: z is not finite: '-inf'"),
        (b"a\t1\t2\t3\nb\t1\t2\t3\n\xc3(\t1\t2\t3\n", r":3: not valid UTF-8"),
        (b"", r"tsv: empty file"),
        (b"\n\n", r"tsv: empty file"),
    ],
)
def test_bad_files_name_file_line_and_problem(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.ds.tsv"
    path.write_bytes(content)
    with pytest.raises(DatasetError, match=message) as info:
        read_dataset(path)
    assert str(info.value).startswith(str(path))


def test_truncated_gzip_names_the_line_it_stopped_at(tmp_path: Path) -> None:
    full = "".join(f"w{i}\t{i}\t{i}\t{i}\n" for i in range(20000)).encode()
    packed = gzip.compress(full)
    path = tmp_path / "cut.ds.tsv.gz"
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(DatasetError, match=r"cut\.ds\.tsv\.gz:\d+: gzip data ends early") as info:
        read_dataset(path)
    assert 1 < info.value.line < 20000


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="no such file"):
        read_dataset(tmp_path / "none.ds.tsv")
    folder = tmp_path / "dir.ds.tsv"
    folder.mkdir()
    with pytest.raises(DatasetError, match="is a folder"):
        read_dataset(folder)


def test_a_utf8_byte_order_mark_and_windows_line_ends_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.ds.tsv"
    path.write_bytes("\ufeffcafé\t1\t2\t3\r\nthé\t4\t5\t6\r\n".encode())
    ds = read_dataset(path)
    assert list(ds.labels) == ["café", "thé"]
    np.testing.assert_allclose(ds.points[1], [4, 5, 6])
