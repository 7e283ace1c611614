"""``flythrough --record OUT.mp4``: a flight rendered frame by frame and written as video (Qt and VTK adapter).

Each frame is rendered at a fixed time step, however long it takes, so the
video is smooth even where live rendering is slow; labels and region names
are in it, as on screen. H.264 MP4, WebM (VP9) or GIF by the extension, with
imageio-ffmpeg, whose wheel carries its own ffmpeg: nothing is downloaded.
The flight is the saved views in order (``--views``), or else the attract
tour through the densest parts of the cloud.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from PyQt6.QtCore import QObject, QProcess, pyqtSignal
from PyQt6.QtWidgets import QApplication

from explorer.core.bookmarks import BookmarkStore
from explorer.core.camera import pose_of, set_pose
from explorer.core.dataset import Dataset, DatasetError
from explorer.core.tour import RouteTour, SmoothTour, dense_waypoints
from explorer.ui.window import FlythroughWindow

FRAME_LINE = re.compile(r"^frame (\d+)/(\d+)$")
FORMATS = {".mp4": "H.264 MP4", ".webm": "VP9 WebM", ".gif": "GIF"}
TOUR_DIAGONALS_PER_S = 1 / 20  # the recorded tour moves a little faster than the kiosk's: a video is short


class RecordingError(Exception):
    """A recording that cannot be made as asked: the message says why, in one line."""


def flight_for(window: FlythroughWindow, dataset: Dataset, views: list[str] | None, store: BookmarkStore) -> Any:
    """The recorded flight: the named saved views in order, or the tour through the densest parts."""
    if views:
        saved = {b.name: b for b in store.load(dataset.path)} if dataset.path is not None else {}
        missing = [name for name in views if name not in saved]
        if missing:
            have = ", ".join(saved) or "none"
            raise RecordingError(f"no saved view {missing[0]!r} for {dataset.path}; saved: {have}")
        stops = [(np.array(saved[name].position), saved[name].yaw, saved[name].pitch) for name in views]
        return RouteTour(pose_of(window.camera), stops, diagonal=window.scene.diagonal)
    waypoints = dense_waypoints(np.asarray(dataset.points, dtype=np.float64), count=8, seed=0)
    return SmoothTour(waypoints, speed=window.frame.diagonal * TOUR_DIAGONALS_PER_S)


def record(
    dataset: Dataset,
    out: Path,
    *,
    seconds: float | None,
    fps: int,
    size: tuple[int, int],
    views: list[str] | None = None,
    label_budget: int = 150,
    point_size: float = 3.0,
    store: BookmarkStore | None = None,
    progress: bool = True,
) -> int:
    """Render the flight and write the video; returns the frames written."""
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise RecordingError(f"{out}: unknown video format; use {', '.join(FORMATS)}")
    if not out.parent.is_dir():
        raise RecordingError(f"{out.parent}: output folder does not exist")
    width, height = (s + s % 2 for s in size)  # H.264 and VP9 want even sides
    app = QApplication.instance() or QApplication([])
    window = FlythroughWindow(label_budget=label_budget, point_size=point_size, desktop=False, drive_frames=False)
    window.show()
    ratio = window.devicePixelRatioF() or 1.0  # the render window has device pixels: on a HiDPI screen, more
    window.resize(max(1, round(width / ratio)), max(1, round(height / ratio)))
    app.processEvents()
    try:
        window.show_dataset(dataset, str(dataset.path) if dataset.path else None)
        # A caption, not the live HUD: its frame rate would differ from run to run, and means nothing in a video.
        caption = f"{dataset.path.name if dataset.path else 'Flythrough'}   {len(dataset):,} points"
        window.set_hud_provider(lambda: caption)
        flight = flight_for(window, dataset, views, store or BookmarkStore())
        duration = seconds if seconds is not None else getattr(flight, "duration_s", 20.0)
        frames = max(1, round(duration * fps))
        # Written beside the target and renamed at the end: no half-written video under the real name.
        part = out.with_name(f".{out.stem}.part{suffix}")
        try:
            with _writer(part, suffix, fps) as writer, progress_bar(frames, progress) as advance:
                for i in range(frames):
                    set_pose(window.camera, flight.pose(i / fps))
                    window.render_frame()
                    writer.append_data(_sized(window.view_pixels(), width, height))
                    advance()
            os.replace(part, out)
        finally:
            part.unlink(missing_ok=True)
        return frames
    finally:
        window.close()


def _writer(path: Path, suffix: str, fps: int) -> Any:
    try:
        import imageio.v2 as imageio  # only here: the explorer starts without it
    except ImportError:
        raise RecordingError("recording needs imageio: pip install 'flythrough[video]'") from None
    if suffix == ".gif":
        return imageio.get_writer(path, format="GIF", mode="I", duration=1000 / fps, loop=0)
    codec = "libx264" if suffix == ".mp4" else "libvpx-vp9"
    return imageio.get_writer(path, format="FFMPEG", mode="I", fps=fps, codec=codec, macro_block_size=2,
                              quality=8 if suffix == ".mp4" else None, ffmpeg_log_level="error",
                              output_params=["-f", suffix[1:]], pixelformat="yuv420p")  # fmt: skip


def _sized(pixels: np.ndarray, width: int, height: int) -> np.ndarray:
    """The frame at exactly the video's size: padded with the sky or cropped, never scaled."""
    frame = np.zeros((height, width, 3), dtype=np.uint8)
    h, w = min(height, pixels.shape[0]), min(width, pixels.shape[1])
    frame[:h, :w] = pixels[:h, :w, :3]
    return frame


