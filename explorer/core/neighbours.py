"""The selection's neighbours: true ones from the sidecar, and those in the 3D map (pure).

UMAP keeps most neighbourhoods and breaks some. Listing a point's nearest
neighbours in the original space (the ``.ds.knn.npy`` sidecar) beside its
nearest neighbours in 3D shows which: a true neighbour far away in 3D was torn
off, a 3D neighbour missing from the true list was pushed in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.core.spatial import PointIndex

NEIGHBOURS = 10


@dataclass(frozen=True)
class Neighbourhood:
    row: int
    original: np.ndarray | None  # rows of the true neighbours, nearest first; None without a sidecar
    original_3d: np.ndarray | None  # their distance from ``row`` in the 3D map
    in_3d: np.ndarray  # rows of the nearest neighbours in 3D, nearest first
    in_3d_distance: np.ndarray

    @property
    def kept(self) -> int | None:
        """How many of the true neighbours are also among the 3D ones."""
        if self.original is None:
            return None
        return int(np.isin(self.original, self.in_3d).sum())


def neighbourhood(
    row: int, points: np.ndarray, index: PointIndex, knn: np.ndarray | None, k: int = NEIGHBOURS
) -> Neighbourhood:
    """Neighbours of ``row``: from the sidecar, and the nearest in 3D from the octree's ``index``."""
    original = original_3d = None
    if knn is not None:
        original = np.asarray(knn[row][:k], dtype=np.int64)
        original = original[original != row]
        original_3d = np.linalg.norm(points[original] - points[row], axis=1)
    positions, distance = index.nearest(np.asarray(points[row], dtype=np.float64), min(k + 1, len(points)))
    rows = index.rows(positions)
    keep = rows != row
    return Neighbourhood(row, original, original_3d, rows[keep][:k], distance[keep][:k])
