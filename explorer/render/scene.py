"""The VTK scene: one points actor with depth fog, the label mesh, the HUD (VTK adapter).

Everything that decides *what* to draw lives in the pure modules (camera,
labels, colors); this module only hands their answers to VTK.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from vtkmodules.vtkCommonCore import vtkCommand
from vtkmodules.vtkRenderingCore import vtkRenderer, vtkTextActor
from vtkmodules.vtkRenderingOpenGL2 import vtkOpenGLRenderWindow  # also registers the OpenGL classes

from explorer.core import colors
from explorer.core.camera import FlyCamera
from explorer.core.cloud import FAR_DIAGONALS, NEAR_DIAGONALS, Cloud, prepare_cloud
from explorer.core.colors import BACKGROUND
from explorer.core.dataset import Dataset
from explorer.core.files import bundled
from explorer.core.groups import Groups
from explorer.core.labels import LabelPicker, LabelSettings, Occupancy, Selection
from explorer.core.lod import FrameBudget, LevelOfDetail
from explorer.core.picking import pick
from explorer.core.pictures import NO_PICTURES, PictureSettings, choose_pictures, picture_at, picture_size
from explorer.core.signposts import NONE as NO_NAMES
from explorer.core.signposts import SignpostPicker, Signposts
from explorer.core.view import View
from explorer.render.glyphs import GlyphRasteriser
from explorer.render.highlight import Highlight
from explorer.render.pictures import PictureLayer
from explorer.render.points import PointNodes
from explorer.render.text_atlas import GlyphAtlas, LabelMesh

LEGEND_ROWS = 16
CARD_FONT = bundled("assets", "fonts", "DejaVuSansMono.ttf")
VTK_FONT_FILE = 4  # vtkTextProperty's "use SetFontFile" family
CARD_PX = 17  # the help card's largest font size; smaller when the view is too small
NO_ROWS = np.zeros(0, dtype=np.int64)
GL_PROGRAM_POINT_SIZE = 0x8642

OCCUPANCY_CELL_PX = 10  # the grid in which names, labels and the HUD take their room
NAME_EASE = 0.08  # how much a region name's strength may change per frame
PICTURE_SIZES_AWAY = 80.0  # nearer than this many picture sides a point may be a picture (farther: under ~8 px)


@dataclass
class FrameStats:
    labels_shown: int = 0
    label_ms: float = 0.0
    names_shown: int = 0  # region names, on top of the labels
    pictures_shown: int = 0  # near points of an image dataset drawn as their pictures
    picture_ms: float = 0.0
    pictures_waiting: int = 0  # chosen but not drawn yet (more than one frame brings in): another frame is due


class Scene:
    """Owns the VTK actors for one renderer and updates them each frame."""

    def __init__(
        self, renderer: vtkRenderer, *, point_size: float = 3.0, label_budget: int = 150, point_budget: int = 0
    ) -> None:
        self.renderer = renderer
        # Labels and text sit in a layer above the cloud, sharing its camera: a
        # point in front never cuts through a word, and labels never overlap.
        self.overlay = vtkRenderer()
        self.overlay.SetLayer(1)
        self.overlay.SetActiveCamera(renderer.GetActiveCamera())
        self.overlay.InteractiveOff()
        window = renderer.GetRenderWindow()
        window.SetNumberOfLayers(2)
        window.AddRenderer(self.overlay)
        self.point_size = point_size
        self.label_budget = label_budget
        # 0: every point in view; read when a dataset shows. With ``frame_budget`` (the window's
        # default) the budget follows the measured frame time instead.
        self.point_budget = point_budget
        self.frame_budget: FrameBudget | None = None
        self.round_points = True  # discs with a soft rim; False draws GL's squares (read when a dataset shows)
        self.lod: LevelOfDetail | None = None
        self.labels_on = label_budget > 0
        self.picture_budget = 0  # pictures a frame for an image dataset (0: dots only); read when a dataset shows
        self.pictures: PictureLayer | None = None
        self.picture_settings = PictureSettings(budget=0)
        self.shown_pictures = (NO_PICTURES, np.zeros((0, 3)))  # the last frame's pictures and where they stood
        renderer.SetBackground(*BACKGROUND)
        renderer.AddObserver(vtkCommand.StartEvent, self._enable_point_size)
        self.dataset: Dataset | None = None
        self.label_texts: Sequence[str] = []
        self.shown_rows = NO_ROWS  # dataset rows labelled in the last frame
        self.nodes: PointNodes | None = None
        self.picker: LabelPicker | None = None
        self.cloud: Cloud | None = None
        self.label_settings = LabelSettings(budget=label_budget)
        self.diagonal = 1.0
        self.atlas = GlyphAtlas(GlyphRasteriser(), cells=32)
        self.label_mesh = LabelMesh(self.atlas)
        self.overlay.AddActor(self.label_mesh.actor)
        self.hud = vtkTextActor()
        self.hud.GetTextProperty().SetFontSize(15)
        self.hud.GetTextProperty().SetColor(0.75, 0.8, 0.9)
        self.hud.SetDisplayPosition(12, 10)
        self.overlay.AddViewProp(self.hud)
        self.help = vtkTextActor()
        prop = self.help.GetTextProperty()
        prop.SetFontSize(CARD_PX)
        if CARD_FONT.is_file():  # with the pad's ✕ ○ ◀ ▶, which VTK's Courier lacks
            prop.SetFontFamily(VTK_FONT_FILE)
            prop.SetFontFile(str(CARD_FONT))
        else:
            prop.SetFontFamilyToCourier()
        prop.SetBackgroundColor(0.0, 0.0, 0.0)
        prop.SetBackgroundOpacity(0.8)
        prop.SetFrame(True)
        prop.SetFrameColor(0.4, 0.45, 0.6)
        self.help.SetVisibility(False)
        self.overlay.AddViewProp(self.help)
        self.legend: list[vtkTextActor] = []
        self.legend_on = True  # the desktop window has its own clickable legend
        self.highlight = Highlight()
        self.overlay.AddActor(self.highlight.actor)
        self.pinned = NO_ROWS  # rows whose labels always show (the selection)
        self.groups: Groups | None = None
        self.color_mode = "distance"
        self._hidden_layers: dict[str, np.ndarray] = {}  # by row
        self._hidden_positions: dict[str, np.ndarray] = {}  # the same layers, in octree order
        self.signposts: SignpostPicker | None = None
        self.names_shown = 0
        # Each region name's drawn strength, eased toward what the picker asks, so that a name
        # dropped for room fades out instead of vanishing: (level, region) -> (strength, height).
        self._name_strength: dict[tuple[int, int], tuple[float, float]] = {}

    # ------------------------------------------------------------------ dataset

    def show_dataset(self, dataset: Dataset, cloud: Cloud | None = None) -> None:
        """Replace the cloud and scale every setting to its extent.

        ``cloud`` is the dataset already prepared (off the UI thread); without
        it, it is prepared here.
        """
        if cloud is None or cloud.dataset is not dataset:
            cloud = prepare_cloud(dataset)
        if self.nodes is not None:
            self.nodes.remove()
        if self.pictures is not None:
            self.pictures.remove()
            self.pictures = None
        self.shown_pictures = (NO_PICTURES, np.zeros((0, 3)))
        self.dataset = dataset
        self.cloud = cloud
        self.diagonal = cloud.diagonal
        self.groups = cloud.groups
        self.color_mode = cloud.color_mode
        if dataset.groups is not None:
            self._show_legend(self.groups.names, self.group_palette(), self.groups.counts)
        else:
            self._show_legend([], np.zeros((0, 3)), np.zeros(0))
        near, far = self._clipping_range()
        fog = (near, far, 0.3 * self.diagonal, 1.8 * self.diagonal)
        self.nodes = PointNodes(self.renderer, cloud, point_size=self.point_size, round_points=self.round_points,
                                fog=fog)  # fmt: skip
        self._hidden_layers, self._hidden_positions = {}, {}
        self.pinned = NO_ROWS
        self.highlight.set_selection(None)
        self.label_texts = cloud.label_texts
        self.picker = cloud.picker
        self.signposts = cloud.signposts
        self._name_strength = {}
        self.lod = cloud.lod
        self.lod.reset()
        world = str(dataset.path) if dataset.path is not None else None
        self.lod.budget = self.frame_budget.enter(world) if self.frame_budget is not None else self.point_budget
        if dataset.thumbs is not None and self.picture_budget > 0:
            size = picture_size(cloud.ordered_points, self.diagonal)
            reach = cloud.tree.half[0] + size  # the root's cube holds every point; a picture stands within its side
            self.pictures = PictureLayer(self.renderer, dataset.thumbs,
                                         box=(cloud.tree.center[0] - reach, cloud.tree.center[0] + reach))  # fmt: skip
            self.picture_settings = PictureSettings(budget=min(self.picture_budget, self.pictures.cells.capacity),
                                                    size=size, max_distance=PICTURE_SIZES_AWAY * size,
                                                    min_px=self.pictures.min_px)  # fmt: skip
        self.label_settings = LabelSettings(
            budget=self.label_budget,
            max_distance=1.5 * self.diagonal,
            text_height=0.02 * self.diagonal,
            near=NEAR_DIAGONALS * self.diagonal,
        )

    # ------------------------------------------------------------------ colours and groups

    def group_palette(self) -> np.ndarray:
        assert self.groups is not None
        return colors.palette(len(self.groups.names))

    def colours(self, mode: str) -> np.ndarray:
        """uint8 RGB per point for a colour mode: "group", "distance", "density" or "picture"."""
        assert self.dataset is not None and self.groups is not None
        if mode == "group" and self.dataset.groups is not None:
            return self.group_palette()[self.groups.codes]
        if mode == "density":
            return colors.by_density(self.dataset.points)
        if mode == "picture" and self.dataset.thumbs is not None:
            return colors.by_picture(self.dataset.thumbs)
        return colors.by_distance(self.dataset.points)

    def set_colours(self, mode: str, rgb: np.ndarray) -> None:
        """Recolour every point in place (``rgb`` from :meth:`colours`, maybe made off the UI thread)."""
        if self.nodes is None or rgb.shape != self.nodes.rgb.shape:
            return
        self.color_mode = mode
        self.nodes.rgb[:] = rgb[self.nodes.tree.order]
        self.nodes.colours_changed()

    def point_colours(self) -> np.ndarray:
        """The colour each dataset row is drawn in (uint8 RGB), as VTK has them."""
        assert self.nodes is not None
        rgb = np.empty_like(self.nodes.rgb)
        rgb[self.nodes.tree.order] = self.nodes.rgb
        return rgb

    def drawable_points(self) -> int:
        """Points that would be drawn with all in view (the hidden groups' are not)."""
        return self.nodes.drawable() if self.nodes is not None else 0

    def groups_changed(self) -> None:
        """Draw only the visible groups' points; hide their labels.

        Worked out by octree position (the group codes in that order, one byte a
        point): the nodes' slices and the label picker take it as it is, with no
        gather of ten million rows.
        """
        assert self.groups is not None and self.nodes is not None and self.cloud is not None
        visible = self.groups.visible
        hidden = None if visible.all() else ~visible[self.cloud.position_codes]
        self.nodes.set_shown(None if hidden is None else ~hidden)
        self.set_hidden("groups", self.groups.hidden_rows(), positions=hidden)

    def set_hidden(self, layer: str, rows: np.ndarray | None, *, positions: np.ndarray | None = None) -> None:
        """Rows whose labels never show, by reason ("groups", "rude"); they combine.

        ``positions``, when the caller has it, is the same in octree order (else it is gathered here).
        """
        if rows is None:
            self._hidden_layers.pop(layer, None)
            self._hidden_positions.pop(layer, None)
        else:
            self._hidden_layers[layer] = np.asarray(rows, dtype=bool)
            if positions is None and self.cloud is not None:
                positions = self._hidden_layers[layer][self.cloud.tree.order]
            if positions is not None:
                self._hidden_positions[layer] = np.asarray(positions, dtype=bool)
        if self.picker is not None:
            layers = list(self._hidden_positions.values())
            self.picker.set_hidden_positions(np.logical_or.reduce(layers) if layers else None)

    def hidden_layer(self, layer: str) -> np.ndarray | None:
        """The rows hidden for one reason, or None when none is."""
        return self._hidden_layers.get(layer)

    def hidden_rows(self) -> np.ndarray | None:
        """Rows hidden for any reason; None when none is."""
        layers = list(self._hidden_layers.values())
        return np.logical_or.reduce(layers) if layers else None

    def is_hidden(self, row: int) -> bool:
        """Whether one row is hidden for any reason."""
        return any(bool(layer[row]) for layer in self._hidden_layers.values())

    def set_selection(
        self, row: int | None, neighbours: np.ndarray | None = None, kept: np.ndarray | None = None
    ) -> None:
        """Mark a row and draw lines to its neighbours' rows; their labels always show. None clears."""
        if row is None or self.dataset is None:
            self.pinned = NO_ROWS
            self.highlight.set_selection(None)
            return
        others = NO_ROWS if neighbours is None else np.asarray(neighbours, dtype=np.int64)
        self.pinned = np.concatenate(([row], others)).astype(np.int64)
        ends = self.dataset.points[others] if len(others) else None
        self.highlight.set_selection(self.dataset.points[row], ends, kept)

    def pick(self, view: View, x_px: float, y_px: float) -> int | None:
        """The dataset row drawn under pixel (x, y) of the GL window, or None (hidden rows never)."""
        if self.picker is None:
            return None
        if self.pictures is not None:  # a click anywhere on a picture picks it
            hit = picture_at(*self.shown_pictures, view, self.picture_settings.size, x_px, y_px)
            if hit is not None:
                return hit
        near, _ = self._clipping_range()
        shares = self.lod.share if self.lod is not None else None  # what is drawn is what can be clicked
        return pick(self.picker.index, view, x_px, y_px, near=near, far=2.0 * self.diagonal, hidden=self.picker.hidden,
                    shares=shares)  # fmt: skip

    # ------------------------------------------------------------------ actors

    def _clipping_range(self) -> tuple[float, float]:
        if self.cloud is not None:
            return self.cloud.clipping_range
        return self.diagonal * NEAR_DIAGONALS, self.diagonal * FAR_DIAGONALS

    def _show_legend(self, names: list[str], palette: np.ndarray, counts: np.ndarray) -> None:
        """One line per group, in its colour, largest first; the window places it."""
        for actor in self.legend:
            self.overlay.RemoveViewProp(actor)
        self.legend = []
        shown = names[:LEGEND_ROWS]
        lines = [(f"{name}  {int(counts[i]):,}", palette[i]) for i, name in enumerate(shown)]
        if len(names) > LEGEND_ROWS:
            lines.append((f"… {len(names) - LEGEND_ROWS} more groups", np.array([160, 170, 190])))
        for text, colour in lines:
            actor = vtkTextActor()
            actor.SetInput(text)
            prop = actor.GetTextProperty()
            prop.SetFontSize(15)
            prop.SetColor(*(np.asarray(colour, dtype=float) / 255))
            prop.SetBackgroundColor(*BACKGROUND)
            prop.SetBackgroundOpacity(0.6)
            self.overlay.AddViewProp(actor)
            self.legend.append(actor)

    def place_legend(self, width: int, height: int) -> None:
        for row, actor in enumerate(self.legend):
            actor.SetVisibility(self.legend_on)
            actor.SetDisplayPosition(max(10, width - 220), height - 30 - 22 * row)

    def _enable_point_size(self, *_: object) -> None:
        window = self.renderer.GetRenderWindow()
        assert isinstance(window, vtkOpenGLRenderWindow)
        window.GetState().vtkglEnable(GL_PROGRAM_POINT_SIZE)

    # ------------------------------------------------------------------ per frame

    def update(self, camera: FlyCamera, width: int, height: int) -> FrameStats:
        """Point VTK's camera, fog and labels at the pilot's view."""
        vtk_camera = self.renderer.GetActiveCamera()
        position, focal, up = camera.view()
        vtk_camera.SetPosition(*position)
        vtk_camera.SetFocalPoint(*focal)
        vtk_camera.SetViewUp(*up)
        vtk_camera.SetViewAngle(camera.settings.fov_deg)
        vtk_camera.SetClippingRange(*self._clipping_range())
        view = self.view(camera, width, height)
        if self.lod is not None and self.nodes is not None:
            self.nodes.show(self.lod.update(view), self.lod.budget)
        self.highlight.face(view)
        start = time.perf_counter()
        pictures = self._update_pictures(view)
        picture_ms = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        shown = self._update_labels(view)
        return FrameStats(labels_shown=shown, label_ms=(time.perf_counter() - start) * 1000,
                          names_shown=self.names_shown, pictures_shown=pictures, picture_ms=picture_ms,
                          pictures_waiting=self.pictures.waiting if self.pictures is not None else 0)  # fmt: skip

    def _update_pictures(self, view: View) -> int:
        """The near points of an image dataset, drawn as their pictures (drawn points only, hidden ones never)."""
        if self.pictures is None or self.cloud is None or self.picker is None:
            return 0
        shares = self.lod.share if self.lod is not None else None
        chosen = choose_pictures(self.cloud.index, view, self.picture_settings, shares=shares,
                                 hidden=self.picker.hidden)  # fmt: skip
        anchors = self.cloud.ordered_points[chosen.positions].astype(np.float64)
        self.shown_pictures = (chosen, anchors)
        return self.pictures.update(chosen, anchors, view.right, view.up, view.position, self.picture_settings.size)

    def frame_took(self, ms: float) -> None:
        """The last frame's time: the adaptive budget (when there is one) follows it."""
        if self.frame_budget is not None and self.lod is not None:
            self.lod.budget = self.frame_budget.frame_took(ms, self.lod.drawn())

    def budget_record(self) -> dict[str, object]:
        """The point budget, for a benchmark's JSON: fixed, or adaptive with its target and where it ended."""
        if self.frame_budget is None:
            return {"point_budget": self.point_budget}
        return {"point_budget": "adaptive", "frame_target_ms": self.frame_budget.target_ms,
                "point_budget_end": int(self.frame_budget.budget)}  # fmt: skip

    def points_drawn(self) -> int:
        """How many points the last frame drew."""
        return self.lod.drawn() if self.lod is not None else 0

    @staticmethod
    def view(camera: FlyCamera, width: int, height: int) -> View:
        return View(camera.position, camera.forward, camera.right, camera.up, camera.settings.fov_deg, width, height)

    def _update_labels(self, view: View) -> int:
        if self.picker is None or self.dataset is None or not self.labels_on:
            self.label_mesh.hide()
            self.shown_rows = NO_ROWS
            self.names_shown = 0
            return 0
        occupancy = Occupancy(OCCUPANCY_CELL_PX)
        for box in self._overlay_boxes(view):
            occupancy.reserve(*box)
        posts = self.signposts.select(view, occupancy) if self.signposts is not None else NO_NAMES
        # Always asked, even with every point in view: a node fading in has not drawn all its points yet.
        shares = self.lod.share if self.lod is not None else None
        selection = self.picker.select(view, self.label_settings, self.pinned, shares=shares,
                                       occupancy=occupancy)  # fmt: skip
        self.shown_rows = selection.rows
        names = self._eased_names(posts)
        self._draw(selection, names, view)
        self.names_shown = len(names[0])
        return len(selection)

    def _overlay_boxes(self, view: View) -> list[tuple[float, float, float, float]]:
        """The HUD's and the legend's boxes (left, top, width, height in pixels, y down): no text goes there."""
        boxes = []
        hud = self.hud.GetInput() or ""
        if hud:
            lines = hud.split("\n")
            size = self.hud.GetTextProperty().GetFontSize()
            width, height = 0.62 * size * max(len(line) for line in lines), 1.25 * size * len(lines)
            boxes.append((0.0, view.height_px - 10 - height - 6, 24 + width, height + 16))
        if self.legend_on and self.legend:
            boxes.append((view.width_px - 230.0, 0.0, 230.0, 40.0 + 22 * len(self.legend)))
        return boxes

    def _eased_names(self, posts: Signposts) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
        """The names to draw, with anchors, strengths and heights: each eases toward the picker's wish."""
        assert self.signposts is not None or not len(posts)
        wanted = {(int(d), int(r)): (float(f), float(h))
                  for d, r, f, h in zip(posts.level, posts.region, posts.fade, posts.heights, strict=True)}  # fmt: skip
        strengths: dict[tuple[int, int], tuple[float, float]] = {}
        for key in [*wanted, *(k for k in self._name_strength if k not in wanted)]:
            target, height = wanted.get(key, (0.0, self._name_strength.get(key, (0.0, 0.0))[1]))
            # The first frame of a world starts settled (a screenshot, a recording's first frame).
            now = self._name_strength.get(key, (0.0 if self._name_strength else target, height))[0]
            now = min(target, now + NAME_EASE) if target >= now else max(target, now - NAME_EASE)
            if now > 0.01:
                strengths[key] = (now, height)
        self._name_strength = strengths
        if not strengths or self.signposts is None:
            return [], np.zeros((0, 3)), np.zeros(0), np.zeros(0)
        keys = list(strengths)
        names = [self.signposts.name(d, r) for d, r in keys]
        anchors = np.array([self.signposts.centroid(d, r) for d, r in keys], dtype=np.float64)
        return names, anchors, np.array([strengths[k][0] for k in keys]), np.array([strengths[k][1] for k in keys])

    def _draw(self, selection: Selection, names: tuple[list[str], np.ndarray, np.ndarray, np.ndarray],
              view: View) -> None:  # fmt: skip
        """Region names first, then the words, in one mesh from one glyph atlas."""
        assert self.dataset is not None
        assert self.cloud is not None
        # Read by octree position: the labels and points of one view lie together there.
        labels = self.cloud.position_labels
        texts = [*names[0], *(str(labels[p]) for p in selection.positions.tolist())]
        anchors = np.concatenate((names[1], self.cloud.ordered_points[selection.positions]))
        fade = np.concatenate((names[2], selection.fade))
        heights = np.concatenate((names[3], selection.heights))
        self.label_mesh.update(texts, anchors, fade, view.right, view.up, heights)

    def set_hud(self, text: str) -> None:
        self.hud.SetInput(text)

    def show_card(self, text: str | None, width: int, height: int) -> None:
        """The help card or the pad menu, centred; None hides it."""
        self.help.SetVisibility(text is not None)
        if text is not None:
            self.help.SetInput(text)
            lines = text.split("\n")
            columns = max(len(line) for line in lines)
            # Monospaced: about 0.6 of the size per character and 1.0 per line; fit the view.
            size = int(min(CARD_PX, (height - 40) / (1.0 * len(lines)), (width - 40) / (0.61 * columns)))
            self.help.GetTextProperty().SetFontSize(max(size, 8))
            card_w, card_h = 0.61 * columns * size, 1.0 * len(lines) * size
            self.help.SetDisplayPosition(max(10, int((width - card_w) / 2)), max(10, int((height - card_h) / 2)))


def renderer_string(render_window: object) -> str:
    """The GL renderer, e.g. 'llvmpipe (LLVM 15.0.6, 256 bits)'."""
    report = render_window.ReportCapabilities()  # type: ignore[attr-defined]
    for line in report.splitlines():
        if line.startswith("OpenGL renderer string:"):
            return line.split(":", 1)[1].strip()
    return "unknown"
