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

A node's run is in random order (any leading part of it is an even sample),
and a coarse node's cube is large: every node from the root down to the leaf
around a query contains it, and reading all their points would cost tens of
thousands of points a query. :class:`Grids` keeps each node's points sorted by
the cell of a grid over its cube as well, so that a query reads only the cells
its ball reaches.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from explorer.core.octree import Octree, build_octree
from explorer.core.ranges import runs

GRID = 8  # each node's cube is cut into GRID³ cells, its points sorted by cell
CHUNK = 2_000_000  # points sorted at once while the grids are built


@dataclass(frozen=True, eq=False)
class Grids:
    """Each node's points sorted by the cell of a GRID³ grid over its cube, and where each cell begins.

    A node's run stays in random order for the level of detail; this is a
    second order beside it, so that a query near a point reads only the cells
    of each node that its ball reaches.
    """

    order: np.ndarray  # uint16 (uint32 where a node holds more) [N]: at a node's run, its run indices by cell
    first: np.ndarray  # int32 [M, GRID³ + 1]: where each cell begins in that order, and the node's count

    @classmethod
    def of(cls, tree: Octree, ordered: np.ndarray) -> Grids:
        """Built a chunk of whole nodes at a time: memory stays a few bytes a point beyond the result."""
        counts = tree.count
        dtype = np.uint16 if len(counts) == 0 or int(counts.max()) <= 65_536 else np.uint32
        order = np.zeros(tree.points, dtype=dtype)
        first = np.zeros((len(tree), GRID**3 + 1), dtype=np.int32)
        ends = np.cumsum(counts)  # where each node's run ends
        node = 0
        while node < len(tree):
            done = int(ends[node - 1]) if node else 0
            end = min(max(int(np.searchsorted(ends, done + CHUNK, side="right")), node + 1), len(tree))
            cls._sort_nodes(tree, ordered, node, end, order, first)
            node = end
        return cls(order, first)

    @staticmethod
    def _sort_nodes(tree: Octree, ordered: np.ndarray, begin: int, end: int, order: np.ndarray,
                    first: np.ndarray) -> None:  # fmt: skip
        counts = tree.count[begin:end]
        lo, hi = int(tree.start[begin]), int(tree.start[end - 1] + tree.count[end - 1])
        local = np.repeat(np.arange(end - begin), counts)
        corner = (tree.center[begin:end] - tree.half[begin:end, None])[local]
        step = (2.0 * tree.half[begin:end] / GRID)[local]
        cell = np.clip(((ordered[lo:hi] - corner) / np.maximum(step, 1e-300)[:, None]).astype(np.int64), 0, GRID - 1)
        key = local * GRID**3 + (cell[:, 0] * GRID + cell[:, 1]) * GRID + cell[:, 2]
        by_cell = np.argsort(key, kind="stable")
        order[lo:hi] = by_cell - np.repeat(tree.start[begin:end] - lo, counts)
        sizes = np.bincount(key, minlength=(end - begin) * GRID**3).reshape(end - begin, GRID**3)
        first[begin:end, 1:] = np.cumsum(sizes, axis=1)


