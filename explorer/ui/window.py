"""The main window: menus, loading, input and the frame loop (Qt adapter)."""

from __future__ import annotations

import time
from collections import deque
from pathlib import Path

import numpy as np
from PyQt6.QtCore import QEvent, QObject, QSettings, Qt, QThread, QTimer, pyqtSignal
from PyQt6.QtGui import QAction, QKeyEvent, QKeySequence, QMouseEvent, QWheelEvent
from PyQt6.QtWidgets import QFileDialog, QMainWindow, QMessageBox, QProgressBar, QStackedWidget
from vtkmodules.qt.QVTKRenderWindowInteractor import QVTKRenderWindowInteractor
from vtkmodules.util.numpy_support import vtk_to_numpy
from vtkmodules.vtkIOImage import vtkPNGWriter
from vtkmodules.vtkRenderingCore import vtkRenderer, vtkWindowToImageFilter

from explorer.core import keyboard
from explorer.core.camera import FlightSettings, FlyCamera, FlyTo, Intent, set_pose, speed_for_extent
from explorer.core.dataset import Dataset, DatasetError, read_dataset
from explorer.core.files import atomic_file
from explorer.devices.gamepad import Gamepads
from explorer.core.pad_menu import Menu
from explorer.core.pad import PAD_HELP, UNPLUGGED, PadEvent, PadState, merged, pad_intent
from explorer.render.scene import FrameStats, Scene
from explorer.core.tour import RouteTour

FILE_FILTER = "Flythrough datasets (*.ds.tsv.gz *.ds.tsv *.tsv.gz *.tsv);;All files (*)"
DATASET_SUFFIXES = (".ds.tsv.gz", ".ds.tsv")
MAX_RECENT = 8
FRAME_INTERVAL_MS = 15

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


def card_rows(rows: list[tuple[str, str]], width: int) -> str:
    """The key / meaning lines of a help card, keys padded to ``width``."""
    return "\n".join(f"  {key.ljust(width)}   {meaning}  " for key, meaning in rows)


