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

from explorer.core.picking import camera_screen_xy, screen_xy
from explorer.core.ranges import blocks
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
    # Only points in the view, within the limit, can be pictures: they lie in the box around the view's
    # pyramid of that depth (the eye and its four far corners), a few times fewer than in the ball around the eye.
    if math.isfinite(limit):
        low, high = _pyramid_box(view, limit + half)
        positions = index.in_box(low - half, high + half, shares=shares, hidden=hidden,
                                 planes=_pyramid_planes(view, limit, half))  # fmt: skip
    else:
        positions = index.in_box(np.full(3, -np.inf), np.full(3, np.inf), shares=shares, hidden=hidden)
    rel = np.take(index.points, positions, axis=0).astype(np.float64)
    rel -= view.position
    distance = np.sqrt(np.einsum("ij,ij->i", rel, rel))
    cam = rel @ view.basis
    near = np.flatnonzero((distance <= limit) & (cam[:, 2] > half))  # in front, by more than its size
    # A picture stands in front of its point, toward the eye (picture_centres): nearer by that share.
    toward = np.minimum(half, distance[near] / 2) / distance[near]
    x, y, depth = camera_screen_xy(view, cam[near] * (1.0 - toward)[:, None])
    half_px = half / (depth * 2 * view.tan_half_fov) * view.height_px
    seen = (x + half_px >= 0) & (x - half_px <= view.width_px) & (y + half_px >= 0) & (y - half_px <= view.height_px)
    near, x, y, depth, half_px = near[seen], x[seen], y[seen], depth[seen], half_px[seen]
    first = np.argsort(distance[near], kind="stable")  # nearest first
    shown = first[~behind_nearer(x[first], y[first], half_px[first], depth[first], view.width_px, view.height_px)]
    taken = near[shown[: settings.budget]]
    return Pictures(positions[taken], index.rows(positions[taken]), distance[taken])


OCCLUSION_CELL_PX = 24.0  # the screen grid on which pictures hidden behind nearer ones are found


def behind_nearer(
    x: np.ndarray, y: np.ndarray, half: np.ndarray, depth: np.ndarray, width: float, height: float,
    cell: float = OCCLUSION_CELL_PX,
) -> np.ndarray:  # fmt: skip
    """Which camera-facing squares (centres x, y in pixels, y down; half-sides in pixels) lie wholly behind nearer ones.

    The pictures are opaque squares facing the camera, each at one depth. On a
    coarse grid, each cell keeps the depth of the nearest square that covers
    it whole; a square whose every cell on screen is covered so by a nearer one
    cannot be seen, and costs its pixels for nothing (flying through a dense
    cloud, three to four screens of pictures are drawn for one screen seen).
    Squares off screen count as hidden. Never hides a square of which any
    pixel shows.
    """
    n = len(x)
    if n == 0:
        return np.zeros(0, dtype=bool)
    columns, rows = math.ceil(width / cell), math.ceil(height / cell)
    left, right = np.maximum(x - half, 0.0), np.minimum(x + half, width)
    top, bottom = np.maximum(y - half, 0.0), np.minimum(y + half, height)
    # Cells each square covers whole (a cell cut by the screen's edge counts by its part on screen) ...
    first = np.column_stack((np.ceil(top / cell), np.ceil(left / cell))).astype(np.int64)
    below = np.where(bottom >= height, rows, np.floor(bottom / cell))
    beside = np.where(right >= width, columns, np.floor(right / cell))
    last = np.column_stack((below - 1, beside - 1)).astype(np.int64)
    owner, (cy, cx) = blocks(first, last)
    nearest = np.full(columns * rows, np.inf)
    np.minimum.at(nearest, cy * columns + cx, depth[owner])
    # ... and cells it touches: it is hidden where each of those is covered by a nearer square.
    first = np.column_stack((np.floor(top / cell), np.floor(left / cell))).astype(np.int64)
    last = np.column_stack((np.ceil(bottom / cell) - 1, np.ceil(right / cell) - 1)).astype(np.int64)
    owner, (cy, cx) = blocks(first, last)
    showing = nearest[cy * columns + cx] >= depth[owner]
    hidden: np.ndarray = np.bincount(owner[showing], minlength=n) == 0
    return hidden


def _pyramid_planes(view: View, depth: float, margin: float) -> np.ndarray:
    """The view's pyramid up to ``depth`` as six planes (normal, offset; inside where ``normal . p + offset >= 0``).

    Its four sides and its far end move out by ``margin`` (a picture's half
    side: a picture whose point lies just outside still shows its edge); its
    near end stands ``margin`` in front of the eye.
    """
    forward, right, up = view.forward, view.right, view.up
    across, upward = view.tan_half_fov * view.aspect, view.tan_half_fov
    normals = np.array([across * forward - right, across * forward + right, upward * forward - up,
                        upward * forward + up, forward, -forward])  # fmt: skip
    offsets = -normals @ view.position + np.array([margin, margin, margin, margin, -margin, depth + margin])
    return np.column_stack((normals, offsets))


def _pyramid_box(view: View, depth: float) -> tuple[np.ndarray, np.ndarray]:
    """The corners of the box around the view's pyramid up to ``depth``: its eye and its four far corners."""
    across, upward = view.tan_half_fov * view.aspect * depth, view.tan_half_fov * depth
    far = view.position + view.forward * depth
    corners = [view.position] + [far + sx * across * view.right + sy * upward * view.up
                                 for sx in (-1, 1) for sy in (-1, 1)]  # fmt: skip
    box = np.array(corners, dtype=np.float64)
    return box.min(axis=0), box.max(axis=0)


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

    def release(self, cells: np.ndarray) -> None:
        """Free these cells: their rows hold none any more."""
        rows = self.owner[cells]
        self.cell_of_row[rows[rows >= 0]] = -1
        self.owner[cells], self.last_used[cells] = -1, -1

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
