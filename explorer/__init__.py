"""Flythrough explorer: the desktop program, and the dataset format both halves share.

From Python: ``explorer.show(points_or_dataframe, labels=…, groups=…)`` opens a
window (see :mod:`explorer.ui.show`); Qt loads on that first call.
"""

from __future__ import annotations

from typing import Any


def show(data: Any, labels: Any = None, groups: Any = None, **options: Any) -> Any:
    """Open ``data`` (a Dataset, N×3 points or a DataFrame) in a window; see :func:`explorer.ui.show.show`."""
    from explorer.ui.show import show as show_in_window

    return show_in_window(data, labels, groups, **options)
