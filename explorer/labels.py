"""Which labels to show this frame: nearest in front, inside the view, not overlapping.

Pure NumPy/SciPy: a KD-tree built once per dataset answers "what is near the
camera" in a fraction of a millisecond, even at a million points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

CANDIDATE_FACTOR = 4  # look at this many more points than the budget, to survive culling


@dataclass(frozen=True)
class View:
    """What the label picker needs to know about the camera and the window."""

    position: np.ndarray
    forward: np.ndarray
    right: np.ndarray
    up: np.ndarray
    fov_deg: float
    width_px: int
    height_px: int

    @property
    def tan_half_fov(self) -> float:
        return math.tan(math.radians(self.fov_deg) / 2)

    @property
    def aspect(self) -> float:
        return self.width_px / max(self.height_px, 1)


@dataclass(frozen=True)
class LabelSettings:
    budget: int = 150
    max_distance: float = 1.0  # world units; set from the dataset's extent
    text_height: float = 0.02  # world units of a capital letter
    char_aspect: float = 0.55  # average glyph width / height
    min_height_px: float = 6.0  # smaller than this is unreadable: skip it
    max_height_px: float = 40.0  # nearer labels stop growing on screen
    near: float = 1e-3


@dataclass(frozen=True)
class Selection:
    """Labels to draw, nearest first."""

    rows: np.ndarray  # int64 row indices into the dataset
    distances: np.ndarray  # world distance from the camera
    fade: np.ndarray  # 1 = full strength, toward 0 at max_distance

    def __len__(self) -> int:
        return len(self.rows)


EMPTY = Selection(np.zeros(0, np.int64), np.zeros(0), np.zeros(0))


class LabelPicker:
    """Chooses labels for a dataset; hidden rows are never chosen."""

    def __init__(self, points: np.ndarray, label_lengths: np.ndarray) -> None:
        self.points = np.asarray(points, dtype=np.float64)
        self.lengths = np.asarray(label_lengths, dtype=np.float64)
        self.tree = cKDTree(self.points)
        self.hidden: np.ndarray | None = None  # bool per row, or None

    def select(self, view: View, settings: LabelSettings) -> Selection:
        n = len(self.points)
        if settings.budget <= 0 or n == 0:
            return EMPTY
        k = min(n, settings.budget * CANDIDATE_FACTOR)
        dist, idx = self.tree.query(view.position, k=k, distance_upper_bound=settings.max_distance)
        dist, idx = np.atleast_1d(dist), np.atleast_1d(idx)
        found = idx < n
        dist, idx = dist[found], idx[found]
        if self.hidden is not None:
            shown = ~self.hidden[idx]
            dist, idx = dist[shown], idx[shown]
        rel = self.points[idx] - view.position
        depth = rel @ view.forward
        in_front = depth > settings.near
        dist, idx, rel, depth = dist[in_front], idx[in_front], rel[in_front], depth[in_front]
        # Normalised device coordinates of each anchor.
        t = view.tan_half_fov
        x = (rel @ view.right) / (depth * t * view.aspect)
        y = (rel @ view.up) / (depth * t)
        height_px = np.minimum(settings.text_height / (depth * 2 * t) * view.height_px, settings.max_height_px)
        visible = (np.abs(x) <= 1) & (np.abs(y) <= 1) & (height_px >= settings.min_height_px)
        dist, idx, x, y, height_px = dist[visible], idx[visible], x[visible], y[visible], height_px[visible]
        width_px = self.lengths[idx] * settings.char_aspect * height_px
        keep = _without_overlaps(
            (x + 1) / 2 * view.width_px - width_px / 2,  # labels are centred on their point
            (1 - y) / 2 * view.height_px,
            height_px,
            width_px,
            settings.budget,
        )
        dist, idx = dist[keep], idx[keep]
        fade = np.clip(1.0 - (dist / settings.max_distance) ** 2, 0.0, 1.0)
        return Selection(rows=idx.astype(np.int64), distances=dist, fade=fade)


def _without_overlaps(
    left: np.ndarray, baseline: np.ndarray, height: np.ndarray, width: np.ndarray, budget: int
) -> np.ndarray:
    """Greedy nearest-first placement on a coarse grid of occupied cells.

    Inputs are in pixels and sorted nearest first, so where two labels would
    overlap on screen the nearer one wins. Returns the indices kept.
    """
    cell = max(float(np.median(height)) if len(height) else 8.0, 8.0)
    x0 = np.floor(left / cell).astype(np.int64)
    x1 = np.floor((left + width) / cell).astype(np.int64)
    y0 = np.floor((baseline - height) / cell).astype(np.int64)
    y1 = np.floor(baseline / cell).astype(np.int64)
    occupied: set[tuple[int, int]] = set()
    kept: list[int] = []
    for i, (a, b, c, d) in enumerate(zip(x0.tolist(), x1.tolist(), y0.tolist(), y1.tolist(), strict=True)):
        cells = [(cx, cy) for cx in range(a, b + 1) for cy in range(c, d + 1)]
        if any(cc in occupied for cc in cells):
            continue
        occupied.update(cells)
        kept.append(i)
        if len(kept) >= budget:
            break
    return np.array(kept, dtype=np.int64)
