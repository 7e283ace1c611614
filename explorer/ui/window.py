"""The main window: loading, input and the frame loop, with public hooks for tools (Qt adapter).

The window flies one dataset with keyboard, mouse and pads. Tools (the
research panels, the kiosk) attach from outside, through the hooks that
``explorer.ui.host.Host`` lists: menus and actions, pad handlers, pad-menu
items, HUD and help-card text, and the window's signals. None of them reaches
into the window's private state, and the window knows none of them.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PyQt6.QtCore import QEvent, QObject, QSettings, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QWheelEvent,
)
from PyQt6.QtWidgets import QFileDialog, QMainWindow, QMenu, QMessageBox, QProgressBar
from vtkmodules.qt.QVTKRenderWindowInteractor import QVTKRenderWindowInteractor
from vtkmodules.util.numpy_support import vtk_to_numpy
from vtkmodules.vtkIOImage import vtkPNGWriter
from vtkmodules.vtkRenderingCore import vtkRenderer, vtkWindowToImageFilter

from explorer.core import keyboard
from explorer.core.camera import FlightSettings, FlyCamera, FlyTo, facing, flight_time, pose_of, speed_for_extent
from explorer.core.cloud import Cloud
from explorer.core.dataset import DATASET_SUFFIXES, Dataset, datasets_in
from explorer.core.files import atomic_file
from explorer.core.flight import FlightLoop, ScriptedFlight
from explorer.core.framing import Frame, frame_of
from explorer.core.lod import FrameBudget
from explorer.core.pad import PAD_HELP, UNPLUGGED, PadEvent, PadState
from explorer.core.pad_menu import Menu
from explorer.core.pictures import PICTURE_BUDGET
from explorer.devices.gamepad import Gamepads
from explorer.render.scene import FrameStats, Scene, renderer_string
from explorer.ui.help_card import Rows, card
from explorer.ui.workers import Loader

log = logging.getLogger("flythrough.window")

FILE_FILTER = (
    f"Flythrough datasets ({' '.join(f'*.ds{s} *{s}' for s in DATASET_SUFFIXES)});;"
    "Tables of points (*.parquet *.feather *.arrow *.csv *.csv.gz *.tsv);;All files (*)"
)
MAX_RECENT = 8
FRAME_INTERVAL_MS = 15
REGION_VIEW_RADII = 3.0  # a region flown to: its name reads, and its words begin to

QT_KEY_NAMES = {
    Qt.Key.Key_W: "w", Qt.Key.Key_A: "a", Qt.Key.Key_S: "s", Qt.Key.Key_D: "d",
    Qt.Key.Key_E: "e", Qt.Key.Key_Q: "q", Qt.Key.Key_Space: "space", Qt.Key.Key_Shift: "shift",
    Qt.Key.Key_Up: "up", Qt.Key.Key_Down: "down", Qt.Key.Key_Left: "left", Qt.Key.Key_Right: "right",
    Qt.Key.Key_Control: "ctrl",
}  # fmt: skip
MENU_KEYS = {
    Qt.Key.Key_Up: "up", Qt.Key.Key_Down: "down", Qt.Key.Key_Left: "left", Qt.Key.Key_Right: "right",
    Qt.Key.Key_Return: "select", Qt.Key.Key_Enter: "select", Qt.Key.Key_Escape: "back",
}  # fmt: skip
CLICK_PX = 4  # a press and release closer than this is a click (pick), not a drag (look)
USER_INPUT = (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel)
MENU_TITLES = ("File", "View", "Help")  # built by the window; tools add their own with add_menu


@dataclass(frozen=True)
class PadMenuItem:
    """One entry of the pad's on-screen menu.

    ``closes``: the menu closes before ``run`` (a move elsewhere); otherwise it
    stays open and its texts refresh (a toggle). ``adjust`` takes ◀ ▶ steps.
    """

    key: str
    text: Callable[[], str]
    run: Callable[[], None]
    closes: bool = True
    adjust: Callable[[int], None] | None = None


class FlythroughWindow(QMainWindow):
    """One 3D view of one dataset, flown with keyboard, mouse and gamepads.

    ``desktop=False`` builds no menus, status bar or shortcuts (the kiosk has
    none); ``drive_frames=False`` leaves calling :meth:`tick` to the owner (the
    kiosk, benchmarks, tests). ``point_budget=None`` lets the budget follow the
    measured frame time, toward a target chosen from the GL renderer when the
    first dataset shows; 0 draws every point in view.
    """

    dataset_loading = pyqtSignal(str)  # open_path has started reading this file
    dataset_loaded = pyqtSignal(str)  # a dataset opened with open_path is on screen
    load_failed = pyqtSignal(str)
    loading_progress = pyqtSignal(str, float)  # a first open's step and how far it has come (0 to 1)
    dataset_shown = pyqtSignal(object)  # the Dataset now on screen, however it came
    clicked = pyqtSignal(float, float)  # a click (not a drag) on the view, in its logical pixels
    frame_rendered = pyqtSignal(float, float, float)  # ms; CPU ms of the UI thread and of the process
    closing = pyqtSignal()

    def __init__(
        self,
        *,
        label_budget: int = 150,
        point_size: float = 3.0,
        point_budget: int | None = 0,
        gamepads: Gamepads | None = None,
        desktop: bool = True,
        drive_frames: bool = True,
        pictures: int = PICTURE_BUDGET,
    ) -> None:
        super().__init__()
        self.setWindowTitle("Flythrough")
        self.resize(1280, 720)
        self.setAcceptDrops(desktop)
        self.desktop = desktop  # menus, drops and the Recent list; the kiosk has none of them
        # VTK's own Qt widget (pyvistaqt's QtInteractor is a subclass of it): importing
        # pyvistaqt costs 1.0 s of start-up, pyvista pulling in matplotlib.pyplot.
        self.vtk_widget = QVTKRenderWindowInteractor(self)
        self.render_window = self.vtk_widget.GetRenderWindow()
        self.render_window.SetMultiSamples(0)  # 2.7x slower on software GL, and points need none
        self.renderer = vtkRenderer()
        self.render_window.AddRenderer(self.renderer)
        self.render_window.GetInteractor().SetInteractorStyle(None)
        # A paint event asks the frame loop for a frame instead of rendering at once: the
        # widget's own render drew a stale frame (old labels) and, on a world switch, a
        # second and third full render in the same stall.
        self.render_window.GetInteractor().EnableRenderOff()
        self.setCentralWidget(self.vtk_widget)
        self.vtk_widget.installEventFilter(self)  # keyboard and mouse are ours, not VTK's
        self.vtk_widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.vtk_widget.Initialize()
        self.point_budget = point_budget
        self.scene = Scene(self.renderer, point_size=point_size, label_budget=label_budget,
                           point_budget=point_budget or 0)  # fmt: skip
        self.scene.picture_budget = pictures  # an image dataset's near points as pictures (0: dots only)
        self.flight_loop = FlightLoop(FlyCamera(FlightSettings()), keyboard.KeyboardMouse(), start=time.perf_counter())
        self.camera = self.flight_loop.camera
        self.keys = self.flight_loop.keys
        self.gamepads = gamepads  # started by the caller; stopped when the window closes
        self.playlist: list[Path] = []  # what L1/R1 step through; empty: the datasets beside this one
        self.last_input_at = time.monotonic()
        self.dataset: Dataset | None = None
        self.dataset_path: Path | None = None
        self.loader: Loader | None = None
        self.error_box: QMessageBox | None = None
        self.last_stats = FrameStats()
        self.settings = QSettings("Flythrough", "Flythrough")
        self._drag_from: tuple[float, float] | None = None
        self._press_at: tuple[float, float] | None = None
        self._help_on = False
        self._region_at: int | None = None  # the region the pad last flew to
        self._dirty = True
        self._closed = False
        self._frame_times: deque[float] = deque(maxlen=60)
        self._menus: dict[str, QMenu] = {}
        self._pad_handlers: list[Callable[[str], bool]] = []
        self._help_sections: list[tuple[str, Rows]] = [("Flythrough controls", keyboard.HELP)]
        self._help_provider: Callable[[], str] = self.default_help_text
        self._hud_provider: Callable[[], str] = self.default_hud_text
        self._pad_menu_items = self._default_pad_menu_items()
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy indicator: reading has no useful percentage
        self.progress.setMaximumWidth(160)
        self.progress.hide()
        bar, menus = self.statusBar(), self.menuBar()
        assert bar is not None and menus is not None
        if desktop:
            bar.addPermanentWidget(self.progress)
            self._build_menus()
        else:
            bar.hide()
            menus.hide()
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self.tick)
        if drive_frames:
            self.timer.start(FRAME_INTERVAL_MS)

    # ------------------------------------------------------------------ hooks for tools

    @property
    def closed(self) -> bool:
        """Whether the window has been closed (a closed one is never shown again)."""
        return self._closed

    def request_render(self) -> None:
        """Draw the next frame even if the camera has not moved."""
        self._dirty = True

    def add_menu(self, title: str) -> QMenu:
        """A menu of the menu bar by its plain title ("Search"), made if needed."""
        if title not in self._menus:
            bar = self.menuBar()
            assert bar is not None
            menu = bar.addMenu(f"&{title}")
            assert menu is not None
            self._menus[title] = menu
        return self._menus[title]

    def menu(self, title: str) -> QMenu:
        """An existing menu by its plain title ("File", "View", "Help" or one a tool added)."""
        return self._menus[title]

    def add_action(
        self, menu: str, text: str, slot: Callable[[], object], shortcut: str | QKeySequence.StandardKey | None = None
    ) -> QAction:
        """An action in the named menu; its shortcut also works in full screen, without the menu bar."""
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        self.add_menu(menu).addAction(action)
        self.addAction(action)
        return action

    def add_pad_handler(self, handler: Callable[[str], bool]) -> None:
        """``handler(action)`` sees each pad action in flight before the defaults; True means it used it."""
        self._pad_handlers.append(handler)

    def add_pad_menu_item(self, item: PadMenuItem, *, before: str | None = None) -> None:
        """An entry of the pad menu, before the entry keyed ``before`` (or last)."""
        keys = [i.key for i in self._pad_menu_items]
        at = keys.index(before) if before in keys else len(keys)
        self._pad_menu_items.insert(at, item)

    def add_help_section(self, title: str, rows: Rows) -> None:
        """Rows of the help card, after the keyboard's and before the pad's."""
        self._help_sections.append((title, rows))

    def set_help_provider(self, provider: Callable[[], str]) -> None:
        """Replace the whole help card's text (the kiosk's card for visitors)."""
        self._help_provider = provider

    def set_hud_provider(self, provider: Callable[[], str]) -> None:
        """Replace the HUD line."""
        self._hud_provider = provider

    def show_status(self, text: str, ms: int = 0) -> None:
        """A message in the status bar for ``ms`` milliseconds (0: until replaced)."""
        bar = self.statusBar()
        if bar is not None:
            bar.showMessage(text, ms)

    @property
    def help_on(self) -> bool:
        return self._help_on

    def show_help(self, on: bool) -> None:
        if on != self._help_on:
            self._help_on = on
            self._dirty = True

    def fit_view(self, size: tuple[int, int]) -> None:
        """Resize the window so that the 3D view itself, not the window, has ``size``."""
        view_w, view_h = self.vtk_widget.width(), self.vtk_widget.height()
        self.resize(self.width() + size[0] - view_w, self.height() + size[1] - view_h)

    @property
    def flight(self) -> ScriptedFlight | None:
        """The scripted flight under way, if any."""
        return self.flight_loop.flight

    @property
    def pad_menu(self) -> Menu | None:
        """The pad menu while it is open."""
        return self.flight_loop.menu

    @property
    def pad_state(self) -> PadState:
        return self.flight_loop.pad

    # ------------------------------------------------------------------ menus

    def _build_menus(self) -> None:
        for title in MENU_TITLES:
            self.add_menu(title)
        self.add_action("File", "&Open…", self.open_dialog, QKeySequence.StandardKey.Open)
        self.recent_menu = self.menu("File").addMenu("Open &Recent")
        self._refresh_recent()
        self.add_action("File", "Save &Screenshot", self.save_screenshot_interactive, "F12")
        self.menu("File").addSeparator()
        self.add_action("File", "&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.add_action("View", "&Overview", self.overview, "Home")
        self.add_action("View", "Or&bit", self.toggle_orbit, "O")
        self.add_action("View", "&Labels", self.toggle_labels, "L")
        self.add_action("View", "&Full Screen", self.toggle_fullscreen, "F11")
        self.add_action("Help", "&Controls", self.toggle_help, "F1")

    def _refresh_recent(self) -> None:
        assert self.recent_menu is not None
        self.recent_menu.clear()
        for path in self.recent_files():
            action = QAction(path, self)
            action.triggered.connect(lambda _=False, p=path: self.open_path(Path(p)))
            self.recent_menu.addAction(action)
        self.recent_menu.setEnabled(bool(self.recent_files()))

    def recent_files(self) -> list[str]:
        value = self.settings.value("recent", [])
        return [str(v) for v in value] if isinstance(value, list) else [str(value)] if value else []

    def _remember(self, path: str) -> None:
        absolute = str(Path(path).resolve())
        recent = [p for p in self.recent_files() if p != absolute]
        self.settings.setValue("recent", [absolute, *recent][:MAX_RECENT])
        self.settings.sync()
        if MENU_TITLES[0] in self._menus:
            self._refresh_recent()

    # ------------------------------------------------------------------ loading

    def open_dialog(self) -> None:
        start = str(self.dataset_path.parent) if self.dataset_path else str(Path.cwd())
        name, _ = QFileDialog.getOpenFileName(self, "Open dataset", start, FILE_FILTER)
        if name:
            self.open_path(Path(name))

    def open_path(self, path: Path) -> None:
        """Start loading in the background; the current dataset stays until it succeeds."""
        if self.loader is not None and self.loader.isRunning():
            self.loader.wait()
        self.progress.setRange(0, 0)  # busy until the loader says how far it is (a first open, no cache yet)
        self.progress.show()
        self.show_status(f"Loading {path.name}…")
        self.resolve_point_budget()
        self.loader = Loader(path, self)
        self.loader.loaded.connect(self._on_loaded)
        self.loader.failed.connect(self._on_failed)
        self.loader.progress.connect(lambda step, done: self._loading(path, step, done))
        self.loader.start()
        self.dataset_loading.emit(str(path))

    def _loading(self, path: Path, step: str, done: float) -> None:
        """A first open's progress: the step in the status bar, the whole on the bar."""
        self.progress.setRange(0, 100)
        self.progress.setValue(int(round(100 * done)))
        self.show_status(f"Opening {path.name} for the first time: {step}… {100 * done:.0f}%")
        self.loading_progress.emit(step, done)

    def resolve_point_budget(self) -> int:
        """This frame's point budget; with none given, the adaptive one, set up for the GL renderer the first time."""
        if self.point_budget is not None:
            self.scene.point_budget = self.point_budget
            return self.point_budget
        if self.scene.frame_budget is None:
            self.render_window.Render()  # the first render makes the GL context that names the renderer
            self.scene.frame_budget = FrameBudget.for_renderer(renderer_string(self.render_window))
            log.info("point budget: follows the frame time toward %.1f ms", self.scene.frame_budget.target_ms)
        self.scene.point_budget = int(self.scene.frame_budget.budget)
        return self.scene.point_budget

    def show_dataset(self, dataset: Dataset, path: str | None = None, *, cloud: Cloud | None = None) -> None:
        """Show a dataset; ``cloud``, when given, is it already prepared (the loader does that off the UI thread)."""
        self.resolve_point_budget()
        self.dataset = dataset
        self.dataset_path = Path(path) if path else dataset.path
        self.flight_loop.flight = None
        self._region_at = None
        self.scene.show_dataset(dataset, cloud)
        frame = self.frame
        self.camera.settings.speed = speed_for_extent(frame.low, frame.high)
        self.camera.overview(frame.low, frame.high)
        name = self.dataset_path.name if self.dataset_path else "dataset"
        self.setWindowTitle(f"{name} — Flythrough")
        self.show_status(f"{name}: {len(dataset):,} points", 5000)
        self._dirty = True
        self.dataset_shown.emit(dataset)

    def warm_up(self) -> None:
        """Draw one frame of a small stand-in cloud, labels and HUD included.

        The GL driver compiles the shaders at their first use: on software GL that
        made the first world a visitor opened stall for about 100 ms more. The
        stand-in is not a dataset of the window's: the next one shown replaces it.
        """
        rng = np.random.default_rng(0)
        n = 64
        stand_in = Dataset(labels=np.array([f"w{i}" for i in range(n)], dtype=object),
                           points=rng.normal(size=(n, 3)).astype(np.float32),
                           groups=np.array(["a", "b"] * (n // 2), dtype=object))  # fmt: skip
        self.resolve_point_budget()
        self.scene.show_dataset(stand_in)
        self.camera.overview(*stand_in.bounds())
        self.render_frame()

    def _on_loaded(self, cloud: Cloud, path: str) -> None:
        self.progress.hide()
        self.show_dataset(cloud.dataset, path, cloud=cloud)
        if self.desktop:
            self._remember(path)
        self.dataset_loaded.emit(path)

    def _on_failed(self, message: str) -> None:
        self.progress.hide()
        self.show_status("Could not open the dataset", 5000)
        self.error_box = QMessageBox(QMessageBox.Icon.Warning, "Cannot open dataset", message, parent=self)
        self.error_box.open()  # window-modal but not blocking: the view keeps flying
        self.load_failed.emit(message)

    def dragEnterEvent(self, event: QDragEnterEvent | None) -> None:
        assert event is not None
        data = event.mimeData()
        if data is not None and data.hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent | None) -> None:
        assert event is not None
        data = event.mimeData()
        urls = [u for u in data.urls() if u.isLocalFile()] if data is not None else []
        if urls:
            self.open_path(Path(urls[0].toLocalFile()))

    # ------------------------------------------------------------------ commands

    @property
    def frame(self) -> Frame:
        """The box of the bulk of the shown points, which the overview, speed and fog follow."""
        cloud = self.scene.cloud
        return cloud.frame if cloud is not None else frame_of(np.zeros((0, 3)))

    def overview(self) -> None:
        if self.dataset is not None:
            self.camera.orbiting = False
            self.camera.overview(self.frame.low, self.frame.high)
            self._dirty = True

    def toggle_orbit(self) -> None:
        centre = self.camera.pivot if self.dataset is None else self._centre_of_view()
        on = self.camera.toggle_orbit(centre)
        self.show_status("Orbit on" if on else "Orbit off", 2000)
        self._dirty = True

    def _centre_of_view(self) -> np.ndarray:
        """The point the view centres on: the cloud's centre, at its distance along the view."""
        assert self.dataset is not None
        centre = self.frame.centre
        distance = max(float((centre - self.camera.position) @ self.camera.forward), self.scene.diagonal * 0.05)
        return self.camera.position + self.camera.forward * distance

    def toggle_labels(self) -> None:
        self.scene.labels_on = not self.scene.labels_on
        self._dirty = True

    def toggle_fullscreen(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    def toggle_help(self) -> None:
        self.show_help(not self._help_on)

    def default_help_text(self) -> str:
        sections = [*self._help_sections, ("Gamepad (PS4 / Xbox)", PAD_HELP)]
        return card(sections, "F1 closes this card")

    def card_text(self) -> str | None:
        """What the centred card shows: the pad menu, else the help, else nothing."""
        if self.flight_loop.menu is not None:
            return self.flight_loop.menu.text()
        return self._help_provider() if self._help_on else None

    def change_speed(self, notches: float) -> None:
        factor = self.keys.wheel(notches)
        self.show_status(f"Speed ×{factor:.2g}", 1500)
        self._dirty = True

    def datasets_to_step_through(self) -> list[Path]:
        if self.playlist:
            return self.playlist
        if self.dataset_path is None or not self.dataset_path.parent.is_dir():
            return []
        return datasets_in(self.dataset_path.parent)

    def step_dataset(self, step: int) -> None:
        """L1/R1: the previous or next dataset of the playlist (or of this dataset's folder)."""
        paths = [p.resolve() for p in self.datasets_to_step_through()]
        if not paths:
            return
        here = self.dataset_path.resolve() if self.dataset_path else None
        index = paths.index(here) if here in paths else -1 if step > 0 else 0
        self.open_path(paths[(index + step) % len(paths)])

    def fly(self, flight: ScriptedFlight) -> None:
        """Start a scripted flight; the pilot's first input ends it."""
        self.flight_loop.fly(flight, time.perf_counter())
        self._dirty = True

    def fly_towards(self, target: np.ndarray, distance: float) -> None:
        """Fly to ``distance`` from ``target`` on the line from here, looking at it (a point, a region)."""
        end = facing(np.asarray(target, dtype=float), self.camera.position, distance)
        start = pose_of(self.camera)
        self.fly(FlyTo(start, end, flight_time(start[0], end[0], self.scene.diagonal)))

    def fly_to_region(self, centre: tuple[float, float, float], radius: float) -> None:
        """Stand back from a region's centre far enough to read its name and see it whole."""
        self.fly_towards(np.array(centre), REGION_VIEW_RADII * radius)

    def step_region(self, step: int) -> str | None:
        """Fly to the next (or previous) named region of the top level; its name, or None without regions."""
        regions = self.dataset.regions if self.dataset is not None else None
        if regions is None or not regions.levels or not regions.levels[0]:
            return None
        top = regions.levels[0]
        at = self._region_at
        self._region_at = (at + step) % len(top) if at is not None else (0 if step > 0 else len(top) - 1)
        region = top[self._region_at]
        self.fly_to_region(region.centroid, region.radius)
        self.show_status(region.name, 3000)
        return region.name

    # ------------------------------------------------------------------ pad menu

    def _default_pad_menu_items(self) -> list[PadMenuItem]:
        def show_controls() -> None:
            self.show_help(True)

        return [
            PadMenuItem("labels", lambda: f"Labels: {'on' if self.scene.labels_on else 'off'}", self.toggle_labels,
                        closes=False),
            PadMenuItem("speed", lambda: f"Speed: ×{self.keys.speed_factor:.2g}  (◀ ▶)", lambda: self.change_speed(1),
                        closes=False, adjust=self.change_speed),
            PadMenuItem("next", lambda: "Next dataset", lambda: self.step_dataset(1)),
            PadMenuItem("overview", lambda: "Overview of the cloud", self.overview),
            PadMenuItem("controls", lambda: "Show the controls", show_controls),
            PadMenuItem("close", lambda: "Close this menu", lambda: None),
        ]  # fmt: skip

    def _pad_menu_texts(self) -> list[tuple[str, str]]:
        return [(item.key, item.text()) for item in self._pad_menu_items]

    def open_menu(self) -> None:
        adjustable = frozenset(item.key for item in self._pad_menu_items if item.adjust is not None)
        self.flight_loop.menu = Menu("Menu", self._pad_menu_texts(), adjustable=adjustable)
        self.camera.stop()
        self._dirty = True

    def close_menu(self) -> None:
        self.flight_loop.menu = None
        self._dirty = True

    def menu_choose(self, key: str) -> None:
        """Run a pad-menu item; the menu stays open for toggles, closes for moves."""
        item = next(i for i in self._pad_menu_items if i.key == key)
        if item.closes:
            self.close_menu()
        item.run()
        if self.flight_loop.menu is not None:
            self.flight_loop.menu.items = self._pad_menu_texts()
        self._dirty = True

    def menu_key(self, action: str) -> bool:
        """A pad action or key while the menu is open; True when it was used."""
        menu = self.flight_loop.menu
        assert menu is not None
        answer = menu.answer(action)
        if answer is None:
            return False
        if answer.kind == "choose":
            self.menu_choose(answer.item)
        elif answer.kind == "adjust":
            adjust = next(i.adjust for i in self._pad_menu_items if i.key == answer.item)
            assert adjust is not None
            adjust(answer.step)
            menu.items = self._pad_menu_texts()
        elif answer.kind == "close":
            self.close_menu()
        self._dirty = True
        return True

    # ------------------------------------------------------------------ gamepads

    def pad_input(self) -> None:
        """Read the pads (never blocks): keep their state for the flight loop, run their buttons."""
        if self.gamepads is None:
            return
        state, events = self.gamepads.poll()
        self.flight_loop.pad = state
        for event in events:
            self.last_input_at = time.monotonic()
            self.on_pad_event(event)
        if not state.idle:
            self.last_input_at = time.monotonic()

    def on_pad_event(self, event: PadEvent) -> None:
        if event.button == UNPLUGGED:
            self.camera.stop()  # no runaway on the last axis value
            self.show_status("Gamepad disconnected", 4000)
            return
        if not event.pressed or event.action is None:
            return
        self.pad_action(event.action)

    def pad_action(self, action: str) -> None:
        """A pad button in flight: the open menu first, then the tools' handlers, then the defaults."""
        if self.flight_loop.menu is not None and self.menu_key(action):
            return
        if any(handler(action) for handler in self._pad_handlers):
            return
        if self._help_on and action in ("back", "select"):
            self.toggle_help()  # the card closes with the button a visitor would try
            return
        if action == "menu":
            self.open_menu()
        elif action == "labels":
            self.toggle_labels()
        elif action in ("up", "down"):
            self.change_speed(1 if action == "up" else -1)
        elif action in ("previous", "next"):
            self.step_dataset(-1 if action == "previous" else 1)
        elif action in ("left", "right"):
            self.step_region(-1 if action == "left" else 1)
        elif action == "back":
            self.overview()

    # ------------------------------------------------------------------ screenshots

    def save_screenshot_interactive(self) -> None:
        folder = Path.home() / "Pictures"
        folder = folder if folder.is_dir() else Path.cwd()
        path = folder / time.strftime("flythrough-%Y%m%d-%H%M%S.png")
        try:
            self.save_screenshot(path)
        except OSError as exc:
            self.show_status(f"Could not save the screenshot: {exc}", 8000)
            return
        self.show_status(f"Screenshot saved to {path}", 8000)

    def _grab(self) -> vtkWindowToImageFilter:
        """Render now and capture the 3D view, labels and HUD included."""
        self.render_frame()
        grab = vtkWindowToImageFilter()
        grab.SetInput(self.render_window)
        grab.ReadFrontBufferOff()
        grab.Update()
        return grab

    def view_pixels(self) -> np.ndarray:
        """The 3D view as an RGB uint8 array, top row first."""
        image = self._grab().GetOutput()
        width, height, _ = image.GetDimensions()
        rgb = vtk_to_numpy(image.GetPointData().GetScalars()).reshape(height, width, -1)[:, :, :3]
        return np.asarray(rgb[::-1]).copy()

    def save_screenshot(self, path: Path) -> Path:
        """Write the 3D view as a PNG, atomically (temporary file, then rename)."""
        grab = self._grab()  # must outlive the writer's use of its output port
        writer = vtkPNGWriter()
        writer.WriteToMemoryOn()
        writer.SetInputConnection(grab.GetOutputPort())
        writer.Write()
        with atomic_file(path) as fh:
            fh.write(vtk_to_numpy(writer.GetResult()).tobytes())
        return path

    # ------------------------------------------------------------------ input

    def eventFilter(self, watched: QObject | None, event: QEvent | None) -> bool:
        """Take keyboard and mouse from the VTK widget, so VTK's own bindings never act."""
        assert event is not None
        kind = event.type()
        if kind == QEvent.Type.Paint:
            self._dirty = True  # drawn by the next tick; the widget itself no longer renders
            return False
        if kind in USER_INPUT:
            self.last_input_at = time.monotonic()
        if kind == QEvent.Type.KeyPress and self.flight_loop.menu is not None:
            assert isinstance(event, QKeyEvent)
            action = MENU_KEYS.get(Qt.Key(event.key()))
            if action is not None:
                self.menu_key(action)
                return True
        if kind == QEvent.Type.ShortcutOverride:
            # The VTK widget claims every key; give non-flight keys, and any key with
            # Ctrl or Alt (Ctrl+O, the kiosk's Ctrl+Alt+Q), back to the shortcuts.
            assert isinstance(event, QKeyEvent)
            chord = event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
            if QT_KEY_NAMES.get(Qt.Key(event.key())) is None or chord:
                event.ignore()
                return True
            return False
        if kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            assert isinstance(event, QKeyEvent)
            name = QT_KEY_NAMES.get(Qt.Key(event.key()))
            if name is None:
                return False  # let menu shortcuts see it
            if not event.isAutoRepeat():
                (self.keys.press if kind == QEvent.Type.KeyPress else self.keys.release)(name)
            return True
        if kind == QEvent.Type.MouseButtonPress:
            assert isinstance(event, QMouseEvent)
            self._drag_from = self._press_at = (event.position().x(), event.position().y())
            return True
        if kind == QEvent.Type.MouseMove and self._drag_from is not None:
            assert isinstance(event, QMouseEvent)
            x, y = event.position().x(), event.position().y()
            if self._press_at is not None and max(abs(x - self._press_at[0]), abs(y - self._press_at[1])) < CLICK_PX:
                return True  # still a click, not yet a drag
            self._press_at = None
            self.flight_loop.flight = None  # looking around takes the camera back
            d_yaw, d_pitch = keyboard.mouse_look(x - self._drag_from[0], y - self._drag_from[1])
            self.camera.look(d_yaw, d_pitch)
            self._drag_from = (x, y)
            self._dirty = True
            return True
        if kind == QEvent.Type.MouseButtonRelease:
            assert isinstance(event, QMouseEvent)
            was_click = self._press_at is not None
            self._drag_from = self._press_at = None
            if was_click:
                self.clicked.emit(event.position().x(), event.position().y())
            return True
        if kind == QEvent.Type.Wheel:
            assert isinstance(event, QWheelEvent)
            self.change_speed(event.angleDelta().y() / 120)
            return True
        if kind == QEvent.Type.FocusOut:
            self.keys.release_all()
        return False

    # ------------------------------------------------------------------ frames

    def tick(self) -> None:
        """One frame: read the pads, advance the camera, and render if anything changed."""
        self.pad_input()
        if self.flight_loop.step(time.perf_counter()) or self._dirty:
            self.render_frame()

    def render_frame(self) -> None:
        start, thread, process = time.perf_counter(), time.thread_time(), time.process_time()
        width, height = self.render_window.GetSize()
        self.last_stats = self.scene.update(self.camera, max(width, 1), max(height, 1))
        self.scene.show_card(self.card_text(), width, height)
        self.scene.place_legend(width, height)
        self.scene.set_hud(self._hud_provider())
        self.render_window.Render()
        elapsed = time.perf_counter() - start
        self.scene.frame_took(elapsed * 1000)
        self._frame_times.append(elapsed)
        self._dirty = self.last_stats.pictures_waiting > 0  # the pictures a frame could not bring in: the next tick
        self.frame_rendered.emit(
            elapsed * 1000, (time.thread_time() - thread) * 1000, (time.process_time() - process) * 1000
        )

    def default_hud_text(self) -> str:
        n = len(self.dataset) if self.dataset is not None else 0
        groups = self.scene.groups
        shown = n if groups is None or groups.all_visible else int(groups.counts[groups.visible].sum())
        points = f"{n:,} points" if shown == n else f"{shown:,} of {n:,} points"
        far = self.frame.far_outside
        if far:
            points += f" ({far:,} far outside the frame)"
        return (
            f"{self.fps:4.0f} fps   {points}   {self.last_stats.labels_shown} labels   "
            f"speed ×{self.keys.speed_factor:.2g}{'   orbit' if self.camera.orbiting else ''}   F1 help"
        )

    @property
    def fps(self) -> float:
        """Frames a second over the last 60 frames drawn."""
        return len(self._frame_times) / sum(self._frame_times) if self._frame_times else 0.0

    def closeEvent(self, event: QCloseEvent | None) -> None:
        if self._closed:  # a second close (a child widget is closed by its owner, then again)
            super().closeEvent(event)
            return
        self._closed = True
        self.closing.emit()
        self.timer.stop()
        if self.gamepads is not None:
            self.gamepads.stop()
        if self.loader is not None:
            self.loader.wait()
        self.vtk_widget.Finalize()
        super().closeEvent(event)
