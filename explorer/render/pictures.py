"""Near points of an image dataset as camera-facing pictures, from pooled atlas pages (VTK adapter).

The thumbnails (the ``.thumbs.npy`` sidecar, read from its file on a thread
of its own: a picture shows a frame or two after it comes near, and a cold
disk never stalls a frame) are copied into the cells of a fixed number of
atlas pages as pictures come near, and the cells are reused least recently
used first (:class:`PictureCells`). The pages are drawn before the points,
whose fragments behind a picture software GL then rejects by depth. Each page
is one small texture and one mesh of one quad per cell, made at its first use: a frame
only moves the quads of the cells in use and collapses the others, and
uploads the pages a new picture was copied into. Pages are small, so a new
picture costs the upload of its page, not of the whole atlas.

A picture is drawn only while it is at least half its thumbnail's size on
screen (``min_px``): minified at most twofold, bilinear filtering keeps it
from shimmering as it moves, and farther it is a dot. That costs far less than
mipmaps, which software GL regenerates at every page upload and samples
trilinearly (measured with 3,000 pictures at 100k points, llvmpipe: CPU per
frame 140 ms with mipmaps, 63 without, 47 for dots alone).

The thumbnails are squares with the picture fitted inside on black: on the
night-sky background, each picture keeps its own aspect ratio.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
from vtkmodules.util.numpy_support import numpy_to_vtk, numpy_to_vtkIdTypeArray, vtk_to_numpy
from vtkmodules.vtkCommonCore import vtkPoints
from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkImageData, vtkPolyData
from vtkmodules.vtkRenderingCore import vtkActor, vtkPolyDataMapper, vtkRenderer, vtkTexture

from explorer.core.pictures import PictureCells, Pictures, picture_centres
from explorer.core.rows import RowFile, RowReader

log = logging.getLogger(__name__)

PAGE_CELLS = 8  # cells along a page's side: 64 pictures a page
MAX_PAGES = 32  # 2048 pictures at once at most ...
ATLAS_BYTES = 64 << 20  # ... and no more pixels than this (big thumbnails get fewer pages)
NEW_PER_FRAME = 48  # pictures brought into the atlas per frame at most; the rest wait a frame as dots
MINIFIED_AT_MOST = 2.0  # a picture smaller on screen than its thumbnail over this stays a dot
_CORNERS = np.array([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])  # right, up: counter-clockwise


class PictureLayer:
    """Up to ``pages * 64`` pictures a frame (as many pages as ``ATLAS_BYTES`` holds), facing the camera."""

    def __init__(self, renderer: vtkRenderer, thumbs: np.ndarray, *, pages: int | None = None) -> None:
        self.renderer = renderer
        # uint8 [N, S, S, 3], by dataset row: read from the sidecar (not its map), on a thread of its own
        self.reader = RowReader(RowFile(thumbs), NEW_PER_FRAME)
        self.cell_px = int(thumbs.shape[1])
        per_page = PAGE_CELLS * PAGE_CELLS
        if pages is None:
            pages = max(1, min(MAX_PAGES, ATLAS_BYTES // (per_page * self.cell_px * self.cell_px * 3)))
        self.cells = PictureCells(pages * per_page, len(thumbs), page_cells=per_page)
        self.ready = np.zeros(pages * per_page, dtype=bool)  # the cell holds its row's pixels (read, copied)
        self.broken = np.zeros(0, dtype=np.int64)  # rows whose thumbnail could not be read (sorted): dots for good
        self.waiting = 0  # pictures chosen last frame but not drawn yet: their thumbnails are on the way
        side = PAGE_CELLS * self.cell_px
        self.images = np.zeros((pages, side, side, 3), dtype=np.uint8)  # the pages, top row first
        self.xyz = np.zeros((pages, per_page * 4, 3), dtype=np.float32)
        self.drawn = 0
        self.min_px = self.cell_px / MINIFIED_AT_MOST  # pictures smaller on screen would shimmer: they stay dots
        self._dirty = np.zeros(pages, dtype=bool)
        # Each page's VTK objects, made the first time the page is used: a world switch does not stall on
        # making all 32 (about 20 ms on the UI thread), and most flights never fill them all.
        self.pages: list[_Page | None] = [None] * pages

    def _page(self, page: int) -> _Page:
        """The page's VTK objects, made now if this is its first use."""
        made = self.pages[page]
        if made is None:
            made = self.pages[page] = self._make_page(page)
        return made

    def _make_page(self, page: int) -> _Page:
        side = self.images.shape[1]
        per_page = PAGE_CELLS * PAGE_CELLS
        poly = vtkPolyData()
        points = vtkPoints()
        points.SetData(numpy_to_vtk(self.xyz[page], deep=False))
        poly.SetPoints(points)
        quads = np.arange(per_page * 4, dtype=np.int64)
        cells = vtkCellArray()
        cells.SetData(numpy_to_vtkIdTypeArray(np.arange(0, len(quads) + 1, 4, dtype=np.int64), deep=True),
                      numpy_to_vtkIdTypeArray(quads, deep=True))  # fmt: skip
        poly.SetPolys(cells)
        # Each cell's quad samples its own square of the page, for good: only the corners move. The square
        # is inset by half a texel, so that filtering at a picture's edge never reads its neighbour's.
        row, col = np.divmod(np.arange(per_page), PAGE_CELLS)
        inset = 0.5 / self.cell_px
        across = inset + (1 - 2 * inset) * (_CORNERS + 1) / 2  # [4, 2]: 0..1 within the cell
        u = (col[:, None] + across[:, 0]) / PAGE_CELLS
        v = 1.0 - (row[:, None] + 1 - across[:, 1]) / PAGE_CELLS  # VTK's images start at the bottom
        uv = np.stack((u, v), axis=2).reshape(-1, 2).astype(np.float32)
        poly.GetPointData().SetTCoords(numpy_to_vtk(uv, deep=True))
        image = vtkImageData()
        image.SetDimensions(side, side, 1)
        pixels = numpy_to_vtk(np.zeros((side * side, 3), dtype=np.uint8), deep=True)
        image.GetPointData().SetScalars(pixels)
        texture = vtkTexture()
        texture.SetInputData(image)
        texture.InterpolateOn()
        texture.SetColorModeToDirectScalars()
        mapper = vtkPolyDataMapper()
        mapper.SetInputData(poly)
        mapper.ScalarVisibilityOff()
        actor = vtkActor()
        actor.SetMapper(mapper)
        actor.SetTexture(texture)
        actor.GetProperty().LightingOff()
        actor.SetVisibility(False)
        _add_drawn_first(self.renderer, actor)
        return _Page(pixels, points.GetData(), image, poly, actor)

    def update(
        self, pictures: Pictures, anchors: np.ndarray, right: np.ndarray, up: np.ndarray, eye: np.ndarray, size: float
    ) -> int:
        """Draw these pictures (nearest first) at ``anchors``, ``size`` world units wide; returns how many.

        Each picture stands half its size in front of its point, toward the eye (so it hides its own
        dot rather than fighting it for the same depth, and still covers it on screen).
        """
        self.cells.next_frame()
        self._take_arrived()
        rows = pictures.rows
        if len(self.broken):
            keep = ~np.isin(rows, self.broken)
            rows, anchors = rows[keep], anchors[keep]
        cells, fresh = self.cells.cells_of(rows, new_at_most=NEW_PER_FRAME if self.reader.idle else 0)
        if len(fresh):
            self.ready[cells[fresh]] = False
            self.reader.request(rows[fresh])
            self._take_arrived()  # at once when the thumbnails are in memory, not in a file
        per_page = PAGE_CELLS * PAGE_CELLS
        shown = cells >= 0
        shown[shown] = self.ready[cells[shown]]
        self.waiting = len(rows) - int(shown.sum())
        self.xyz[:] = 0.0  # quads of cells not drawn this frame collapse to nothing
        if shown.any():
            half = size / 2
            corners = (_CORNERS[:, 0, None] * right + _CORNERS[:, 1, None] * up) * half  # [4, 3]
            quads = picture_centres(anchors[shown], eye, size)[:, None, :] + corners[None, :, :]
            flat = self.xyz.reshape(-1, 3)  # pages one after another: a cell's quad is at 4 * cell
            at = cells[shown][:, None] * 4 + np.arange(4)
            flat[at.ravel()] = quads.reshape(-1, 3)
        used = np.zeros(len(self.pages), dtype=bool)
        used[(cells[shown] // per_page)] = True
        for page in range(len(self.pages)):
            made = self._page(page) if used[page] else self.pages[page]
            if made is None:
                continue
            made.actor.SetVisibility(bool(used[page]))
            if used[page]:
                made.points.Modified()  # the mesh's time follows its points': the mapper rebuilds the quads alone
            if self._dirty[page]:
                self._upload(page, made)
        self.drawn = int(shown.sum())
        return self.drawn

    def _take_arrived(self) -> None:
        """Copy the thumbnails the reader has brought into the cells that wait for them; mark their pages dirty."""
        arrived = self.reader.collect()
        if arrived is None:
            return
        rows, pixels, error = arrived
        cells = self.cells.cell_of_row[rows].astype(np.int64)
        if error is not None:  # the sidecar is damaged: these pictures stay dots, and the flight goes on
            log.error("thumbnails of rows %d..%d could not be read: %s", rows[0], rows[-1], error)
            self.broken = np.union1d(self.broken, rows)
            self.cells.release(cells[cells >= 0])
            return
        held = cells >= 0  # (no cell is handed out while a batch is read: each row still holds the one it was given)
        page, slot = np.divmod(cells[held], PAGE_CELLS * PAGE_CELLS)
        r, c = np.divmod(slot, PAGE_CELLS)
        p = self.cell_px
        by_cell = self.images.reshape(len(self.images), PAGE_CELLS, p, PAGE_CELLS, p, 3)  # a view: [page, r, y, c, x]
        by_cell[page, r, :, c, :] = pixels[held]
        self.ready[cells[held]] = True
        self._dirty[page] = True

    def _upload(self, page: int, made: _Page) -> None:
        side = self.images.shape[1]
        np.copyto(vtk_to_numpy(made.pixels).reshape(side, side, 3), self.images[page, ::-1])
        made.pixels.Modified()
        made.image.Modified()
        self._dirty[page] = False

    def hide(self) -> None:
        for made in self.pages:
            if made is not None:
                made.actor.SetVisibility(False)
        self.drawn = self.waiting = 0

    def remove(self) -> None:
        for made in self.pages:
            if made is not None:
                self.renderer.RemoveActor(made.actor)
        self.pages = []
        self.reader.close()


def _add_drawn_first(renderer: vtkRenderer, actor: vtkActor) -> None:
    """Add ``actor`` ahead of the renderer's other props: VTK draws opaque props in the order they were added.

    Pictures drawn before the points hide the points behind them by depth
    before those are shaded (software GL tests depth early), and a page's
    texture upload comes before anything of the frame is drawn, not in the
    middle of it.
    """
    props = renderer.GetViewProps()
    if props.GetNumberOfItems() == 0:
        renderer.AddActor(actor)
        return
    props.InsertItem(-1, actor)  # what AddActor does, at the front of the list
    actor.AddConsumer(renderer)


@dataclass(frozen=True)
class _Page:
    """One atlas page's VTK objects: the texture's pixels and image, the quads' points and mesh, the actor."""

    pixels: Any
    points: Any
    image: vtkImageData
    poly: vtkPolyData
    actor: vtkActor
