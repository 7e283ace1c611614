"""Which labels to show this frame: nearest in front, inside the view, not overlapping.

Pure NumPy: the level-of-detail octree answers "what is near the camera"
(:mod:`explorer.core.spatial`) in about a millisecond, even at ten million points.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from explorer.core.spatial import PointIndex
from explorer.core.view import View

CANDIDATE_FACTOR = 1.5  # look at this many more points than the budget, to survive culling
PINNED_MIN_PX = 13.0  # a pinned label far away is still drawn readable
LONGEST = 65_535  # characters of a label that count for its width (uint16)
LEAD = 0.7  # how far ahead the search ball sits, as a fraction of last frame's ball radius


@dataclass(frozen=True)
class LabelSettings:
    budget: int = 150
    max_distance: float = 1.0  # world units; set from the dataset's extent
    text_height: float = 0.02  # world units of a capital letter
    char_aspect: float = 0.65  # glyph width / height, generous: Cyrillic runs wider than Latin
    min_height_px: float = 6.0  # smaller than this is unreadable: skip it
    max_height_px: float = 20.0  # nearer labels stop growing on screen
    spacing: float = 0.5  # free margin around each label, in text heights: packed labels are hard to read
    near: float = 1e-3


@dataclass(frozen=True)
class Selection:
    """Labels to draw, nearest first."""

    rows: np.ndarray  # int64 row indices into the dataset
    distances: np.ndarray  # world distance from the camera
    fade: np.ndarray  # 1 = full strength, toward 0 at max_distance
    heights: np.ndarray  # world text height, capped so that no label exceeds max_height_px
    # The same points' positions in octree order: their coordinates and labels are read there, where
    # neighbours lie together (a memory-mapped cloud is read in a few places, not all over).
    positions: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def __len__(self) -> int:
        return len(self.rows)


EMPTY = Selection(np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(0))


class LabelPicker:
    """Chooses labels for a dataset; hidden rows are never chosen.

    It asks the level-of-detail octree (:class:`PointIndex`) for the points
    nearest the camera, so a dataset carries one spatial index, not two.
    """

    def __init__(self, index: PointIndex, lengths: np.ndarray) -> None:
        """``lengths``: each label's length in characters, in the index's (octree) order."""
        if len(lengths) != len(index):
            raise ValueError(f"{len(lengths)} label lengths for {len(index)} points")
        self.index = index
        self.lengths = lengths
        self.hidden: np.ndarray | None = None  # bool per point, in octree order
        self._lead = 0.0

    @classmethod
    def of(cls, points: np.ndarray, label_lengths: np.ndarray) -> LabelPicker:
        """A picker over loose points, with their labels' lengths in row order (builds their octree)."""
        index = PointIndex.of(points)
        return cls(index, np.minimum(np.asarray(label_lengths), LONGEST).astype(np.uint16)[index.tree.order])

    @property
    def order(self) -> np.ndarray:
        """The dataset row at each of the picker's positions (the octree's order)."""
        return self.index.tree.order

    def set_hidden(self, hidden_rows: np.ndarray | None) -> None:
        """Rows (a bool per dataset row) whose labels must never be chosen; None shows all."""
        self.set_hidden_positions(None if hidden_rows is None else np.asarray(hidden_rows, dtype=bool)[self.order])

    def set_hidden_positions(self, hidden: np.ndarray | None) -> None:
        """The same, given in octree order (a bool per position): taken as it is."""
        self.hidden = hidden

    def select(
        self,
        view: View,
        settings: LabelSettings,
        pinned: np.ndarray | None = None,
        *,
        shares: np.ndarray | None = None,
        occupancy: Occupancy | None = None,
    ) -> Selection:
        """Labels for this view, nearest first.

        ``pinned`` rows (the selection, a search match) come first at any
        distance, at a readable size and never faded, as long as they are in
        view and not hidden. With ``shares`` (the level of detail's drawn share of
        each octree node) only the points this frame draws are labelled.
        ``occupancy``, when given, holds what this frame has placed already
        (region names, the HUD): labels go around it.
        """
        n = len(self.index)
        if settings.budget <= 0 or n == 0:
            return EMPTY
        k = min(n, int(settings.budget * CANDIDATE_FACTOR))
        # The search ball leads the camera along the view, so that most candidates
        # lie in front and inside the view; they are re-ranked by true distance.
        # Hidden points are passed over by the search itself: the nearest visible ones are found.
        centre = view.position + view.forward * self._lead
        idx, ball = self.index.nearest(centre, k, limit=settings.max_distance + self._lead, shares=shares,
                                       hidden=self.hidden)  # fmt: skip
        self._lead = min(LEAD * float(ball[-1]), settings.max_distance / 2) if len(ball) == k else 0.0
        pins = np.zeros(0, dtype=np.int64)
        if pinned is not None and len(pinned):
            pins = self.index.positions[np.asarray(pinned, dtype=np.int64)].astype(np.int64)
            pins = pins[np.sort(np.unique(pins, return_index=True)[1])]  # once each, in the given order
            idx = np.concatenate((pins, idx[~np.isin(idx, pins)]))
        if self.hidden is not None and len(pins):
            idx = idx[~self.hidden[idx]]  # a hidden pin stays hidden
        # Camera coordinates (right, up, depth) of every candidate, in one product.
        rel = self.index.points[idx].astype(np.float64) - view.position
        cam = rel @ view.basis
        dist = np.sqrt(np.einsum("ij,ij->i", rel, rel))
        depth = cam[:, 2]
        # Pinned first, in the order given (the selection wins overlaps), then nearest first.
        priority = np.full(len(idx), len(pins), dtype=np.int64)
        if len(pins):
            where = {int(p): i for i, p in enumerate(pins.tolist())}
            priority[: len(pins)] = [where.get(int(i), len(pins)) for i in idx[: len(pins)].tolist()]
        is_pin = priority < len(pins)
        shown = (dist <= settings.max_distance) | is_pin
        near = np.flatnonzero((depth > settings.near) & shown)
        near = near[np.lexsort((dist[near], priority[near]))]
        # Normalised device coordinates of each anchor.
        t = view.tan_half_fov
        depth, is_pin = depth[near], is_pin[near]
        x = cam[near, 0] / (depth * t * view.aspect)
        y = cam[near, 1] / (depth * t)
        scale = view.height_px / (depth * 2 * t)  # pixels per world unit at each anchor
        height_px = np.minimum(settings.text_height * scale, settings.max_height_px)
        height_px[is_pin] = np.maximum(height_px[is_pin], PINNED_MIN_PX)
        visible = (np.abs(x) <= 1) & (np.abs(y) <= 1) & ((height_px >= settings.min_height_px) | is_pin)
        near = near[visible]
        dist, idx, x, y = dist[near], idx[near], x[visible], y[visible]
        height_px, scale, is_pin = height_px[visible], scale[visible], is_pin[visible]
        width_px = self.lengths[idx].astype(np.float64) * settings.char_aspect * height_px
        margin = settings.spacing * height_px
        keep = _without_overlaps(
            (x + 1) / 2 * view.width_px - width_px / 2 - margin,  # labels are centred on their point
            (1 - y) / 2 * view.height_px + margin,
            height_px + 2 * margin,
            width_px + 2 * margin,
            settings.budget,
            occupancy,
        )
        dist, idx = dist[keep], idx[keep]
        fade = np.where(is_pin[keep], 1.0, np.clip(1.0 - (dist / settings.max_distance) ** 2, 0.0, 1.0))
        # Drawn at the size the overlap test assumed: world size, capped on screen.
        heights = np.minimum(settings.text_height, settings.max_height_px / scale[keep])
        heights = np.where(is_pin[keep], height_px[keep] / scale[keep], heights)
        return Selection(rows=self.index.rows(idx), distances=dist, fade=fade, heights=heights,
                         positions=idx.astype(np.int64))  # fmt: skip


