"""Real GloVe training on real public-domain text, and GloVe's text format."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from pipeline import glove
from pipeline.corpus import count_words, vocabulary, words
from pipeline.errors import PipelineError

# Pairs the Jargon File and the Devil's Dictionary clearly relate, and pairs they don't.
RELATED = [
    ("software", "hardware"),
    ("unix", "bsd"),
    ("red", "green"),
    ("two", "three"),
    ("man", "person"),
    ("code", "source"),
]
UNRELATED = [
    ("software", "wife"),
    ("unix", "death"),
    ("red", "compiler"),
    ("two", "hacker"),
    ("man", "disk"),
    ("code", "king"),
]


@pytest.mark.slow
def test_trained_vectors_put_related_words_nearer(jargon_text: Path, devil_text: Path) -> None:
    files = [jargon_text, devil_text]
    vocab = vocabulary(count_words(files, words).total, 5)
    settings = glove.GloveSettings(epochs=15, threads=2, seed=42)
    epochs = []
    vectors = glove.train(
        glove.cooccurrence(files, vocab, words, settings.window), settings, on_epoch=lambda e, s: epochs.append(e)
    )
    assert vectors.shape == (len(vocab), 50) and epochs == list(range(15))
    row = {w: i for i, w in enumerate(vocab)}
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def sim(a: str, b: str) -> float:
        return float(unit[row[a]] @ unit[row[b]])

    related = [sim(a, b) for a, b in RELATED]
    unrelated = [sim(a, b) for a, b in UNRELATED]
    assert min(related) > max(unrelated)
    assert np.mean(related) - np.mean(unrelated) > 0.3


def test_vectors_text_format_round_trips_with_and_without_header(tmp_path: Path) -> None:
    labels, vecs = ["a", "b", "ç"], np.array([[1, 0.5], [-2, 3e-7], [0, 1]], dtype=np.float32)
    path = tmp_path / "v.txt"
    glove.write_vectors(path, labels, vecs)
    back_labels, back = glove.read_vectors(path)
    assert back_labels == labels
    np.testing.assert_allclose(back, vecs, rtol=1e-5)
    w2v = tmp_path / "w2v.txt.gz"
    w2v.write_bytes(gzip.compress(("3 2\n" + path.read_text(encoding="utf-8")).encode()))
    assert glove.read_vectors(w2v)[0] == labels


def test_reading_stops_at_the_limit_and_skips_unwanted_words(tmp_path: Path) -> None:
    path = tmp_path / "v.txt"
    path.write_text("the 1 2\nof 3 4\nand 5 6\nto 7 8\n", encoding="utf-8")
    labels, vecs = glove.read_vectors(path, keep=lambda w: w != "of", limit=2)
    assert labels == ["the", "and"] and vecs.tolist() == [[1, 2], [5, 6]]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("a 1 2 3\nb 1 2\n", r"v\.txt:2: expected 3 numbers after the word \(as on line 1\), found 2"),
        ("2 3\na 1 2 3\nb 1 2 3 4\n", r"v\.txt:3: expected 3 numbers after the word \(as on line 1\), found 4"),
        ("a 1 2\nb 1 x\n", r"v\.txt:2: not a number: 'x'"),
        ("a 1 2\nb 1 nan\n", r"v\.txt:2: vector has NaN"),
        ("", r"v\.txt: empty file"),
    ],
)
def test_bad_vector_files_name_the_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "v.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PipelineError, match=message):
        glove.read_vectors(path)
