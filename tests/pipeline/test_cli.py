"""The pipeline's command line, run in fresh processes as a user would."""

from __future__ import annotations

import gzip
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from explorer.core.dataset import read_dataset


def outputs(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture(scope="module")
def glove_run(cli, tmp_path_factory: pytest.TempPathFactory, devil_text: Path, jargon_text: Path) -> dict:
    out = tmp_path_factory.mktemp("glove")
    dataset = out / "small.ds.tsv.gz"
    vectors = out / "small.vectors.txt"
    args = [
        "glove", jargon_text, devil_text, "-o", dataset, "--epochs", "5", "--threads", "1", "--min-count", "15",
        "--group-by-file", "--save-vectors", vectors, "--filter-profanity", "--knn", "8",
    ]  # fmt: skip
    first = cli(*args)
    assert first.returncode == 0, first.stderr
    first_bytes = dataset.read_bytes()
    second = cli(*args)
    assert second.returncode == 0, second.stderr
    return {"out": out, "dataset": dataset, "vectors": vectors, "first": first, "first_bytes": first_bytes}


@pytest.mark.slow
def test_glove_builds_a_dataset_with_sidecars_and_summary(glove_run: dict) -> None:
    ds = read_dataset(glove_run["dataset"])
    assert 1000 < len(ds) < 5000
    assert set(ds.group_counts()) == {"jargon-file", "devils-dictionary"}
    assert ds.knn.shape == (len(ds), 8)
    assert "shit" not in set(ds.labels)
    meta = ds.meta
    assert meta["embedding"]["model"] == "GloVe" and meta["embedding"]["epochs"] == 5
    assert meta["reduction"]["backend"] == "umap-parallel" and meta["reduction"]["seed"] == 42
    assert meta["reduction"]["neighbours"] == "exact" and "parallel epochs" in meta["reduction"]["layout"]
    assert meta["counts"]["points"] == len(ds) and meta["counts"]["removed"]["profanity"] > 0
    assert 0.8 < meta["evaluation"]["trustworthiness_at_10"] <= 1
    assert {"read", "cooccurrence", "train", "reduce"} <= set(meta["seconds"])
    summary = glove_run["first"].stderr
    assert "points" in summary and "time: write" in summary and "trustworthiness" in summary


@pytest.mark.slow
def test_same_inputs_and_seed_give_byte_identical_output(glove_run: dict) -> None:
    assert glove_run["dataset"].read_bytes() == glove_run["first_bytes"]


@pytest.mark.slow
def test_vectors_with_word_list_stopwords_and_cap(cli, glove_run: dict, tmp_path: Path) -> None:
    words = tmp_path / "words.tsv"
    listed = ["unix", "the", "not-a-word", "bsd", "kernel", "hacker", "code", "bug", "file", "program", "shit", "disk"]
    words.write_text("".join(f"{1000 - i}\t{w}\n" for i, w in enumerate(listed + ["memory"])), encoding="utf-8")
    stop = tmp_path / "stop.txt"
    stop.write_text("the\n", encoding="utf-8")
    gz = tmp_path / "vectors.txt.gz"
    gz.write_bytes(gzip.compress(glove_run["vectors"].read_bytes()))
    out = tmp_path / "picked.ds.tsv"
    result = cli("vectors", gz, "-o", out, "--words", words, "--stopwords", stop, "--filter-profanity",
                     "--max-words", "9", "--knn", "3")  # fmt: skip
    assert result.returncode == 0, result.stderr
    ds = read_dataset(out)
    assert list(ds.labels) == ["unix", "bsd", "kernel", "hacker", "code", "bug", "file", "program", "disk"]
    assert ds.knn.shape == (9, 3)
    assert ds.meta["source"]["kind"] == "word vectors"


@pytest.mark.slow
def test_info_reports_points_groups_bounds_and_labels(cli, glove_run: dict) -> None:
    result = cli("info", glove_run["dataset"], "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    ds = read_dataset(glove_run["dataset"])
    assert summary["points"] == len(ds)
    assert summary["unique_labels"] == len(set(ds.labels))
    assert sum(summary["groups"].values()) == len(ds)
    np.testing.assert_allclose(summary["bounds"]["min"], ds.points.min(axis=0), rtol=1e-5)
    assert summary["knn"]["k"] == 8
    text = cli("info", glove_run["dataset"])
    assert text.returncode == 0 and "points" in text.stdout and "groups" in text.stdout


@pytest.mark.slow
def test_a_shows_rude_and_allowed_words_reach_the_filter(cli, glove_run: dict, tmp_path: Path) -> None:
    more, allow = tmp_path / "more.txt", tmp_path / "allow.txt"
    more.write_text("kernel\nbug\n", encoding="utf-8")
    allow.write_text("bug\n", encoding="utf-8")  # an allowance wins over an addition
    words = tmp_path / "words.txt"
    words.write_text("unix\nkernel\nbsd\ncode\nbug\nfile\nprogram\ndisk\n", encoding="utf-8")
    out = tmp_path / "show.ds.tsv"
    result = cli("vectors", glove_run["vectors"], "-o", out, "--words", words, "--rude-words", more,
                 "--allow-words", allow, "--knn", "3")  # fmt: skip
    assert result.returncode == 0, result.stderr
    labels = list(read_dataset(out).labels)
    assert "kernel" not in labels and "bug" in labels and "unix" in labels  # --rude-words turns the filter on
    assert read_dataset(out).meta["counts"]["removed"]["profanity"] == 1


def test_info_rude_lists_what_the_kiosk_hides_by_group(cli, make_dataset, tmp_path: Path) -> None:
    from explorer.core.dataset import Dataset, write_dataset

    labels = np.array(["casa", "mierda", "con", "kurwy", "dom", "con", "puta", "tree"], dtype=object)
    groups = np.array(["es", "es", "es", "pl", "pl", "fr", "es", "en"], dtype=object)
    path = tmp_path / "world.ds.tsv"
    write_dataset(path, Dataset(labels, np.zeros((8, 3), dtype=np.float32) + np.arange(8)[:, None], groups))
    result = cli("info", path, "--rude", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["hidden"] == 4 and summary["points"] == 8 and len(summary["languages"]) == 27
    assert summary["groups"] == {
        "es": {"count": 2, "labels": ["mierda", "puta"]},
        "fr": {"count": 1, "labels": ["con"]},
        "pl": {"count": 1, "labels": ["kurwy"]},
    }
    allow = tmp_path / "allow.txt"
    allow.write_text("puta\n", encoding="utf-8")
    text = cli("info", path, "--rude", "--allow-words", allow)
    assert text.returncode == 0, text.stderr
    assert "hides 3 of 8 labels" in text.stdout and "es  1: mierda" in text.stdout
    bad = cli("info", path, "--rude", "--rude-words", tmp_path / "missing.txt")
    assert bad.returncode == 2 and bad.stderr.strip().endswith("missing.txt: no such file")


def test_info_on_a_bad_file_exits_2_with_file_and_line(cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.ds.tsv"
    bad.write_text("a\t1\t2\t3\nb\t1\t2\n", encoding="utf-8")
    result = cli("info", bad)
    assert result.returncode == 2
    assert result.stderr.strip().endswith(f"{bad}:2: expected 4 TAB-separated fields like line 1, found 3")
    assert len(result.stderr.strip().splitlines()) == 1


# --------------------------------------------------------------- bad input: exit 2, one line, nothing written


def _assert_clean_failure(result: subprocess.CompletedProcess[str], folder: Path, *expected: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines and lines[-1].startswith("flythrough-pipeline: error: ")
    for text in expected:
        assert text in lines[-1]
    assert not [n for n in outputs(folder) if n.startswith("out")], outputs(folder)
    assert not [n for n in outputs(folder) if n.endswith(".part")]


def test_missing_corpus_file(cli, tmp_path: Path) -> None:
    result = cli("glove", tmp_path / "nope.txt", "-o", tmp_path / "out.ds.tsv.gz")
    _assert_clean_failure(result, tmp_path, "nope.txt: no such file")


def test_unreadable_corpus_file(cli, tmp_path: Path) -> None:
    folder = tmp_path / "corpus.txt"
    folder.mkdir()
    result = cli("glove", folder, "-o", tmp_path / "out.ds.tsv.gz")
    _assert_clean_failure(result, tmp_path, "corpus.txt: is a folder")


def test_empty_corpus(cli, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("\n 123 \n--\n", encoding="utf-8")
    result = cli("glove", empty, "-o", tmp_path / "out.ds.tsv.gz")
    _assert_clean_failure(result, tmp_path, "empty.txt: empty corpus")


def test_no_words_left_after_filters(cli, tmp_path: Path) -> None:
    vectors, stop = tmp_path / "v.txt", tmp_path / "stop.txt"
    vectors.write_text("alpha 1 2\nbeta 3 4\n", encoding="utf-8")
    stop.write_text("alpha\nbeta\n", encoding="utf-8")
    result = cli("vectors", vectors, "--stopwords", stop, "-o", tmp_path / "out.ds.tsv.gz")
    _assert_clean_failure(result, tmp_path, "no words left after the filters", "2 stop words")


def test_vectors_with_inconsistent_dimensions(cli, tmp_path: Path) -> None:
    vectors = tmp_path / "v.txt"
    vectors.write_text("alpha 1 2 3\nbeta 3 4 5\ngamma 1 2\n", encoding="utf-8")
    result = cli("vectors", vectors, "-o", tmp_path / "out.ds.tsv.gz")
    _assert_clean_failure(result, tmp_path, "v.txt:3: expected 3 numbers after the word")


def test_non_utf8_input(cli, tmp_path: Path) -> None:
    corpus = tmp_path / "latin1.txt"
    corpus.write_bytes("the cat\nsat on the\nmat in the caf\xe9\n".encode("latin-1"))
    result = cli("glove", corpus, "-o", tmp_path / "out.ds.tsv.gz", "--min-count", "1")
    _assert_clean_failure(result, tmp_path, "latin1.txt:3: not valid UTF-8")


def test_output_folder_that_does_not_exist(cli, tmp_path: Path, devil_text: Path) -> None:
    result = cli("glove", devil_text, "-o", tmp_path / "missing" / "out.ds.tsv.gz")
    _assert_clean_failure(result, tmp_path, "missing: output folder does not exist")


def test_ctrl_c_mid_run_leaves_nothing(tmp_path: Path, jargon_text: Path) -> None:
    out = tmp_path / "out.ds.tsv.gz"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipeline",
            "glove",
            str(jargon_text),
            "-o",
            str(out),
            "--epochs",
            "10000",
            "--save-vectors",
            str(tmp_path / "out.vectors.txt"),
        ],  # fmt: skip
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    deadline = time.monotonic() + 120
    for line in proc.stderr:
        if "training GloVe" in line or time.monotonic() > deadline:
            break
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    rest = proc.stderr.read()
    assert proc.wait(timeout=60) == 2
    assert "interrupted; no output was written" in rest
    assert outputs(tmp_path) == []


def test_separate_groups_needs_groups_and_a_weight_in_range(cli, tmp_path: Path) -> None:
    vectors = tmp_path / "v.txt"
    vectors.write_text("".join(f"w{i} {i % 7} {i % 5} {i % 3}.5 1\n" for i in range(40)), encoding="utf-8")
    result = cli("vectors", vectors, "--separate-groups", "-o", tmp_path / "out.ds.tsv.gz")
    _assert_clean_failure(result, tmp_path, "--separate-groups needs groups")
    result = cli("vectors", vectors, "--separate-groups", "1.5", "-o", tmp_path / "out.ds.tsv.gz")
    assert result.returncode == 2 and "must be above 0 and at most 1, not 1.5" in result.stderr
