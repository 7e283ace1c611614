"""Nearest points and points along a ray, answered by the level-of-detail octree itself (pure).

The octree already holds every point once, each node one contiguous run of
points whose cube bounds them. So "which points are near here?" needs no
second index: take the nodes in order of their cube's distance, read their
runs, and stop once the next cube lies farther than the k-th point found.
At ten million points this saves what a KD-tree beside the octree costs: a
float64 copy of the points, its own permutation and nodes (about 50 bytes a
point), and seconds of building at every open.

Queries can be limited to what a frame draws (``shares``: the level of
detail's drawn share of each node, of which the leading part of each run is
drawn), so that labels and clicks only ever land on visible points.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from explorer.core.octree import Octree, build_octree
from explorer.core.ranges import runs

BATCH = 4096  # points read before the stopping rule is checked again


class PointIndex:
    """Spatial queries over an octree and its points in octree order (positions, not dataset rows)."""

    def __init__(self, tree: Octree, ordered: np.ndarray) -> None:
        if len(ordered) != tree.points:
            raise ValueError(f"{len(ordered)} points for an octree of {tree.points}")
        self.tree = tree
        self.points = ordered  # float32 [N, 3], in octree order: maybe memory-mapped, never copied
        self.radius = tree.half * math.sqrt(3.0)  # each node's bounding sphere, for rays

    @classmethod
    def of(cls, points: np.ndarray) -> PointIndex:
        """An index over loose points (tests, small clouds): builds their octree."""
        tree = build_octree(np.asarray(points))
        return cls(tree, np.ascontiguousarray(np.asarray(points, dtype=np.float32)[tree.order]))

    def __len__(self) -> int:
        return len(self.points)

    @property
    def positions(self) -> np.ndarray:
        """Each dataset row's position in octree order (the tree's one table, made on first use)."""
        return self.tree.positions

    def rows(self, positions: np.ndarray) -> np.ndarray:
        """The dataset rows at these positions (int64)."""
        return self.tree.order[np.asarray(positions, dtype=np.int64)].astype(np.int64)

    def drawn_counts(self, shares: np.ndarray | None) -> np.ndarray:
        """How many points of each node's run count: all, or the leading share the frame draws."""
        if shares is None:
            return self.tree.count
        # A position is drawn when its place in the run is below share * count (LevelOfDetail.drawn_rows).
        counts: np.ndarray = np.minimum(np.ceil(shares * self.tree.count), self.tree.count).astype(np.int64)
        return counts

    def cube_distance(self, centre: np.ndarray) -> np.ndarray:
        """Each node's cube's distance from a point (0 inside it): no point of the node is nearer."""
        gap = np.maximum(np.abs(np.asarray(centre, dtype=np.float64) - self.tree.center) - self.tree.half[:, None], 0)
        distance: np.ndarray = np.sqrt(np.einsum("ij,ij->i", gap, gap))
        return distance

    def nearest(
        self,
        centre: np.ndarray,
        k: int,
        *,
        limit: float = math.inf,
        shares: np.ndarray | None = None,
        hidden: np.ndarray | None = None,
        accept: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest positions to ``centre`` within ``limit``, nearest first, with their distances.

        ``shares`` keeps to the points a frame draws; ``hidden`` (a bool per
        position) points are passed over, and so are those ``accept`` (positions
        -> bool each) turns down: the k nearest that it takes are found at once.
        """
        if k <= 0 or len(self) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        centre = np.asarray(centre, dtype=np.float64)
        counts = self.drawn_counts(shares)
        reach = self.cube_distance(centre)
        nodes = np.flatnonzero((counts > 0) & (reach <= limit))
        nodes = nodes[np.argsort(reach[nodes], kind="stable")]
        cumulative = np.cumsum(counts[nodes])
        best_pos, best_d = np.zeros(0, dtype=np.int64), np.zeros(0)
        batch_points = max(BATCH, k)  # a large k (pictures) reads in large batches: fewer merges of the best
        done = 0
        while done < len(nodes):
            # The next nodes, up to a batch of points (at least one node).
            upto = max(int(np.searchsorted(cumulative, (cumulative[done - 1] if done else 0) + batch_points)), done + 1)
            upto = min(upto, len(nodes))
            batch = nodes[done:upto]
            done = upto
            pos = runs(self.tree.start[batch], counts[batch])
            if hidden is not None:
                pos = pos[~hidden[pos]]
            if accept is not None:
                pos = pos[accept(pos)]
            rel = self.points[pos].astype(np.float64) - centre
            d = np.sqrt(np.einsum("ij,ij->i", rel, rel))
            near = d <= limit
            best_pos, best_d = np.concatenate((best_pos, pos[near])), np.concatenate((best_d, d[near]))
            if len(best_d) > k:
                keep = np.argpartition(best_d, k - 1)[:k]
                best_pos, best_d = best_pos[keep], best_d[keep]
            # Stop once k are found and every node left lies beyond the k-th.
            if len(best_d) == k and (done == len(nodes) or reach[nodes[done]] > best_d.max()):
                break
        order = np.lexsort((best_pos, best_d))
        return best_pos[order], best_d[order]

    def along_ray(
        self,
        origin: np.ndarray,
        direction: np.ndarray,
        slope: float,
        near: float,
        far: float,
        *,
        shares: np.ndarray | None = None,
        hidden: np.ndarray | None = None,
    ) -> np.ndarray:
        """Positions inside the cone around a ray whose radius is ``slope`` times the depth, between near and far."""
        if len(self) == 0:
            return np.zeros(0, dtype=np.int64)
        origin, direction = np.asarray(origin, dtype=np.float64), np.asarray(direction, dtype=np.float64)
        counts = self.drawn_counts(shares)
        rel = self.tree.center - origin
        t = rel @ direction
        off = np.sqrt(np.maximum(np.einsum("ij,ij->i", rel, rel) - t * t, 0.0))
        r = self.radius
        # A node may hold a point in the cone if its sphere reaches the cone at the sphere's far side.
        touch = (off - r <= slope * np.maximum(t + r, 0.0)) & (t + r >= near) & (t - r <= far) & (counts > 0)
        nodes = np.flatnonzero(touch)
        pos = runs(self.tree.start[nodes], counts[nodes])
        if hidden is not None and len(pos):
            pos = pos[~hidden[pos]]
        p = self.points[pos].astype(np.float64) - origin
        tp = p @ direction
        offp = np.sqrt(np.maximum(np.einsum("ij,ij->i", p, p) - tp * tp, 0.0))
        inside: np.ndarray = pos[(tp >= near) & (tp <= far) & (offp <= slope * tp)]
        return inside
