"""``flythrough --benchmark``: fly a fixed, seeded path in a real window and time it."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

WARMUP_FRAMES = 300
SIMULATED_DT = 1 / 30  # the path is a function of frame number, not of wall time


def run(
    dataset_path: Path,
    *,
    frames: int,
    labels: int,
    size: tuple[int, int],
    json_path: Path | None,
    point_size: float,
    started: float,
    point_budget: int | None = 0,
    round_points: bool = True,
    pictures: int = 0,
) -> int:
    from PyQt6.QtWidgets import QApplication

    from explorer.benchmarks.results import mapping_growth, print_and_save
    from explorer.core.dataset import DatasetError, cache_dataset
    from explorer.core.process import process_age_s, resident_by_mapping_kb, rss_mb, rss_parts_mb
    from explorer.core.tour import Tour, dense_waypoints
    from explorer.render.scene import renderer_string
    from explorer.ui.window import FlythroughWindow
    from explorer.ui.workers import read_any, with_regions

    app = QApplication.instance()
    assert app is not None
    window = FlythroughWindow(  # the bare view: this loop drives its frames
        label_budget=labels, point_size=point_size, point_budget=point_budget, drive_frames=False, pictures=pictures
    )
    window.scene.round_points = round_points
    window.resize(*size)
    window.show()
    app.processEvents()
    window.fit_view(size)
    app.processEvents()
    warm_start = time.perf_counter()
    window.warm_up()  # a small stand-in drawn once: GL's own start-up memory is counted in the baseline
    app.processEvents()
    warm_up_s = time.perf_counter() - warm_start  # not the explorer's: left out of the first frame's time
    rss_empty, (anon_empty, file_empty) = rss_mb(), rss_parts_mb()
    mappings_empty = resident_by_mapping_kb()
    load_start = time.perf_counter()
    try:
        read = read_any(dataset_path)
        dataset = with_regions(read)  # as the window's loader reads it
    except DatasetError as exc:
        print(f"flythrough: error: {exc}", file=sys.stderr)
        return 2
    load_s = time.perf_counter() - load_start
    window.show_dataset(dataset, str(dataset_path))
    window.render_frame()
    app.processEvents()
    first_frame_s = process_age_s(started) - warm_up_s

    cloud = window.scene.cloud
    assert cloud is not None
    # The diagonal of every point's box, which the cloud knows: the path reads only a sample of the points.
    tour = Tour(dense_waypoints(dataset.points, count=8, seed=0), speed=cloud.extent / 6)
    frame_ms, label_ms, shown, drawn, picture_ms, pictures_shown, cpu_ms = [], [], [], [], [], [], []
    rss_warm = rss_mb()
    for i in range(frames):
        tour.apply(window.camera, i * SIMULATED_DT)
        start, cpu_start = time.perf_counter(), time.process_time()
        window.render_frame()
        app.processEvents()
        frame_ms.append((time.perf_counter() - start) * 1000)
        cpu_ms.append((time.process_time() - cpu_start) * 1000)
        label_ms.append(window.last_stats.label_ms)
        shown.append(window.last_stats.labels_shown)
        drawn.append(window.scene.points_drawn())
        picture_ms.append(window.last_stats.picture_ms)
        pictures_shown.append(window.last_stats.pictures_shown)
        if i + 1 == WARMUP_FRAMES:
            rss_warm = rss_mb()
    width, height = window.render_window.GetSize()
    rss_end, (anon_end, file_end) = rss_mb(), rss_parts_mb()
    mappings_end = resident_by_mapping_kb()
    cached = dataset.octree is not None
    if not cached or (read.regions is None and dataset.regions is not None):
        cache_dataset(dataset, cloud.tree, cloud.derived)  # as the window's loader does: the next open maps it
    result: dict[str, Any] = {
        "dataset": str(dataset_path),
        "points": len(dataset),
        "frames": frames,
        "labels_budget": labels,
        "point_budget": "adaptive" if point_budget is None else point_budget,
        "points_drawn_median": float(statistics.median(drawn)) if drawn else 0.0,
        "round_points": round_points,
        "load_s": round(load_s, 3),
        "first_frame_s": round(first_frame_s, 3),
        "frame_ms_median": round(statistics.median(frame_ms), 3),
        "frame_ms_p95": round(float(np.percentile(frame_ms, 95)), 3),
        # CPU time of the whole process (llvmpipe's threads too) per frame: what a frame costs even on a busy machine.
        "frame_cpu_ms_median": round(statistics.median(cpu_ms), 3),
        "label_update_ms_median": round(statistics.median(label_ms), 3),
        "label_update_ms_p95": round(float(np.percentile(label_ms, 95)), 3),
        "labels_shown_median": float(statistics.median(shown)),
        "pictures_budget": pictures,
        "pictures_shown_median": float(statistics.median(pictures_shown)) if pictures_shown else 0.0,
        "picture_update_ms_median": round(statistics.median(picture_ms), 3) if picture_ms else 0.0,
        "picture_update_ms_p95": round(float(np.percentile(picture_ms, 95)), 3) if picture_ms else 0.0,
        "rss_mb_after_warmup": round(rss_warm, 1),
        "rss_mb_end": round(rss_end, 1),
        "rss_bytes_per_point": round(rss_end * 2**20 / max(len(dataset), 1), 1),
        # What the points cost beyond the same window with no dataset (Qt, VTK and GL alone: about 400 MB).
        "rss_mb_empty_window": round(rss_empty, 1),
        "rss_bytes_per_point_above_empty": round((rss_end - rss_empty) * 2**20 / max(len(dataset), 1), 1),
        # Of those: memory of our own (anonymous), and pages of mapped files (the cache) that were read.
        "rss_anon_bytes_per_point_above_empty": round((anon_end - anon_empty) * 2**20 / max(len(dataset), 1), 1),
        "rss_file_bytes_per_point_above_empty": round((file_end - file_empty) * 2**20 / max(len(dataset), 1), 1),
        # Where the growth above the empty window lies: [mapping, kB then, kB at the end] (anonymous: "[anon]").
        "rss_growth_kb_by_mapping": mapping_growth(mappings_empty, mappings_end, top=8),
        # ... and of the cloud's big arrays (most of them mapped from the cache), how much is resident, in MB.
        "resident_mb_by_array": resident_arrays(dataset, cloud),
        "opened_from_cache": cached,
        "renderer": renderer_string(window.render_window),
        "window": [int(width), int(height)],
        "atlas_glyphs_rasterised": int((window.scene.atlas.last_used >= 0).sum()),
    }
    window.close()
    print_and_save(result, json_path)
    return 0


def resident_arrays(dataset: Any, cloud: Any) -> dict[str, float]:
    """MB of each of the cloud's big arrays resident now: what of a memory-mapped cache a flight has touched."""
    from explorer.core.cache import LabelBlob
    from explorer.core.process import resident_bytes

    arrays = {
        "points_octree_order": cloud.ordered_points,
        "points_row_order": dataset.points,
        "octree_order": cloud.tree.order,
        "colours": cloud.rgb,
        "label_lengths": cloud.derived.lengths,
        "grid_order": cloud.derived.grids.order,
        "group_codes_by_position": cloud.position_codes,
    }
    for name, labels in (("labels", dataset.labels), ("labels_octree_order", cloud.position_labels)):
        if isinstance(labels, LabelBlob):
            arrays[f"{name}_blob"], arrays[f"{name}_offsets"] = labels.blob, labels.offsets
    if dataset.regions is not None:
        arrays["region_members"] = dataset.regions.members
    return {name: round(resident_bytes(np.asarray(a)) / 2**20, 1) for name, a in arrays.items()}
