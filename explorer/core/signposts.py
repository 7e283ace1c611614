"""Which region names to show this frame, and how strongly: text's level of detail from afar (pure).

A top-level name fades in as the camera comes within ``READ_RADII`` of its
region's radius, or within ``READ_MAPS`` of the whole map's, whichever is
farther: from the overview the top level is the map's legend. Every name fades out once the camera is within
``INSIDE_RADII`` of its region, and exactly as it does, the names of the
regions inside it fade in: one continuous level of detail, coarse to fine,
with the words taking over past the finest level. Names are placed before
the words into the frame's :class:`~explorer.core.labels.Occupancy`, so
nothing overlaps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from explorer.core.labels import Occupancy
from explorer.core.regions import Regions
from explorer.core.view import View

READ_RADII = 10.0  # a top-level name appears as the camera comes within this many of its region's radii
READ_MAPS = 3.0  # ... or within this many of the whole map's radius: a map of small far islands still has names
INSIDE_RADII = 1.5  # ... and is gone once the camera is this close: the finer names have taken over
FADE_SHARE = 0.35  # the fades span this share of each band's end
HEIGHT_RADII = 0.22  # a name's world height, in its region's radii
MIN_PX, MAX_PX = 10.0, 22.0  # smaller is unreadable; larger shouts (the coarsest level gets the most)
CHAR_ASPECT = 0.6


@dataclass(frozen=True)
class Signposts:
    """Names to draw this frame, in placement order (coarse first, nearer first)."""

    level: np.ndarray  # int64: each name's level
    region: np.ndarray  # int64: its region id in that level
    anchors: np.ndarray  # float64 [k, 3]: the world point the name is centred on
    heights: np.ndarray  # world text height
    fade: np.ndarray  # 1 = full strength

    def __len__(self) -> int:
        return len(self.level)


NONE = Signposts(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 3)), np.zeros(0), np.zeros(0))


class SignpostPicker:
    """Chooses region names for a dataset's regions; built once per dataset.

    All levels are held as one flat table (a few hundred names), so that a
    frame's choice is a handful of array operations, not a pass per level.
    """

    def __init__(self, regions: Regions) -> None:
        self.regions = regions
        levels = regions.levels
        self.depth = np.concatenate([np.full(len(level), d, dtype=np.int64) for d, level in enumerate(levels)])
        self.ids = np.concatenate([np.arange(len(level), dtype=np.int64) for level in levels])
        firsts = np.cumsum([0] + [len(level) for level in levels])[:-1]
        self.first = firsts  # each level's first row in the flat table
        self.centroids = np.concatenate([regions.centroids(d) for d in range(len(levels))]).reshape(-1, 3)
        self.radii = np.maximum(np.array([r.radius for level in levels for r in level], dtype=np.float64), 1e-300)
        self.lengths = np.array([len(r.name) for level in levels for r in level], dtype=np.float64)
        # Each name's parent, as a row of the flat table (its own row at the top level, never read there).
        self.parent = np.array(
            [
                firsts[d - 1] + (r.parent or 0) if d else i
                for d, level in enumerate(levels)
                for i, r in enumerate(level)
            ],
            dtype=np.int64,
        )
        self.parent[self.depth == 0] = np.flatnonzero(self.depth == 0)
        self.hidden = np.zeros(len(self.depth), dtype=bool)
        last = len(levels) - 1
        self.inside = np.where(self.depth < last, INSIDE_RADII, INSIDE_RADII / 2)
        self.top_px = MAX_PX - (MAX_PX - MIN_PX) * self.depth / max(len(levels), 1)  # coarser levels may be larger
        top = self.depth == 0
        reach = np.linalg.norm(self.centroids[top] - self.centroids[top].mean(axis=0), axis=1) + self.radii[top]
        self.map_radius = float(reach.max(initial=0.0)) if top.any() else 0.0
        # How far off, in its own radii, each top-level name starts to read; below the top, parents decide.
        self.read_radii = np.where(top, np.maximum(READ_RADII, READ_MAPS * self.map_radius / self.radii), 1.0)

    def hide(self, rule: Callable[[str], bool] | None) -> int:
        """Never show the names ``rule`` says (the show's rude words); None shows all. Returns how many are hidden."""
        names = [r.name for level in self.regions.levels for r in level]
        self.hidden = np.array([rule is not None and rule(name) for name in names], dtype=bool)
        return int(self.hidden.sum())

    def select(self, view: View, occupancy: Occupancy) -> Signposts:
        """The names readable from this view, placed into ``occupancy`` (which they then hold).

        Names at full strength go first, coarse level first, nearer first. Names
        still fading in or out come after and are dropped where they would
        overlap, so no faint name blocks another.
        """
        if len(self.depth) == 0:
            return NONE
        rel = self.centroids - view.position
        distance = np.sqrt(np.einsum("ij,ij->i", rel, rel)) / self.radii  # in radii
        fade = _leaving(distance, self.inside)
        top = self.depth == 0
        read = self.read_radii
        arriving = np.clip((read - distance) / (FADE_SHARE * read), 0.0, 1.0)  # the top level, from afar
        parent_leaving = 1.0 - _leaving(distance[self.parent], INSIDE_RADII)  # the rest: in as the parent goes out
        fade *= np.where(top, arriving, parent_leaving)
        cam = rel @ view.basis
        t = view.tan_half_fov
        z = cam[:, 2]
        with np.errstate(divide="ignore", invalid="ignore"):
            x, y = cam[:, 0] / (z * t * view.aspect), cam[:, 1] / (z * t)
        rows = np.flatnonzero((fade > 0.02) & (z > 0) & ~self.hidden & (np.abs(x) <= 1) & (np.abs(y) <= 1))
        if len(rows) == 0:
            return NONE
        rows = rows[np.lexsort((z[rows], self.depth[rows], fade[rows] < 0.5))]
        scale = view.height_px / (z[rows] * 2 * t)  # pixels per world unit at each anchor
        height_px = np.clip(HEIGHT_RADII * self.radii[rows] * scale, MIN_PX, self.top_px[rows])
        width_px = self.lengths[rows] * CHAR_ASPECT * height_px
        margin = 0.25 * height_px
        kept = occupancy.place(
            (x[rows] + 1) / 2 * view.width_px - width_px / 2 - margin,
            (1 - y[rows]) / 2 * view.height_px + height_px / 2 + margin,
            height_px + 2 * margin,
            width_px + 2 * margin,
            len(rows),
        )
        chosen = rows[kept]
        return Signposts(
            level=self.depth[chosen],
            region=self.ids[chosen],
            anchors=self.centroids[chosen],
            heights=height_px[kept] / scale[kept],
            fade=fade[chosen],
        )

    def name(self, level: int, region: int) -> str:
        return self.regions.levels[level][region].name

    def centroid(self, level: int, region: int) -> np.ndarray:
        row: np.ndarray = self.centroids[self.first[level] + region]
        return row

    def hidden_at(self, level: int) -> np.ndarray:
        """Which names of one level are hidden (bool, by region id)."""
        hidden: np.ndarray = self.hidden[self.depth == level]
        return hidden


def _leaving(distance: np.ndarray, inside: np.ndarray | float) -> np.ndarray:
    """1 outside a region, easing to 0 as the camera comes within ``inside`` of its radii."""
    out: np.ndarray = np.clip((distance - inside) / (FADE_SHARE * inside * 2), 0.0, 1.0)
    return out
