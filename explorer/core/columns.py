"""A dataset's other columns (the ``.columns.parquet`` sidecar): what each holds, and how to colour by it (pure).

The sidecar arrives as a pyarrow Table (``Dataset.columns``). This module
reads it through the Table's own methods, so the explorer imports pyarrow only
when a dataset has columns. A column is one of three kinds:

- ``number``: integers or floats, coloured on a continuous map with a colour bar;
- ``category``: few distinct values (or booleans), coloured with the group palette;
- ``text``: many distinct strings (titles, captions, URLs), searchable.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.core import colors

NUMBER_MAP = "linear_bmy_10_95_c78"
MAX_CATEGORIES = 256  # more distinct values than this is text, not a category
MISSING_RGB = np.array([90, 90, 100], dtype=np.uint8)  # a point without a value: a dim grey
URL = re.compile(r"^(https?|file)://\S+$")


@dataclass(frozen=True)
class Column:
    """One column's values, one per point, and its kind."""

    name: str
    values: np.ndarray  # float64 (NaN where missing) for numbers, else object (None where missing)
    kind: str  # "number", "category" or "text"
    items: list[Any]  # the values as the file holds them (exact integers, dates), for showing

    def text(self, row: int) -> str:
        """The value of ``row`` as the Selection panel shows it; empty where missing."""
        return shown_text(self.items[row])


def shown_text(value: Any) -> str:
    """A value as text: floats to 6 digits, integers exact, dates in ISO form, nothing for missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    if hasattr(value, "isoformat"):  # dates and times
        return str(value.isoformat())
    return str(value)


def column_of(table: Any, name: str) -> Column:
    """A column of a dataset's columns table, with its kind."""
    chunked = table.column(name)
    items = chunked.to_pylist()  # exact: int64 stays int, timestamps become datetimes
    values = chunked.to_numpy()  # nulls: NaN in numbers, None in objects
    if values.dtype.kind in "iuf":
        return Column(name, values.astype(np.float64), "number", items)
    if values.dtype.kind == "b":
        return Column(name, np.array([str(v) for v in items], dtype=object), "category", items)
    objects = np.array([v if v is None or isinstance(v, str) else shown_text(v) for v in items], dtype=object)
    present = objects[objects != None]  # noqa: E711  (element-wise)
    distinct = len(set(present.tolist()))
    kind = "category" if distinct <= MAX_CATEGORIES and distinct < max(2, len(present)) else "text"
    return Column(name, objects, kind, items)


def columns_of(table: Any) -> list[Column]:
    """Every column of the table, in its order."""
    return [] if table is None else [column_of(table, name) for name in table.column_names]


@dataclass(frozen=True)
class ColumnColours:
    """Point colours for a column, and what the legend or colour bar shows."""

    rgb: np.ndarray  # uint8 [N, 3]
    names: list[str]  # categories, largest first (empty for numbers)
    palette: np.ndarray  # uint8 [len(names), 3]
    counts: np.ndarray
    low: float = math.nan  # numbers: the ends of the colour bar
    high: float = math.nan


def colours_by(column: Column) -> ColumnColours:
    """Categories in the group palette; numbers on a continuous map over their central 98%."""
    n = len(column.values)
    if column.kind == "number":
        values = column.values
        present = np.isfinite(values)
        rgb = np.tile(MISSING_RGB, (n, 1))
        if not present.any():
            return ColumnColours(rgb, [], np.zeros((0, 3), np.uint8), np.zeros(0, np.int64))
        low, high = (float(v) for v in np.quantile(values[present], [0.01, 0.99]))
        table = colors.colormap(NUMBER_MAP)
        span = (high - low) or 1.0
        at = np.clip((values[present] - low) / span, 0, 1)
        rgb[present] = np.clip(np.rint(table[np.rint(at * (len(table) - 1)).astype(np.int64)] * 255), 0, 255)
        return ColumnColours(rgb, [], np.zeros((0, 3), np.uint8), np.zeros(0, np.int64), low, high)
    labels = np.array(["(none)" if v is None else str(v) for v in column.values.tolist()], dtype=object)
    names, codes, counts = colors.group_codes(labels)
    palette = colors.palette(len(names))
    rgb = palette[codes]
    if "(none)" in names:
        rgb[labels == "(none)"] = MISSING_RGB
        palette[names.index("(none)")] = MISSING_RGB
    return ColumnColours(rgb, names, palette, counts)


def colour_bar(steps: int = 64) -> np.ndarray:
    """uint8 RGB [steps, 3]: the number map, low to high, for the colour bar."""
    table = colors.colormap(NUMBER_MAP)
    picked = table[np.rint(np.linspace(0, len(table) - 1, steps)).astype(np.int64)]
    bar: np.ndarray = np.clip(np.rint(picked * 255), 0, 255).astype(np.uint8)
    return bar


def is_url(text: str) -> bool:
    return bool(URL.match(text))
