"""Benchmark results: the one JSON writer (printed, and saved atomically when asked), and memory by mapping."""

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


def mapping_growth(first: dict[str, int], last: dict[str, int], top: int = 12) -> list[list[Any]]:
    """The mappings whose resident size changed most between two samples: [name, kB first, kB last]."""
    names = sorted(set(first) | set(last), key=lambda n: -abs(last.get(n, 0) - first.get(n, 0)))
    return [[n, first.get(n, 0), last.get(n, 0)] for n in names[:top] if last.get(n, 0) != first.get(n, 0)]
