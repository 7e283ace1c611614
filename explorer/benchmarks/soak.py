"""``flythrough --kiosk-soak MINUTES``: the kiosk's tour unattended, with its frame times and memory curve.

The soak listens to the window's ``frame_rendered`` signal; nothing in the
kiosk knows it is being measured.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from PyQt6.QtCore import Qt, QTimer

from explorer.benchmarks.results import print_and_save
from explorer.core.process import heap_in_use_mb, rss_mb, rss_parts_mb
from explorer.render.scene import renderer_string
from explorer.ui.kiosk.log import log
from explorer.ui.kiosk.mode import Kiosk

CHECK_MS = 20  # how often the run's clock and the memory samples are looked at


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
        self._timer: QTimer | None = None

    def frame(self, ms: float, thread_cpu_ms: float = -1.0, process_cpu_ms: float = -1.0) -> None:
        if self.frames < len(self.frame_ms):
            self.frame_ms[self.frames] = ms
            self.frame_at[self.frames] = time.monotonic() - self.started
            self.frame_cpu_ms[self.frames] = (thread_cpu_ms, process_cpu_ms)
            self.frames += 1

    def attach(self, kiosk: Kiosk) -> None:
        """Record every frame the kiosk's window draws, sample memory, and end the run in time."""
        kiosk.explorer.frame_rendered.connect(self.frame)
        self._timer = QTimer(kiosk)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(lambda: self._check(kiosk))
        self._timer.start(CHECK_MS)

    def _check(self, kiosk: Kiosk) -> None:
        if self.tick():
            self.finish(kiosk)

    def tick(self) -> bool:
        """Sample memory when due; True when the run is over."""
        now = time.monotonic()
        if now >= self._next_sample and self.samples < len(self.rss):
            anon, file = rss_parts_mb()
            self.rss[self.samples] = (now - self.started, rss_mb(), heap_in_use_mb(), anon, file)
            self.samples += 1
            self._next_sample += self.sample_s
        return now - self.started >= self.minutes * 60

    def result(self, kiosk: Kiosk) -> dict[str, Any]:
        window = kiosk.explorer
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
            "loop_errors": kiosk.loop_errors,
            "labels_budget": window.scene.label_budget,
            **window.scene.budget_record(),
            "renderer": renderer_string(window.render_window),
        }

    def finish(self, kiosk: Kiosk) -> None:
        """Write the soak's figures and quit; if they cannot be written, say why and quit anyway."""
        if self._timer is not None:
            self._timer.stop()
        kiosk.explorer.frame_rendered.disconnect(self.frame)
        try:
            print_and_save(self.result(kiosk), self.json_path)
        except Exception as exc:  # an unattended run must end, not tour for ever
            log.exception("could not write the soak's figures")
            print(f"flythrough: error: could not write the soak's figures: {exc}", file=sys.stderr)
            kiosk.quit_kiosk(1)
            return
        kiosk.quit_kiosk()