class PointIndex:
    """Spatial queries over an octree and its points in octree order (positions, not dataset rows)."""

    def __init__(self, tree: Octree, ordered: np.ndarray, grids: Grids | None = None) -> None:
        if len(ordered) != tree.points:
            raise ValueError(f"{len(ordered)} points for an octree of {tree.points}")
        self.tree = tree
        self.points = ordered  # float32 [N, 3], in octree order: maybe memory-mapped, never copied
        self.radius = tree.half * math.sqrt(3.0)  # each node's bounding sphere, for rays
        self.grids = grids if grids is not None else Grids.of(tree, ordered)

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
        accepted_share: float = 1.0,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest positions to ``centre`` within ``limit``, nearest first, with their distances.

        ``shares`` keeps to the points a frame draws; ``hidden`` (a bool per
        position) points are passed over, and so are those ``accept`` (positions
        -> bool each) turns down: the k nearest that it takes are found at once.
        ``accepted_share`` is about the share of points ``accept`` takes (a
        view's share of the space around the eye): the first search reaches as
        far as it takes to find k of them.
        """
        if k <= 0 or len(self) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        centre = np.asarray(centre, dtype=np.float64)
        counts = self.drawn_counts(shares)
        reach = self.cube_distance(centre)
        nodes = np.flatnonzero((counts > 0) & (reach <= limit))
        nodes = nodes[np.argsort(reach[nodes], kind="stable")]  # nearest cube first
        if len(nodes) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        nearest_reach = reach[nodes]  # ascending
        # A radius likely to hold k points, from the density of drawn points around the centre: the cubes
        # nearest it, from the root down to the smallest, each add theirs. Every point within the radius is
        # examined, in the grid cells of each node that it meets; if fewer than k lie within, it grows and reruns.
        around = nodes[: int(np.searchsorted(nearest_reach, nearest_reach[0], side="right"))]
        density = float((counts[around] / (2.0 * self.tree.half[around]) ** 3).sum())
        ball = (3.0 * k / (4.0 * math.pi * density * min(max(accepted_share, 1e-3), 1.0))) ** (1.0 / 3.0)
        corner = np.abs(self.tree.center[nodes] - centre) + self.tree.half[nodes, None]
        limit = min(limit, float(np.sqrt(np.einsum("ij,ij->i", corner, corner).max())))  # no point lies farther
        while True:
            bound = min(float(nearest_reach[0]) + ball, limit)
            upto = int(np.searchsorted(nearest_reach, bound, side="right"))
            pos = self._near_in_box(nodes[:upto], counts, centre, bound)
            if hidden is not None:
                pos = pos[~hidden[pos]]
            rel = self.points[pos].astype(np.float64) - centre
            d = np.sqrt(np.einsum("ij,ij->i", rel, rel))
            near = d <= bound
            best_pos, best_d = pos[near], d[near]
            if accept is not None:  # asked last: it may cost more a point than the distance
                taken = accept(best_pos)
                best_pos, best_d = best_pos[taken], best_d[taken]
            if len(best_d) >= k or bound >= limit:
                break
            ball *= 2.0
        if len(best_d) > k:
            keep = np.argpartition(best_d, k - 1)[:k]
            best_pos, best_d = best_pos[keep], best_d[keep]
        order = np.lexsort((best_pos, best_d))
        return best_pos[order], best_d[order]

    def _near_in_box(self, nodes: np.ndarray, counts: np.ndarray, centre: np.ndarray, bound: float) -> np.ndarray:
        """The drawn positions of these nodes in the grid cells that the box of ``bound`` around ``centre`` meets."""
        start = self.tree.start[nodes]
        if not math.isfinite(bound):
            return runs(start, counts[nodes])
        corner = self.tree.center[nodes] - self.tree.half[nodes, None]
        step = np.maximum(2.0 * self.tree.half[nodes] / GRID, 1e-300)[:, None]
        low = np.clip(np.floor((centre - bound - corner) / step), 0, GRID - 1).astype(np.int64)
        high = np.clip(np.floor((centre + bound - corner) / step), 0, GRID - 1).astype(np.int64)
        # One run of cells along z for each (x, y) column of cells the box meets, in each node.
        nx, ny = high[:, 0] - low[:, 0] + 1, high[:, 1] - low[:, 1] + 1
        columns = nx * ny
        which = np.repeat(np.arange(len(nodes)), columns)
        t = np.arange(int(columns.sum())) - np.repeat(np.cumsum(columns) - columns, columns)
        ix, iy = low[which, 0] + t // ny[which], low[which, 1] + t % ny[which]
        column = (ix * GRID + iy) * GRID
        cells_from = self.grids.first[nodes[which], column + low[which, 2]]
        cells_to = self.grids.first[nodes[which], column + high[which, 2] + 1]
        lengths = cells_to - cells_from
        within = self.grids.order[runs(start[which] + cells_from, lengths)].astype(np.int64)
        drawn = within < np.repeat(counts[nodes][which], lengths)  # a run's leading part is what the frame draws
        out: np.ndarray = (np.repeat(start[which], lengths) + within)[drawn]
        return out

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
