"""The cloud's points as one VTK actor per octree node, each drawn in part (VTK adapter).

Every node's run of points (``explorer.core.octree``) is its own small
polydata over a slice of the cloud's arrays, so a node out of view or left out
by the budget costs nothing: VTK skips an invisible actor. A node drawn in part
draws the leading share of its run, which its vertex shader cuts by
``gl_VertexID``; the newest points of that share fade in from the fog.

A node's actor is made the first time the level of detail draws it: a world
opens with only the coarse nodes of its first view (at ten million points, a
few dozen of its two thousand). The actors are a cache with a size: once the
nodes made hold more than ``KEEP_BUDGETS`` point budgets, those drawn longest
ago are let go (their GL buffers with them) and made again if they come back
into view, so memory stays flat however long and wide the flight (Potree
keeps its nodes the same way). Frames that bring no new node allocate
nothing: only visibilities and two uniforms change.
"""

from __future__ import annotations

import numpy as np
from vtkmodules.util.numpy_support import numpy_to_vtk, vtk_to_numpy
from vtkmodules.vtkCommonCore import vtkPoints, vtkTypeInt32Array
from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkPolyData
from vtkmodules.vtkRenderingCore import vtkActor, vtkPolyDataMapper, vtkRenderer

from explorer.core.cloud import Cloud
from explorer.core.colors import BACKGROUND
from explorer.core.lod import FADE
from explorer.render import shaders

KEEP_BUDGETS = 4  # nodes made are kept up to this many point budgets' worth of points ...
KEEP_AT_LEAST = 1_000_000  # ... and never fewer points than this


def int32_array(values: np.ndarray) -> vtkTypeInt32Array:
    """A VTK array of 32-bit ints holding ``values`` (cells stored in 32 bits: half the bytes of vtkIdType)."""
    array = vtkTypeInt32Array()
    array.SetNumberOfValues(len(values))
    if len(values):
        vtk_to_numpy(array)[:] = values
    return array


def set_verts(poly: vtkPolyData, ids: np.ndarray) -> None:
    """Make ``poly`` draw the given point ids, one vertex cell each."""
    verts = vtkCellArray()
    verts.SetData(int32_array(np.arange(len(ids) + 1, dtype=np.int32)), int32_array(np.asarray(ids, dtype=np.int32)))
    poly.SetVerts(verts)
    poly.Modified()


