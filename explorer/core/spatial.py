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
from dataclasses import dataclass

import numpy as np

from explorer.core.octree import Octree, build_octree
from explorer.core.ranges import blocks, runs

GRID = 8  # each node's cube is cut into GRID³ cells, its points sorted by cell
CHUNK = 2_000_000  # points sorted at once while the grids are built
# The first radius a nearest query reads is this much more than the one the density guesses, and it grows by
# this much while fewer than k points lie within: measured on a flight at ten million points, 20% less time
# than guessing exactly and doubling (a second read of eight times the volume half the time).
BALL_MARGIN = 1.25
BALL_GROWTH = 1.5


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
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest positions to ``centre`` within ``limit``, nearest first, with their distances.

        ``shares`` keeps to the points a frame draws; ``hidden`` (a bool per
        position) points are passed over: the k nearest visible ones are found.
        """
        if k <= 0 or len(self) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        centre = np.asarray(centre, dtype=np.float64)
        counts = self.drawn_counts(shares)
        reach = self.cube_distance(centre)
        nodes = np.flatnonzero((counts > 0) & (reach <= limit))
        if len(nodes) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        node_reach = reach[nodes]
        nearest_reach = float(node_reach.min())
        # A radius likely to hold k points, from the density of drawn points around the centre: the cubes
        # nearest it, from the root down to the smallest, each add theirs. Every point within the radius is
        # examined, in the grid cells of each node that it meets; if fewer than k lie within, it grows and reruns.
        around = nodes[node_reach == nearest_reach]
        density = float((counts[around] / (2.0 * self.tree.half[around]) ** 3).sum())
        ball = BALL_MARGIN * (3.0 * k / (4.0 * math.pi * density)) ** (1.0 / 3.0)
        farthest = math.inf  # how far the farthest candidate point can lie: found if the ball must grow
        while True:
            bound = min(nearest_reach + ball, limit, farthest)
            pos = self._in_box(nodes[node_reach <= bound], counts, centre - bound, centre + bound)
            if hidden is not None:
                pos = pos[~hidden[pos]]
            d = self._distances(pos, centre)
            near = d <= bound
            best_pos, best_d = pos[near], d[near]
            if len(best_d) >= k or bound >= min(limit, farthest):
                break
            if farthest == math.inf:
                corner = np.abs(self.tree.center[nodes] - centre) + self.tree.half[nodes, None]
                farthest = float(np.sqrt(np.einsum("ij,ij->i", corner, corner).max()))
            ball *= BALL_GROWTH
        if len(best_d) > k:
            keep = np.argpartition(best_d, k - 1)[:k]
            best_pos, best_d = best_pos[keep], best_d[keep]
        order = np.lexsort((best_pos, best_d))
        return best_pos[order], best_d[order]

    def in_box(
        self,
        low: np.ndarray,
        high: np.ndarray,
        *,
        shares: np.ndarray | None = None,
        hidden: np.ndarray | None = None,
        planes: np.ndarray | None = None,
    ) -> np.ndarray:
        """The positions of the (drawn, not hidden) points inside a box, and maybe a few just outside it.

        The points of every grid cell that the box meets are given: callers
        test them against what they want (a view, a distance). In no order.
        ``planes`` (P x 4: a normal and an offset each, inside where
        ``normal . p + offset >= 0``) leave out the cells wholly outside any of
        them: with a view's side planes, the box around its pyramid gives about
        the points of the pyramid alone.
        """
        low, high = np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
        counts = self.drawn_counts(shares)
        half = self.tree.half[:, None]
        meets = ((self.tree.center - half <= high) & (self.tree.center + half >= low)).all(axis=1)
        nodes = np.flatnonzero((counts > 0) & meets)
        pos = self._in_box(nodes, counts, low, high, planes)
        return pos[~hidden[pos]] if hidden is not None else pos

    def _distances(self, positions: np.ndarray, centre: np.ndarray) -> np.ndarray:
        """Distances from ``centre`` (float64) of the points at these positions."""
        rel = np.take(self.points, positions, axis=0).astype(np.float64)
        rel -= centre
        distances: np.ndarray = np.sqrt(np.einsum("ij,ij->i", rel, rel))
        return distances

    def _in_box(
        self, nodes: np.ndarray, counts: np.ndarray, low: np.ndarray, high: np.ndarray, planes: np.ndarray | None = None
    ) -> np.ndarray:
        """The drawn positions of these nodes in the grid cells that the box from ``low`` to ``high`` meets."""
        start = self.tree.start[nodes]
        if not (np.isfinite(low).all() and np.isfinite(high).all()):
            return runs(start, counts[nodes])
        corner = self.tree.center[nodes] - self.tree.half[nodes, None]
        step = np.maximum(2.0 * self.tree.half[nodes] / GRID, 1e-300)
        first_cell = np.clip(np.floor((low - corner) / step[:, None]), 0, GRID - 1).astype(np.int64)
        last_cell = np.clip(np.floor((high - corner) / step[:, None]), 0, GRID - 1).astype(np.int64)
        if planes is None:  # one run of cells along z for each (x, y) column of cells the box meets, in each node
            which, (ix, iy) = blocks(first_cell[:, :2], last_cell[:, :2])
            column = (ix * GRID + iy) * GRID
            cells_from = self.grids.first[nodes[which], column + first_cell[which, 2]]
            cells_to = self.grids.first[nodes[which], column + last_cell[which, 2] + 1]
        else:  # each cell, tested against the planes
            which, (ix, iy, iz) = blocks(first_cell, last_cell)
            cell_half = step[which, None] / 2
            centres = corner[which] + (np.column_stack((ix, iy, iz)) + 0.5) * 2 * cell_half
            reach = centres @ planes[:, :3].T + cell_half * np.abs(planes[:, :3]).sum(axis=1) + planes[:, 3]
            keep = (reach >= 0).all(axis=1)
            which, cell = which[keep], ((ix * GRID + iy) * GRID + iz)[keep]
            cells_from = self.grids.first[nodes[which], cell]
            cells_to = self.grids.first[nodes[which], cell + 1]
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
