"""``flythrough``: fly through a 3D word cloud; or render a screenshot; or benchmark."""

from __future__ import annotations

import time

STARTED = time.perf_counter()  # before the heavy imports: first-frame time counts them

import argparse  # noqa: E402
import sys  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TYPE_CHECKING  # noqa: E402

from explorer.core.dataset import datasets_in  # noqa: E402
from explorer.core.files import bundled  # noqa: E402
from explorer.core.pictures import PICTURE_BUDGET  # noqa: E402

if TYPE_CHECKING:
    from explorer.core.profanity import RudeWords

DEFAULT_DATASET = bundled("data", "words-en.ds.tsv.gz")


def count(text: str) -> int:
    """An argparse type: a whole number, 0 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="flythrough", description=__doc__)
    p.add_argument(
        "datasets", nargs="*", type=Path, metavar="DATASET",
        help=f"dataset to open (default {DEFAULT_DATASET.name}); in kiosk mode, several for the picker",
    )  # fmt: skip
    p.add_argument("--fullscreen", action="store_true", help="start full screen")
    p.add_argument("--labels", type=count, default=150, metavar="K", help="labels shown near the camera (0 for none)")
    p.add_argument("--point-size", type=float, default=3.0, metavar="PX", help="point size in pixels (default 3)")
    p.add_argument("--pictures", type=count, default=PICTURE_BUDGET, metavar="N",
                   help="an image dataset's nearest points as pictures (default 2000, 0: dots only)")  # fmt: skip
    p.add_argument(
        "--point-budget",
        type=count,
        metavar="N",
        help="draw at most N points a frame, coarse where far (level of detail); 0: every "
        "point in view (default: follows the frame time: 60 fps on a GPU, 30 on software GL)",
    )
    p.add_argument("--screenshot", type=Path, metavar="OUT.png", help="render the overview with labels, save, exit")
    p.add_argument("--benchmark", action="store_true", help="fly a fixed path and report timings")
    p.add_argument("--frames", type=int, default=1000, help="benchmark frames (default 1000)")
    p.add_argument("--square-points", action="store_true", help="benchmark: GL's square points, to compare")
    p.add_argument("--json", type=Path, metavar="OUT", help="benchmark: write the results here too")
    p.add_argument("--size", default="1280x720", help="window size for --screenshot/--benchmark (default 1280x720)")
    video = p.add_argument_group("flights as video")
    video.add_argument("--record", type=Path, metavar="OUT.mp4",
                       help="render a flight frame by frame, write it as .mp4, .webm or .gif, exit")  # fmt: skip
    video.add_argument("--views", type=lambda t: [v.strip() for v in t.split(",") if v.strip()], metavar="NAME,…",
                       help="--record: fly through these saved views in order (default: the tour)")  # fmt: skip
    video.add_argument("--tour", action="store_true", help="--record: the tour through the densest parts (default)")
    video.add_argument(
        "--seconds", type=float, metavar="S", help="--record: length (default: the views' flight, or 20 s)"
    )
    video.add_argument("--fps", type=int, default=30, help="--record: frames a second (default 30)")
    kiosk = p.add_argument_group("exhibition (kiosk) mode")
    kiosk.add_argument("--kiosk", action="store_true", help="full screen, dataset picker, idle tour, no way out")
    kiosk.add_argument("--idle-seconds", type=float, default=90.0, metavar="N",
                       help="seconds without input before the automatic tour (default 90)")  # fmt: skip
    kiosk.add_argument("--picker-minutes", type=float, default=10.0, metavar="M",
                       help="idle minutes before returning to the picker (default 10)")  # fmt: skip
    kiosk.add_argument("--kiosk-soak", type=float, metavar="MINUTES",
                       help="run the tour unattended, then write RSS and frame times (with --json)")  # fmt: skip
    kiosk.add_argument("--kiosk-day", type=float, metavar="MINUTES",
                       help="a festival day: a scripted visitor drives the kiosk; writes figures (with --json) "
                            "and a PNG of memory and frame time beside them")  # fmt: skip
    kiosk.add_argument(
        "--switch-seconds",
        type=float,
        default=120.0,
        metavar="S",
        help="--kiosk-day: the visitor goes to another world this often (default 120)",
    )
    kiosk.add_argument("--replug-minutes", type=float, default=10.0, metavar="M",
                       help="--kiosk-day: the pad is pulled out and put back this often (default 10)")  # fmt: skip
    kiosk.add_argument("--log", type=Path, metavar="FILE", help="kiosk log file (default ~/.local/state/flythrough)")
    kiosk.add_argument(
        "--rude-words",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="more words never to label, one a line (beside the bundled lists)",
    )
    kiosk.add_argument("--allow-words", type=Path, action="append", default=[], metavar="FILE",
                       help="words to label although a list has them, one a line")  # fmt: skip
    return p


def main(argv: Sequence[str] | None = None) -> int:
    raw = list(sys.argv[1:] if argv is None else argv)
    args = parser().parse_args(raw)
    kiosk = args.kiosk or args.kiosk_soak is not None or args.kiosk_day is not None
    if len(args.datasets) > 1 and not kiosk:
        print("flythrough: error: several datasets are for --kiosk; open one at a time", file=sys.stderr)
        return 2
    dataset_path = args.datasets[0] if args.datasets else DEFAULT_DATASET
    try:
        width, height = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        print(f"flythrough: error: --size must look like 1280x720, not {args.size!r}", file=sys.stderr)
        return 2
    if kiosk:
        checked = check_kiosk_files(args)
        if isinstance(checked, int):
            return checked
        from explorer.ui.kiosk.supervisor import is_child, supervise

        if args.kiosk_soak is None and args.kiosk_day is None and not is_child():  # a watched child runs the window
            return supervise(raw, checked[2])
    from explorer.ui import platform_fixes
    from explorer.ui.errors import keep_running_on_errors

    platform_fixes.apply()
    keep_running_on_errors()
    from PyQt6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Flythrough")
    app.setOrganizationName("Flythrough")

    if args.benchmark:
        from explorer.benchmarks import flight

        return flight.run(dataset_path, frames=args.frames, labels=args.labels, size=(width, height),
                          json_path=args.json, point_size=args.point_size, started=STARTED,
                          point_budget=args.point_budget, round_points=not args.square_points,
                          pictures=args.pictures)  # fmt: skip
    if kiosk:
        return run_kiosk(args, (width, height))
    if args.screenshot is not None:
        return screenshot(dataset_path, args, (width, height))
    if args.record is not None:
        return record_video(dataset_path, args, (width, height))

    from explorer.devices.gamepad import Gamepads
    from explorer.ui.research.controller import Research
    from explorer.ui.window import FlythroughWindow

    gamepads = Gamepads()
    window = FlythroughWindow(label_budget=args.labels, point_size=args.point_size,
                              point_budget=args.point_budget, gamepads=gamepads, pictures=args.pictures)  # fmt: skip
    Research(window)
    gamepads.start()
    window.show()
    if args.fullscreen:
        window.showFullScreen()
    window.open_path(dataset_path)
    return app.exec()


def record_video(dataset_path: Path, args: argparse.Namespace, size: tuple[int, int]) -> int:
    from explorer.ui.recording import RecordingError, record_dataset

    if args.views and args.tour:
        print("flythrough: error: --views and --tour are two flights: give one", file=sys.stderr)
        return 2
    if args.fps < 1 or (args.seconds is not None and args.seconds <= 0):
        print("flythrough: error: --fps and --seconds must be above 0", file=sys.stderr)
        return 2
    try:
        frames = record_dataset(dataset_path, args.record, seconds=args.seconds, fps=args.fps, size=size,
                                views=args.views, label_budget=args.labels, point_size=args.point_size)  # fmt: skip
    except RecordingError as exc:
        print(f"flythrough: error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.record} ({frames} frames, {frames / args.fps:.1f} s)")
    return 0


def screenshot(dataset_path: Path, args: argparse.Namespace, size: tuple[int, int]) -> int:
    """The overview with labels, as a PNG at ``size``: the view alone, no research panels beside it."""
    from PyQt6.QtWidgets import QApplication

    from explorer.core.dataset import DatasetError
    from explorer.ui.window import FlythroughWindow
    from explorer.ui.workers import read_any, with_regions

    try:
        dataset = with_regions(read_any(dataset_path))
    except DatasetError as exc:
        print(f"flythrough: error: {exc}", file=sys.stderr)
        return 2
    window = FlythroughWindow(label_budget=args.labels, point_size=args.point_size,
                              point_budget=args.point_budget or 0, pictures=args.pictures)  # fmt: skip
    window.resize(*size)
    window.show()
    QApplication.processEvents()
    window.fit_view(size)
    window.show_dataset(dataset, str(dataset_path))
    QApplication.processEvents()
    out = window.save_screenshot(args.screenshot.resolve())
    print(f"wrote {out}")
    window.close()
    return 0


def check_kiosk_files(args: argparse.Namespace) -> tuple[list[Path], RudeWords, Path] | int:
    """The kiosk's worlds, its rude-word rule and its log; or exit status 2 after a one-line error."""
    from explorer.core.profanity import RudeWords, WordListError
    from explorer.ui.kiosk.log import default_log_path

    paths = [p.resolve() for p in args.datasets] or datasets_in(bundled("data"))  # every bundled world
    missing = [p for p in paths if not p.is_file()]
    if missing:
        print(f"flythrough: error: {missing[0]}: no such file", file=sys.stderr)
        return 2
    try:
        rude = RudeWords.bundled(extra=args.rude_words, allowed=args.allow_words)
    except WordListError as exc:
        print(f"flythrough: error: {exc}", file=sys.stderr)
        return 2
    return paths, rude, args.log or default_log_path()


