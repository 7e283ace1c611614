"""World-space labels from one mesh and one pooled glyph texture (VTK adapter).

The original demo made a texture per word and leaked until the machine fell
over. Here every glyph is rasterised once, on demand, into a cell of one fixed
atlas image; when the atlas is full, the least recently used glyphs give up
their cells. The label mesh has a fixed number of quads, allocated once, and
each frame only rewrites its arrays in place. Memory cannot grow with churn.
"""

from __future__ import annotations

import numpy as np
import vtkmodules.vtkRenderingOpenGL2  # noqa: F401 - registers the OpenGL classes behind vtkActor & co.
from vtkmodules.util.numpy_support import numpy_to_vtk, numpy_to_vtkIdTypeArray, vtk_to_numpy
from vtkmodules.vtkCommonCore import vtkPoints
from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkImageData, vtkPolyData
from vtkmodules.vtkRenderingCore import vtkActor, vtkPolyDataMapper, vtkTexture

from explorer.render import shaders
from explorer.render.glyphs import HALO_PX, GlyphRasteriser

BASELINE = 0.25  # label baseline above its point, in text heights
MIN_BRIGHTNESS = 0.4  # the farthest labels fade to this, never to invisible
_CORNER_X = np.array([0.0, 1.0, 1.0, 0.0])  # quad corners: right of the glyph's left edge?
_CORNER_Y = np.array([False, False, True, True])  # ... and at its top?


class GlyphAtlas:
    """A fixed square RGBA image of ``cells × cells`` glyph cells, reused LRU."""

    def __init__(self, rasteriser: GlyphRasteriser, cells: int = 32) -> None:
        self.raster = rasteriser
        self.cell_px = rasteriser.cell_px
        self.cells = cells
        side = cells * self.cell_px
        self.image = np.zeros((side, side, 4), dtype=np.uint8)
        self.advance = np.zeros(cells * cells, dtype=np.float32)  # in text heights
        self.ink_width = np.zeros(cells * cells, dtype=np.float32)  # fraction of the cell holding the glyph
        self.last_used = np.full(cells * cells, -1, dtype=np.int64)
        self.slot: dict[str, int] = {}
        self.owner: list[str | None] = [None] * (cells * cells)
        self.generation = 0  # bumps when a cell changes owner: layouts must be rebuilt
        self.dirty = False
        self.frame = 0

    @property
    def capacity(self) -> int:
        return self.cells * self.cells

    def cell_of(self, glyph: str) -> int | None:
        """The glyph's cell, rasterising it if needed; None if every cell is in use this frame."""
        cell = self.slot.get(glyph)
        if cell is None:
            cell = self._allocate(glyph)
            if cell is None:
                return None
        self.last_used[cell] = self.frame
        return cell

    def _allocate(self, glyph: str) -> int | None:
        free = np.flatnonzero(self.last_used < 0)
        if len(free):
            cell = int(free[0])
        else:
            cell = int(np.argmin(self.last_used))  # least recently used
            if self.last_used[cell] >= self.frame:
                return None  # never take a glyph already on screen this frame
            old = self.owner[cell]
            if old is not None:
                del self.slot[old]
            self.generation += 1
        rgba, advance = self.raster.rasterise(glyph)
        cy, cx = divmod(cell, self.cells)
        p = self.cell_px
        self.image[cy * p : (cy + 1) * p, cx * p : (cx + 1) * p] = rgba
        self.advance[cell] = advance
        self.ink_width[cell] = min(1.0, (advance * self.raster.text_px + 2 * HALO_PX + 1.0) / p)
        self.owner[cell] = glyph
        self.slot[glyph] = cell
        self.dirty = True
        return cell

    def touch(self, cells: np.ndarray) -> None:
        self.last_used[cells] = self.frame