@contextmanager
def progress_bar(total: int, shown: bool) -> Iterator[Callable[[], None]]:
    """A bar with the frames done and the time left, on stderr; silent when ``shown`` is False."""
    if not shown:
        yield lambda: None
        return
    if not sys.stderr.isatty():  # a program reads it (the window's recorder): one plain line a frame
        done = [0]

        def line() -> None:
            done[0] += 1
            print(f"frame {done[0]}/{total}", file=sys.stderr, flush=True)

        yield line
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn("recording"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   console=Console(stderr=True))  # fmt: skip
    with bar:
        task = bar.add_task("frames", total=total)
        yield lambda: bar.advance(task)


def record_dataset(path: Path, out: Path, **options: Any) -> int:
    """``record`` for a file: a dataset or a table of points; errors are :class:`RecordingError`."""
    from explorer.ui.workers import read_any, with_regions

    try:
        dataset = with_regions(read_any(path))
    except DatasetError as exc:
        raise RecordingError(str(exc)) from None
    return record(dataset, out, **options)


class BackgroundRecording(QObject):
    """``flythrough --record`` in a child process, so that the window stays usable; its frames come as progress."""

    progress = pyqtSignal(int, int)  # frames done, frames in all
    finished = pyqtSignal(bool, str)  # success, and the file written or the error's line

    def __init__(self, arguments: list[str], out: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.out = out
        self.process = QProcess(self)
        self.process.setProgram(sys.executable)
        self.process.setArguments(["-m", "explorer", "--record", str(out), *arguments])
        self.process.readyReadStandardError.connect(self._read)
        self.process.finished.connect(self._done)
        self._last_line = ""

    def start(self) -> None:
        self.process.start()

    def _read(self) -> None:
        for line in bytes(self.process.readAllStandardError().data()).decode("utf-8", "replace").splitlines():
            found = FRAME_LINE.match(line.strip())
            if found:
                self.progress.emit(int(found.group(1)), int(found.group(2)))
            elif line.strip():
                self._last_line = line.strip()

    def _done(self, code: int, _status: object) -> None:
        self.finished.emit(code == 0, str(self.out) if code == 0 else self._last_line or f"exit status {code}")
