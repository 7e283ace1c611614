"""The selection's marker ring and its neighbour lines, in one line actor (VTK adapter).

Fixed arrays, allocated once and rewritten in place: a selection that changes
every frame costs no allocation. The ring faces the camera and keeps the same
size on screen at any distance.
"""

from __future__ import annotations

import numpy as np
import vtkmodules.vtkRenderingOpenGL2  # noqa: F401 - registers the OpenGL implementations
from vtkmodules.util.numpy_support import numpy_to_vtk, numpy_to_vtkIdTypeArray
from vtkmodules.vtkCommonCore import vtkPoints
from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkPolyData
from vtkmodules.vtkRenderingCore import vtkActor, vtkPolyDataMapper

from explorer.core.view import View

RING_SEGMENTS = 40
RING_PX = 11.0  # ring radius on screen
MAX_LINES = 64
RING_RGB = (255, 214, 64)
KEPT_RGB = (120, 230, 160)  # a true neighbour that UMAP kept near in 3D
TORN_RGB = (255, 140, 90)  # a true neighbour that UMAP put far away


class Highlight:
    def __init__(self) -> None:
        n = RING_SEGMENTS + 2 * MAX_LINES
        self.xyz = np.zeros((n, 3), dtype=np.float32)
        self.rgb = np.zeros((n, 3), dtype=np.uint8)
        self.rgb[:RING_SEGMENTS] = RING_RGB
        ring = np.arange(RING_SEGMENTS)
        segments = [np.column_stack((ring, (ring + 1) % RING_SEGMENTS))]
        lines = RING_SEGMENTS + 2 * np.arange(MAX_LINES)
        segments.append(np.column_stack((lines, lines + 1)))
        pairs = np.concatenate(segments).astype(np.int64)
        self.polydata = vtkPolyData()
        points = vtkPoints()
        points.SetData(numpy_to_vtk(self.xyz, deep=False))
        self.polydata.SetPoints(points)
        cells = vtkCellArray()
        cells.SetData(
            numpy_to_vtkIdTypeArray(np.arange(0, pairs.size + 1, 2, dtype=np.int64), deep=True),
            numpy_to_vtkIdTypeArray(pairs.ravel(), deep=True),
        )
        self.polydata.SetLines(cells)
        self._rgb_vtk = numpy_to_vtk(self.rgb, deep=False)
        self.polydata.GetPointData().SetScalars(self._rgb_vtk)
        self._arrays = (points.GetData(), self._rgb_vtk)
        mapper = vtkPolyDataMapper()
        mapper.SetInputData(self.polydata)
        mapper.SetColorModeToDirectScalars()
        self.actor = vtkActor()
        self.actor.SetMapper(mapper)
        prop = self.actor.GetProperty()
        prop.LightingOff()
        prop.SetLineWidth(2.0)
        self.actor.SetVisibility(False)
        self._angles = np.linspace(0.0, 2 * np.pi, RING_SEGMENTS, endpoint=False)
        self.centre: np.ndarray | None = None

    def set_selection(
        self, centre: np.ndarray | None, ends: np.ndarray | None = None, kept: np.ndarray | None = None
    ) -> None:
        """Mark ``centre`` and draw lines to ``ends`` (coloured by ``kept``); None clears."""
        self.centre = None if centre is None else np.asarray(centre, dtype=np.float64)
        self.xyz[RING_SEGMENTS:] = 0.0
        if centre is not None and ends is not None and len(ends):
            m = min(len(ends), MAX_LINES)
            lines = self.xyz[RING_SEGMENTS:].reshape(MAX_LINES, 2, 3)
            lines[:m, 0] = centre
            lines[:m, 1] = ends[:m]
            colours = self.rgb[RING_SEGMENTS:].reshape(MAX_LINES, 2, 3)
            flags = np.ones(m, dtype=bool) if kept is None else np.asarray(kept[:m], dtype=bool)
            colours[:m] = np.where(flags[:, None], KEPT_RGB, TORN_RGB)[:, None, :]
        self.actor.SetVisibility(centre is not None)
        for array in self._arrays:
            array.Modified()
        self.polydata.Modified()

    def face(self, view: View) -> None:
        """Turn the ring toward the camera, at a constant size on screen."""
        if self.centre is None:
            return
        depth = float((self.centre - view.position) @ view.forward)
        if depth <= 0:
            self.xyz[:RING_SEGMENTS] = self.centre
        else:
            radius = RING_PX * depth * 2 * view.tan_half_fov / view.height_px
            ring = np.outer(np.cos(self._angles), view.right) + np.outer(np.sin(self._angles), view.up)
            self.xyz[:RING_SEGMENTS] = self.centre + radius * ring
        self._arrays[0].Modified()
        self.polydata.Modified()
