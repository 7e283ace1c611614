"""The kiosk's log: a rotating file that gets every message and every uncaught error (Qt-free)."""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

from explorer.ui.errors import keep_running_on_errors

log = logging.getLogger("flythrough.kiosk")


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
    keep_running_on_errors(lambda info: log.error("unexpected error (still running)", exc_info=info))