class PointNodes:
    """The actors of one cloud: added to ``renderer`` at once, removed with :meth:`remove`."""

    def __init__(
        self,
        renderer: vtkRenderer,
        cloud: Cloud,
        *,
        point_size: float,
        round_points: bool,
        fog: tuple[float, float, float, float],
    ) -> None:
        self.renderer = renderer
        self.tree = cloud.tree
        self.rgb = cloud.rgb  # uint8 [N, 3] in octree order: the nodes' scalars are views of it
        self._points = cloud.ordered_points
        self._style = (cloud.diagonal, point_size, round_points, fog)
        self.polys: dict[int, vtkPolyData] = {}  # the nodes drawn so far
        self.actors: dict[int, vtkActor] = {}
        self.drawn_share = np.zeros(len(self.tree))  # what each actor was last told (0: none, or hidden)
        self.shown: np.ndarray | None = None  # the visible groups' points (bool per octree position), None for all
        self.last_drawn = np.zeros(len(self.tree), dtype=np.int64)  # the frame each node was last drawn in
        self.frames = 0
        self.made_points = 0

    def _made(self, node: int) -> vtkActor:
        """The node's actor, made on its first draw."""
        actor = self.actors.get(node)
        if actor is None:
            actor, poly = self._node_actor(node, *self._style)
            if self.shown is not None:
                set_verts(poly, np.flatnonzero(self._slice(self.shown, node)))
            self.renderer.AddActor(actor)
            self.actors[node], self.polys[node] = actor, poly
            self.made_points += int(self.tree.count[node])
        return actor

    def _let_go(self, keep: int) -> None:
        """Remove the actors drawn longest ago until the nodes made hold at most ``keep`` points."""
        if self.made_points <= keep:
            return
        idle = [node for node in self.actors if self.drawn_share[node] == 0]
        for node in sorted(idle, key=lambda n: int(self.last_drawn[n])):
            self.renderer.RemoveActor(self.actors.pop(node))  # the renderer releases its GL buffers
            del self.polys[node]
            self.made_points -= int(self.tree.count[node])
            if self.made_points <= keep:
                return

    def _node_actor(
        self, node: int, diagonal: float, point_size: float, round_points: bool, fog: tuple[float, float, float, float]
    ) -> tuple[vtkActor, vtkPolyData]:
        begin, count = int(self.tree.start[node]), int(self.tree.count[node])
        poly = vtkPolyData()
        pts = vtkPoints()
        pts.SetData(numpy_to_vtk(self._points[begin : begin + count], deep=False))  # a view: no copy
        poly.SetPoints(pts)
        set_verts(poly, np.arange(count, dtype=np.int32))
        scalars = numpy_to_vtk(self.rgb[begin : begin + count], deep=False)
        scalars.SetName("rgb")
        poly.GetPointData().SetScalars(scalars)
        mapper = vtkPolyDataMapper()
        mapper.SetInputData(poly)
        # VTK's automatic shift and scale of the buffer is for far-off data kept in doubles: ours is
        # float32 already, and one stray point at 1e6 folded the whole cloud into a few pixels.
        mapper.SetVBOShiftScaleMethod(shaders.DISABLE_SHIFT_SCALE)
        mapper.SetColorModeToDirectScalars()
        mapper.ScalarVisibilityOn()
        actor = vtkActor()
        actor.SetMapper(mapper)
        actor.SetVisibility(False)
        prop = actor.GetProperty()
        prop.SetRepresentationToPoints()
        prop.SetPointSize(point_size)
        prop.LightingOff()
        program = actor.GetShaderProperty()
        program.AddVertexShaderReplacement("//VTK::Normal::Dec", True, shaders.POINTS_VERTEX_DEC, False)
        program.AddFragmentShaderReplacement("//VTK::Normal::Dec", True, shaders.POINTS_FRAGMENT_DEC, False)
        fragment = (shaders.ROUND_POINTS if round_points else shaders.LIGHT_TAG) + shaders.FOG + shaders.LOD_FRAGMENT
        program.AddFragmentShaderReplacement("//VTK::Light::Impl", True, fragment, False)
        program.AddVertexShaderReplacement("//VTK::PositionVC::Impl", True, shaders.POINT_SIZE + shaders.LOD_VERTEX,
                                           False)  # fmt: skip
        vertex = program.GetVertexCustomUniforms()
        vertex.SetUniformf("pointScale", point_size * 0.6 * diagonal)
        vertex.SetUniformf("pointMin", max(1.0, point_size * 0.5))
        vertex.SetUniformf("pointMax", point_size * 2.0)
        vertex.SetUniformf("lodEnd", float(count))
        vertex.SetUniformf("lodSoft", 1e-6)
        uniforms = program.GetFragmentCustomUniforms()
        near, far, start, end = fog
        uniforms.SetUniformf("fogNear", near)
        uniforms.SetUniformf("fogFar", far)
        uniforms.SetUniformf("fogStart", start)
        uniforms.SetUniformf("fogEnd", end)
        uniforms.SetUniform3f("fogColor", list(BACKGROUND))
        return actor, poly

    def show(self, share: np.ndarray, budget: int = 0) -> None:
        """Draw each node's leading ``share`` of its run (0 hides it); only changed nodes are touched.

        ``budget``: the frame's point budget (0: none), which sizes the cache of nodes made.
        """
        self.frames += 1
        self.last_drawn[share > 0] = self.frames
        changed = np.flatnonzero(share != self.drawn_share)
        count = self.tree.count
        for node in changed.tolist():
            part = float(share[node])
            actor = self._made(node) if part > 0 else self.actors.get(node)
            if actor is None:
                continue
            actor.SetVisibility(part > 0)
            if part > 0:
                uniforms = actor.GetShaderProperty().GetVertexCustomUniforms()
                uniforms.SetUniformf("lodEnd", part * float(count[node]))
                # A node drawn whole fades nothing; one drawn in part fades in its newest points.
                uniforms.SetUniformf("lodSoft", FADE * part * float(count[node]) if part < 1 else 1e-6)
        self.drawn_share[changed] = share[changed]
        if budget > 0:
            self._let_go(max(KEEP_BUDGETS * budget, KEEP_AT_LEAST))

    def _slice(self, by_position: np.ndarray, node: int) -> np.ndarray:
        start = int(self.tree.start[node])
        return by_position[start : start + int(self.tree.count[node])]

    def set_shown(self, shown: np.ndarray | None) -> None:
        """Draw only these points (bool per octree position); None draws all (nodes made later too)."""
        self.shown = None if shown is None else np.asarray(shown, dtype=bool)
        for node, poly in self.polys.items():
            count = int(self.tree.count[node])
            ids = (
                np.arange(count, dtype=np.int32)
                if self.shown is None
                else np.flatnonzero(self._slice(self.shown, node))
            )
            set_verts(poly, ids)

    def colours_changed(self) -> None:
        """``rgb`` was written in place: hand it to VTK again (nodes not made yet read it when they are)."""
        for poly in self.polys.values():
            poly.GetPointData().GetScalars().Modified()
            poly.Modified()

    def drawable(self) -> int:
        """Points that would be drawn with every node whole (hidden groups left out)."""
        return self.tree.points if self.shown is None else int(self.shown.sum())

    def made(self) -> int:
        """How many nodes have an actor (have been drawn at least once)."""
        return len(self.actors)

    def remove(self) -> None:
        for actor in self.actors.values():
            self.renderer.RemoveActor(actor)
        self.actors, self.polys, self.made_points = {}, {}, 0
