"""Exhibition (kiosk) mode: a day at a science festival, unattended (Qt adapter).

Full screen, no cursor, no menus. The start screen is an attract screen with
a dataset picker, driven by pad or keyboard. In flight, after a while with
no input the camera tours the densest clusters on its own, and after longer
it goes back to the picker. Visitors cannot leave: Esc and the close button
do nothing; Ctrl+Alt+Q and the keyboard-only admin menu (Ctrl+Alt+A) quit.
Rude words are never labelled unless the admin turns the filter off. An
error in the frame loop is logged to a file and the loop carries on.

The kiosk is a shell around an explorer window, not a kind of one: it holds
the picker and the window in a stack, drives the window's frames, and
attaches through the window's public hooks.
"""

from __future__ import annotations

import gc
import time
from pathlib import Path

import numpy as np
from PyQt6.QtCore import Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from PyQt6.QtWidgets import QApplication, QMenu, QStackedWidget, QVBoxLayout, QWidget

from explorer.core.camera import Pose, blend, pose_of, set_pose
from explorer.core.dataset import Dataset
from explorer.core.idle import Hold, IdleClock, Phase, Taps
from explorer.core.pad import PAD_HELP
from explorer.core.pictures import PICTURE_BUDGET
from explorer.core.process import release_free_heap, rss_mb, steady_heap
from explorer.core.profanity import RudeWords, bundled_rule
from explorer.core.tour import SmoothTour, dense_waypoints, nearest_region, region_waypoints
from explorer.devices.gamepad import Gamepads
from explorer.ui.help_card import card
from explorer.ui.kiosk.log import log
from explorer.ui.kiosk.picker import Entry, PickerPage, PreviewLoader
from explorer.ui.window import FRAME_INTERVAL_MS, FlythroughWindow, PadMenuItem
from explorer.ui.workers import Job

LONG_PRESS_S = 0.8  # Start held this long opens the menu: children mash buttons
CHORD_S = 1.0  # L1+R1 held this long returns to the picker
TRIM_INTERVAL_MS = 15_000  # often enough that freed holes never pile up between trims
STATUS_INTERVAL_MS = 60_000  # one line in the log a minute: the exhibitor's record of the day
BLEND_S = 3.0  # the tour eases in from wherever the visitor left the camera
TOUR_DIAGONALS_PER_S = 1 / 30  # slow: a visitor can read the labels going by
STICK_STEP, STICK_REST = 0.6, 0.3  # the picker moves once per push of a stick
HUD_HINT = "left stick: fly   ·   right stick: look   ·   R2/L2: up/down   ·   hold L1+R1: other worlds"
TOUR_HINT = "touring…  touch any control to fly"


