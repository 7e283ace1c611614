"""World-space labels from one mesh and one pooled glyph texture (VTK adapter).

The original demo made a texture per word and leaked until the machine fell
over. Here every glyph is rasterised once, on demand, into a cell of one fixed
atlas image; when the atlas is full, the least recently used glyphs give up
their cells. The label mesh has a fixed number of quads, allocated once, and
each frame only rewrites its arrays in place. Memory cannot grow with churn.
"""

from __future__ import annotations

import numpy as np
from vtkmodules.util.numpy_support import numpy_to_vtk, numpy_to_vtkIdTypeArray, vtk_to_numpy
from vtkmodules.vtkCommonCore import vtkPoints
from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkImageData, vtkPolyData
from vtkmodules.vtkRenderingCore import vtkActor, vtkPolyDataMapper, vtkTexture

from explorer.glyphs import GlyphRasteriser

BASELINE = 0.25  # label baseline above its point, in text heights
MIN_BRIGHTNESS = 0.4  # the farthest labels fade to this, never to invisible


class GlyphAtlas:
    """A fixed square RGBA image of ``cells × cells`` glyph cells, reused LRU."""

    def __init__(self, rasteriser: GlyphRasteriser, cells: int = 32) -> None:
        self.raster = rasteriser
        self.cell_px = rasteriser.cell_px
        self.cells = cells
        side = cells * self.cell_px
        self.image = np.zeros((side, side, 4), dtype=np.uint8)
        self.advance = np.zeros(cells * cells, dtype=np.float32)  # in text heights
        self.last_used = np.full(cells * cells, -1, dtype=np.int64)
        self.slot: dict[str, int] = {}
        self.owner: list[str | None] = [None] * (cells * cells)
        self.generation = 0  # bumps when a cell changes owner: layouts must be rebuilt
        self.dirty = False
        self.frame = 0

    @property
    def capacity(self) -> int:
        return self.cells * self.cells

    def cell_of(self, glyph: str) -> int:
        cell = self.slot.get(glyph)
        if cell is None:
            cell = self._allocate(glyph)
        return cell

    def _allocate(self, glyph: str) -> int:
        free = np.flatnonzero(self.last_used < 0)
        if len(free):
            cell = int(free[0])
        else:
            cell = int(np.argmin(self.last_used))  # least recently used
            old = self.owner[cell]
            if old is not None:
                del self.slot[old]
            self.generation += 1
        rgba, advance = self.raster.rasterise(glyph)
        cy, cx = divmod(cell, self.cells)
        p = self.cell_px
        self.image[cy * p : (cy + 1) * p, cx * p : (cx + 1) * p] = rgba
        self.advance[cell] = advance
        self.owner[cell] = glyph
        self.slot[glyph] = cell
        self.last_used[cell] = self.frame
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
        self._layouts: dict[str, tuple[np.ndarray, np.ndarray, float]] = {}
        self._layout_generation = atlas.generation
        n = max_chars * 4
        self.xyz = np.zeros((n, 3), dtype=np.float32)
        self.uv = np.zeros((n, 2), dtype=np.float32)
        self.rgba = np.zeros((n, 4), dtype=np.uint8)
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

        self.image_data = vtkImageData()
        side = atlas.image.shape[0]
        self.image_data.SetDimensions(side, side, 1)
        # VTK images start at the bottom row: it holds a flipped copy of the atlas.
        self._pixels = numpy_to_vtk(np.ascontiguousarray(atlas.image[::-1]).reshape(-1, 4), deep=True)
        self.image_data.GetPointData().SetScalars(self._pixels)
        self.texture = vtkTexture()
        self.texture.SetInputData(self.image_data)
        self.texture.InterpolateOn()
        self.texture.MipmapOn()
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
            "//VTK::TCoord::Impl", True, "//VTK::TCoord::Impl\n  if (gl_FragData[0].a < 0.4) { discard; }\n", False
        )

    # ------------------------------------------------------------------ layout

    def _layout(self, text: str) -> tuple[np.ndarray, np.ndarray, float]:
        """Atlas cells and left edges (in text heights) of a label's glyphs, and its width."""
        if self._layout_generation != self.atlas.generation:
            self._layouts.clear()
            self._layout_generation = self.atlas.generation
        found = self._layouts.get(text)
        if found is not None:
            return found
        glyphs = list(text[: self.max_label_chars])
        cells = np.array([self.atlas.cell_of(g) for g in glyphs], dtype=np.int64)
        if self._layout_generation != self.atlas.generation:
            # Allocating evicted a cell this label may already hold: lay it out again.
            self._layouts.clear()
            self._layout_generation = self.atlas.generation
            cells = np.array([self.atlas.cell_of(g) for g in glyphs], dtype=np.int64)
        advances = self.atlas.advance[cells]
        lefts = np.concatenate(([0.0], np.cumsum(advances)[:-1])).astype(np.float32)
        layout = (cells, lefts, float(advances.sum()))
        if len(self._layouts) > 4 * self.atlas.capacity:
            self._layouts.clear()  # bounded: labels seen long ago are laid out again
        self._layouts[text] = layout
        return layout

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
        cells_list, lefts_list, owners = [], [], []
        total = 0
        for i, text in enumerate(texts):
            cells, lefts, width = self._layout(text)
            if total + len(cells) > self.max_chars:
                break
            cells_list.append(cells)
            lefts_list.append(lefts - width / 2)  # centre the label on its point
            owners.append(np.full(len(cells), i, dtype=np.int64))
            total += len(cells)
        self.chars_used = total
        if total:
            cells = np.concatenate(cells_list)
            self.atlas.touch(cells)
            self._fill(cells, np.concatenate(lefts_list), np.concatenate(owners), anchors, fade, right, up, heights)
        self.xyz[total * 4 :] = 0.0  # unused quads collapse to nothing
        self.polydata.GetPoints().GetData().Modified()
        self._uv_vtk.Modified()
        self._rgba_vtk.Modified()
        self.polydata.Modified()
        if self.atlas.dirty:
            self._pixels_changed()
        return total

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
        n = len(cells)
        box = self.atlas.raster.cell_px / self.atlas.raster.text_px  # cell size in text heights
        x0, x1 = lefts, lefts + box
        bottom = BASELINE - self.atlas.raster.descent
        y0, y1 = np.full(n, bottom), np.full(n, bottom + box)
        base = anchors[owner]
        h = np.asarray(heights, dtype=np.float64)[owner]
        r, u = np.asarray(right, np.float64), np.asarray(up, np.float64)
        quads = self.xyz[: n * 4].reshape(n, 4, 3)
        quads[:, 0] = base + np.outer(x0 * h, r) + np.outer(y0 * h, u)
        quads[:, 1] = base + np.outer(x1 * h, r) + np.outer(y0 * h, u)
        quads[:, 2] = base + np.outer(x1 * h, r) + np.outer(y1 * h, u)
        quads[:, 3] = base + np.outer(x0 * h, r) + np.outer(y1 * h, u)
        cy, cx = np.divmod(cells, self.atlas.cells)
        k = 1.0 / self.atlas.cells
        u0, u1 = cx * k, (cx + 1) * k
        v0, v1 = 1.0 - (cy + 1) * k, 1.0 - cy * k  # atlas row 0 is the top of the texture
        uv = self.uv[: n * 4].reshape(n, 4, 2)
        uv[:, 0, 0], uv[:, 0, 1] = u0, v0
        uv[:, 1, 0], uv[:, 1, 1] = u1, v0
        uv[:, 2, 0], uv[:, 2, 1] = u1, v1
        uv[:, 3, 0], uv[:, 3, 1] = u0, v1
        shade = np.clip((MIN_BRIGHTNESS + (1 - MIN_BRIGHTNESS) * fade[owner]) * 255.0, 0, 255).astype(np.uint8)
        colours = self.rgba[: n * 4].reshape(n, 4, 4)
        colours[:, :, :3] = shade[:, None, None]
        colours[:, :, 3] = 255

    def _pixels_changed(self) -> None:
        side = self.atlas.image.shape[0]
        np.copyto(vtk_to_numpy(self._pixels).reshape(side, side, 4), self.atlas.image[::-1])
        self._pixels.Modified()
        self.image_data.Modified()
        self.atlas.dirty = False

    def hide(self) -> None:
        self.update([], np.zeros((0, 3)), np.zeros(0), np.zeros(3), np.zeros(3), np.zeros(0))
