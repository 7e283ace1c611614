"""Exhibition (kiosk) mode: a day at a science festival, unattended (Qt adapter).

Full screen, no cursor, no menus. The start screen is an attract screen with
a dataset picker, driven by pad or keyboard. In flight, after a while with
no input the camera tours the densest clusters on its own, and after longer
it goes back to the picker. Visitors cannot leave: Esc and the close button
do nothing; Ctrl+Alt+Q and the keyboard-only admin menu (Ctrl+Alt+A) quit.
Rude words are never labelled unless the admin turns the filter off. An
error in the frame loop is logged to a file and the loop carries on.
"""

from __future__ import annotations

import gc
import logging
import logging.handlers
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PyQt6.QtCore import QObject, Qt, QThread, QTimer, pyqtSignal
from PyQt6.QtGui import QAction, QCloseEvent, QImage, QKeyEvent, QKeySequence, QPixmap
from PyQt6.QtWidgets import QApplication, QFrame, QGridLayout, QLabel, QMenu, QVBoxLayout, QWidget

from explorer.benchmarks.flight import print_and_save, rss_mb
from explorer.core.camera import Pose, blend, pose_of, set_pose
from explorer.core.dataset import Dataset, DatasetError, dataset_base, read_dataset, read_meta
from explorer.devices.gamepad import Gamepads
from explorer.core.idle import Hold, IdleClock, Phase, Taps
from explorer.core.pad import PAD_HELP
from explorer.core.preview import render_preview
from explorer.core.profanity import rude_rows
from explorer.render.scene import renderer_string
from explorer.core.thinning import budget_for
from explorer.core.tour import SmoothTour, dense_waypoints
from explorer.ui.window import FlythroughWindow, card_rows

log = logging.getLogger("flythrough.kiosk")

LONG_PRESS_S = 0.8  # Start held this long opens the menu: children mash buttons
CHORD_S = 1.0  # L1+R1 held this long returns to the picker
TRIM_INTERVAL_MS = 15_000  # often enough that freed holes never pile up between trims
BLEND_S = 3.0  # the tour eases in from wherever the visitor left the camera
TOUR_DIAGONALS_PER_S = 1 / 30  # slow: a visitor can read the labels going by
STICK_STEP, STICK_REST = 0.6, 0.3  # the picker moves once per push of a stick
PICKER_COLUMNS = 3
HUD_HINT = "left stick: fly   ·   right stick: look   ·   R2/L2: up/down   ·   hold L1+R1: other worlds"


def default_log_path() -> Path:
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return state / "flythrough" / "kiosk.log"


