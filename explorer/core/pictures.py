"""Which points of an image dataset are drawn as pictures, and where each picture lives in the atlas (pure).

Near points are pictures, far points stay dots. The pictures are the points
nearest the camera among those the level of detail draws this frame (the
octree answers, as it does for labels), in front and in view, within a
budget of pictures per frame.

A picture's pixels live in one cell of a fixed set of atlas pages. The cells
are a pool reused least recently used first, as the glyph atlas reuses its
cells: flying past a hundred thousand pictures never grows the pool, and a
cell in use this frame is never taken from under a picture on screen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from explorer.core.picking import screen_xy
from explorer.core.spatial import PointIndex
from explorer.core.view import View

PICTURE_BUDGET = 2000  # pictures a frame, by default: a few thousand keep software GL's frames near dots' own


@dataclass(frozen=True)
class PictureSettings:
    budget: int = PICTURE_BUDGET  # pictures a frame at most (0: dots only)
    size: float = 0.01  # a picture's side in world units; set from the dataset's extent
    max_distance: float = 1.0  # farther points stay dots
    min_px: float = 0.0  # ... and so do points whose picture would be smaller than this on screen, in pixels


@dataclass(frozen=True)
class Pictures:
    """This frame's pictures, nearest first."""

    positions: np.ndarray  # int64 octree positions
    rows: np.ndarray  # int64 dataset rows (the sidecar's thumbnails are by row)
    distances: np.ndarray

    def __len__(self) -> int:
        return len(self.positions)


SPACING_SAMPLE = 20_000  # points whose nearest neighbours size the pictures
SIZE_PER_SPACING = 1.0  # a picture's side, in median nearest-neighbour distances: side by side, a little sky between
SIZE_LIMITS = (0.0005, 0.02)  # ... within these shares of the cloud's diagonal


def picture_size(points: np.ndarray, diagonal: float, seed: int = 0) -> float:
    """A picture's side in world units: from how far apart the points lie, so neighbours do not bury each other.

    The median distance to the nearest point, from an even sample beyond
    ``SPACING_SAMPLE`` points, scaled back to the whole cloud's density (in 3D
    the spacing goes as the cube root of the density).
    """
    from scipy.spatial import cKDTree

    n = len(points)
    if n < 2:
        return SIZE_LIMITS[1] * diagonal
    m = min(n, SPACING_SAMPLE)
    sample = np.asarray(points if m == n else points[np.random.default_rng(seed).choice(n, m, replace=False)])
    distances, _ = cKDTree(sample.astype(np.float64)).query(sample, k=2)
    distance = np.asarray(distances)[:, 1]
    spacing = float(np.median(distance)) * (m / n) ** (1 / 3)
    low, high = SIZE_LIMITS
    return float(np.clip(SIZE_PER_SPACING * spacing, low * diagonal, high * diagonal))


NO_PICTURES = Pictures(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))


def choose_pictures(
    index: PointIndex,
    view: View,
    settings: PictureSettings,
    *,
    shares: np.ndarray | None = None,
    hidden: np.ndarray | None = None,
) -> Pictures:
    """The points drawn as pictures from this view: nearest first, in front and (with their size) in view."""
    if settings.budget <= 0 or len(index) == 0:
        return NO_PICTURES
    half = settings.size / 2
    limit = settings.max_distance
    if settings.min_px > 0:  # a picture's side on screen is size / (distance * 2 tan(fov / 2)) * height
        limit = min(limit, settings.size * view.height_px / (2 * view.tan_half_fov * settings.min_px))

    def in_view(positions: np.ndarray) -> np.ndarray:  # most near points lie behind or beside the camera
        return _in_view(index.points[positions], view, half)

    positions, distance = index.nearest(view.position, settings.budget, limit=limit, shares=shares, hidden=hidden,
                                        accept=in_view, accepted_share=view_share(view))  # fmt: skip
    return Pictures(positions, index.rows(positions), distance)


def view_share(view: View) -> float:
    """About the share of the space around the eye that the view sees (its solid angle over a sphere's)."""
    across, up = math.atan(view.tan_half_fov * view.aspect), math.atan(view.tan_half_fov)
    return 4.0 * math.asin(math.sin(across) * math.sin(up)) / (4.0 * math.pi)


def _in_view(points: np.ndarray, view: View, half: float) -> np.ndarray:
    """Whether pictures of half-side ``half`` at these points are in front of the camera and (partly) in view."""
    rel = points.astype(np.float64) - view.position
    cam = rel @ np.column_stack((view.right, view.up, view.forward))
    depth = cam[:, 2]
    t = view.tan_half_fov
    inside: np.ndarray = (
        (depth > half) & (np.abs(cam[:, 0]) <= depth * t * view.aspect + half) & (np.abs(cam[:, 1]) <= depth * t + half)
    )
    return inside


