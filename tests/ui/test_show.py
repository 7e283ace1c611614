"""explorer.show() from a notebook (returns at once, reuses its window) and from a script (blocks until closed)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd

import explorer
from explorer.ui.show import WINDOW_NAME


def test_show_returns_at_once_in_a_shell_and_reuses_its_window(qtbot, isolated_settings) -> None:
    points = np.random.default_rng(0).normal(size=(500, 3))
    window = explorer.show(points, labels=[f"p{i}" for i in range(500)], groups=["a", "b"] * 250, block=False)
    qtbot.addWidget(window)
    qtbot.waitExposed(window)
    assert window.objectName() == WINDOW_NAME and len(window.dataset) == 500 and window.dataset.labels[3] == "p3"
    frame = pd.DataFrame({"title": ["x", "y", "z", "w"], "x": [0.0, 1, 2, 3], "y": [0.0, 1, 0, 1],
                          "z": [5.0, 5, 5, 5], "year": [1999, 2000, 2001, 2002]})  # fmt: skip
    again = explorer.show(frame, block=False)
    assert again is window  # the same window, now with the DataFrame's points
    assert list(again.dataset.labels) == ["x", "y", "z", "w"] and again.dataset.columns.column_names == ["year"]
    window.render_frame()
    assert window.last_stats.labels_shown > 0


def test_show_from_a_script_blocks_until_the_window_closes(tmp_path: Path) -> None:
    script = tmp_path / "plot.py"
    script.write_text(textwrap.dedent("""
        import time
        import numpy as np
        from PyQt6.QtCore import QTimer
        from PyQt6.QtWidgets import QApplication
        import explorer

        app = QApplication([])
        QTimer.singleShot(1500, lambda: [w.close() for w in app.topLevelWidgets()])  # the user closes it
        start = time.monotonic()
        window = explorer.show(np.random.default_rng(0).normal(size=(200, 3)))
        print(f"returned after {time.monotonic() - start:.1f} s with {len(window.dataset)} points")
    """), encoding="utf-8")  # fmt: skip
    started = time.monotonic()
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    seconds = float(result.stdout.split()[2])
    assert seconds >= 1.4 and "with 200 points" in result.stdout  # it waited for the window to close
    assert time.monotonic() - started < 50


def test_a_title_names_the_window_not_a_file(qtbot, isolated_settings) -> None:
    window = explorer.show(np.array([[1.0, 2.0, 3.0]]), labels=["alone"], title="My run", block=False)
    qtbot.addWidget(window)
    assert window.windowTitle() == "My run — Flythrough" and window.dataset_path is None
    window.render_frame()
    assert window.last_stats.labels_shown == 1  # a single point is framed, and labelled


def test_a_hugging_face_folder_of_points_opens_with_its_regions(tmp_path) -> None:
    import pyarrow as pa

    from explorer.ui.workers import read_any, with_regions

    folder = tmp_path / "hf"
    folder.mkdir()
    points = np.random.default_rng(0).normal(size=(200, 3))
    table = pa.table({"text": [f"t{i}" for i in range(200)], "x": points[:, 0], "y": points[:, 1], "z": points[:, 2]})
    with pa.OSFile(str(folder / "data-00000-of-00001.arrow"), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as w:
        w.write_table(table)
    (folder / "state.json").write_text('{"_data_files": [{"filename": "data-00000-of-00001.arrow"}]}')
    dataset = with_regions(read_any(folder))
    assert len(dataset) == 200 and dataset.regions is not None  # built, not cached: a folder has no one file
