"""Word lists, stop words, the profanity list and the size cap."""

from __future__ import annotations

from pathlib import Path

import pytest

from explorer.core.profanity import RudeWords, bundled_rule
from pipeline.errors import PipelineError
from pipeline.filters import WordFilter, read_wordlist


def test_word_lists_take_plain_lines_or_demo_count_tab_word(tmp_path: Path) -> None:
    plain, counted = tmp_path / "plain.txt", tmp_path / "counted.txt"
    plain.write_text("apple\n\nbanana\napple\n", encoding="utf-8")
    counted.write_text("523\tthe\n410\tof\n9\tzebra\n", encoding="utf-8")
    assert read_wordlist(plain) == ["apple", "banana"]
    assert read_wordlist(counted) == ["the", "of", "zebra"]


def test_the_filter_applies_the_kiosks_rule_scoped_by_group() -> None:
    f = WordFilter(rude=bundled_rule())
    labels = ["casa", "mierda", "kurwy", "con", "con", "tree"]
    assert f.apply(labels, ["es", "es", "pl", "es", "fr", "en"]) == [0, 3, 5]  # "con" is French, not Spanish
    assert f.removed == {"profanity": 3}
    assert WordFilter(rude=RudeWords({"en": ["broccoli"]})).apply(["broccoli", "kurwa"]) == [1]


def test_filter_keeps_word_list_order_then_caps() -> None:
    labels = ["the", "of", "shit", "cat", "dog", "a"]
    f = WordFilter(words=["dog", "shit", "cat", "missing", "a"], stopwords=["a"], rude=bundled_rule(), max_words=1)
    assert f.apply(labels) == [4]
    assert f.removed == {"not in --words": 2, "profanity": 1, "stop words": 1, "over --max-words": 1}


def test_nothing_left_is_a_clear_error() -> None:
    with pytest.raises(PipelineError, match="no words left after the filters"):
        WordFilter(stopwords=["x", "y"]).apply(["x", "y"])