class LabelMesh:
    """Billboarded text for up to ``max_chars`` characters, in one VTK actor."""

    def __init__(self, atlas: GlyphAtlas, max_chars: int = 4096, max_label_chars: int = 32) -> None:
        self.atlas = atlas
        self.max_chars = max_chars
        self.max_label_chars = max_label_chars
        self._label_cells: dict[str, np.ndarray] = {}
        self._cells_generation = atlas.generation
        raster = atlas.raster
        # Corner heights above the point, in text heights: the same for every glyph.
        self._ys = np.where(_CORNER_Y, BASELINE + raster.ascent, BASELINE - raster.descent)
        n = max_chars * 4
        self.xyz = np.zeros((n, 3), dtype=np.float32)
        self.uv = np.zeros((n, 2), dtype=np.float32)
        self.rgba = np.zeros((n, 4), dtype=np.uint8)
        self.rgba[:, 3] = 255  # opaque: the texture's alpha decides what shows
        self.chars_used = 0
        self.polydata = vtkPolyData()
        points = vtkPoints()
        points.SetData(numpy_to_vtk(self.xyz, deep=False))
        self.polydata.SetPoints(points)
        quad = np.arange(n, dtype=np.int64).reshape(-1, 4)
        triangles = np.concatenate([quad[:, [0, 1, 2]], quad[:, [0, 2, 3]]], axis=1).reshape(-1, 3)
        cells = vtkCellArray()
        offsets = np.arange(0, triangles.size + 1, 3, dtype=np.int64)
        cells.SetData(
            numpy_to_vtkIdTypeArray(offsets, deep=True), numpy_to_vtkIdTypeArray(triangles.ravel(), deep=True)
        )
        self.polydata.SetPolys(cells)
        self._uv_vtk = numpy_to_vtk(self.uv, deep=False)
        self.polydata.GetPointData().SetTCoords(self._uv_vtk)
        self._rgba_vtk = numpy_to_vtk(self.rgba, deep=False)
        self._rgba_vtk.SetName("rgba")
        self.polydata.GetPointData().SetScalars(self._rgba_vtk)
        self._vtk_arrays = (points.GetData(), self._uv_vtk, self._rgba_vtk)

        self.image_data = vtkImageData()
        side = atlas.image.shape[0]
        self.image_data.SetDimensions(side, side, 1)
        # VTK images start at the bottom row: it holds a flipped copy of the atlas.
        self._pixels = numpy_to_vtk(np.ascontiguousarray(atlas.image[::-1]).reshape(-1, 4), deep=True)
        self.image_data.GetPointData().SetScalars(self._pixels)
        self.texture = vtkTexture()
        self.texture.SetInputData(self.image_data)
        # Bilinear, no mipmaps: glyphs are rasterised near the largest size labels
        # are drawn at, and on software GL trilinear filtering doubles the labels' cost.
        self.texture.InterpolateOn()
        self.texture.MipmapOff()
        self.texture.SetColorModeToDirectScalars()

        mapper = vtkPolyDataMapper()
        mapper.SetInputData(self.polydata)
        mapper.SetColorModeToDirectScalars()
        mapper.SetScalarModeToUsePointData()
        mapper.ScalarVisibilityOn()
        self.actor = vtkActor()
        self.actor.SetMapper(mapper)
        self.actor.SetTexture(self.texture)
        self.actor.GetProperty().LightingOff()
        self.actor.ForceOpaqueOn()  # alpha-tested, so no depth sorting is needed
        self.actor.GetShaderProperty().AddFragmentShaderReplacement(
            "//VTK::TCoord::Impl", True, shaders.ALPHA_TEST, False
        )

    # ------------------------------------------------------------------ glyph cells

    def _cells(self, text: str, pinned: list[np.ndarray]) -> np.ndarray | None:
        """Atlas cells of a label's glyphs (cached); None if the atlas cannot hold them this frame.

        ``pinned`` holds the cells of labels already placed this frame: they are
        marked in use before any glyph is allocated, so allocation never evicts them.
        """
        if self._cells_generation != self.atlas.generation:
            self._label_cells.clear()  # some cell changed owner: cached cells may point at it
            self._cells_generation = self.atlas.generation
        cells = self._label_cells.get(text)
        if cells is not None:
            return cells
        glyphs = text[: self.max_label_chars]
        slot = self.atlas.slot
        found = [slot.get(g) for g in glyphs]
        if None in found:
            in_use = [np.array([c for c in found if c is not None], dtype=np.int64), *pinned]
            self.atlas.touch(np.concatenate(in_use))
            for i, g in enumerate(glyphs):
                if found[i] is None:
                    found[i] = self.atlas.cell_of(g)
                    if found[i] is None:
                        return None
        cells = np.array(found, dtype=np.int64)
        if self._cells_generation == self.atlas.generation:
            if len(self._label_cells) > 4 * self.atlas.capacity:
                self._label_cells.clear()  # bounded: labels seen long ago are looked up again
            self._label_cells[text] = cells
        return cells

    # ------------------------------------------------------------------ per frame

    def update(
        self,
        texts: list[str],
        anchors: np.ndarray,
        fade: np.ndarray,
        right: np.ndarray,
        up: np.ndarray,
        heights: np.ndarray,
    ) -> int:
        """Rewrite the quads for these labels (nearest first); returns characters drawn.

        ``heights`` is each label's text height in world units; quads face the
        camera along ``right`` and ``up``.
        """
        self.atlas.frame += 1
        cells_list: list[np.ndarray] = []
        labels_used, counts = [], []
        total = 0
        for i, text in enumerate(texts):
            cells = self._cells(text, cells_list)
            if cells is None:
                continue  # the atlas is full of glyphs on screen: this label waits a frame
            if total + len(cells) > self.max_chars:
                break
            cells_list.append(cells)
            labels_used.append(i)
            counts.append(len(cells))
            total += len(cells)
        previous, self.chars_used = self.chars_used, total
        if total:
            cells = np.concatenate(cells_list)
            self.atlas.touch(cells)
            owner = np.repeat(np.array(labels_used, dtype=np.int64), counts)
            self._fill(cells, self._centred_lefts(cells, np.array(counts)), owner, anchors, fade, right, up, heights)
        if previous > total:
            self.xyz[total * 4 : previous * 4] = 0.0  # quads no longer used collapse to nothing
        for array in self._vtk_arrays:
            array.Modified()
        self.polydata.Modified()
        if self.atlas.dirty:
            self._pixels_changed()
        return total

    def _centred_lefts(self, cells: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """Left edge of every glyph, in text heights, each label centred on its point."""
        advance = self.atlas.advance[cells].astype(np.float64)
        running = np.cumsum(advance) - advance  # advance of everything before each glyph
        first = np.concatenate(([0], np.cumsum(counts)[:-1]))
        label_start = np.repeat(running[first], counts)
        width = np.repeat(np.add.reduceat(advance, first), counts)
        return running - label_start - width / 2

    def _fill(
        self,
        cells: np.ndarray,
        lefts: np.ndarray,
        owner: np.ndarray,
        anchors: np.ndarray,
        fade: np.ndarray,
        right: np.ndarray,
        up: np.ndarray,
        heights: np.ndarray,
    ) -> None:
        """Write corners, texture coordinates and shade of ``len(cells)`` quads in place."""
        n = len(cells)
        raster = self.atlas.raster
        ink = self.atlas.ink_width[cells]
        h = np.asarray(heights, dtype=np.float64)[owner][:, None]
        # Corner offsets in text heights, counter-clockwise from bottom left.
        xs = lefts[:, None] + (ink * (raster.cell_px / raster.text_px))[:, None] * _CORNER_X
        quads = self.xyz[: n * 4].reshape(n, 4, 3)
        np.add(anchors[owner][:, None, :], (xs * h)[:, :, None] * right, out=quads, casting="unsafe")
        quads += (self._ys * h)[:, :, None] * up
        cy, cx = np.divmod(cells, self.atlas.cells)
        k = 1.0 / self.atlas.cells
        uv = self.uv[: n * 4].reshape(n, 4, 2)
        uv[:, :, 0] = (cx[:, None] + ink[:, None] * _CORNER_X) * k
        top = raster.top_px / raster.cell_px  # atlas row 0 is the top of the texture
        uv[:, :, 1] = 1.0 - (cy[:, None] + np.where(_CORNER_Y, top, 1.0)) * k
        shade = (MIN_BRIGHTNESS + (1 - MIN_BRIGHTNESS) * np.clip(fade, 0, 1)) * 255.0
        self.rgba[: n * 4, :3] = np.repeat(shade.astype(np.uint8)[owner], 4)[:, None]

    def _pixels_changed(self) -> None:
        side = self.atlas.image.shape[0]
        np.copyto(vtk_to_numpy(self._pixels).reshape(side, side, 4), self.atlas.image[::-1])
        self._pixels.Modified()
        self.image_data.Modified()
        self.atlas.dirty = False

    def hide(self) -> None:
        self.update([], np.zeros((0, 3)), np.zeros(0), np.zeros(3), np.zeros(3), np.zeros(0))