def log_to_file(path: Path) -> None:
    """Everything worth knowing goes to a rotating file; uncaught errors too, never to the screen."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)

    def report(kind, value, tb) -> None:  # noqa: ANN001 - sys.excepthook's signature
        log.error("unexpected error (still running)", exc_info=(kind, value, tb))

    sys.excepthook = report


# ---------------------------------------------------------------------- picker


@dataclass
class Entry:
    """One dataset on the picker: what its meta says until the file itself has been read."""

    path: Path
    name: str
    points: int | None
    groups: int

    @classmethod
    def of(cls, path: Path) -> Entry:
        try:
            meta = read_meta(path)
        except DatasetError as exc:
            log.warning("%s", exc)
            meta = {}
        points = meta.get("counts", {}).get("points") if isinstance(meta.get("counts"), dict) else None
        groups = meta.get("groups") if isinstance(meta.get("groups"), dict) else {}
        name = dataset_base(path).name.removesuffix(".ds")
        return cls(path, str(meta.get("name") or name), points, len(groups))

    @property
    def caption(self) -> str:
        points = f"{self.points:,} words" if self.points is not None else "…"
        return points + (f"  ·  {self.groups} groups" if self.groups else "")


class PreviewLoader(QThread):
    """Reads each dataset once, off the UI thread, and draws its preview."""

    ready = pyqtSignal(int, object, int, int)  # index, RGB array, points, groups
    failed = pyqtSignal(int, str)

    def __init__(self, paths: list[Path], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.paths = paths

    def run(self) -> None:
        for i, path in enumerate(self.paths):
            if self.isInterruptionRequested():
                return
            try:
                dataset = read_dataset(path, sidecars=False)
                groups = 0 if dataset.groups is None else len(set(dataset.groups.tolist()))
                self.ready.emit(i, render_preview(dataset), len(dataset), groups)
            except Exception as exc:  # noqa: BLE001 - a bad file gets a message on its card
                self.failed.emit(i, str(exc))


class PickerPage(QWidget):
    """The attract screen: a card per dataset, one highlighted."""

    chosen = pyqtSignal(int)

    def __init__(self, entries: list[Entry], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entries = entries
        self.current = 0
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # paint the page, not only its children
        self.setStyleSheet("background: #05060a; color: #dfe6f5;")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(60, 40, 60, 40)
        title = QLabel("Flythrough — fly through a universe of words")
        title.setStyleSheet("font-size: 34px; font-weight: bold;")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        outer.addWidget(title)
        grid = QGridLayout()
        grid.setSpacing(28)
        self.cards: list[QFrame] = []
        self.images: list[QLabel] = []
        self.captions: list[QLabel] = []
        for i, entry in enumerate(entries):
            card = QFrame()
            card.setObjectName("card")  # the highlight's style must not reach the QLabels (also QFrames)
            box = QVBoxLayout(card)
            image = QLabel("drawing…")
            image.setFixedSize(384, 216)
            image.setAlignment(Qt.AlignmentFlag.AlignCenter)
            name = QLabel(entry.name)
            name.setStyleSheet("font-size: 24px; font-weight: bold;")
            caption = QLabel(entry.caption)
            caption.setStyleSheet("font-size: 17px; color: #9aa6bf;")
            for widget in (image, name, caption):
                box.addWidget(widget, alignment=Qt.AlignmentFlag.AlignHCenter)
            grid.addWidget(card, i // PICKER_COLUMNS, i % PICKER_COLUMNS)
            self.cards.append(card)
            self.images.append(image)
            self.captions.append(caption)
        outer.addStretch(1)
        outer.addLayout(grid)
        outer.addStretch(1)
        hint = QLabel("◀ ▶  choose        ✕ / A  or  Enter  fly")
        hint.setStyleSheet("font-size: 22px; color: #9aa6bf;")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        outer.addWidget(hint)
        self._highlight()

    def set_preview(self, index: int, rgb: np.ndarray, points: int, groups: int) -> None:
        height, width, _ = rgb.shape
        data = np.ascontiguousarray(rgb)
        image = QImage(data.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()
        self.images[index].setPixmap(QPixmap.fromImage(image))
        entry = self.entries[index]
        entry.points, entry.groups = points, groups
        self.captions[index].setText(entry.caption)

    def set_failed(self, index: int, message: str) -> None:
        self.images[index].setText("cannot be read")
        log.warning("picker: %s", message)

    def move(self, step: int) -> None:
        self.current = (self.current + step) % len(self.entries)
        self._highlight()

    def _highlight(self) -> None:
        for i, card in enumerate(self.cards):
            colour = "#ffd75e" if i == self.current else "#1c2233"
            card.setStyleSheet(f"QFrame#card {{ border: 4px solid {colour}; border-radius: 14px; }}")

    def action(self, action: str) -> None:
        """A pad or keyboard action: move the highlight or choose."""
        if action in ("left", "right"):
            self.move(-1 if action == "left" else 1)
        elif action in ("up", "down"):
            self.move(-PICKER_COLUMNS if action == "up" else PICKER_COLUMNS)
        elif action == "select":
            self.chosen.emit(self.current)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        keys = {Qt.Key.Key_Left: "left", Qt.Key.Key_Right: "right", Qt.Key.Key_Up: "up", Qt.Key.Key_Down: "down",
                Qt.Key.Key_Return: "select", Qt.Key.Key_Enter: "select", Qt.Key.Key_Space: "select"}  # fmt: skip
        action = keys.get(Qt.Key(event.key()))
        if action is None:
            super().keyPressEvent(event)
        else:
            self.action(action)


# ---------------------------------------------------------------------- soak


def rss_parts_mb() -> tuple[float, float]:
    """(anonymous, file-backed + shared) resident memory, from /proc (Linux); -1 where unknown."""
    parts = {"RssAnon:": -1024.0, "RssFile:": -1024.0, "RssShmem:": 0.0}
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                key = line.split(":", 1)[0] + ":"
                if key in parts:
                    parts[key] = float(line.split()[1])
    except OSError:
        pass
    return parts["RssAnon:"] / 1024, (parts["RssFile:"] + parts["RssShmem:"]) / 1024


def release_free_heap() -> None:
    """Give freed heap pages back to the system (glibc's malloc_trim).

    Over a day, allocations of varying sizes leave free holes inside the heap
    that still count as resident; trimming every few seconds keeps the resident
    size at what is really in use. Elsewhere than glibc, nothing happens.
    """
    import contextlib
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


def heap_in_use_mb() -> float:
    """Bytes malloc has handed out and not had back (glibc's mallinfo2), or -1 where unknown."""
    import ctypes

    class MallInfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in
                    ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                     "keepcost")]  # fmt: skip

    try:
        libc = ctypes.CDLL(None)
        libc.mallinfo2.restype = MallInfo2
        info = libc.mallinfo2()
    except (OSError, AttributeError):
        return -1.0
    return (info.uordblks + info.hblkhd) / 2**20


