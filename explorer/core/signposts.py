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
    """Chooses region names for a dataset's regions; built once per dataset."""

    def __init__(self, regions: Regions) -> None:
        self.regions = regions
        self.centroids = [regions.centroids(depth) for depth in range(len(regions.levels))]
        self.radii = [np.array([r.radius for r in level], dtype=np.float64) for level in regions.levels]
        self.lengths = [np.array([len(r.name) for r in level], dtype=np.float64) for level in regions.levels]
        self.parents = [np.array([r.parent or 0 for r in level], dtype=np.int64) for level in regions.levels]
        self.hidden = [np.zeros(len(level), dtype=bool) for level in regions.levels]
        top = self.centroids[0] if self.centroids else np.zeros((0, 3))
        reach = np.linalg.norm(top - top.mean(axis=0), axis=1) + self.radii[0] if len(top) else np.zeros(0)
        self.map_radius = float(reach.max(initial=0.0))
        # How far off, in its own radii, each top-level name starts to read.
        self.read_radii = (
            np.maximum(READ_RADII, READ_MAPS * self.map_radius / np.maximum(self.radii[0], 1e-300))
            if len(top)
            else np.zeros(0)
        )

    def hide(self, rule: Callable[[str], bool] | None) -> int:
        """Never show the names ``rule`` says (the show's rude words); None shows all. Returns how many are hidden."""
        for depth, level in enumerate(self.regions.levels):
            self.hidden[depth] = np.array([rule is not None and rule(r.name) for r in level], dtype=bool)
        return int(sum(h.sum() for h in self.hidden))

    def select(self, view: View, occupancy: Occupancy) -> Signposts:
        """The names readable from this view, placed into ``occupancy`` (which they then hold).

        Names at full strength go first, coarse level first. Names still fading
        in or out come after and are dropped where they would overlap, so no
        faint name blocks another.
        """
        found = [self._candidates(depth, view) for depth in range(len(self.centroids))]
        strong = [c.subset(c.fade >= 0.5) for c in found]
        weak = [c.subset(c.fade < 0.5) for c in found]
        picked = [c.place(occupancy, view) for c in (*strong, *weak) if len(c.ids)]
        picked = [p for p in picked if len(p.ids)]
        if not picked:
            return NONE
        return Signposts(
            level=np.concatenate([np.full(len(p.ids), p.depth, dtype=np.int64) for p in picked]),
            region=np.concatenate([p.ids for p in picked]).astype(np.int64),
            anchors=np.concatenate([self.centroids[p.depth][p.ids] for p in picked]),
            heights=np.concatenate([p.height_px / p.scale for p in picked]),
            fade=np.concatenate([p.fade for p in picked]),
        )

    def _candidates(self, depth: int, view: View) -> _Candidates:
        """The names of one level in front of the camera, on screen and not faded out, nearest first."""
        levels = len(self.centroids)
        centroids, radii = self.centroids[depth], np.maximum(self.radii[depth], 1e-300)
        rel = centroids - view.position
        distance = np.sqrt(np.einsum("ij,ij->i", rel, rel)) / radii  # in radii
        fade = _leaving(distance, INSIDE_RADII if depth < levels - 1 else INSIDE_RADII / 2)
        if depth == 0:
            read = self.read_radii
            fade *= np.clip((read - distance) / (FADE_SHARE * read), 0.0, 1.0)
        else:  # in as the parent goes out
            above = self.centroids[depth - 1] - view.position
            parent = np.sqrt(np.einsum("ij,ij->i", above, above)) / np.maximum(self.radii[depth - 1], 1e-300)
            fade *= 1.0 - _leaving(parent, INSIDE_RADII)[self.parents[depth]]
        cam = rel @ np.column_stack((view.right, view.up, view.forward))
        ids = np.flatnonzero((fade > 0.02) & (cam[:, 2] > 0) & ~self.hidden[depth])
        t = view.tan_half_fov
        z = cam[ids, 2]
        x, y = cam[ids, 0] / (z * t * view.aspect), cam[ids, 1] / (z * t)
        on_screen = (np.abs(x) <= 1) & (np.abs(y) <= 1)
        ids, x, y, z = ids[on_screen], x[on_screen], y[on_screen], z[on_screen]
        order = np.argsort(z, kind="stable")
        ids, x, y, z = ids[order], x[order], y[order], z[order]
        scale = view.height_px / (z * 2 * t)  # pixels per world unit at each anchor
        top_px = MAX_PX - (MAX_PX - MIN_PX) * depth / max(levels, 1)  # coarser levels may be larger
        height_px = np.clip(HEIGHT_RADII * radii[ids] * scale, MIN_PX, top_px)
        width_px = self.lengths[depth][ids] * CHAR_ASPECT * height_px
        return _Candidates(depth, ids, x, y, height_px, width_px, scale, fade[ids])

    def name(self, level: int, region: int) -> str:
        return self.regions.levels[level][region].name


@dataclass(frozen=True)
class _Candidates:
    """One level's names that could show, with their place on screen (NDC x, y) and size in pixels."""

    depth: int
    ids: np.ndarray
    x: np.ndarray
    y: np.ndarray
    height_px: np.ndarray
    width_px: np.ndarray
    scale: np.ndarray
    fade: np.ndarray

    def subset(self, keep: np.ndarray) -> _Candidates:
        return _Candidates(self.depth, *(a[keep] for a in (self.ids, self.x, self.y, self.height_px, self.width_px,
                                                           self.scale, self.fade)))  # fmt: skip

    def place(self, occupancy: Occupancy, view: View) -> _Candidates:
        """The names that find room, in order; the rest are left out this frame."""
        margin = 0.25 * self.height_px
        kept = occupancy.place(
            (self.x + 1) / 2 * view.width_px - self.width_px / 2 - margin,
            (1 - self.y) / 2 * view.height_px + self.height_px / 2 + margin,
            self.height_px + 2 * margin,
            self.width_px + 2 * margin,
            len(self.ids),
        )
        return self.subset(kept)


def _leaving(distance: np.ndarray, inside: float) -> np.ndarray:
    """1 outside a region, easing to 0 as the camera comes within ``inside`` of its radii."""
    out: np.ndarray = np.clip((distance - inside) / (FADE_SHARE * inside * 2), 0.0, 1.0)
    return out