class Occupancy:
    """The screen, as a coarse grid of occupied cells: what one frame's labels and names have taken.

    Each grid row is one Python integer used as a bit set, so testing a label
    costs a few integer operations. Boxes reserved first (the HUD, the legend,
    region names) are never drawn over by what is placed after.
    """

    def __init__(self, cell: float) -> None:
        self.cell = max(float(cell), 4.0)
        self.rows: dict[int, int] = {}

    def reserve(self, left: float, top: float, width: float, height: float) -> None:
        """Take a box (pixels, y down) that nothing placed later may overlap."""
        self.place(np.array([left]), np.array([top + height]), np.array([height]), np.array([width]), 1)

    def place(
        self, left: np.ndarray, baseline: np.ndarray, height: np.ndarray, width: np.ndarray, budget: int
    ) -> np.ndarray:
        """Greedy placement in the order given (nearest first): where two boxes overlap the earlier wins.

        Boxes are in pixels, y down, ``baseline`` their bottom edge. Returns the indices kept.
        """
        if len(left) == 0 or budget <= 0:
            return np.zeros(0, dtype=np.int64)
        # Grid columns and rows each box covers, all four edges in one conversion; the grid
        # starts at -4096 px so that boxes hanging off the left edge still index from 0.
        edges = np.floor((np.stack((left, left + width, baseline - height, baseline)) + OFFSET_PX) / self.cell)
        x0, x1, y0, y1 = np.maximum(edges, 0).astype(np.int64).tolist()
        rows = self.rows
        kept: list[int] = []
        for i, (a, b, c, d) in enumerate(zip(x0, x1, y0, y1, strict=True)):
            mask = ((1 << (b - a + 1)) - 1) << a
            span = range(c, d + 1)
            free = True
            for y in span:
                if rows.get(y, 0) & mask:
                    free = False
                    break
            if not free:
                continue
            for y in span:
                rows[y] = rows.get(y, 0) | mask
            kept.append(i)
            if len(kept) >= budget:
                break
        return np.array(kept, dtype=np.int64)


OFFSET_PX = 4096.0


def _without_overlaps(
    left: np.ndarray,
    baseline: np.ndarray,
    height: np.ndarray,
    width: np.ndarray,
    budget: int,
    occupancy: Occupancy | None = None,
) -> np.ndarray:
    """Nearest-first placement: into ``occupancy`` when given, else a grid of the median label height."""
    if len(left) == 0:
        return np.zeros(0, dtype=np.int64)
    if occupancy is None:
        middle = len(height) // 2
        occupancy = Occupancy(max(float(np.partition(height, middle)[middle]), 8.0))  # median, without its overhead
    return occupancy.place(left, baseline, height, width, budget)
