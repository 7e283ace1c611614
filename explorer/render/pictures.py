"""Near points of an image dataset as camera-facing pictures, from pooled atlas pages (VTK adapter).

The thumbnails (the ``.thumbs.npy`` sidecar, read from its file) are copied into
the cells of a fixed number of atlas pages as pictures come near, and the
cells are reused least recently used first (:class:`PictureCells`). Each page
is one small texture and one mesh of one quad per cell, made at its first use.
A quad's corners all hold its cell's point, which never moves: the vertex
shader turns them to face the camera (``shaders.PICTURE_CORNERS``), so a frame
uploads only the corners of new pictures, the list of cells drawn, and the
pages a new picture was copied into. Pages are small, so a new picture costs
the upload of its page, not of the whole atlas. The pages are drawn before
the points, whose fragments behind a picture software GL then rejects by depth.

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
MAX_PAGES = 32  # 2048 pictures at once at most ...
ATLAS_BYTES = 64 << 20  # ... and no more pixels than this (big thumbnails get fewer pages)
NEW_PER_FRAME = 48  # pictures brought into the atlas per frame at most; the rest wait a frame as dots
MINIFIED_AT_MOST = 2.0  # a picture smaller on screen than its thumbnail over this stays a dot
_CORNERS = np.array([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])  # right, up: counter-clockwise


class PictureLayer:
    """Up to ``pages * 64`` pictures a frame (as many pages as ``ATLAS_BYTES`` holds), facing the camera."""

    def __init__(self, renderer: vtkRenderer, thumbs: np.ndarray, *, pages: int | None = None) -> None:
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
        # Each cell's four corners all hold its point; the vertex shader moves them out to face the camera.
        # The last two vertices of a page, in no cell, hold its quads' box: VTK culls the page by it.
        self.xyz = np.zeros((pages, per_page * 4 + 2, 3), dtype=np.float32)
        self.shown = np.zeros((pages, per_page), dtype=np.float32)  # 1 where a cell's picture is drawn this frame
        self.drawn = 0
        self.min_px = self.cell_px / MINIFIED_AT_MOST  # pictures smaller on screen would shimmer: they stay dots
        self._dirty = np.zeros(pages, dtype=bool)  # pixels to upload
        self._moved = np.zeros(pages, dtype=bool)  # corners to upload
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
        # Each cell's quad samples its own square of the page, for good. The square is inset by half a
        # texel, so that filtering at a picture's edge never reads its neighbour's.
        row, col = np.divmod(np.arange(per_page), PAGE_CELLS)
        inset = 0.5 / self.cell_px
        across = inset + (1 - 2 * inset) * (_CORNERS + 1) / 2  # [4, 2]: 0..1 within the cell
        u = (col[:, None] + across[:, 0]) / PAGE_CELLS
        v = 1.0 - (row[:, None] + 1 - across[:, 1]) / PAGE_CELLS  # VTK's images start at the bottom
        uv = np.zeros((per_page * 4 + 2, 2), dtype=np.float32)
        uv[: per_page * 4] = np.stack((u, v), axis=2).reshape(-1, 2)
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
        mapper.SetVBOShiftScaleMethod(shaders.DISABLE_SHIFT_SCALE)  # the shader reads the points as they are
        actor = vtkActor()
        actor.SetMapper(mapper)
        actor.SetTexture(texture)
        actor.GetProperty().LightingOff()
        program = actor.GetShaderProperty()
        program.AddVertexShaderReplacement("//VTK::PositionVC::Impl", True, shaders.PICTURE_CORNERS, False)
        uniforms = program.GetVertexCustomUniforms()  # declared by VTK once set: set before the first draw
        uniforms.SetUniform1fv("pictureShown", per_page, [0.0] * per_page)
        for name in ("pictureEye", "pictureRight", "pictureUp"):
            uniforms.SetUniform3f(name, [0.0, 0.0, 0.0])
        uniforms.SetUniformf("pictureHalf", 0.0)
        actor.SetVisibility(False)
        _add_drawn_first(self.renderer, actor)
        return _Page(pixels, points.GetData(), image, actor, uniforms)

    def update(
        self, pictures: Pictures, anchors: np.ndarray, right: np.ndarray, up: np.ndarray, eye: np.ndarray, size: float
    ) -> int:
        """Draw these pictures (nearest first) at ``anchors``, ``size`` world units wide; returns how many.

        Each picture stands half its size in front of its point, toward the eye (so it hides its own
        dot rather than fighting it for the same depth, and still covers it on screen).

        A frame writes only the corners of cells given a new picture (each holds its point, which never
        moves) and each page's list of cells drawn: the camera's side and up vectors go to the shader,
        which turns the corners to face it. Rewriting every quad each frame made VTK rebuild every
        page's buffers, which cost more than drawing the pictures.
        """
        self.cells.next_frame()
        rows = pictures.rows
        if len(self.broken):
            keep = ~np.isin(rows, self.broken)
            rows, anchors = rows[keep], anchors[keep]
        cells, fresh = self.cells.cells_of(rows, new_at_most=NEW_PER_FRAME)
        if len(fresh):
            if self._copy(cells[fresh], rows[fresh]):
                self._place(cells[fresh], anchors[fresh], size)
            else:  # their cells were given back
                cells = self.cells.cell_of_row[rows].astype(np.int64)
        per_page = PAGE_CELLS * PAGE_CELLS
        shown = cells[cells >= 0]
        self.shown[:] = 0.0
        self.shown.reshape(-1)[shown] = 1.0
        self.drawn, self.waiting = len(shown), len(rows) - len(shown)
        used = np.zeros(len(self.pages), dtype=bool)
        used[shown // per_page] = True
        camera = {name: [float(v) for v in vector] for name, vector in
                  (("pictureEye", eye), ("pictureRight", right), ("pictureUp", up))}  # fmt: skip
        half = float(size) / 2
        for page in range(len(self.pages)):
            made = self._page(page) if used[page] else self.pages[page]
            if made is None:
                continue
            made.actor.SetVisibility(bool(used[page]))
            if used[page]:
                made.uniforms.SetUniform1fv("pictureShown", per_page, self.shown[page])
                for name, vector in camera.items():
                    made.uniforms.SetUniform3f(name, vector)
                made.uniforms.SetUniformf("pictureHalf", half)
            if self._moved[page]:
                made.points.Modified()
                self._moved[page] = False
            if self._dirty[page]:
                self._upload(page, made)
        return self.drawn

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

    def _place(self, cells: np.ndarray, anchors: np.ndarray, size: float) -> None:
        """Put each cell's four corners at its point, and refit the box of each page they are on."""
        per_page = PAGE_CELLS * PAGE_CELLS
        page, slot = np.divmod(cells, per_page)
        self.xyz[page[:, None], slot[:, None] * 4 + np.arange(4)] = anchors[:, None, :]
        for changed in np.unique(page).tolist():
            corners = self.xyz[changed, : per_page * 4]
            self.xyz[changed, -2:] = corners.min(axis=0) - size, corners.max(axis=0) + size
            self._moved[changed] = True

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
    """One atlas page's VTK objects: the texture's pixels and image, the quads' points, the actor, its uniforms."""

    pixels: Any
    points: Any
    image: vtkImageData
    actor: vtkActor
    uniforms: Any  # the vertex shader's: which cells are drawn, and the camera's eye, side and up
