"""Pad event to camera response, in a real window: ``python -m explorer.benchmarks.pad_latency``.

A virtual pad (a FIFO read by the real ``inputs`` parser on the pad thread)
sends a stick push at a random moment between two frames; the frame loop
runs as the window's timer would, and the time and the number of frames
until the camera moves are recorded (1: the first frame after the push).
The stick is then released and the camera brought to rest before the next
trial.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m explorer.benchmarks.pad_latency", description=__doc__)
    p.add_argument("dataset", type=Path)
    p.add_argument("--trials", type=int, default=200)
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)

    from explorer.ui import platform_fixes

    platform_fixes.apply()
    from PyQt6.QtWidgets import QApplication

    from explorer.benchmarks.results import print_and_save
    from explorer.core.dataset import read_dataset
    from explorer.devices.gamepad import Gamepads
    from explorer.render.scene import renderer_string
    from explorer.testing.virtual_pad import XBOX_NAME, FakePort, discover, report
    from explorer.ui.window import FRAME_INTERVAL_MS, FlythroughWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as folder:
        port = FakePort(Path(folder), XBOX_NAME)
        port.plug()
        pads = Gamepads(discover([port]))
        pads.start()
        window = FlythroughWindow(gamepads=pads, drive_frames=False)  # this loop is the timer
        window.resize(1280, 720)
        window.show()
        app.processEvents()
        window.fit_view((1280, 720))
        window.show_dataset(read_dataset(args.dataset), str(args.dataset))
        while pads.poll()[0].pads == 0:
            time.sleep(0.01)
        latency_ms, frames = [], []
        for _ in range(args.trials):
            sent = time.perf_counter()
            port.send(report(("ABS_Y", -32768)))
            # The push lands anywhere between two frames: the next frame starts after the rest of the interval.
            time.sleep(rng.uniform(0, FRAME_INTERVAL_MS / 1000))
            ticks = 0
            while not window.camera.moving:
                window.tick()
                app.processEvents()
                ticks += 1
                if not window.camera.moving:
                    time.sleep(FRAME_INTERVAL_MS / 1000)
            latency_ms.append((time.perf_counter() - sent) * 1000)
            frames.append(ticks)
            port.send(report(("ABS_Y", 0)))
            while abs(pads.poll()[0].left[1]) > 0.01:  # released (the centre is not exactly 0)
                time.sleep(0.002)
            window.camera.stop()
        renderer = renderer_string(window.render_window)
        pads.stop()
        window.close()
        port.unplug()
    result = {
        "trials": args.trials,
        "frame_interval_ms": FRAME_INTERVAL_MS,
        "event_to_camera_ms_median": round(statistics.median(latency_ms), 2),
        "event_to_camera_ms_p95": round(float(np.percentile(latency_ms, 95)), 2),
        "event_to_camera_ms_max": round(max(latency_ms), 2),
        "frames_to_respond_max": max(frames),
        "frames_to_respond_counts": {str(k): frames.count(k) for k in sorted(set(frames))},
        "renderer": renderer,
    }
    print_and_save(result, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