class Kiosk(QWidget):
    """The explorer, locked down for an exhibition stand: the picker and one window in a stack."""

    phase_changed = pyqtSignal(str)
    rude_checked = pyqtSignal(int)  # the shown world's labels are checked: how many are hidden

    def __init__(
        self,
        paths: list[Path],
        *,
        tour_after_s: float = 90.0,
        picker_after_s: float = 600.0,
        label_budget: int = 150,
        point_size: float = 3.0,
        point_budget: int | None = None,
        pictures: int = PICTURE_BUDGET,
        gamepads: Gamepads | None = None,
        rude: RudeWords | None = None,
    ) -> None:
        super().__init__()
        steady_heap()  # before any world is read: a day of switches must not fragment the heap
        self.setWindowTitle("Flythrough")
        self.resize(1280, 720)  # until full screen: the size of the explorer's window
        # None: the window chooses the budget from the renderer when the first dataset shows.
        self.explorer = FlythroughWindow(label_budget=label_budget, point_size=point_size, point_budget=point_budget,
                                       gamepads=gamepads, desktop=False, drive_frames=False,
                                       pictures=pictures)  # fmt: skip
        self.explorer.playlist = list(paths)
        self.gamepads = gamepads
        self.clock = IdleClock(tour_after_s, picker_after_s)
        self.phase = Phase.PICKER
        self.loop_errors = 0
        self.profanity_filter = bool(self.explorer.settings.value("kiosk/profanity_filter", True, type=bool))
        self.may_quit = False
        self._warmed_up = False
        self.rude = rude if rude is not None else bundled_rule()
        self.rude_pending = False  # a world's labels are being checked: none shows meanwhile
        self._rude_rows: dict[tuple[str, int, int], np.ndarray] = {}  # per dataset file, checked once
        self._rude_jobs: list[Job] = []
        self._start_hold = Hold(frozenset({"BTN_START"}), LONG_PRESS_S)
        self._chord = Hold(frozenset({"BTN_TL", "BTN_TR"}), CHORD_S)
        self._taps = Taps()
        self._stick_armed = True
        self._tour: SmoothTour | None = None
        self._tour_from: Pose | None = None
        self._tour_t0 = 0.0
        self._tour_started = 0.0
        self._intro_card_at: float | None = None

        self.picker = PickerPage([Entry.of(p) for p in paths])
        self.picker.chosen.connect(self.choose)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.picker)
        self.stack.addWidget(self.explorer)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

        self.explorer.set_hud_provider(self.hud_text)
        self.explorer.set_help_provider(self.help_text)
        self.explorer.add_pad_handler(self._pad_action)
        self.explorer.add_pad_menu_item(PadMenuItem("picker", lambda: "Back to the picker", self.show_picker),
                                      before="close")  # fmt: skip
        self.explorer.dataset_shown.connect(self._on_shown)
        self.explorer.dataset_loaded.connect(lambda _path: self._enter_flight())
        for keys, slot in (("Ctrl+Alt+Q", self.quit_kiosk), ("Ctrl+Alt+A", self.admin_menu)):
            action = QAction(keys, self)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
            action.triggered.connect(lambda _checked=False, run=slot: run())
            self.addAction(action)

        self.previews = PreviewLoader(self.explorer.playlist, self, check=self._check_labels)
        self.previews.ready.connect(self.picker.set_preview)
        self.previews.checked.connect(lambda _index, checked: self._remember_rude(*checked))
        self.previews.failed.connect(self.picker.set_failed)
        self.previews.start()
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self.tick)
        self.timer.start(FRAME_INTERVAL_MS)
        self.trim_timer = QTimer(self)
        self.trim_timer.timeout.connect(release_free_heap)
        self.trim_timer.start(TRIM_INTERVAL_MS)
        self.started = time.monotonic()
        self.worlds_shown = 0
        self.status_timer = QTimer(self)
        self.status_timer.timeout.connect(lambda: log.info("%s", self.status_line()))
        self.status_timer.start(STATUS_INTERVAL_MS)
        # What was loaded to start (Qt, VTK, NumPy and the rest) lives all day: out of the
        # collector's way, so that its full collections stay short and never stall a frame,
        # nor a world switch. Worlds come and go after this, and are collected as usual.
        gc.collect()
        gc.freeze()
        self.show_picker()
        log.info("kiosk ready at the picker: %s", ", ".join(p.name for p in self.explorer.playlist))

    # ------------------------------------------------------------------ phases

    def set_phase(self, phase: Phase) -> None:
        if phase is self.phase:
            return
        log.info("%s -> %s", self.phase.value, phase.value)
        self.phase = phase
        self.phase_changed.emit(phase.value)

    def show_picker(self) -> None:
        self.explorer.close_menu()
        self.explorer.camera.stop()
        self.set_phase(Phase.PICKER)
        self.stack.setCurrentWidget(self.picker)
        self.picker.setFocus()

    def choose(self, index: int) -> None:
        """Fly into the dataset chosen on the picker (it loads off the UI thread)."""
        path = self.explorer.playlist[index]
        here = self.explorer.dataset_path
        if here is not None and path.resolve() == here.resolve():
            self._enter_flight()
        else:
            self.explorer.open_path(path)

    def _enter_flight(self) -> None:
        self.stack.setCurrentWidget(self.explorer)
        self.explorer.vtk_widget.setFocus()
        self.explorer.last_input_at = time.monotonic()
        self.explorer.show_help(True)  # "How to fly", until the visitor touches a control
        self._intro_card_at = self.explorer.last_input_at
        self.set_phase(Phase.FLYING)
        self.explorer.request_render()

    @property
    def switches(self) -> int:
        """World switches: every world shown after the first."""
        return max(self.worlds_shown - 1, 0)

    def status_line(self) -> str:
        """Uptime, memory, frame rate, the world shown, switches and hidden labels, for the log."""
        up = int(time.monotonic() - self.started)
        world = self.explorer.dataset_path.name if self.explorer.dataset_path is not None else "none"
        hidden = self.hidden_labels
        return (
            f"status: up {up // 3600}:{up // 60 % 60:02d}:{up % 60:02d}, RSS {rss_mb():.0f} MB, "
            f"{self.explorer.fps:.0f} fps, {self.phase.value} in {world}, {self.switches} switches, "
            f"{'no' if hidden is None else f'{hidden:,}'} labels hidden"
        )

    def _on_shown(self, _dataset: Dataset) -> None:
        self.worlds_shown += 1
        self._tour = None
        self.apply_profanity_filter()

    def apply_profanity_filter(self) -> None:
        """Hide the shown world's rude labels; they are found off the UI thread, and until then no label shows."""
        window = self.explorer
        dataset = window.dataset
        if window.scene.picker is None or dataset is None:
            return
        window.request_render()
        if window.scene.signposts is not None:  # region names: few, checked here at once
            window.scene.signposts.hide(self.rude.is_rude if self.profanity_filter else None)
        if not self.profanity_filter:
            window.scene.set_hidden("rude", None)
            return
        key = self._file_key(window.dataset_path)
        rows = self._rude_rows.get(key) if key is not None else None
        if rows is not None and len(rows) == len(dataset):
            self._show_checked(rows)
            return
        window.scene.set_hidden("rude", np.ones(len(dataset), dtype=bool))
        self.rude_pending = True
        rule, labels, groups = self.rude, dataset.labels, dataset.groups
        job = Job((key, dataset), lambda: rule.rows(labels, groups), self)
        job.done.connect(self._rude_done)
        job.finished.connect(lambda: self._rude_jobs.remove(job) if job in self._rude_jobs else None)
        job.finished.connect(job.deleteLater)
        self._rude_jobs.append(job)
        job.start()

    def _check_labels(self, path: Path, dataset: Dataset) -> tuple[tuple[str, int, int] | None, np.ndarray]:
        """The rude rows of a world read for the picker (off the UI thread), under its file's key."""
        return self._file_key(path), self.rude.rows(dataset.labels, dataset.groups)

    def _remember_rude(self, key: tuple[str, int, int] | None, rows: np.ndarray) -> None:
        if key is not None:
            self._rude_rows[key] = rows

    @staticmethod
    def _file_key(path: Path | None) -> tuple[str, int, int] | None:
        """A dataset file as it is now: its path, size and modification time."""
        try:
            stat = path.stat() if path is not None else None
        except OSError:
            return None
        return None if stat is None or path is None else (str(path.resolve()), stat.st_size, stat.st_mtime_ns)

    def _rude_done(self, tag: tuple[tuple[str, int, int] | None, Dataset], rows: np.ndarray) -> None:
        key, dataset = tag
        self._remember_rude(key, rows)
        if dataset is self.explorer.dataset and self.profanity_filter:
            self._show_checked(rows)

    def _show_checked(self, rows: np.ndarray) -> None:
        self.explorer.scene.set_hidden("rude", rows)
        self.explorer.request_render()
        self.rude_pending = False
        hidden = int(rows.sum())
        log.info("%s: %s labels hidden by the rude-word filter", self.explorer.dataset_path, f"{hidden:,}")
        self.rude_checked.emit(hidden)

    @property
    def hidden_labels(self) -> int | None:
        """How many of the shown world's labels the filter hides; None while it checks or when it is off."""
        if not self.profanity_filter or self.rude_pending:
            return None
        hidden = self.explorer.scene.hidden_layer("rude")
        return None if hidden is None else int(hidden.sum())

    # ------------------------------------------------------------------ frames

    def tick(self) -> None:
        """One frame; an error is logged and the next frame comes anyway."""
        try:
            self._tick()
        except Exception:  # the visitor must never see a traceback
            self.loop_errors += 1
            log.exception("error in the frame loop (carrying on)")

    def _tick(self) -> None:
        now = time.monotonic()
        window = self.explorer
        if self.phase is Phase.PICKER:
            self._picker_tick()
            return
        if self.phase is Phase.TOUR:
            window.pad_input()
            if window.last_input_at > self._tour_started:  # any input gives control back at once
                window.camera.stop()
                self.set_phase(Phase.FLYING)
            else:
                self._tour_step(now)
        if self.phase is Phase.FLYING:
            window.tick()
        if self._intro_card_at is not None and window.last_input_at > self._intro_card_at + 0.5:
            window.show_help(False)
            self._intro_card_at = None
        self._buttons_held(now)
        phase = self.clock.phase(self.phase, now - window.last_input_at)
        if phase is Phase.TOUR and self.phase is Phase.FLYING:
            self.start_tour(now)
        elif phase is Phase.PICKER:
            self.show_picker()

    def _picker_tick(self) -> None:
        if self.gamepads is None:
            return
        state, events = self.gamepads.poll()
        for event in events:
            if event.pressed and event.action is not None:
                self.picker.action(event.action)
        x, y = state.left
        if self._stick_armed and max(abs(x), abs(y)) >= STICK_STEP:
            self._stick_armed = False
            self.picker.action(("right" if x > 0 else "left") if abs(x) >= abs(y) else ("down" if y > 0 else "up"))
        elif max(abs(x), abs(y)) <= STICK_REST:
            self._stick_armed = True

    def _buttons_held(self, now: float) -> None:
        held = self.explorer.pad_state.held
        if self._chord.update(held, now):
            self.show_picker()
            return
        if self._start_hold.update(held, now) and self.explorer.pad_menu is None:
            self.explorer.open_menu()
        tapped = self._taps.update(held)
        if tapped is not None and self.explorer.pad_menu is None:
            self.explorer.step_dataset(-1 if tapped == "BTN_TL" else 1)

    def help_text(self) -> str:
        """Visitors have a pad: their card lists the pad's controls only."""
        rows = [(k, v) for k, v in PAD_HELP if "dataset" not in v and "Start" not in k]
        rows += [("hold L1 + R1", "back to the start screen"), ("hold Start", "menu")]
        return card([("How to fly", rows)], "○ / B closes this card", width=max(len(k) for k, _ in PAD_HELP))

    def hud_text(self) -> str:
        if self.phase is not Phase.TOUR:
            return HUD_HINT
        dataset, signposts = self.explorer.dataset, self.explorer.scene.signposts
        hidden = signposts.hidden_at(0) if signposts is not None else None
        where = (nearest_region(dataset.regions, self.explorer.camera.position, hidden)
                 if dataset and dataset.regions else None)  # fmt: skip
        return f"{TOUR_HINT}   ·   {where}" if where else TOUR_HINT  # the tour says where it is

    # ------------------------------------------------------------------ tour

    def start_tour(self, now: float | None = None) -> None:
        window = self.explorer
        if window.dataset is None:
            return
        now = time.monotonic() if now is None else now
        if self._tour is None:
            diagonal = window.frame.diagonal
            regions = window.dataset.regions
            waypoints = region_waypoints(regions) if regions is not None else np.zeros((0, 3))
            if len(waypoints) < 2:  # no named regions: the densest parts
                waypoints = dense_waypoints(window.dataset.points, count=8, seed=0)
            self._tour = SmoothTour(waypoints, speed=diagonal * TOUR_DIAGONALS_PER_S)
        window.close_menu()
        window.show_help(False)
        self._intro_card_at = None
        window.camera.orbiting = False
        window.camera.stop()
        self._tour_from = pose_of(window.camera)
        self._tour_t0 = self._tour.time_nearest(window.camera.position)
        self._tour_started = now
        window.scene.labels_on = window.scene.label_budget > 0  # the tour shows words going by
        self.set_phase(Phase.TOUR)

    def _tour_step(self, now: float) -> None:
        assert self._tour is not None and self._tour_from is not None
        elapsed = now - self._tour_started
        # Eased in from where the visitor left the camera toward the moving tour.
        pose = blend(self._tour_from, self._tour.pose(self._tour_t0 + elapsed), elapsed / BLEND_S)
        set_pose(self.explorer.camera, pose)
        self.explorer.render_frame()

    # ------------------------------------------------------------------ pad

    def _pad_action(self, action: str) -> bool:
        """Start only opens the menu on a long press, and L1/R1 act on release (see _buttons_held)."""
        return self.explorer.pad_menu is None and action in ("menu", "previous", "next")

    # ------------------------------------------------------------------ admin

    def admin_menu(self) -> QMenu:
        """Keyboard only (Ctrl+Alt+A): quit, picker, labels, the profanity filter."""
        menu = QMenu(self)
        menu.addAction("Back to the picker", self.show_picker)
        menu.addAction(f"Labels: {'on' if self.explorer.scene.labels_on else 'off'}", self.explorer.toggle_labels)
        menu.addAction(self.filter_text(), self.toggle_profanity_filter)
        menu.addSeparator()
        menu.addAction("Quit Flythrough", lambda: self.quit_kiosk())
        menu.popup(self.mapToGlobal(self.rect().center()))
        return menu

    def filter_text(self) -> str:
        """The admin menu's line for the rude-word filter, with how many labels it hides."""
        if not self.profanity_filter:
            return "Rude-word filter: OFF"
        hidden = self.hidden_labels
        count = "checking the labels…" if hidden is None else f"{hidden:,} labels hidden"
        return f"Rude-word filter: on ({count})"

    def toggle_profanity_filter(self) -> None:
        self.profanity_filter = not self.profanity_filter
        self.explorer.settings.setValue("kiosk/profanity_filter", self.profanity_filter)
        self.explorer.settings.sync()
        log.info("rude-word filter %s", "on" if self.profanity_filter else "off")
        self.apply_profanity_filter()

    def quit_kiosk(self, exit_code: int = 0) -> None:
        log.info("quit by the admin" if exit_code == 0 else f"quitting with status {exit_code}")
        self.may_quit = True
        self.close()
        if exit_code == 0:
            QApplication.quit()
        else:
            QApplication.exit(exit_code)

    def showEvent(self, event: QShowEvent | None) -> None:
        """The first time: one frame behind the picker, so the first world opens without compiling shaders."""
        super().showEvent(event)
        if not self._warmed_up:
            self._warmed_up = True
            self.stack.setCurrentWidget(self.explorer)
            QApplication.processEvents()
            self.explorer.warm_up()
            self.show_picker()

    def closeEvent(self, event: QCloseEvent | None) -> None:
        assert event is not None
        if not self.may_quit:
            event.ignore()  # the close button, Alt+F4: visitors cannot leave
            return
        self.timer.stop()
        self.trim_timer.stop()
        self.status_timer.stop()
        self.previews.requestInterruption()
        self.previews.wait()
        for job in list(self._rude_jobs):
            job.wait()
        self.explorer.close()
        gc.unfreeze()  # whatever this kiosk held may be collected again
        super().closeEvent(event)
