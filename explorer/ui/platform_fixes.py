"""Platform quirks, in one place instead of ``if`` branches everywhere."""

from __future__ import annotations

import os


def apply() -> None:
    """Call before creating the QApplication."""
    # VTK's Qt widget renders through X11 (or XWayland): under Wayland, ask Qt for xcb.
    if os.environ.get("WAYLAND_DISPLAY") and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "xcb"