class Soak:
    """Frame times and the RSS curve of an unattended run, in arrays allocated once."""

    def __init__(self, minutes: float, json_path: Path | None, sample_s: float = 5.0) -> None:
        self.minutes = minutes
        self.json_path = json_path
        self.sample_s = sample_s
        # Filled now, not only allocated: untouched pages would join the RSS as the run
        # writes them, and the record would look like a leak.
        self.frame_ms = np.full(int(minutes * 60 * 120) + 1000, -1.0, dtype=np.float32)  # room for 120 fps
        self.frame_at = np.full_like(self.frame_ms, -1.0)
        # CPU time during each frame: of the UI thread, and of the whole process (llvmpipe's
        # threads too). A slow frame with little CPU was waiting: the machine was busy elsewhere.
        self.frame_cpu_ms = np.full((len(self.frame_ms), 2), -1.0, dtype=np.float32)
        self.frames = 0
        self.rss = np.full((int(minutes * 60 / sample_s) + 4, 5), -1.0, dtype=np.float64)
        self.samples = 0
        self.started = time.monotonic()
        self._next_sample = self.started

    def frame(self, ms: float, thread_cpu_ms: float = -1.0, process_cpu_ms: float = -1.0) -> None:
        if self.frames < len(self.frame_ms):
            self.frame_ms[self.frames] = ms
            self.frame_at[self.frames] = time.monotonic() - self.started
            self.frame_cpu_ms[self.frames] = (thread_cpu_ms, process_cpu_ms)
            self.frames += 1

    def tick(self) -> bool:
        """Sample memory when due; True when the run is over."""
        now = time.monotonic()
        if now >= self._next_sample and self.samples < len(self.rss):
            anon, file = rss_parts_mb()
            self.rss[self.samples] = (now - self.started, rss_mb(), heap_in_use_mb(), anon, file)
            self.samples += 1
            self._next_sample += self.sample_s
        return now - self.started >= self.minutes * 60

    def result(self, window: KioskWindow) -> dict[str, Any]:
        times, ms = self.frame_at[: self.frames], self.frame_ms[: self.frames].astype(np.float64)
        cpu = self.frame_cpu_ms[: self.frames].astype(np.float64)
        warmed = times >= 60.0 if (times >= 60.0).any() else np.arange(len(ms)) >= len(ms) // 2  # warmed up
        warm = ms[warmed]
        rss = self.rss[: self.samples]
        after = rss[rss[:, 0] >= 60.0] if (rss[:, 0] >= 60.0).any() else rss[-1:]
        median = float(np.median(warm)) if len(warm) else 0.0
        return {
            "minutes": self.minutes,
            "dataset": str(window.dataset_path),
            "points": len(window.dataset) if window.dataset is not None else 0,
            "frames": int(self.frames),
            "frame_ms_median_after_warmup": round(median, 3),
            "frame_ms_p95_after_warmup": round(float(np.percentile(warm, 95)), 3) if len(warm) else 0.0,
            "frame_ms_max_after_warmup": round(float(warm.max()), 3) if len(warm) else 0.0,
            "frames_over_3x_median_after_warmup": int((warm > 3 * median).sum()),
            # [seconds into the run, frame ms, UI-thread CPU ms, process CPU ms] of each slow frame.
            "slow_frames_after_warmup": [
                [round(float(t), 1), round(float(m), 1), round(float(c[0]), 1), round(float(c[1]), 1)]
                for t, m, c in zip(times, ms, cpu, strict=True)
                if t >= 60.0 and m > 3 * median
            ],
            "frame_cpu_ms_median_after_warmup": {
                "ui_thread": round(float(np.median(cpu[warmed, 0])), 3) if warmed.any() else None,
                "process": round(float(np.median(cpu[warmed, 1])), 3) if warmed.any() else None,
            },
            "rss_mb_first_minute": round(float(after[0, 1]), 1) if len(after) else None,
            "rss_mb_end": round(float(rss[-1, 1]), 1) if len(rss) else None,
            "rss_growth_mb_after_first_minute": round(float(rss[-1, 1] - after[0, 1]), 2) if len(after) else None,
            "rss_curve": [[round(float(t), 1), round(float(m), 1)] for t, m, *_ in rss],
            # Where the RSS is: anonymous memory (the heap, buffers; a leak shows here) and
            # file-backed pages (library code and font files, paged in as first used).
            "rss_anon_mb_curve": [[round(float(r[0]), 1), round(float(r[3]), 1)] for r in rss],
            "rss_file_mb_curve": [[round(float(r[0]), 1), round(float(r[4]), 1)] for r in rss],
            "rss_anon_growth_mb_after_first_minute": round(float(rss[-1, 3] - after[0, 3]), 2) if len(after) else None,
            "rss_file_growth_mb_after_first_minute": round(float(rss[-1, 4] - after[0, 4]), 2) if len(after) else None,
            # What malloc has handed out and not had back (glibc only; -1 elsewhere).
            "malloc_in_use_mb_curve": [[round(float(r[0]), 1), round(float(r[2]), 1)] for r in rss],
            "loop_errors": window.loop_errors,
            "labels_budget": window.scene.label_budget,
            "point_budget": window.scene.point_budget,
            "renderer": renderer_string(window.render_window),
        }


