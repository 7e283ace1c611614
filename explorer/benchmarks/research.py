"""``python -m explorer.benchmarks.research DATASET``: the research tools' figures, in a real window.

Per keystroke of search (search and result list), per click (pick alone, and
the whole click: pick, neighbours, panel), per group toggle (to the end of the
next frame), and plain flight with the tools idle against flight with a
selection, its neighbour lines, a search and a toggled group, interleaved in
pairs on the same stretch of the same path.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

GROUPS = 12


def with_groups(dataset: Any, count: int = GROUPS, seed: int = 0) -> Any:
    """The dataset with ``count`` spatial groups (nearest of random centres), when it has none.

    What its cache gave (the octree, the points in its order, the labels blob) is kept; the colours are
    made again, by group.
    """
    import dataclasses

    from scipy.spatial import cKDTree

    if dataset.groups is not None:
        return dataset
    rng = np.random.default_rng(seed)
    centres = dataset.points[rng.choice(len(dataset), count, replace=False)]
    _, nearest = cKDTree(centres).query(dataset.points, workers=-1)
    groups = np.array([f"region {i + 1}" for i in range(count)], dtype=object)[nearest]
    return dataclasses.replace(dataset, groups=groups, derived=None)


def summary(ms: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(ms), 3),
        "p95": round(float(np.percentile(ms, 95)), 3),
        "max": round(max(ms), 3),
        "n": len(ms),
    }


def time_keystrokes(research: Any, app: Any, words: list[str]) -> tuple[list[float], list[float]]:
    """Per keystroke: the keystroke itself (search and list), and until its substring scan is done.

    A keystroke scans a slice of the labels; the rest of the scan goes on in the
    next turns of the event loop, between frames.
    """
    panel = research.search_panel
    keystroke, complete = [], []
    for word in words:
        panel.box.setText("")
        for i in range(1, len(word) + 1):
            start = time.perf_counter()
            panel.box.setText(word[:i])  # runs the search and fills the list, as typing does
            keystroke.append((time.perf_counter() - start) * 1000)
            while panel.matches is not None and panel.matches.partial:
                app.processEvents()
            complete.append((time.perf_counter() - start) * 1000)
    return keystroke, complete


def time_clicks(window: Any, research: Any, clicks: int, seed: int = 0) -> tuple[list[float], list[float], int]:
    """(whole click ms, pick alone ms, hits) at the screen positions of random visible points."""
    from explorer.core.picking import screen_xy

    scene = window.scene
    width, height = window.render_window.GetSize()
    view = scene.view(window.camera, width, height)
    x, y, depth = screen_xy(view, window.dataset.points)
    inside = np.flatnonzero((depth > 0) & (x > 0) & (x < width) & (y > 0) & (y < height))
    rng = np.random.default_rng(seed)
    ratio = width / window.vtk_widget.width()
    whole, alone, hits = [], [], 0
    for i in rng.choice(inside, min(clicks, len(inside)), replace=False):
        start = time.perf_counter()
        scene.pick(view, x[i], y[i])
        alone.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        hits += research.pick(x[i] / ratio, y[i] / ratio) is not None
        whole.append((time.perf_counter() - start) * 1000)
    return whole, alone, hits


def time_toggles(window: Any, research: Any, app: Any, toggles: int) -> dict[str, list[float]]:
    """Per toggle: the frame before, the toggle itself, and the next frame (which shows it).

    On software GL a frame at a million points takes longer than the whole
    budget, so the toggle's own cost is also reported: the toggle, plus what
    the next frame takes beyond the frame before it (the vertex upload).
    """
    times: dict[str, list[float]] = {"frame_before": [], "toggle": [], "next_frame": [], "to_next_frame": []}
    for i in range(toggles):
        group = (i // 2) % len(window.scene.groups.names)
        start = time.perf_counter()
        window.render_frame()
        app.processEvents()
        before = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        research.toggle_group(group)
        toggle = (time.perf_counter() - start) * 1000
        window.render_frame()
        app.processEvents()
        total = (time.perf_counter() - start) * 1000
        for key, value in (("frame_before", before), ("toggle", toggle), ("next_frame", total - toggle),
                           ("to_next_frame", total)):  # fmt: skip
            times[key].append(value)
    return times


def fly(window: Any, app: Any, tour: Any, first: int, frames: int) -> list[float]:
    from explorer.benchmarks.flight import SIMULATED_DT

    ms = []
    for i in range(first, first + frames):
        tour.apply(window.camera, i * SIMULATED_DT)
        start = time.perf_counter()
        window.render_frame()
        app.processEvents()
        ms.append((time.perf_counter() - start) * 1000)
    return ms


def run(path: Path, *, size: tuple[int, int], frames: int, pairs: int, json_path: Path | None) -> int:
    from PyQt6.QtWidgets import QApplication

    from explorer.benchmarks.results import print_and_save
    from explorer.core.dataset import DatasetError, read_dataset
    from explorer.core.tour import Tour, dense_waypoints
    from explorer.render.scene import renderer_string
    from explorer.ui.research.controller import Research
    from explorer.ui.window import FlythroughWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    try:
        dataset = with_groups(read_dataset(path, blob_labels=True))  # as the window's loader reads it
    except DatasetError as exc:
        print(f"flythrough: error: {exc}", file=sys.stderr)
        return 2
    # This loop drives the frames; the point budget follows the frame time, as the explorer's does.
    window = FlythroughWindow(drive_frames=False, point_budget=None)
    research = Research(window)
    window.show()
    window.show_dataset(dataset, str(path))
    build = time.perf_counter()
    research.wait()
    app.processEvents()
    index_s = time.perf_counter() - build
    for dock in (research.search_dock, research.groups_dock, research.selection_dock):
        dock.show()  # every panel open throughout, so the 3D view keeps one size
    app.processEvents()
    window.fit_view(size)
    app.processEvents()
    low, high = dataset.bounds()
    tour = Tour(dense_waypoints(dataset.points, count=8, seed=0), speed=float(np.linalg.norm(high - low)) / 6)
    fly(window, app, tour, 0, 30)  # warm up

    rng = np.random.default_rng(0)
    words = [str(dataset.labels[i]) for i in rng.choice(len(dataset), 12, replace=False)] + ["flood", "zzqx"]
    keys, keys_complete = time_keystrokes(research, app, words)
    clicks, picks, hits = time_clicks(window, research, 200)
    toggles = time_toggles(window, research, app, 20)
    plain: list[float] = []
    busy: list[float] = []
    for p in range(pairs):
        first = 30 + p * frames  # both blocks of a pair fly the same stretch of the path
        for tools in (False, True) if p % 2 == 0 else (True, False):  # alternate, so order cancels out
            if tools:
                research.select(int(rng.integers(len(dataset))))
                research.search_panel.box.setText("river")
                research.toggle_group(0)
                research.toggle_group(0)
            else:
                research.select(None)
                research.search_panel.box.setText("")
            (busy if tools else plain).append(statistics.median(fly(window, app, tour, first, frames)))
    ratios = [b / a for a, b in zip(plain, busy, strict=True)]
    width, height = window.render_window.GetSize()
    result: dict[str, Any] = {
        "dataset": str(path),
        "points": len(dataset),
        "groups": len(window.scene.groups.names) if window.scene.groups is not None else 0,
        "knn_sidecar": dataset.knn is not None,
        "renderer": renderer_string(window.render_window),
        "view": [int(width), int(height)],
        "index_build_s": round(index_s, 3),
        "search_keystroke_ms": summary(keys),
        "search_complete_ms": summary(keys_complete),
        "search_words": words,
        "click_ms": summary(clicks),
        "pick_only_ms": summary(picks),
        "clicks_that_hit": hits,
        **{f"group_{key}_ms": summary(value) for key, value in toggles.items()},
        "group_toggle_added_ms_median": round(
            statistics.median(
                t + n - b
                for t, n, b in zip(toggles["toggle"], toggles["next_frame"], toggles["frame_before"], strict=True)
            ),
            3,
        ),
        "flight_frame_ms_plain_by_pair": [round(v, 3) for v in plain],
        "flight_frame_ms_with_tools_by_pair": [round(v, 3) for v in busy],
        "flight_ratio_by_pair": [round(r, 4) for r in ratios],
        "flight_ratio_median": round(statistics.median(ratios), 4),
        "frames_per_block": frames,
    }
    window.close()
    print_and_save(result, json_path)
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m explorer.benchmarks.research", description=__doc__)
    p.add_argument("dataset", type=Path)
    p.add_argument("--size", default="1280x720", help="3D view size (default 1280x720)")
    p.add_argument("--frames", type=int, default=100, help="frames per flight block (default 100)")
    p.add_argument("--pairs", type=int, default=3, help="plain / with-tools block pairs (default 3)")
    p.add_argument("--json", type=Path, metavar="OUT")
    args = p.parse_args(argv)
    from explorer.ui import platform_fixes

    platform_fixes.apply()
    width, height = (int(v) for v in args.size.lower().split("x"))
    return run(args.dataset, size=(width, height), frames=args.frames, pairs=args.pairs, json_path=args.json)


if __name__ == "__main__":
    sys.exit(main())
