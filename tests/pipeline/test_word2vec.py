"""word2vec binary files, written per the format: the C tool's (a newline after each vector) and gensim's (none)."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from explorer.core.dataset import read_dataset
from pipeline.errors import PipelineError
from pipeline.word2vec import is_binary, read_binary

WORDS = ["the", "köln", "москва", "東京", "football"]
VECTORS = np.random.default_rng(3).normal(size=(len(WORDS), 7)).astype(np.float32)


def word2vec_bytes(words: list[str], vectors: np.ndarray, *, newline: bool) -> bytes:
    """The binary format: ``N D`` then ``word<space><D little-endian float32>`` per word."""
    out = [f"{len(words)} {vectors.shape[1]}\n".encode()]
    for word, row in zip(words, vectors, strict=True):
        out.append(word.encode("utf-8") + b" " + row.astype("<f4").tobytes() + (b"\n" if newline else b""))
    return b"".join(out)


@pytest.mark.parametrize("newline", [True, False])
def test_both_flavours_of_the_format_read_exactly(tmp_path: Path, newline: bool) -> None:
    path = tmp_path / "w2v.bin"
    path.write_bytes(word2vec_bytes(WORDS, VECTORS, newline=newline))
    assert is_binary(path)
    labels, vectors = read_binary(path)
    assert labels == WORDS
    np.testing.assert_array_equal(vectors, VECTORS)


def test_gzipped_with_a_limit_and_a_filter(tmp_path: Path) -> None:
    path = tmp_path / "GoogleNews-vectors.bin.gz"
    path.write_bytes(gzip.compress(word2vec_bytes(WORDS, VECTORS, newline=True)))
    labels, vectors = read_binary(path, keep=lambda w: w != "köln", limit=3)
    assert labels == ["the", "москва", "東京"]
    np.testing.assert_array_equal(vectors, VECTORS[[0, 2, 3]])


def test_a_text_file_with_a_header_is_not_binary(tmp_path: Path) -> None:
    path = tmp_path / "w2v.txt"
    path.write_text("2 3\na 1 2 3\nb 4 5 6\n", encoding="utf-8")
    assert not is_binary(path)


def test_a_short_last_vector_says_which_word(tmp_path: Path) -> None:
    path = tmp_path / "w2v.bin"
    path.write_bytes(word2vec_bytes(WORDS, VECTORS, newline=False)[:-6])
    with pytest.raises(PipelineError) as caught:
        read_binary(path)
    assert str(caught.value) == (
        f"{path}: word 5 of 5 ('football'): its vector ends after 22 of 28 bytes (truncated file?)"
    )


def test_fewer_words_than_the_header_says(tmp_path: Path) -> None:
    path = tmp_path / "w2v.bin"
    path.write_bytes(word2vec_bytes(WORDS, VECTORS, newline=True).replace(b"5 7\n", b"6 7\n", 1))
    with pytest.raises(PipelineError, match=r"w2v\.bin: word 6 of 6: the file ends early"):
        read_binary(path)


def test_a_bin_file_without_the_header_says_what_it_needs(tmp_path: Path) -> None:
    path = tmp_path / "w2v.bin"
    path.write_bytes(b"\x00\x01garbage")
    assert is_binary(path)
    with pytest.raises(PipelineError, match=r"w2v\.bin:1: not a word2vec binary file: the first line"):
        read_binary(path)


def test_the_vectors_command_reads_a_binary(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(60)]
    path = tmp_path / "vectors.bin"
    path.write_bytes(word2vec_bytes(words, rng.normal(size=(60, 12)).astype(np.float32), newline=False))
    out = tmp_path / "v.ds.tsv.gz"
    result = cli("vectors", path, "-o", out, "--neighbors", "5", "--knn", "3")
    assert result.returncode == 0, result.stderr
    dataset = read_dataset(out)
    assert list(dataset.labels) == words
    assert dataset.meta["embedding"]["model"] == "pretrained vectors (word2vec binary format)"


def test_gensim_reads_ours_and_we_read_gensims(tmp_path: Path) -> None:
    models = pytest.importorskip("gensim.models", reason="the test extra installs gensim for this cross-check")
    KeyedVectors = models.KeyedVectors

    ours = tmp_path / "ours.bin"
    ours.write_bytes(word2vec_bytes(WORDS, VECTORS, newline=True))
    loaded = KeyedVectors.load_word2vec_format(str(ours), binary=True)
    np.testing.assert_array_equal(loaded[WORDS[2]], VECTORS[2])
    theirs = tmp_path / "theirs.bin"
    loaded.save_word2vec_format(str(theirs), binary=True)
    labels, vectors = read_binary(theirs)
    assert labels == WORDS
    np.testing.assert_array_equal(vectors, VECTORS)
