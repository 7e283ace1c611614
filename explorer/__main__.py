"""``flythrough``: fly through a 3D word cloud; or render a screenshot; or benchmark."""

from __future__ import annotations

import time

STARTED = time.perf_counter()  # before the heavy imports: first-frame time counts them

import argparse  # noqa: E402
import sys  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from pathlib import Path  # noqa: E402

DEFAULT_DATASET = Path(__file__).resolve().parent.parent / "data" / "words-en.ds.tsv.gz"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="flythrough", description=__doc__)
    p.add_argument(
        "dataset", nargs="?", type=Path, default=None, help=f"dataset to open (default {DEFAULT_DATASET.name})"
    )
    p.add_argument("--fullscreen", action="store_true", help="start full screen")
    p.add_argument("--labels", type=int, default=150, metavar="K", help="labels shown near the camera (0 for none)")
    p.add_argument("--point-size", type=float, default=3.0, metavar="PX", help="point size in pixels (default 3)")
    p.add_argument("--screenshot", type=Path, metavar="OUT.png", help="render the overview with labels, save, exit")
    p.add_argument("--benchmark", action="store_true", help="fly a fixed path and report timings")
    p.add_argument("--frames", type=int, default=1000, help="benchmark frames (default 1000)")
    p.add_argument("--json", type=Path, metavar="OUT", help="benchmark: write the results here too")
    p.add_argument("--size", default="1280x720", help="window size for --screenshot/--benchmark (default 1280x720)")
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
    dataset_path = args.dataset or DEFAULT_DATASET
    try:
        width, height = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        print(f"flythrough: error: --size must look like 1280x720, not {args.size!r}", file=sys.stderr)
        return 2
    from explorer import platform_fixes

    platform_fixes.apply()
    keep_running_on_errors()
    from PyQt6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Flythrough")
    app.setOrganizationName("Flythrough")

    if args.benchmark:
        from explorer import bench

        return bench.run(dataset_path, frames=args.frames, labels=args.labels, size=(width, height),
                         json_path=args.json, point_size=args.point_size, started=STARTED)  # fmt: skip

    from explorer.dataset import DatasetError, read_dataset
    from explorer.window import FlythroughWindow

    window = FlythroughWindow(label_budget=args.labels, point_size=args.point_size)
    if args.screenshot is not None:
        try:
            dataset = read_dataset(dataset_path)
        except DatasetError as exc:
            print(f"flythrough: error: {exc}", file=sys.stderr)
            return 2
        from explorer.bench import fit_view_to

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

    from explorer.gamepad import Gamepads

    window.gamepads = Gamepads()
    window.gamepads.start()
    window.show()
    if args.fullscreen:
        window.showFullScreen()
    window.open_path(dataset_path)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
