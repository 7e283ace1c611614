"""The one exception hook: an error inside a Qt callback is reported and the program carries on (Qt adapter).

Without a hook, PyQt6 aborts the whole program on the first such error.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from types import TracebackType

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def to_stderr(info: ExcInfo) -> None:
    sys.stderr.write("flythrough: unexpected error (still running):\n")
    sys.stderr.write("".join(traceback.format_exception(*info)))


def keep_running_on_errors(report: Callable[[ExcInfo], None] = to_stderr) -> None:
    """Send every uncaught exception to ``report`` (stderr by default) instead of ending the program."""

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        report((kind, value, tb))

    sys.excepthook = hook
