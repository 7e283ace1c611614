"""The one JSON writer of the explorer's benchmarks: printed, and saved atomically when asked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from explorer.core.files import atomic_file


def print_and_save(result: dict[str, Any], json_path: Path | None) -> None:
    """A benchmark's result as JSON: on stdout, and in ``json_path`` when given."""
    text = json.dumps(result, indent=2)
    print(text)
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_file(json_path) as fh:
            fh.write((text + "\n").encode("utf-8"))
