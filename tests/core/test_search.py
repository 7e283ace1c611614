"""Label search: exact, then prefix, then substring; any case, any script; fast narrowing."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.search import LabelIndex

LABELS = [
    "flooding",
    "Flood",
    "bloodflood",
    "floods",
    "river",
    "flood",
    "FLOODED",
    "Москва",
    "Straße",
    "北京",
    "🌊 wave",
]


def texts(index: LabelIndex, query: str) -> list[str]:
    return [LABELS[r] for r in index.search(query).rows]


def test_exact_then_prefix_then_substring_each_in_row_order() -> None:
    m = LabelIndex(LABELS).search("flood")
    assert [LABELS[r] for r in m.rows] == ["Flood", "flood", "flooding", "floods", "FLOODED", "bloodflood"]
    assert (m.exact, m.prefix, m.more) == (2, 3, False)


def test_case_does_not_matter() -> None:
    index = LabelIndex(LABELS)
    assert texts(index, "FlOoD") == texts(index, "flood")


def test_unicode_scripts_and_case_folding() -> None:
    index = LabelIndex(LABELS)
    assert texts(index, "москва") == ["Москва"]
    assert texts(index, "МОСК") == ["Москва"]
    assert texts(index, "STRASSE") == ["Straße"]  # full case folding, not just lower()
    assert texts(index, "京") == ["北京"]
    assert texts(index, "🌊") == ["🌊 wave"]


def test_no_match_and_empty_query() -> None:
    index = LabelIndex(LABELS)
    assert len(index.search("zebra")) == 0
    assert len(index.search("")) == 0
    assert texts(index, "\t") == ["🌊 wave"]  # the writer turns tabs into spaces: so does the search


def test_the_limit_cuts_but_keeps_exact_matches_first() -> None:
    labels = [f"ab{i}" for i in range(50)] + ["ab"]
    m = LabelIndex(labels).search("ab", limit=10)
    assert len(m) == 10 and m.more
    assert labels[m.rows[0]] == "ab"  # the exact match, though it is the last row
    assert [labels[r] for r in m.rows[1:]] == [f"ab{i}" for i in range(9)]


def test_typing_on_narrows_to_the_same_answer_as_a_fresh_search() -> None:
    rng = np.random.default_rng(0)
    letters = list("abcdeé")
    labels = ["".join(rng.choice(letters, size=rng.integers(1, 7))) for _ in range(3000)]
    typed = LabelIndex(labels)
    for word in ["abc", "eéa", "dd", "b"]:
        for i in range(1, len(word) + 1):
            narrowed = typed.search(word[:i])
            fresh = LabelIndex(labels).search(word[:i])
            assert narrowed.rows.tolist() == fresh.rows.tolist(), word[:i]
            assert (narrowed.exact, narrowed.prefix, narrowed.more) == (fresh.exact, fresh.prefix, fresh.more)


def test_duplicate_labels_are_all_found() -> None:
    m = LabelIndex(["sea", "sea", "seal"]).search("sea")
    assert m.rows.tolist() == [0, 1, 2] and m.exact == 2


def test_labels_as_a_blob_search_as_a_list_does(monkeypatch: pytest.MonkeyPatch) -> None:
    from explorer.core import search
    from explorer.core.cache import LabelBlob

    monkeypatch.setattr(search, "BLOCK", 64)  # many blocks: ASCII ones folded in NumPy, the others by Python
    rng = np.random.default_rng(5)
    letters = list("abcABCxyz é") + ["ß", "Ж", "北"]
    labels = ["".join(rng.choice(letters, size=rng.integers(0, 12))) for _ in range(1500)]
    labels[:300] = ["".join(rng.choice(list("abcABC"), size=rng.integers(0, 12))) for _ in range(300)]  # ASCII
    from_blob, from_list = LabelIndex(LabelBlob.of(labels)), LabelIndex(labels)
    for query in ["a", "AB", "abca", "abcabcabcab", "é", "SS", "ж", "北", "x", "c b", "zzzz"]:
        a, b = from_blob.search(query), LabelIndex(labels).search(query)
        assert a.rows.tolist() == b.rows.tolist(), query
        assert (a.exact, a.prefix, a.more) == (b.exact, b.prefix, b.more)
        brute = [i for i, text in enumerate(labels) if query.casefold() in text.casefold()]
        assert sorted(b.rows.tolist()) == brute[: len(b.rows)] or b.more
        assert set(b.rows.tolist()) <= set(brute)
    assert len(from_list) == len(labels)


def test_long_queries_match_past_the_sort_key() -> None:
    labels = ["internationalisation", "internationalism", "international", "internat", "Internationalisations"]
    m = LabelIndex(labels).search("INTERNATIONALIS")
    assert [labels[r] for r in m.rows] == ["internationalisation", "internationalism", "Internationalisations"]
    assert m.exact == 0 and m.prefix == 3
    assert LabelIndex(labels).search("internationalisation").exact == 1


def test_region_names_follow_the_labels() -> None:
    from explorer.core.search import Joined

    searched = Joined(["sea", "river"], ["Seas · shores"])
    index = LabelIndex(searched.first, searched.then)
    assert index.search("sea").rows.tolist() == [0, 2] and searched[2] == "Seas · shores" and len(searched) == 3


def test_a_scan_cut_short_goes_on_to_the_same_answer() -> None:
    rng = np.random.default_rng(8)
    labels = ["".join(rng.choice(list("abcde"), size=rng.integers(1, 9))) for _ in range(5000)]
    for query in ["cab", "ee", "abcd", "q"]:
        whole = LabelIndex(labels).search(query)
        index = LabelIndex(labels)
        part = index.search(query, scan_bytes=500)  # a keystroke's share of the scan
        steps = 0
        while part.partial:
            assert part.rows[: part.exact + part.prefix].tolist() == whole.rows[: whole.exact + whole.prefix].tolist()
            part = index.resume(part, 500)
            steps += 1
        assert part.rows.tolist() == whole.rows.tolist(), query
        assert (part.exact, part.prefix, part.more) == (whole.exact, whole.prefix, whole.more)
        assert steps > 3 or whole.more or query == "q"
    typed = LabelIndex(labels)
    first = typed.search("ab", scan_bytes=100)
    assert first.partial and not typed.search("abc").partial  # a partial answer is not narrowed: scanned afresh
    assert typed.search("abc").rows.tolist() == LabelIndex(labels).search("abc").rows.tolist()
