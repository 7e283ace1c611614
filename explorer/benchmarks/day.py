"""``flythrough --kiosk-day MINUTES --json OUT [DATASET ...]``: a festival day, unattended, measured.

A seeded visitor (``explorer.benchmarks.visitor``) drives the kiosk through a
virtual pad read by the real ``inputs`` parser: bursts of flying and button
mashing, pauses for the tour and for the picker, the Start menu, a world
switch every two minutes and the pad pulled out every ten. The run records
every frame (the window's ``frame_rendered`` signal), a heartbeat of the UI
thread (its longest stall during world switches), the resident memory right
after a heap trim every 30 s, and the threads and file descriptors at the
start and the end. It writes the figures as JSON and, beside them, a PNG of
memory and frame time over the day: the exhibitor's memory graph.
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PyQt6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, Qt, QThreadPool, QTimer
from PyQt6.QtGui import QColor, QImage, QPainter, QPen
from PyQt6.QtWidgets import QApplication

from explorer.benchmarks.results import mapping_growth, print_and_save
from explorer.benchmarks.visitor import DayPlan, Visitor, day_script
from explorer.core.files import atomic_file
from explorer.core.idle import Phase
from explorer.core.process import heap_in_use_mb, release_free_heap, resident_by_mapping_kb, rss_mb, rss_parts_mb
from explorer.core.profanity import RudeWords
from explorer.devices.gamepad import Gamepads
from explorer.render.scene import renderer_string
from explorer.testing.virtual_pad import PS4_NAME, FakePort, discover
from explorer.ui.kiosk.log import log
from explorer.ui.kiosk.mode import Kiosk

HEARTBEAT_MS = 5
TRIM_SAMPLE_S = 30.0
SETTLED_S = 300.0  # memory growth is counted from the first sample after five minutes
SWITCH_SETTLE_S = 1.5  # frames this long after a world shows still belong to the switch
CORES = os.cpu_count() or 1
QUIET_S = 3.0  # threads and files are counted this long after the last switch, when its workers are gone


def threads_now(but: int | None = None) -> int:
    """Threads of this process, native ones (Qt's, llvmpipe's) included, ``but`` one (the visitor's own)."""
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        import threading

        return threading.active_count() - (but is not None)
    return len([t for t in tasks if but is None or int(t) != but])


def steal_ms() -> float:
    """CPU time the hypervisor took from this machine so far, all cores, in ms (-1 where unknown).

    On a shared virtual machine a frame can be slow because the host ran someone
    else; the kernel counts that time as "steal" (the eighth column of /proc/stat).
    """
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            fields = fh.readline().split()
        return int(fields[8]) * 1000 / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return -1.0


POOL_EXPIRY_S = 35.0  # Qt ends an idle pooled thread 30 s after its last task


def pooled_threads() -> int:
    """Qt's pooled worker threads alive now ("Thread (pooled)": the global pool's and Qt GUI's own image pool).

    They come and go by design, so the day counts threads and files at moments
    when none is alive, at the start as at the end: like against like.
    """
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return 0
    names = []
    for task in tasks:
        try:
            with open(f"/proc/self/task/{task}/comm", encoding="utf-8") as fh:
                names.append(fh.read().strip())
        except OSError:
            continue
    return sum(1 for name in names if name == "Thread (pooled)")


def fds_now() -> int:
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return -1


def threads_and_files() -> dict[str, list[str]]:
    """The threads' names and the open files' targets, to tell what came or went."""

    def read(path: str, how: str) -> str:
        try:
            return open(path, encoding="utf-8").read().strip() if how == "comm" else os.readlink(path)
        except OSError:
            return "?"

    try:
        threads = sorted(read(f"/proc/self/task/{t}/comm", "comm") for t in os.listdir("/proc/self/task"))
        files = sorted(read(f"/proc/self/fd/{fd}", "link") for fd in os.listdir("/proc/self/fd"))
    except OSError:
        return {}
    return {"threads": threads, "files": files}


def events_until(done: Callable[[], bool], seconds: float, pause_s: float = 0.02) -> None:
    """Let Qt handle events until ``done()`` holds or ``seconds`` have passed."""
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(pause_s)


class DayRecord:
    """What the day measures, in arrays allocated once."""

    def __init__(self, minutes: float) -> None:
        n = int(minutes * 60 * 120) + 1000  # room for 120 frames a second
        self.frame_at = np.full(n, -1.0)
        self.frame_ms = np.full(n, -1.0, dtype=np.float32)
        self.frame_counts = np.zeros(n, dtype=bool)  # in flight and outside a world switch
        # What each frame cost the UI thread and the whole process (llvmpipe's threads too) in CPU,
        # how many labels it drew, and where the camera was: a slow frame can be replayed.
        self.frame_cpu = np.full((n, 2), -1.0, dtype=np.float32)
        self.frame_labels = np.zeros(n, dtype=np.int32)
        self.frame_pose = np.zeros((n, 5), dtype=np.float32)  # x, y, z, yaw, pitch
        self.frame_world = np.zeros(n, dtype=np.int8)
        self.frame_steal = np.zeros(n, dtype=np.float32)  # host steal since the frame before, ms (10 ms steps)
        self.last_steal = steal_ms()
        self.frames = 0
        # seconds, resident MB, world shown, MB malloc has handed out (what Python and C code hold),
        # resident MB anonymous, resident MB of mapped files, blocks Python's own allocator holds (its objects:
        # they live in arenas it maps itself, which malloc's figure does not see)
        self.rss = np.full((int(minutes * 60 / TRIM_SAMPLE_S) + 4, 7), -1.0)
        # Resident kB by mapping at the first settled sample and at the last one with the same world shown.
        self.mappings_first: dict[str, int] = {}
        self.mappings_last: dict[str, int] = {}
        self.samples = 0
        self.stalls_ms: list[float] = []  # the longest UI-thread stall of each world switch
        self.stall_offsets_s: list[float] = []  # ... and when it came, in seconds after the switch began
        self.stall_steal_ms: list[float] = []  # ... and the host's steal during that switch
        self.switch_windows: list[list[float]] = []  # [begin, end] of each switch, seconds since start
        self.full_collections: list[tuple[float, float]] = []  # (seconds into the day, ms) of gen-2 GCs
        self.started = time.monotonic()
        self._gc_began = 0.0

    def on_gc(self, phase: str, info: dict[str, int]) -> None:
        """gc.callbacks: the full collections, when and how long (a candidate for a slow frame)."""
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._gc_began = time.perf_counter()
        elif len(self.full_collections) < 10_000:
            self.full_collections.append((self.now(), (time.perf_counter() - self._gc_began) * 1000))

    def now(self) -> float:
        return time.monotonic() - self.started


class Day:
    """Runs the kiosk for ``plan.minutes`` with the scripted visitor, then writes the figures."""

    def __init__(self, kiosk: Kiosk, port: FakePort, plan: DayPlan, json_path: Path | None) -> None:
        self.kiosk, self.port, self.plan, self.json_path = kiosk, port, plan, json_path
        self.record = DayRecord(plan.minutes)
        self.visitor = Visitor(port, day_script(plan))
        self.threads_start = self.fds_start = self.pooled_start = -1
        self.threads_start_at = -1.0
        self.world_at_start = -1  # the world shown when the start's threads and files were counted
        self.what_at_start: dict[str, list[str]] = {}
        self._last_beat = time.monotonic()
        self._stall = self._stall_at = self._switch_steal = 0.0
        self._next_trim = TRIM_SAMPLE_S
        self._first_world = -1
        window = kiosk.explorer
        window.frame_rendered.connect(self._frame)
        window.dataset_loading.connect(self._switch_begins)
        window.dataset_shown.connect(self._switch_shown)
        self.heartbeat = QTimer(kiosk)
        self.heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
        self.heartbeat.timeout.connect(self._beat)

    def start(self) -> None:
        self.record.started = time.monotonic()
        gc.callbacks.append(self.record.on_gc)
        self.visitor.start()
        self.heartbeat.start(HEARTBEAT_MS)

    # ------------------------------------------------------------------ recording

    def _in_switch(self, at: float) -> bool:
        windows = self.record.switch_windows
        return bool(windows) and (windows[-1][1] < 0 or at <= windows[-1][1])

    def _world(self) -> int:
        path = self.kiosk.explorer.dataset_path
        playlist = self.kiosk.explorer.playlist
        return playlist.index(path) if path in playlist else -1

    def _frame(self, ms: float, thread_ms: float, process_ms: float) -> None:
        r = self.record
        i = r.frames
        if i < len(r.frame_ms):
            at = r.now()
            window = self.kiosk.explorer
            r.frame_at[i], r.frame_ms[i] = at, ms
            r.frame_counts[i] = self.kiosk.phase is not Phase.PICKER and not self._in_switch(at)
            r.frame_cpu[i] = (thread_ms, process_ms)
            r.frame_labels[i] = window.last_stats.labels_shown
            camera = window.camera
            r.frame_pose[i, :3] = camera.position
            r.frame_pose[i, 3:] = (camera.yaw, camera.pitch)
            r.frame_world[i] = self._world()
            stolen = steal_ms()
            r.frame_steal[i], r.last_steal = stolen - r.last_steal, stolen
            r.frames += 1

    def _switch_begins(self, _path: str) -> None:
        self.record.switch_windows.append([self.record.now(), -1.0])
        self._stall = 0.0
        self._switch_steal = steal_ms()

    def _switch_shown(self, _dataset: object) -> None:
        if self.record.switch_windows and self.record.switch_windows[-1][1] < 0:
            self.record.switch_windows[-1][1] = self.record.now() + SWITCH_SETTLE_S

    def _beat(self) -> None:
        now = time.monotonic()
        gap_ms = (now - self._last_beat) * 1000 - HEARTBEAT_MS
        self._last_beat = now
        at = self.record.now()
        if self._in_switch(at):
            if gap_ms > self._stall:
                self._stall, self._stall_at = gap_ms, at - self.record.switch_windows[-1][0]
        elif self._stall > 0:
            self._end_stall()
        if at >= self._next_trim and self._quiet(at):  # never in the middle of a switch
            self._next_trim += TRIM_SAMPLE_S
            self._sample_memory(at)
        if at >= self.plan.minutes * 60:
            self.finish()

    def _quiet(self, at: float) -> bool:
        """No world loading or being checked: only the threads that live all day are there."""
        loader = self.kiosk.explorer.loader
        busy = (loader is not None and loader.isRunning()) or self.kiosk.rude_pending
        windows = self.record.switch_windows
        settled = not windows or (windows[-1][1] >= 0 and at - windows[-1][1] >= QUIET_S)
        return self.kiosk.explorer.dataset is not None and not busy and settled

    def _end_stall(self) -> None:
        r = self.record
        r.stalls_ms.append(self._stall)
        r.stall_offsets_s.append(self._stall_at)
        r.stall_steal_ms.append(steal_ms() - self._switch_steal)
        self._stall = 0.0

    def _sample_memory(self, at: float) -> None:
        r = self.record
        # The start's threads and files: the first sample with a world flying (GL's threads exist), no worker
        # running and as few of Qt's pooled threads as the end will have (none, once they expire): like for like.
        pooled = pooled_threads()
        if self._quiet(at) and (self.threads_start < 0 or pooled < self.pooled_start):
            self.threads_start, self.fds_start = threads_now(but=self.visitor.native_id), fds_now()
            self.pooled_start, self.what_at_start = pooled, threads_and_files()
            self.threads_start_at, self.world_at_start = at, self._world()
        release_free_heap()
        if r.samples < len(r.rss):
            world = self._world()
            r.rss[r.samples] = (at, rss_mb(), world, heap_in_use_mb(), *rss_parts_mb(), sys.getallocatedblocks())
            r.samples += 1
            if at >= SETTLED_S and (not r.mappings_first or world == self._first_world):
                r.mappings_last = resident_by_mapping_kb()
                if not r.mappings_first:
                    r.mappings_first, self._first_world = r.mappings_last, world

    # ------------------------------------------------------------------ the end

    def finish(self) -> None:
        self.heartbeat.stop()
        if self.record.on_gc in gc.callbacks:
            gc.callbacks.remove(self.record.on_gc)
        self.visitor.stop()
        if self._stall > 0:
            self._end_stall()
        # The end is measured as the start was: the pad plugged in and read, nothing loading.
        if self.port.fd is None:
            self.port.plug()
        gamepads = self.kiosk.gamepads
        events_until(lambda: gamepads is not None and gamepads.poll()[0].pads >= 1, 5)
        self._back_to_the_first_world()
        loader = self.kiosk.explorer.loader
        if loader is not None:
            loader.wait()
        events_until(lambda: self._quiet(self.record.now()), 10)
        pool = QThreadPool.globalInstance()
        if pool is not None:
            pool.waitForDone(2000)
        events_until(lambda: not pooled_threads(), POOL_EXPIRY_S, pause_s=0.05)
        try:
            print_and_save(self.result(threads_now(but=self.visitor.native_id), fds_now()), self.json_path)
            if self.json_path is not None:
                write_day_plot(self.json_path.with_suffix(".png"), self.record)
        except Exception as exc:  # an unattended run must end, not fly for ever
            log.exception("could not write the day's figures")
            print(f"flythrough: error: could not write the day's figures: {exc}", file=sys.stderr)
            self.kiosk.quit_kiosk(1)
            return
        self.kiosk.quit_kiosk()

    def _back_to_the_first_world(self) -> None:
        """Show the world the start was counted in: like for like (digits' thumbnails file is open while shown)."""
        if self.world_at_start < 0 or self._world() == self.world_at_start:
            return
        loader = self.kiosk.explorer.loader
        if loader is not None:
            loader.wait()
        QApplication.processEvents()
        self.kiosk.choose(self.world_at_start)
        events_until(lambda: self._world() == self.world_at_start, 20)

    def _by_world(self, ms: np.ndarray) -> dict[str, Any]:
        """Each world's median frame and its frames over three times that median (counted frames only)."""
        r = self.record
        counts, worlds = r.frame_counts[: r.frames], r.frame_world[: r.frames]
        medians, over = {}, 0
        for world in np.unique(worlds[counts]):
            own = ms[counts & (worlds == world)]
            median = float(np.median(own))
            medians[Path(self.kiosk.explorer.playlist[world]).name if world >= 0 else "?"] = round(median, 3)
            over += int((own > 3 * median).sum())
        return {"frame_ms_median_by_world": medians, "frames_over_3x_world_median": over}

    def result(self, threads_end: int, fds_end: int) -> dict[str, Any]:
        r = self.record
        ms = r.frame_ms[: r.frames].astype(np.float64)
        counted = ms[r.frame_counts[: r.frames]]
        median = float(np.median(counted)) if len(counted) else 0.0
        rss = r.rss[: r.samples]
        after_trim = [round(float(v), 1) for v in rss[:, 1]]
        settled = rss[rss[:, 0] >= SETTLED_S] if (rss[:, 0] >= SETTLED_S).any() else rss[-1:]
        # The worlds differ in size: growth compares samples taken with the same world shown.
        same = settled[settled[:, 2] == settled[0, 2]] if len(settled) else settled
        slow = np.flatnonzero(r.frame_counts[: r.frames] & (ms > 3 * median))
        window = self.kiosk.explorer
        return {
            "minutes": self.plan.minutes,
            "seed": self.plan.seed,
            "datasets": [str(p) for p in window.playlist],
            "frames": int(r.frames),
            "frames_counted": int(len(counted)),
            "frame_ms_median": round(median, 3),
            "frame_ms_p95": round(float(np.percentile(counted, 95)), 3) if len(counted) else 0.0,
            "frame_ms_max": round(float(counted.max()), 3) if len(counted) else 0.0,
            "frames_over_3x_median": int((counted > 3 * median).sum()),
            # The worlds differ in cost (57k words against 1,797 digits): each judged by its own median too.
            **self._by_world(ms),
            # ... of which the host took CPU time from this (virtual) machine during the frame, and the share
            # of all counted frames that had host steal: how busy the host was.
            "frames_over_3x_median_with_host_steal": int((r.frame_steal[: r.frames][slow] > 0).sum()),
            "frames_over_3x_median_without_host_steal": int((r.frame_steal[: r.frames][slow] <= 0).sum()),
            "counted_frames_with_host_steal_share": round(
                float((r.frame_steal[: r.frames][r.frame_counts[: r.frames]] > 0).mean()), 4
            )
            if len(counted)
            else None,
            "host_steal_s": round(float(r.frame_steal[: r.frames].sum()) / 1000, 1),
            "host_steal_share": round(float(r.frame_steal[: r.frames].sum()) / 1000 / max(r.now(), 1e-9) / CORES, 4),
            # Each: seconds into the day, ms, CPU ms of the UI thread and of the process, labels, pose (x, y, z,
            # yaw, pitch), world, host steal ms since the frame before.
            "frames_over_3x_median_detail": [
                [
                    round(float(r.frame_at[i]), 1),
                    round(float(ms[i]), 1),
                    *np.round(r.frame_cpu[i], 1).tolist(),
                    int(r.frame_labels[i]),
                    *np.round(r.frame_pose[i], 3).tolist(),
                    int(r.frame_world[i]),
                ]
                for i in slow[:100]
            ],
            "frame_cpu_ms_median": np.round(
                np.median(r.frame_cpu[: r.frames][r.frame_counts[: r.frames]], axis=0), 2
            ).tolist()
            if len(counted)
            else None,  # fmt: skip
            "load_stall_ms_max": round(max(r.stalls_ms), 1) if r.stalls_ms else 0.0,
            "load_stall_ms_median": round(statistics.median(r.stalls_ms), 1) if r.stalls_ms else 0.0,
            "switch_windows_s": [[round(a, 1), round(b, 1)] for a, b in r.switch_windows],
            "gc_full_collections": [[round(a, 1), round(b, 1)] for a, b in r.full_collections],
            # Each world switch: its longest stall (ms), when (s after it began), the host's steal meanwhile (ms).
            "load_stalls": [
                [round(a, 1), round(b, 2), round(c)]
                for a, b, c in zip(r.stalls_ms, r.stall_offsets_s, r.stall_steal_ms, strict=True)
            ],
            "load_stall_ms_max_without_host_steal": round(
                max((a for a, c in zip(r.stalls_ms, r.stall_steal_ms, strict=True) if c <= 0), default=0.0), 1
            ),
            "rss_mb_after_trim": after_trim,
            "rss_world_at_trim": [int(w) for w in rss[:, 2]],
            "malloc_in_use_mb_after_trim": [round(float(v), 1) for v in rss[:, 3]],
            "rss_anon_mb_after_trim": [round(float(v), 1) for v in rss[:, 4]],
            "rss_file_mb_after_trim": [round(float(v), 1) for v in rss[:, 5]],
            "python_blocks_after_trim": [int(v) for v in rss[:, 6]],
            "rss_growth_kb_by_mapping": mapping_growth(r.mappings_first, r.mappings_last),
            "rss_growth_mb": round(float(same[-1, 1] - same[0, 1]), 2) if len(same) else None,
            "rss_growth_mb_any_world": round(float(settled[-1, 1] - settled[0, 1]), 2) if len(settled) else None,
            "dataset_switches": self.kiosk.switches,
            "switches_asked": sum(1 for _, kind in self.visitor.marks if kind == "switch"),
            "menus_opened": sum(1 for _, kind in self.visitor.marks if kind == "menu"),
            "visitor_marks": [[round(at, 1), kind] for at, kind in self.visitor.marks],
            "replugs": self.visitor.replugs,
            "loop_errors": self.kiosk.loop_errors,
            "threads_start_counted_at_s": round(self.threads_start_at, 1),
            "qt_pooled_threads_start": self.pooled_start,
            "qt_pooled_threads_end": pooled_threads(),
            "threads_start": self.threads_start,
            "threads_end": threads_end,
            "fds_start": self.fds_start,
            "fds_end": fds_end,
            "threads_and_files_start": self.what_at_start,
            "threads_and_files_end": threads_and_files(),
            "world_at_start_and_end": self.world_at_start,
            **window.scene.budget_record(),
            "renderer": renderer_string(window.render_window),
        }


def write_day_plot(path: Path, record: DayRecord, size: tuple[int, int] = (1200, 700)) -> None:
    """Memory after each trim, and frame time (each minute's median and worst), against the hour of the day."""
    width, height = size
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(250, 250, 252))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    minutes = max(float(record.frame_at[: record.frames].max(initial=1.0)) / 60, 1e-3)
    rss = record.rss[: record.samples]
    frame_at, frame_ms = record.frame_at[: record.frames] / 60, record.frame_ms[: record.frames]
    bins = np.floor(frame_at).astype(int)
    medians = [(m + 0.5, float(np.median(frame_ms[bins == m]))) for m in np.unique(bins)]
    worst = [(m + 0.5, float(frame_ms[bins == m].max())) for m in np.unique(bins)]
    panels = [
        ("resident memory after each heap trim (MB)", [(rss[:, 0] / 60, rss[:, 1], QColor(40, 90, 200))]),
        ("frame time (ms): each minute's median, and its worst", [
            (np.array([m for m, _ in medians]), np.array([v for _, v in medians]), QColor(30, 150, 80)),
            (np.array([m for m, _ in worst]), np.array([v for _, v in worst]), QColor(220, 110, 40)),
        ]),
    ]  # fmt: skip
    for row, (title, series) in enumerate(panels):
        top, bottom = 40 + row * (height // 2), (row + 1) * (height // 2) - 40
        left, right = 80, width - 30
        values = np.concatenate([v for _, v, _ in series]) if series else np.zeros(1)
        low, high = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)
        low, high = (low - 1, high + 1) if high - low < 2 else (low, high)
        painter.setPen(QPen(QColor(60, 60, 70)))
        painter.drawText(left, top - 12, title)
        painter.drawRect(left, top, right - left, bottom - top)
        for tick in np.linspace(low, high, 5):
            y = bottom - (tick - low) / (high - low) * (bottom - top)
            painter.drawText(8, int(y) + 4, f"{tick:.0f}")
        for minute in range(0, int(minutes) + 1, max(int(minutes // 8), 1)):
            x = left + minute / minutes * (right - left)
            painter.drawText(int(x) - 10, bottom + 18, f"{minute} min")
        for xs, ys, colour in series:
            painter.setPen(QPen(colour, 2))
            points = [QPointF(left + x / minutes * (right - left), bottom - (y - low) / (high - low) * (bottom - top))
                      for x, y in zip(xs, ys, strict=True)]  # fmt: skip
            if points:
                painter.drawPolyline(*points)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    with atomic_file(path) as fh:
        fh.write(bytes(data.data()))


def run(
    paths: list[Path],
    plan: DayPlan,
    *,
    json_path: Path | None,
    size: tuple[int, int],
    label_budget: int = 150,
    point_size: float = 3.0,
    point_budget: int | None = None,
    rude: RudeWords | None = None,
) -> int:
    """The festival day on the real kiosk; returns the exit status."""
    folder = tempfile.TemporaryDirectory()
    port = FakePort(Path(folder.name), PS4_NAME)
    port.plug()
    gamepads = Gamepads(discover([port]))
    gamepads.start()
    kiosk = Kiosk(paths, tour_after_s=plan.tour_after_s, picker_after_s=plan.picker_after_s, label_budget=label_budget,
                  point_size=point_size, point_budget=point_budget, gamepads=gamepads, rude=rude)  # fmt: skip
    kiosk.resize(*size)
    kiosk.show()
    day = Day(kiosk, port, plan, json_path)
    events_until(lambda: gamepads.poll()[0].pads >= 1, 10)  # the pad is in before the day starts
    day.start()
    status = QApplication.exec()
    if port.fd is not None:
        port.unplug()
    folder.cleanup()
    return status
