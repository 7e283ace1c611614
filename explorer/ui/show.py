"""``explorer.show``: open a cloud in a window from Python, a script or a notebook (Qt adapter).

In IPython or Jupyter with ``%gui qt`` the window opens beside the prompt and
the call returns at once; a second ``show`` reuses that window. From a plain
script the call blocks until the window is closed, as ``plt.show()`` does.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
from PyQt6.QtWidgets import QApplication

from explorer.core.dataset import Dataset
from explorer.ui.research.controller import Research
from explorer.ui.window import FlythroughWindow

WINDOW_NAME = "flythrough-show"  # how a later show() finds the window an earlier one opened


def show(
    data: Any,
    labels: Any = None,
    groups: Any = None,
    *,
    title: str | None = None,
    block: bool | None = None,
) -> FlythroughWindow:
    """Show ``data``: a :class:`Dataset`, an N×3 array of points, or a DataFrame (its label and x, y, z columns).

    ``labels`` and ``groups`` (one per point) go with an array; a DataFrame's
    other columns become the dataset's columns. ``block`` None: block unless
    an interactive shell runs Qt's event loop (``%gui qt``).
    """
    dataset = as_dataset(data, labels, groups)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    window = _shown_window(app)
    if window is None:
        window = FlythroughWindow()
        window.setObjectName(WINDOW_NAME)
        Research(window)
    window.show_dataset(dataset)
    if title:
        window.setWindowTitle(f"{title} — Flythrough")
    window.show()
    window.raise_()
    if block if block is not None else not _event_loop_running():
        app.exec()
    return window


def _shown_window(app: QApplication) -> FlythroughWindow | None:
    for widget in app.topLevelWidgets():
        if isinstance(widget, FlythroughWindow) and widget.objectName() == WINDOW_NAME and not widget.closed:
            return widget
    return None


def _event_loop_running() -> bool:
    """Whether IPython (a terminal with ``%gui qt``, or a Jupyter kernel) already runs Qt's loop."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return False
    loop = getattr(shell, "active_eventloop", None) or getattr(getattr(shell, "kernel", None), "eventloop", None)
    return loop is not None and "qt" in str(getattr(loop, "__name__", loop)).lower()


def as_dataset(data: Any, labels: Any = None, groups: Any = None) -> Dataset:
    """A dataset from what a notebook holds."""
    if isinstance(data, Dataset):
        return data
    if hasattr(data, "columns") and hasattr(data, "iloc"):  # a pandas DataFrame
        import pyarrow as pa

        from explorer.core.tables import read_points, table_of

        table = table_of(pa.Table.from_pandas(data, preserve_index=False), Path("<DataFrame>"))
        return read_points(table)
    points = np.asarray(data, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 3:
        raise ValueError(f"points must be N×3, not of shape {points.shape}; reduce them first (pipeline.build)")
    if not np.isfinite(points).all():
        raise ValueError("points must be finite")
    n = len(points)
    names = np.array([str(v) for v in labels] if labels is not None else [str(i) for i in range(n)], dtype=object)
    kinds = np.array([str(v) for v in groups], dtype=object) if groups is not None else None
    return Dataset(labels=names, points=points.astype(np.float32), groups=kinds)
