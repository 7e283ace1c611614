"""Tokenising, documents, vocabulary and grouping by file."""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path

import pytest

from pipeline.corpus import count_words, documents, file_group_name, groups_by_file, twitter_words, vocabulary, words
from pipeline.errors import PipelineError


def test_words_are_lower_case_unicode_without_digits_or_punctuation() -> None:
    assert words("The Cat's 3 hats, naïve Ōsaka; Москва и Київ! 東京タワー l'eau") == [
        "the", "cat's", "hats", "naïve", "ōsaka", "москва", "и", "київ", "東京タワー", "l'eau",
    ]  # fmt: skip


def test_twitter_normalisation_follows_glove_rules() -> None:
    tokens = twitter_words("@bob LOOK at http://t.co/x #BigGame :) 2024 sooooo good!!! <3 #NASA")
    assert tokens == [
        "<user>", "look", "<allcaps>", "at", "<url>", "<hashtag>", "big", "game", "<smile>", "<number>",
        "so", "<elong>", "good", "<repeat>", "<heart>", "<hashtag>", "nasa", "<allcaps>",
    ]  # fmt: skip


def test_documents_stream_across_lines_in_bounded_chunks(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_text("alpha beta\ngamma\n%\ndelta\n\n\nepsilon 42 zeta\n", encoding="utf-8")
    assert list(documents(path, words)) == [["alpha", "beta", "gamma", "delta", "epsilon", "zeta"]]
    chunks = list(documents(path, words, chunk=3))
    assert chunks == [["alpha", "beta", "gamma"], ["delta", "epsilon", "zeta"]]


def test_gzip_and_plain_files_give_the_same_documents(tmp_path: Path) -> None:
    text = "one two\n\nthree\n"
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    (tmp_path / "a.txt.gz").write_bytes(gzip.compress(text.encode()))
    assert list(documents(tmp_path / "a.txt", words)) == list(documents(tmp_path / "a.txt.gz", words))


def test_non_utf8_corpus_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("fine line\nsecond\ncaf\xe9\n".encode("latin-1"))
    with pytest.raises(PipelineError, match=r"latin1\.txt:3: not valid UTF-8"):
        list(documents(path, words))


def test_vocabulary_orders_by_count_then_word_and_applies_min_count() -> None:
    total = Counter({"b": 5, "a": 5, "c": 9, "rare": 1})
    assert vocabulary(total, 2) == ["c", "a", "b"]


def test_group_is_the_file_where_a_word_is_relatively_most_frequent(tmp_path: Path) -> None:
    big, small = tmp_path / "en.txt", tmp_path / "de.txt.gz"
    big.write_text("the house " * 50 + "hund " * 4, encoding="utf-8")
    small.write_bytes(gzip.compress(("der hund " * 3).encode()))
    counts = count_words([big, small], words)
    # "hund" occurs more often in en.txt (4 vs 3) but is far more typical of de.
    assert groups_by_file(counts, ["the", "hund", "der"]) == ["en", "de", "de"]
    assert file_group_name(small) == "de"
