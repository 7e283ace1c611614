"""Named camera views, kept per dataset in one JSON file (pure).

A presenter saves views (Ctrl+B) and replays them in order as a tour. The
file maps each dataset's absolute path to its list of views; it is written
whole, atomically, so a crash never leaves half a file.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from explorer.core.files import atomic_file


@dataclass(frozen=True)
class Bookmark:
    name: str
    position: tuple[float, float, float]
    yaw: float
    pitch: float

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "position": list(self.position), "yaw": self.yaw, "pitch": self.pitch}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Bookmark:
        x, y, z = (float(v) for v in data["position"])
        return cls(str(data["name"]), (x, y, z), float(data["yaw"]), float(data["pitch"]))


def default_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "flythrough" / "bookmarks.json"


class BookmarkStore:
    """Bookmarks of every dataset; a missing or damaged file reads as empty."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()

    def _all(self) -> dict[str, list[dict[str, Any]]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def load(self, dataset: Path) -> list[Bookmark]:
        marks = []
        for item in self._all().get(str(Path(dataset).resolve()), []):
            try:
                marks.append(Bookmark.from_json(item))
            except (KeyError, TypeError, ValueError):
                continue  # one damaged entry must not cost the others
        return marks

    def save(self, dataset: Path, marks: list[Bookmark]) -> None:
        data = self._all()
        data[str(Path(dataset).resolve())] = [m.to_json() for m in marks]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_file(self.path) as fh:
            fh.write(json.dumps(data, indent=1, ensure_ascii=False).encode("utf-8"))


def bookmark_of(name: str, position: np.ndarray, yaw: float, pitch: float) -> Bookmark:
    x, y, z = (float(v) for v in position)
    return Bookmark(name, (x, y, z), float(yaw), float(pitch))
