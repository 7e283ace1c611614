"""Named regions of a map, coarse to fine: the signposts read from afar (pure).

Two sidecars beside ``NAME.ds.tsv.gz`` hold them:

- ``NAME.ds.regions.json``: ``{"levels": [[{"id", "parent", "name", "centroid",
  "radius", "size"}, …], …]}``, the coarsest level first. A region's ``id`` is
  its place in its level's list; ``parent`` is the id of the region of the
  level above that holds it (None at the top).
- ``NAME.ds.regions.npy``: int32 ``[N, levels]``, each point's region id per
  level, −1 for none.

The pipeline builds them (``pipeline.regions``); this module is their one
reader and writer, and what the explorer asks of them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from explorer.core.files import atomic_file


class RegionsError(ValueError):
    """A regions sidecar that breaks its format; the message says where and why."""


@dataclass(frozen=True)
class Region:
    id: int
    parent: int | None
    name: str
    centroid: tuple[float, float, float]
    radius: float  # the distance from the centroid within which most of its points lie
    size: int  # points


@dataclass(frozen=True, eq=False)
class Regions:
    """Every level's regions, and each point's region per level."""

    levels: list[list[Region]]
    members: np.ndarray  # int32 [N, levels]; -1: in no region of that level

    def __post_init__(self) -> None:
        if self.members.ndim != 2 or self.members.shape[1] != len(self.levels):
            raise RegionsError(f"members must be [N, {len(self.levels)}], not {self.members.shape}")
        for depth, level in enumerate(self.levels):
            for i, region in enumerate(level):
                if region.id != i:
                    raise RegionsError(f"level {depth}: region {i} has id {region.id}")
                if depth == 0 and region.parent is not None:
                    raise RegionsError(f"level 0: region {i} has a parent")
                if depth > 0 and not (region.parent is not None and 0 <= region.parent < len(self.levels[depth - 1])):
                    raise RegionsError(f"level {depth}: region {i} has no parent in level {depth - 1}")
            column = self.members[:, depth]
            if len(column) and (column.min() < -1 or column.max() >= len(level)):
                raise RegionsError(f"level {depth}: a point's region is not one of the level's {len(level)}")

    def __len__(self) -> int:
        return len(self.members)

    def centroids(self, depth: int) -> np.ndarray:
        """float64 [regions, 3] of one level."""
        return np.array([r.centroid for r in self.levels[depth]], dtype=np.float64).reshape(-1, 3)

    def names(self, depth: int) -> list[str]:
        return [r.name for r in self.levels[depth]]

    def to_json(self) -> dict[str, Any]:
        return {
            "levels": [
                [
                    {
                        "id": r.id,
                        "parent": r.parent,
                        "name": r.name,
                        "centroid": [round(float(c), 6) for c in r.centroid],
                        "radius": round(float(r.radius), 6),
                        "size": r.size,
                    }  # fmt: skip
                    for r in level
                ]
                for level in self.levels
            ]
        }


def regions_of_json(value: Any, members: np.ndarray) -> Regions:
    """Regions from the JSON sidecar's content and the membership array; :class:`RegionsError` if malformed."""
    if not isinstance(value, dict) or not isinstance(value.get("levels"), list):
        raise RegionsError('expected {"levels": [[region, …], …]}')
    levels: list[list[Region]] = []
    for depth, level in enumerate(value["levels"]):
        if not isinstance(level, list):
            raise RegionsError(f"level {depth} is not a list of regions")
        regions = []
        for i, item in enumerate(level):
            try:
                centroid = tuple(float(c) for c in item["centroid"])
                if len(centroid) != 3:
                    raise ValueError("centroid needs 3 numbers")
                parent = item["parent"]
                regions.append(Region(int(item["id"]), None if parent is None else int(parent), str(item["name"]),
                                      (centroid[0], centroid[1], centroid[2]), float(item["radius"]),
                                      int(item["size"])))  # fmt: skip
            except (KeyError, TypeError, ValueError) as exc:
                raise RegionsError(f"level {depth}, region {i}: {exc}") from None
        levels.append(regions)
    return Regions(levels, np.asarray(members, dtype=np.int32))


def write_regions(json_path: Path, npy_path: Path, regions: Regions) -> None:
    """Both sidecars, each atomically."""
    with atomic_file(npy_path) as fh:
        np.save(fh, np.ascontiguousarray(regions.members, dtype=np.int32), allow_pickle=False)
    with atomic_file(json_path) as fh:
        fh.write((json.dumps(regions.to_json(), ensure_ascii=False) + "\n").encode("utf-8"))


def read_regions(json_path: Path, npy_path: Path, n_points: int) -> Regions:
    """Both sidecars; :class:`RegionsError` names the file and the problem."""
    try:
        members = np.load(npy_path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise RegionsError(f"{npy_path}: not a NumPy array file: {exc}") from None
    if members.ndim != 2 or members.shape[0] != n_points or members.dtype.kind not in "iu":
        raise RegionsError(f"{npy_path}: expected int32 [{n_points}, levels], found {members.dtype} {members.shape}")
    try:
        value = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RegionsError(f"{json_path}: not valid JSON: {exc}") from None
    try:
        return regions_of_json(value, members)
    except RegionsError as exc:
        raise RegionsError(f"{json_path}: {exc}") from None
