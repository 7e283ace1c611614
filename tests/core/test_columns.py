"""A dataset's other columns: their kinds, their text, and colours by them."""

from __future__ import annotations

import pyarrow as pa

from explorer.core.columns import MISSING_RGB, colours_by, columns_of, is_url


def test_kinds_follow_the_values() -> None:
    table = pa.table({
        "year": pa.array([1901, None, 1950, 2001], pa.int32()),
        "flag": [True, False, True, None],
        "colour": ["red", "red", None, "blue"],
        "title": ["a", "b", "c", "d"],
        "score": [0.5, 1.25, float("nan"), 3e-9],
    })  # fmt: skip
    kinds = {c.name: c.kind for c in columns_of(table)}
    assert kinds == {"year": "number", "flag": "category", "colour": "category", "title": "text", "score": "number"}
    year, _flag, colour, _title, score = columns_of(table)
    assert [year.text(i) for i in range(4)] == ["1901", "", "1950", "2001"]
    assert colour.text(2) == "" and score.text(3) == "3e-09" and score.text(1) == "1.25"


def test_numbers_run_along_the_map_and_missing_values_are_grey() -> None:
    (year,) = columns_of(pa.table({"year": pa.array([1900, None, *range(1901, 2000)], pa.float64())}))
    key = colours_by(year)
    assert (key.rgb[1] == MISSING_RGB).all()
    assert key.low < key.high and not (key.rgb[0] == key.rgb[-1]).all()
    brightness = key.rgb[2:].astype(int).sum(axis=1)
    assert brightness[-1] > brightness[0]  # the map climbs from dark blue to yellow


def test_categories_share_a_colour_and_are_counted() -> None:
    (colour,) = columns_of(pa.table({"colour": ["red", "blue", "red", None, "red"]}))
    key = colours_by(colour)
    assert key.names[0] == "red"  # largest first
    assert dict(zip(key.names, key.counts.tolist(), strict=True)) == {"red": 3, "blue": 1, "(none)": 1}
    assert (key.rgb[0] == key.rgb[2]).all() and (key.rgb[3] == MISSING_RGB).all()


def test_urls() -> None:
    assert is_url("https://example.org/a?b=c") and is_url("file:///tmp/x.png")
    assert not is_url("see https://example.org") and not is_url("example.org")


def test_big_integers_and_dates_show_exactly() -> None:
    import datetime as dt

    table = pa.table({"id": pa.array([1234567890123456789, None], pa.int64()),
                      "when": pa.array([dt.datetime(2024, 1, 1, 12, 30), None], pa.timestamp("ns"))})  # fmt: skip
    ids, when = columns_of(table)
    assert ids.text(0) == "1234567890123456789" and ids.text(1) == ""
    assert when.text(0) == "2024-01-01T12:30:00" and when.text(1) == ""