class Loader(QThread):
    """Reads a dataset off the UI thread."""

    loaded = pyqtSignal(object, str)
    failed = pyqtSignal(str)

    def __init__(self, path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = path

    def run(self) -> None:
        try:
            self.loaded.emit(read_dataset(self.path), str(self.path))
        except DatasetError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - any failure must reach the user as a message
            self.failed.emit(f"{self.path}: cannot open: {exc}")


class FlythroughWindow(QMainWindow):
    """One 3D view of one dataset, flown with keyboard, mouse and gamepads."""

    dataset_loaded = pyqtSignal(str)
    load_failed = pyqtSignal(str)

    def __init__(
        self,
        *,
        label_budget: int = 150,
        point_size: float = 3.0,
        point_budget: int = 0,
        gamepads: Gamepads | None = None,
        research: bool = True,
    ) -> None:
        super().__init__()
        self.setWindowTitle("Flythrough")
        self.resize(1280, 720)
        self.setAcceptDrops(True)
        # VTK's own Qt widget (pyvistaqt's QtInteractor is a subclass of it): importing
        # pyvistaqt costs 1.0 s of start-up, pyvista pulling in matplotlib.pyplot.
        self.vtk_widget = QVTKRenderWindowInteractor(self)
        self.render_window = self.vtk_widget.GetRenderWindow()
        self.render_window.SetMultiSamples(0)  # 2.7x slower on software GL, and points need none
        self.renderer = vtkRenderer()
        self.render_window.AddRenderer(self.renderer)
        self.vtk_widget.GetRenderWindow().GetInteractor().SetInteractorStyle(None)
        # A stack, so that the kiosk can put its dataset picker in front of the view.
        self.stack = QStackedWidget()
        self.stack.addWidget(self.vtk_widget)
        self.setCentralWidget(self.stack)
        self.vtk_widget.installEventFilter(self)  # keyboard and mouse are ours, not VTK's
        self.vtk_widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.vtk_widget.Initialize()
        self.scene = Scene(self.renderer, point_size=point_size, label_budget=label_budget, point_budget=point_budget)
        self.camera = FlyCamera(FlightSettings())
        self.keys = keyboard.KeyboardMouse()
        self.gamepads = gamepads  # started by the caller; stopped when the window closes
        self.pad_state = PadState()
        self.menu: Menu | None = None
        self.playlist: list[Path] = []  # what L1/R1 step through; empty: the datasets beside this one
        self.last_input_at = time.monotonic()
        self.dataset: Dataset | None = None
        self.dataset_path: Path | None = None
        self.loader: Loader | None = None
        self.error_box: QMessageBox | None = None
        self._drag_from: tuple[float, float] | None = None
        self._help_on = False
        self._dirty = True
        self._last_tick = time.perf_counter()
        self._frame_times: deque[float] = deque(maxlen=60)
        self.last_stats = FrameStats()
        self.settings = QSettings("Flythrough", "Flythrough")
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy indicator: reading has no useful percentage
        self.progress.setMaximumWidth(160)
        self.progress.hide()
        self.statusBar().addPermanentWidget(self.progress)
        self.flight: FlyTo | RouteTour | None = None  # a scripted flight: fly-to, views tour
        self._flight_t0 = 0.0
        self._press_at: tuple[float, float] | None = None
        self._build_menus()
        self.research = None
        if research:
            from explorer.ui.research.controller import Research

            self.research = Research(self)
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self.tick)
        self.timer.start(FRAME_INTERVAL_MS)

    # ------------------------------------------------------------------ menus

    def _action(self, menu, text: str, slot, shortcut: str | QKeySequence.StandardKey | None = None) -> QAction:  # noqa: ANN001
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        self.addAction(action)  # shortcuts work in full screen, without the menu bar
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self._action(file_menu, "&Open…", self.open_dialog, QKeySequence.StandardKey.Open)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self._refresh_recent()
        self._action(file_menu, "Save &Screenshot", self.save_screenshot_interactive, "F12")
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        view = bar.addMenu("&View")
        self._action(view, "&Overview", self.overview, "Home")
        self._action(view, "Or&bit", self.toggle_orbit, "O")
        self._action(view, "&Labels", self.toggle_labels, "L")
        self._action(view, "&Full Screen", self.toggle_fullscreen, "F11")
        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&Controls", self.toggle_help, "F1")

    def _refresh_recent(self) -> None:
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
        self.progress.show()
        self.statusBar().showMessage(f"Loading {path.name}…")
        self.loader = Loader(path, self)
        self.loader.loaded.connect(self._on_loaded)
        self.loader.failed.connect(self._on_failed)
        self.loader.start()

    def show_dataset(self, dataset: Dataset, path: str | None = None) -> None:
        self.dataset = dataset
        self.dataset_path = Path(path) if path else dataset.path
        self.flight = None
        self.scene.show_dataset(dataset)
        if self.research is not None:
            self.research.dataset_shown(dataset)
        low, high = dataset.bounds()
        self.camera.settings.speed = speed_for_extent(low, high)
        self.camera.overview(low, high)
        name = self.dataset_path.name if self.dataset_path else "dataset"
        self.setWindowTitle(f"{name} — Flythrough")
        self.statusBar().showMessage(f"{name}: {len(dataset):,} points", 5000)
        self._dirty = True

    def _on_loaded(self, dataset: Dataset, path: str) -> None:
        self.progress.hide()
        self.show_dataset(dataset, path)
        self._remember(path)
        self.dataset_loaded.emit(path)

    def _on_failed(self, message: str) -> None:
        self.progress.hide()
        self.statusBar().showMessage("Could not open the dataset", 5000)
        self.error_box = QMessageBox(QMessageBox.Icon.Warning, "Cannot open dataset", message, parent=self)
        self.error_box.open()  # window-modal but not blocking: the view keeps flying
        self.load_failed.emit(message)

    def dragEnterEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt's name
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: ANN001, N802
        urls = [u for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            self.open_path(Path(urls[0].toLocalFile()))

    # ------------------------------------------------------------------ commands

    def overview(self) -> None:
        if self.dataset is not None:
            self.camera.orbiting = False
            self.camera.overview(*self.dataset.bounds())
            self._dirty = True

    def toggle_orbit(self) -> None:
        centre = self.camera.pivot if self.dataset is None else self._centre_of_view()
        on = self.camera.toggle_orbit(centre)
        self.statusBar().showMessage("Orbit on" if on else "Orbit off", 2000)
        self._dirty = True

    def _centre_of_view(self):  # noqa: ANN202 - a 3-vector
        """The point the view centres on: the cloud's centre, at its distance along the view."""
        assert self.dataset is not None
        low, high = self.dataset.bounds()
        centre = (low + high) / 2
        distance = max(float((centre - self.camera.position) @ self.camera.forward), self.scene.diagonal * 0.05)
        return self.camera.position + self.camera.forward * distance

    def toggle_labels(self) -> None:
        self.scene.labels_on = not self.scene.labels_on
        self._dirty = True

    def toggle_fullscreen(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    def toggle_help(self) -> None:
        self._help_on = not self._help_on
        self._dirty = True

    def help_text(self) -> str:
        from explorer.ui.research.controller import HELP as RESEARCH_HELP

        width = max(len(k) for k, _ in keyboard.HELP + PAD_HELP + RESEARCH_HELP)
        research = "" if self.research is None else "\n\n  Research\n\n" + card_rows(RESEARCH_HELP, width)
        return (
            "  Flythrough controls\n\n" + card_rows(keyboard.HELP, width) + research
            + "\n\n  Gamepad (PS4 / Xbox)\n\n" + card_rows(PAD_HELP, width) + "\n\n  F1 closes this card"
        )  # fmt: skip

    def card_text(self) -> str | None:
        """What the centred card shows: the pad menu, else the help, else nothing."""
        if self.menu is not None:
            return self.menu.text()
        return self.help_text() if self._help_on else None

    def change_speed(self, notches: float) -> None:
        factor = self.keys.wheel(notches)
        self.statusBar().showMessage(f"Speed ×{factor:.2g}", 1500)
        self._dirty = True

    def datasets_to_step_through(self) -> list[Path]:
        if self.playlist:
            return self.playlist
        if self.dataset_path is None or not self.dataset_path.parent.is_dir():
            return []
        folder = self.dataset_path.parent
        return sorted(p for p in folder.iterdir() if p.name.endswith(DATASET_SUFFIXES))

    def step_dataset(self, step: int) -> None:
        """L1/R1: the previous or next dataset of the playlist (or of this dataset's folder)."""
        paths = [p.resolve() for p in self.datasets_to_step_through()]
        if not paths:
            return
        here = self.dataset_path.resolve() if self.dataset_path else None
        index = paths.index(here) if here in paths else -1 if step > 0 else 0
        self.open_path(paths[(index + step) % len(paths)])

    # ------------------------------------------------------------------ pad menu

    def menu_items(self) -> list[tuple[str, str]]:
        return [
            ("labels", f"Labels: {'on' if self.scene.labels_on else 'off'}"),
            ("speed", f"Speed: ×{self.keys.speed_factor:.2g}  (◀ ▶)"),
            ("next", "Next dataset"),
            ("overview", "Overview of the cloud"),
            ("controls", "Show the controls"),
            ("close", "Close this menu"),
        ]

    def open_menu(self) -> None:
        self.menu = Menu("Menu", self.menu_items())
        self.camera.stop()
        self._dirty = True

    def close_menu(self) -> None:
        self.menu = None
        self._dirty = True

    def menu_choose(self, action: str) -> None:
        """Run a menu item; the menu stays open for toggles, closes for moves."""
        if action == "labels":
            self.toggle_labels()
        elif action == "speed":
            self.change_speed(1)
        elif action == "next":
            self.close_menu()
            self.step_dataset(1)
        elif action == "overview":
            self.close_menu()
            self.overview()
        elif action == "controls":
            self.close_menu()
            self._help_on = True
        elif action == "close":
            self.close_menu()
        if self.menu is not None:
            self.menu.items = self.menu_items()
        self._dirty = True

    def menu_key(self, action: str) -> bool:
        """A pad action or key while the menu is open; True when it was used."""
        assert self.menu is not None
        if action in ("up", "down"):
            self.menu.move(-1 if action == "up" else 1)
        elif action in ("left", "right") and self.menu.chosen == "speed":
            self.change_speed(-1 if action == "left" else 1)
            self.menu.items = self.menu_items()
        elif action == "select":
            self.menu_choose(self.menu.chosen)
        elif action in ("back", "menu"):
            self.close_menu()
        else:
            return False
        self._dirty = True
        return True

    # ------------------------------------------------------------------ gamepads

    def pad_input(self) -> Intent:
        """Read the pads (never blocks): run their button actions, return their flight intent."""
        if self.gamepads is None:
            return Intent()
        state, events = self.gamepads.poll()
        self.pad_state = state
        for event in events:
            self.last_input_at = time.monotonic()
            self.on_pad_event(event)
        if not state.idle:
            self.last_input_at = time.monotonic()
        if self.menu is not None:
            return Intent()  # the menu has the pad: sticks do not fly meanwhile
        return pad_intent(state)

    def on_pad_event(self, event: PadEvent) -> None:
        if event.button == UNPLUGGED:
            self.camera.stop()  # no runaway on the last axis value
            self.statusBar().showMessage("Gamepad disconnected", 4000)
            return
        if not event.pressed or event.action is None:
            return
        self.pad_action(event.action)

    def pad_action(self, action: str) -> None:
        """A pad button in flight (the kiosk adds its own meanings)."""
        if self.menu is not None and self.menu_key(action):
            return
        if self.research is not None and self.research.pad_action(action):
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
        elif action == "back":
            self.overview()

    def save_screenshot_interactive(self) -> None:
        folder = Path.home() / "Pictures"
        folder = folder if folder.is_dir() else Path.cwd()
        path = folder / time.strftime("flythrough-%Y%m%d-%H%M%S.png")
        try:
            self.save_screenshot(path)
        except OSError as exc:
            self.statusBar().showMessage(f"Could not save the screenshot: {exc}", 8000)
            return
        self.statusBar().showMessage(f"Screenshot saved to {path}", 8000)

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
        return rgb[::-1].copy()

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

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """Take keyboard and mouse from the VTK widget, so VTK's own bindings never act."""
        kind = event.type()
        if kind in USER_INPUT:
            self.last_input_at = time.monotonic()
        if kind == QEvent.Type.KeyPress and self.menu is not None:
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
            self.flight = None  # looking around takes the camera back
            d_yaw, d_pitch = keyboard.mouse_look(x - self._drag_from[0], y - self._drag_from[1])
            self.camera.look(d_yaw, d_pitch)
            self._drag_from = (x, y)
            self._dirty = True
            return True
        if kind == QEvent.Type.MouseButtonRelease:
            assert isinstance(event, QMouseEvent)
            if self._press_at is not None and self.research is not None:
                self.research.pick(event.position().x(), event.position().y())
            self._drag_from = self._press_at = None
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
        """One frame: advance the camera, and render if anything changed."""
        now = time.perf_counter()
        dt = min(now - self._last_tick, 0.1)  # a stall must not become a leap
        self._last_tick = now
        intent = merged(self.keys.intent(), self.pad_input())
        if self.flight is not None:
            if intent.idle:
                self._flight_step(now)
            else:
                self.flight = None  # any flight input takes the camera back
        self.camera.step(intent, dt)
        if self._dirty or self.camera.moving or not intent.idle:
            self.render_frame()

    def fly(self, flight: FlyTo | RouteTour) -> None:
        """Start a scripted flight; the pilot's first input ends it."""
        self.camera.orbiting = False
        self.camera.stop()
        self.flight, self._flight_t0 = flight, time.perf_counter()
        self._dirty = True

    def _flight_step(self, now: float) -> None:
        assert self.flight is not None
        t = now - self._flight_t0
        set_pose(self.camera, self.flight.pose(t))
        if t >= self.flight.duration_s:
            self.flight = None
        self._dirty = True

    def render_frame(self) -> None:
        start = time.perf_counter()
        width, height = self.render_window.GetSize()
        self.last_stats = self.scene.update(self.camera, max(width, 1), max(height, 1))
        self.scene.show_card(self.card_text(), width, height)
        self.scene.place_legend(width, height)
        self._update_hud()
        self.render_window.Render()
        self._frame_times.append(time.perf_counter() - start)
        self._dirty = False

    def _update_hud(self) -> None:
        n = len(self.dataset) if self.dataset is not None else 0
        groups = self.scene.groups
        shown = n if groups is None or groups.all_visible else int(groups.counts[groups.visible].sum())
        points = f"{n:,} points" if shown == n else f"{shown:,} of {n:,} points"
        fps = len(self._frame_times) / sum(self._frame_times) if self._frame_times else 0.0
        self.scene.set_hud(
            f"{fps:4.0f} fps   {points}   {self.last_stats.labels_shown} labels   "
            f"speed ×{self.keys.speed_factor:.2g}{'   orbit' if self.camera.orbiting else ''}   F1 help"
        )

    def closeEvent(self, event) -> None:  # noqa: ANN001, N802
        self.timer.stop()
        if self.gamepads is not None:
            self.gamepads.stop()
        if self.loader is not None:
            self.loader.wait()
        if self.research is not None:
            self.research.wait()
        self.vtk_widget.Finalize()
        super().closeEvent(event)
