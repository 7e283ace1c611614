"""Near points of an image dataset as camera-facing pictures, from pooled atlas pages (VTK adapter).

The thumbnails (the ``.thumbs.npy`` sidecar, read from its file) are copied into
the cells of a fixed number of atlas pages as pictures come near, and the
cells are reused least recently used first (:class:`PictureCells`). Each page
is one small texture and one mesh of quads, made at its first use. The quads
are draw slots that the vertex shader fills (``shaders.PICTURE_CORNERS``):
each frame, a page's list of pictures to draw (each one's point and cell,
nearest first) goes to it as a uniform, and it turns each quad to face the
camera and reads its cell's part of the texture. A frame uploads no vertex
buffer, only those lists and the pages a new picture was copied into; pages
are small, so a new picture costs the upload of its page, not of the whole
atlas.

Software GL tests depth before it shades, so the pictures are drawn nearest
first: nearest first within each page, and the pages in the order of their
nearest picture, all before the points. A picture hidden behind a nearer one
then costs its depth test, not its texture reads, and so does a dot behind a
picture. (Flying through a dense cloud, the pictures drawn cover about 1.4
screens for the one screen seen.)

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

from explorer.core.pictures import PictureCells, Pictures
from explorer.core.rows import RowFile
from explorer.render import shaders

log = logging.getLogger(__name__)

PAGE_CELLS = 8  # cells along a page's side: 64 pictures a page
PAGE_SLOTS = PAGE_CELLS * PAGE_CELLS  # ... and 64 draw slots, sent to the shader as 16 matrices of 4 slots each
MAX_PAGES = 32  # 2048 pictures at once at most ...
ATLAS_BYTES = 64 << 20  # ... and no more pixels than this (big thumbnails get fewer pages)
NEW_PER_FRAME = 48  # pictures brought into the atlas per frame at most; the rest wait a frame as dots
MINIFIED_AT_MOST = 2.0  # a picture smaller on screen than its thumbnail over this stays a dot
NO_CELL = -1.0  # a draw slot with no picture this frame


class PictureLayer:
    """Up to ``pages * 64`` pictures a frame (as many pages as ``ATLAS_BYTES`` holds), facing the camera."""

    def __init__(
        self,
        renderer: vtkRenderer,
        thumbs: np.ndarray,
        *,
        box: tuple[np.ndarray, np.ndarray] = (np.full(3, -1.0), np.full(3, 1.0)),
        pages: int | None = None,
    ) -> None:
        """``box``: corners of a box that holds every picture (the cloud's, grown by a picture's side)."""
        self.renderer = renderer
        self.thumbs = RowFile(thumbs)  # uint8 [N, S, S, 3], by dataset row: read from the sidecar, not its map
        self.cell_px = int(thumbs.shape[1])
        self._arriving = np.zeros((NEW_PER_FRAME, *thumbs.shape[1:]), dtype=np.uint8)  # a frame's new pictures
        per_page = PAGE_CELLS * PAGE_CELLS
        if pages is None:
            pages = max(1, min(MAX_PAGES, ATLAS_BYTES // (per_page * self.cell_px * self.cell_px * 3)))
        self.cells = PictureCells(pages * per_page, len(thumbs), page_cells=per_page)
        self.broken = np.zeros(0, dtype=np.int64)  # rows whose thumbnail could not be read (sorted): dots for good
        self.waiting = 0  # pictures chosen but not drawn: more than a frame brings in, drawn by the next frames
        side = PAGE_CELLS * self.cell_px
        self.images = np.zeros((pages, side, side, 3), dtype=np.uint8)  # the pages, top row first
        self.anchors = np.zeros((pages, per_page, 3), dtype=np.float32)  # each cell's point
        # Each page's draw slots this frame, nearest first: a picture's point and its cell (NO_CELL: none).
        self.slots = np.full((pages, per_page, 4), NO_CELL, dtype=np.float32)
        self.box = np.asarray(box[0], dtype=np.float32), np.asarray(box[1], dtype=np.float32)
        self.drawn = 0
        self.min_px = self.cell_px / MINIFIED_AT_MOST  # pictures smaller on screen would shimmer: they stay dots
        self._dirty = np.zeros(pages, dtype=bool)  # pixels to upload
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
        # The vertex shader places every quad: the corners only span the box (VTK's culling reads a page's
        # extent from the points its cells use), so that the page is drawn wherever its pictures are.
        low, high = self.box
        xyz = np.repeat(((low + high) / 2)[None, :], per_page * 4, axis=0)
        xyz[:2] = low, high
        points = vtkPoints()
        points.SetData(numpy_to_vtk(xyz, deep=True))
        poly.SetPoints(points)
        quads = np.arange(per_page * 4, dtype=np.int64)
        cells = vtkCellArray()
        cells.SetData(numpy_to_vtkIdTypeArray(np.arange(0, len(quads) + 1, 4, dtype=np.int64), deep=True),
                      numpy_to_vtkIdTypeArray(quads, deep=True))  # fmt: skip
        poly.SetPolys(cells)
        # VTK reads a texture only for a mesh with coordinates; the shader writes its own.
        poly.GetPointData().SetTCoords(numpy_to_vtk(np.zeros((len(xyz), 2), dtype=np.float32), deep=True))
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
        mapper.SetVBOShiftScaleMethod(shaders.DISABLE_SHIFT_SCALE)  # the shader reads the points as they are
        actor = vtkActor()
        actor.SetMapper(mapper)
        actor.SetTexture(texture)
        actor.GetProperty().LightingOff()
        program = actor.GetShaderProperty()
        program.AddVertexShaderReplacement("//VTK::PositionVC::Impl", True, shaders.PICTURE_CORNERS, False)
        uniforms = program.GetVertexCustomUniforms()  # declared by VTK once set: set before the first draw
        uniforms.SetUniformMatrix4x4v("pictureAt", per_page // 4, self.slots[page].ravel().tolist())
        for name in ("pictureEye", "pictureRight", "pictureUp"):
            uniforms.SetUniform3f(name, [0.0, 0.0, 0.0])
        uniforms.SetUniformf("pictureHalf", 0.0)
        uniforms.SetUniformf("pictureColumns", float(PAGE_CELLS))
        uniforms.SetUniformf("pictureInset", 0.5 / self.cell_px)
        actor.SetVisibility(False)
        _add_drawn_first(self.renderer, actor)
        return _Page(pixels, image, actor, uniforms)

    def update(
        self, pictures: Pictures, anchors: np.ndarray, right: np.ndarray, up: np.ndarray, eye: np.ndarray, size: float
    ) -> int:
        """Draw these pictures (nearest first) at ``anchors``, ``size`` world units wide; returns how many.

        Each picture stands half its size in front of its point, toward the eye (so it hides its own
        dot rather than fighting it for the same depth, and still covers it on screen).

        A frame sends each page in use its draw slots (each picture's point and cell, nearest first)
        and the camera's eye, side and up vectors, which the shader turns the quads to face. The
        pages go to the front of the renderer's props in the order of their nearest picture.
        """
        self.cells.next_frame()
        rows = pictures.rows
        if len(self.broken):
            keep = ~np.isin(rows, self.broken)
            rows, anchors = rows[keep], anchors[keep]
        cells, fresh = self.cells.cells_of(rows, new_at_most=NEW_PER_FRAME)
        if len(fresh):
            if self._copy(cells[fresh], rows[fresh]):
                self.anchors.reshape(-1, 3)[cells[fresh]] = anchors[fresh]
            else:  # their cells were given back
                cells = self.cells.cell_of_row[rows].astype(np.int64)
        shown = cells[cells >= 0]  # nearest first
        self.drawn, self.waiting = len(shown), len(rows) - len(shown)
        order = self._fill_slots(shown)
        camera = {name: [float(v) for v in vector] for name, vector in
                  (("pictureEye", eye), ("pictureRight", right), ("pictureUp", up))}  # fmt: skip
        half = float(size) / 2
        used = set(order)
        for page, made in enumerate(self.pages):
            if made is not None and page not in used:
                made.actor.SetVisibility(False)
        for page in order:
            made = self._page(page)
            made.actor.SetVisibility(True)
            made.uniforms.SetUniformMatrix4x4v("pictureAt", PAGE_SLOTS // 4, self.slots[page].ravel().tolist())
            for name, vector in camera.items():
                made.uniforms.SetUniform3f(name, vector)
            made.uniforms.SetUniformf("pictureHalf", half)
            if self._dirty[page]:
                self._upload(page, made)
        self._draw_in_order(order)
        return self.drawn

    def _fill_slots(self, shown: np.ndarray) -> list[int]:
        """Write each page's draw slots from these cells (nearest first); returns the pages used, nearest first."""
        per_page = PAGE_CELLS * PAGE_CELLS
        page, slot = np.divmod(shown, per_page)
        self.slots[..., 3] = NO_CELL
        by_page = np.argsort(page, kind="stable")  # nearest first within each page
        page, slot = page[by_page], slot[by_page]
        rank = np.arange(len(page)) - np.searchsorted(page, page)  # place within its page's run
        self.slots[page, rank, :3] = self.anchors[page, slot]
        self.slots[page, rank, 3] = slot
        pages, first = np.unique(shown // per_page, return_index=True)
        nearest_first: list[int] = pages[np.argsort(first)].tolist()
        return nearest_first

    def _draw_in_order(self, order: list[int]) -> None:
        """Put these pages at the front of the renderer's props, in this order (VTK draws opaque props in order)."""
        props = self.renderer.GetViewProps()
        for page in reversed(order):
            actor = self._page(page).actor
            props.RemoveItem(actor)
            props.InsertItem(-1, actor)  # at the front

    def _copy(self, cells: np.ndarray, rows: np.ndarray) -> bool:
        """Copy these rows' thumbnails into these cells and mark their pages for upload; False if unreadable.

        A sidecar that cannot be read (cut short, or gone) leaves its pictures dots: the error is
        logged once per batch, the cells are given back, and the flight goes on.
        """
        order = np.argsort(rows)  # the sidecar read in order
        try:
            arriving = self.thumbs.read(rows[order], self._arriving[: len(rows)])
        except (OSError, IndexError) as exc:
            log.error("thumbnails of %d pictures could not be read: %s", len(rows), exc)
            self.broken = np.union1d(self.broken, rows)
            self.cells.release(cells)
            return False
        page, slot = np.divmod(cells[order], PAGE_CELLS * PAGE_CELLS)
        r, c = np.divmod(slot, PAGE_CELLS)
        p = self.cell_px
        by_cell = self.images.reshape(len(self.images), PAGE_CELLS, p, PAGE_CELLS, p, 3)  # a view: [page, r, y, c, x]
        by_cell[page, r, :, c, :] = arriving
        self._dirty[page] = True
        return True

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
        self.thumbs.close()


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
    """One atlas page's VTK objects: the texture's pixels and image, the actor, its uniforms."""

    pixels: Any
    image: vtkImageData
    actor: vtkActor
    uniforms: Any  # the vertex shader's: the draw slots, and the camera's eye, side and up