# ---------------------------------------------------------------------- window


class KioskWindow(FlythroughWindow):
    """The explorer, locked down for an exhibition stand."""

    phase_changed = pyqtSignal(str)

    def __init__(
        self,
        paths: list[Path],
        *,
        tour_after_s: float = 90.0,
        picker_after_s: float = 600.0,
        label_budget: int = 150,
        point_size: float = 3.0,
        point_budget: int | None = None,
        gamepads: Gamepads | None = None,
        soak: Soak | None = None,
    ) -> None:
        super().__init__(label_budget=label_budget, point_size=point_size, gamepads=gamepads, research=False)
        self.point_budget = point_budget  # None: chosen by the renderer when the first dataset shows
        self.playlist = list(paths)
        self.clock = IdleClock(tour_after_s, picker_after_s)
        self.phase = Phase.PICKER
        self.soak = soak
        self.loop_errors = 0
        self.profanity_filter = bool(self.settings.value("kiosk/profanity_filter", True, type=bool))
        self._start_hold = Hold(frozenset({"BTN_START"}), LONG_PRESS_S)
        self._chord = Hold(frozenset({"BTN_TL", "BTN_TR"}), CHORD_S)
        self._taps = Taps()
        self._stick_armed = True
        self._tour: SmoothTour | None = None
        self._tour_from: Pose | None = None
        self._tour_t0 = 0.0
        self._tour_started = 0.0
        self._intro_card_at: float | None = None
        self.may_quit = False
        self._lock_down()
        self.picker = PickerPage([Entry.of(p) for p in paths])
        self.picker.chosen.connect(self.choose)
        self.stack.addWidget(self.picker)
        self.previews = PreviewLoader(self.playlist, self)
        self.previews.ready.connect(self.picker.set_preview)
        self.previews.failed.connect(self.picker.set_failed)
        self.previews.start()
        self.dataset_loaded.connect(self._on_kiosk_loaded)
        self.trim_timer = QTimer(self)
        self.trim_timer.timeout.connect(release_free_heap)
        self.trim_timer.start(TRIM_INTERVAL_MS)
        self.show_picker()

    def _lock_down(self) -> None:
        """No menus, no status bar, no desktop shortcuts: only the admin's two chords."""
        for action in self.findChildren(QAction):
            action.setEnabled(False)
            self.removeAction(action)
        self.menuBar().hide()
        self.statusBar().hide()
        for keys, slot in (("Ctrl+Alt+Q", self.quit_kiosk), ("Ctrl+Alt+A", self.admin_menu)):
            action = QAction(keys, self)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
            action.triggered.connect(slot)
            self.addAction(action)

    # ------------------------------------------------------------------ phases

    def set_phase(self, phase: Phase) -> None:
        if phase is self.phase:
            return
        log.info("%s -> %s", self.phase.value, phase.value)
        self.phase = phase
        self.phase_changed.emit(phase.value)

    def show_picker(self) -> None:
        self.close_menu()
        self.camera.stop()
        self.set_phase(Phase.PICKER)
        self.stack.setCurrentWidget(self.picker)
        self.picker.setFocus()

    def choose(self, index: int) -> None:
        """Fly into the dataset chosen on the picker (it loads off the UI thread)."""
        path = self.playlist[index]
        if self.dataset_path is not None and path.resolve() == self.dataset_path.resolve():
            self._enter_flight()
        else:
            self.open_path(path)

    def _on_kiosk_loaded(self, _path: str) -> None:
        self._enter_flight()

    def _enter_flight(self) -> None:
        self.stack.setCurrentWidget(self.vtk_widget)
        self.vtk_widget.setFocus()
        self.last_input_at = time.monotonic()
        self._help_on = True  # "How to fly", until the visitor touches a control
        self._intro_card_at = self.last_input_at
        self.set_phase(Phase.FLYING)
        self._dirty = True

    def show_dataset(self, dataset: Dataset, path: str | None = None) -> None:
        if self.point_budget is None:  # the GL context exists by now
            self.point_budget = budget_for(renderer_string(self.render_window))
            log.info("point budget %s", f"{self.point_budget:,}" if self.point_budget else "off: every point")
        self.scene.point_budget = self.point_budget
        super().show_dataset(dataset, path)
        self._tour = None
        self.apply_profanity_filter()
        # The dataset lives all day: move it out of the collector's way, so that
        # full collections stay short and never stall a frame. Thawed first, so
        # that the previous dataset's cycles can still be collected.
        gc.unfreeze()
        gc.collect()
        gc.freeze()

    def apply_profanity_filter(self) -> None:
        if self.scene.picker is None or self.dataset is None:
            return
        self.scene.set_hidden("rude", rude_rows(self.dataset.labels) if self.profanity_filter else None)
        self._dirty = True

    # ------------------------------------------------------------------ frames

    def tick(self) -> None:
        """One frame; an error is logged and the next frame comes anyway."""
        try:
            self._kiosk_tick()
        except Exception:  # noqa: BLE001 - the visitor must never see a traceback
            self.loop_errors += 1
            log.exception("error in the frame loop (carrying on)")
        if self.soak is not None and self.soak.tick():
            self.finish_soak()

    def _kiosk_tick(self) -> None:
        now = time.monotonic()
        if self.phase is Phase.PICKER:
            self._picker_tick()
            return
        if self.phase is Phase.TOUR:
            self.pad_input()
            if self.last_input_at > self._tour_started:  # any input gives control back at once
                self.camera.stop()
                self.set_phase(Phase.FLYING)
            else:
                self._tour_step(now)
        if self.phase is Phase.FLYING:
            super().tick()
        if self._intro_card_at is not None and self.last_input_at > self._intro_card_at + 0.5:
            self._help_on, self._intro_card_at = False, None
            self._dirty = True
        self._buttons_held(now)
        phase = self.clock.phase(self.phase, now - self.last_input_at)
        if phase is Phase.TOUR and self.phase is Phase.FLYING:
            self.start_tour(now)
        elif phase is Phase.PICKER:
            self.show_picker()

    def _picker_tick(self) -> None:
        if self.gamepads is None:
            return
        state, events = self.gamepads.poll()
        self.pad_state = state
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
        held = self.pad_state.held
        if self._chord.update(held, now):
            self.show_picker()
            return
        if self._start_hold.update(held, now) and self.menu is None:
            self.open_menu()
        tapped = self._taps.update(held)
        if tapped is not None and self.menu is None:
            self.step_dataset(-1 if tapped == "BTN_TL" else 1)

    def render_frame(self) -> None:
        start, thread, process = time.perf_counter(), time.thread_time(), time.process_time()
        super().render_frame()
        if self.soak is not None:
            self.soak.frame(
                (time.perf_counter() - start) * 1000,
                (time.thread_time() - thread) * 1000,
                (time.process_time() - process) * 1000,
            )

    def help_text(self) -> str:
        """Visitors have a pad: their card lists the pad's controls only."""
        width = max(len(k) for k, _ in PAD_HELP)
        rows = [(k, v) for k, v in PAD_HELP if "dataset" not in v and "Start" not in k]
        rows += [("hold L1 + R1", "back to the start screen"), ("hold Start", "menu")]
        return "  How to fly\n\n" + card_rows(rows, width) + "\n\n  ○ / B closes this card"

    def _update_hud(self) -> None:
        self.scene.set_hud(HUD_HINT if self.phase is not Phase.TOUR else "touring…  touch any control to fly")

    # ------------------------------------------------------------------ tour

    def start_tour(self, now: float | None = None) -> None:
        if self.dataset is None:
            return
        now = time.monotonic() if now is None else now
        if self._tour is None:
            low, high = self.dataset.bounds()
            diagonal = float(np.linalg.norm(high - low))
            waypoints = dense_waypoints(self.dataset.points, count=8, seed=0)
            self._tour = SmoothTour(waypoints, speed=max(diagonal * TOUR_DIAGONALS_PER_S, 1e-9))
        self.close_menu()
        self._help_on, self._intro_card_at = False, None
        self.camera.orbiting = False
        self.camera.stop()
        self._tour_from = pose_of(self.camera)
        self._tour_t0 = self._tour.time_nearest(self.camera.position)
        self._tour_started = now
        self.scene.labels_on = self.scene.label_budget > 0  # the tour shows words going by
        self.set_phase(Phase.TOUR)

    def _tour_step(self, now: float) -> None:
        assert self._tour is not None and self._tour_from is not None
        elapsed = now - self._tour_started
        # Eased in from where the visitor left the camera toward the moving tour.
        set_pose(self.camera, blend(self._tour_from, self._tour.pose(self._tour_t0 + elapsed), elapsed / BLEND_S))
        self.render_frame()

    # ------------------------------------------------------------------ pad

    def pad_action(self, action: str) -> None:
        """Start only opens the menu on a long press; L1/R1 act on release (see _buttons_held)."""
        if self.menu is None and action in ("menu", "previous", "next"):
            return
        super().pad_action(action)

    def menu_items(self) -> list[tuple[str, str]]:
        items = super().menu_items()
        return [*items[:-1], ("picker", "Back to the picker"), items[-1]]

    def menu_choose(self, action: str) -> None:
        if action == "picker":
            self.show_picker()
            return
        super().menu_choose(action)

    # ------------------------------------------------------------------ admin

    def admin_menu(self) -> QMenu:
        """Keyboard only (Ctrl+Alt+A): quit, picker, labels, the profanity filter."""
        menu = QMenu(self)
        menu.addAction("Back to the picker", self.show_picker)
        menu.addAction(f"Labels: {'on' if self.scene.labels_on else 'off'}", self.toggle_labels)
        menu.addAction(f"Rude-word filter: {'on' if self.profanity_filter else 'OFF'}", self.toggle_profanity_filter)
        menu.addSeparator()
        menu.addAction("Quit Flythrough", self.quit_kiosk)
        menu.popup(self.mapToGlobal(self.rect().center()))
        return menu

    def toggle_profanity_filter(self) -> None:
        self.profanity_filter = not self.profanity_filter
        self.settings.setValue("kiosk/profanity_filter", self.profanity_filter)
        self.settings.sync()
        log.info("rude-word filter %s", "on" if self.profanity_filter else "off")
        self.apply_profanity_filter()

    def quit_kiosk(self) -> None:
        log.info("quit by the admin")
        self.may_quit = True
        self.close()
        QApplication.quit()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if not self.may_quit:
            event.ignore()  # the close button, Alt+F4: visitors cannot leave
            return
        self.previews.requestInterruption()
        self.previews.wait()
        gc.unfreeze()  # whatever this window held may be collected again
        super().closeEvent(event)

    # ------------------------------------------------------------------ soak

    def finish_soak(self) -> None:
        """Write the soak's figures and quit; if they cannot be written, say why and quit anyway."""
        assert self.soak is not None
        soak, self.soak = self.soak, None
        try:
            print_and_save(soak.result(self), soak.json_path)
        except Exception as exc:  # noqa: BLE001 - an unattended run must end, not tour for ever
            log.exception("could not write the soak's figures")
            print(f"flythrough: error: could not write the soak's figures: {exc}", file=sys.stderr)
            self.may_quit = True
            self.close()
            QApplication.instance().exit(1)  # type: ignore[union-attr]
            return
        self.quit_kiosk()