def run_kiosk(args: argparse.Namespace, size: tuple[int, int]) -> int:
    from PyQt6.QtCore import Qt
    from PyQt6.QtWidgets import QApplication

    from explorer.devices.gamepad import Gamepads
    from explorer.ui.kiosk.log import log_to_file
    from explorer.ui.kiosk.mode import Kiosk

    checked = check_kiosk_files(args)
    if isinstance(checked, int):
        return checked
    paths, rude, log_path = checked
    log_to_file(log_path)
    if args.kiosk_day is not None:
        from explorer.benchmarks import day
        from explorer.benchmarks.visitor import DayPlan

        plan = DayPlan(
            args.kiosk_day,
            switch_every_s=args.switch_seconds,
            replug_every_s=args.replug_minutes * 60,
            tour_after_s=args.idle_seconds,
            picker_after_s=args.picker_minutes * 60,
        )
        return day.run(paths, plan, json_path=args.json, size=size, label_budget=args.labels,
                       point_size=args.point_size, point_budget=args.point_budget, rude=rude)  # fmt: skip
    soaking = args.kiosk_soak is not None
    gamepads = Gamepads()
    gamepads.start()
    kiosk = Kiosk(
        paths,
        tour_after_s=0.0 if soaking else args.idle_seconds,
        picker_after_s=float("inf") if soaking else args.picker_minutes * 60,
        label_budget=args.labels,
        point_size=args.point_size,
        point_budget=args.point_budget,
        pictures=args.pictures,
        gamepads=gamepads,
        rude=rude,
    )
    QApplication.setOverrideCursor(Qt.CursorShape.BlankCursor)
    if soaking:
        from explorer.benchmarks.soak import Soak

        Soak(args.kiosk_soak, args.json).attach(kiosk)
        kiosk.resize(*size)
        kiosk.show()
        kiosk.choose(0)
    else:
        kiosk.showFullScreen()
    return QApplication.exec()


if __name__ == "__main__":
    sys.exit(main())
