"""``flythrough``: fly through a 3D word cloud; or render a screenshot; or benchmark."""

from __future__ import annotations

import time

STARTED = time.perf_counter()  # before the heavy imports: first-frame time counts them

import argparse  # noqa: E402
import sys  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from pathlib import Path  # noqa: E402

from explorer.core.files import bundled  # noqa: E402

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
    p.add_argument("--point-budget", type=count, metavar="N",
                   help="draw about N points a frame at most, thinning far ones; 0: all "
                        "(default: all; in kiosk mode 12000 on software GL)")  # fmt: skip
    p.add_argument("--screenshot", type=Path, metavar="OUT.png", help="render the overview with labels, save, exit")
    p.add_argument("--benchmark", action="store_true", help="fly a fixed path and report timings")
    p.add_argument("--frames", type=int, default=1000, help="benchmark frames (default 1000)")
    p.add_argument("--json", type=Path, metavar="OUT", help="benchmark: write the results here too")
    p.add_argument("--size", default="1280x720", help="window size for --screenshot/--benchmark (default 1280x720)")
    kiosk = p.add_argument_group("exhibition (kiosk) mode")
    kiosk.add_argument("--kiosk", action="store_true", help="full screen, dataset picker, idle tour, no way out")
    kiosk.add_argument("--idle-seconds", type=float, default=90.0, metavar="N",
                       help="seconds without input before the automatic tour (default 90)")  # fmt: skip
    kiosk.add_argument("--picker-minutes", type=float, default=10.0, metavar="M",
                       help="idle minutes before returning to the picker (default 10)")  # fmt: skip
    kiosk.add_argument("--kiosk-soak", type=float, metavar="MINUTES",
                       help="run the tour unattended, then write RSS and frame times (with --json)")  # fmt: skip
    kiosk.add_argument("--log", type=Path, metavar="FILE", help="kiosk log file (default ~/.local/state/flythrough)")
    return p


def keep_running_on_errors() -> None:
    """Report an exception raised inside a Qt callback and carry on.

    Without a hook, PyQt6 aborts the whole program on the first such error.
    """
    import traceback

    def report(kind, value, tb) -> None:  # noqa: ANN001 - sys.excepthook's signature
        sys.stderr.write("flythrough: unexpected error (still running):\n")
        sys.stderr.write("".join(traceback.format_exception(kind, value, tb)))

    sys.excepthook = report


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    kiosk = args.kiosk or args.kiosk_soak is not None
    if len(args.datasets) > 1 and not kiosk:
        print("flythrough: error: several datasets are for --kiosk; open one at a time", file=sys.stderr)
        return 2
    dataset_path = args.datasets[0] if args.datasets else DEFAULT_DATASET
    try:
        width, height = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        print(f"flythrough: error: --size must look like 1280x720, not {args.size!r}", file=sys.stderr)
        return 2
    from explorer.ui import platform_fixes

    platform_fixes.apply()
    keep_running_on_errors()
    from PyQt6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Flythrough")
    app.setOrganizationName("Flythrough")

    if args.benchmark:
        from explorer.benchmarks import flight as bench

        return bench.run(dataset_path, frames=args.frames, labels=args.labels, size=(width, height),
                         json_path=args.json, point_size=args.point_size, started=STARTED,
                         point_budget=args.point_budget or 0)  # fmt: skip

    if kiosk:
        return run_kiosk(app, args)

    from explorer.core.dataset import DatasetError, read_dataset
    from explorer.ui.window import FlythroughWindow

    # A screenshot is of the view alone, at --size: no research panels beside it.
    window = FlythroughWindow(
        label_budget=args.labels,
        point_size=args.point_size,
        point_budget=args.point_budget or 0,
        research=args.screenshot is None,
    )
    if args.screenshot is not None:
        try:
            dataset = read_dataset(dataset_path)
        except DatasetError as exc:
            print(f"flythrough: error: {exc}", file=sys.stderr)
            return 2
        from explorer.benchmarks.flight import fit_view_to

        window.resize(width, height)
        window.show()
        app.processEvents()
        fit_view_to(window, (width, height))
        window.show_dataset(dataset, str(dataset_path))
        app.processEvents()
        out = window.save_screenshot(args.screenshot.resolve())
        print(f"wrote {out}")
        window.close()
        return 0

    from explorer.devices.gamepad import Gamepads

    window.gamepads = Gamepads()
    window.gamepads.start()
    window.show()
    if args.fullscreen:
        window.showFullScreen()
    window.open_path(dataset_path)
    return app.exec()


def run_kiosk(app, args: argparse.Namespace) -> int:  # noqa: ANN001 - the QApplication
    from PyQt6.QtCore import Qt

    from explorer.ui.kiosk import mode as kiosk
    from explorer.devices.gamepad import Gamepads

    paths = [p.resolve() for p in args.datasets] or [DEFAULT_DATASET]
    missing = [p for p in paths if not p.is_file()]
    if missing:
        print(f"flythrough: error: {missing[0]}: no such file", file=sys.stderr)
        return 2
    log_path = args.log or kiosk.default_log_path()
    kiosk.log_to_file(log_path)
    soak = None
    if args.kiosk_soak is not None:
        soak = kiosk.Soak(args.kiosk_soak, args.json)
    gamepads = Gamepads()
    gamepads.start()
    window = kiosk.KioskWindow(
        paths,
        tour_after_s=0.0 if soak else args.idle_seconds,
        picker_after_s=float("inf") if soak else args.picker_minutes * 60,
        label_budget=args.labels,
        point_size=args.point_size,
        point_budget=args.point_budget,
        gamepads=gamepads,
        soak=soak,
    )
    app.setOverrideCursor(Qt.CursorShape.BlankCursor)
    if soak:
        width, height = (int(v) for v in args.size.lower().split("x"))
        window.resize(width, height)
        window.show()
        window.choose(0)
    else:
        window.showFullScreen()
    print(f"flythrough: kiosk mode; Ctrl+Alt+Q quits, Ctrl+Alt+A is the admin menu; log: {log_path}")
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