def picture_centres(anchors: np.ndarray, eye: np.ndarray, size: float) -> np.ndarray:
    """Where pictures stand: half their size in front of their points, on the line to the eye."""
    anchors = np.asarray(anchors, dtype=np.float64)
    toward = np.asarray(eye, dtype=np.float64) - anchors
    length = np.linalg.norm(toward, axis=1, keepdims=True)
    centres: np.ndarray = anchors + toward / np.maximum(length, 1e-300) * np.minimum(size / 2, length / 2)
    return centres


def picture_at(
    pictures: Pictures, anchors: np.ndarray, view: View, size: float, x_px: float, y_px: float
) -> int | None:
    """The dataset row of the nearest picture under pixel (x, y) (y from the top), or None.

    A picture stands half its size in front of its point, facing the camera: a
    click anywhere on it picks it, however large it is on screen.
    """
    if len(pictures) == 0:
        return None
    x, y, depth = screen_xy(view, picture_centres(anchors, view.position, size))
    with np.errstate(divide="ignore", invalid="ignore"):
        half_px = size / 2 / (depth * 2 * view.tan_half_fov) * view.height_px
    hit = np.flatnonzero((depth > 0) & (np.abs(x - x_px) <= half_px) & (np.abs(y - y_px) <= half_px))
    if len(hit) == 0:
        return None
    return int(pictures.rows[hit[np.argmin(depth[hit])]])


class PictureCells:
    """A pool of ``capacity`` atlas cells, each holding one dataset row's picture, reused least recently used.

    The cells come in pages of ``page_cells`` (one texture each): new pictures
    fill the least recently used page's spare cells before another page's, so
    that a frame's new pictures dirty, and upload, as few pages as they can.
    """

    def __init__(self, capacity: int, rows: int, page_cells: int = 1) -> None:
        if capacity <= 0 or page_cells <= 0 or capacity % page_cells:
            raise ValueError("an atlas needs at least one cell, in whole pages")
        self.capacity = capacity
        self.page_cells = page_cells
        self.owner = np.full(capacity, -1, dtype=np.int64)  # the row each cell holds, -1 for none
        self.last_used = np.full(capacity, -1, dtype=np.int64)  # the frame each cell was last asked for
        self.cell_of_row = np.full(rows, -1, dtype=np.int32)  # row -> its cell, -1 for none: one lookup a frame
        self.frame = 0

    def next_frame(self) -> None:
        self.frame += 1

    def cells_of(self, rows: np.ndarray, *, new_at_most: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Each row's cell this frame (-1 where there is none to give), and the rows whose pixels must be written.

        Rows already held keep their cell. New rows take spare cells (free, or
        not used this frame), page by page, the least recently used page first,
        and never a cell in use this frame; ``new_at_most`` bounds how many
        pictures one frame brings in (each costs a copy and an upload): the
        rest wait, drawn as dots, for the next frames.
        """
        rows = np.asarray(rows, dtype=np.int64)
        cells = self.cell_of_row[rows].astype(np.int64)
        held = cells >= 0
        self.last_used[cells[held]] = self.frame
        wanted = np.flatnonzero(~held)
        if new_at_most is not None:
            wanted = wanted[:new_at_most]
        if len(wanted) == 0:
            return cells, np.zeros(0, dtype=np.int64)
        given = self._spare_cells(len(wanted))
        wanted = wanted[: len(given)]
        old = self.owner[given]
        self.cell_of_row[old[old >= 0]] = -1
        self.owner[given], self.last_used[given] = rows[wanted], self.frame
        self.cell_of_row[rows[wanted]] = given
        cells[wanted] = given
        return cells, wanted.astype(np.int64)

    def _spare_cells(self, n: int) -> np.ndarray:
        """Up to ``n`` cells not used this frame: by page, least recently used page first, then by cell age."""
        pages = self.last_used.reshape(-1, self.page_cells)
        spare = np.flatnonzero(self.last_used < self.frame)
        page_age = pages.max(axis=1)  # a page in use this frame comes after every idle one ...
        page_spare = (pages < self.frame).sum(axis=1)  # ... the one with most room first
        rank = np.empty(len(pages), dtype=np.int64)
        rank[np.lexsort((-page_spare, page_age))] = np.arange(len(pages))
        best: np.ndarray = spare[np.lexsort((self.last_used[spare], rank[spare // self.page_cells]))][:n]
        return best
