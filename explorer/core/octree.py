"""An octree over the cloud for level of detail, laid out as Potree lays out its nodes (pure).

Every point belongs to exactly one node. The root holds a random sample of
the whole cloud, at most ``capacity`` points; the points it could not hold go
down to the eight children of its cube, each of which again keeps a random
sample of at most ``capacity`` of what reaches it, and so on. A node therefore
holds a coarse, even picture of its cube, and drawing a node and all its
ancestors shows that cube at the density of the node's depth: coarse nodes for
what is far, deep ones for what is near, within a budget of points.

The points are put in octree order (``order``): node after node, coarse depth
first, and within a node in random order. So each node is one contiguous run
of points, and any leading part of a run is itself an even sample of the
node: a node can fade in by drawing more and more of its run.

Built in one pass per depth with sorts over Morton codes, so that ten million
points take seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

CAPACITY = 16_384  # points a node keeps before it passes the rest down
BITS = 21  # per axis in the Morton code: 63 bits in all, and the deepest possible level
MAX_DEPTH = 16  # a node this deep keeps everything that reaches it (duplicates cannot be split)


@dataclass(frozen=True)
class Octree:
    """Nodes in breadth-first order (depth, then Morton order), and the points in octree order."""

    order: np.ndarray  # int32 [N] (int64 beyond 2**31 points): the dataset row of each point, in octree order
    start: np.ndarray  # int64 [M]: each node's first position in ``order``
    count: np.ndarray  # int64 [M]: its number of points
    depth: np.ndarray  # int64 [M]
    parent: np.ndarray  # int64 [M]: -1 for the root
    first_child: np.ndarray  # int64 [M]: children are contiguous: first_child .. first_child + children - 1
    children: np.ndarray  # int64 [M]
    center: np.ndarray  # float64 [M, 3]: the centre of the node's cube
    half: np.ndarray  # float64 [M]: half the side of its cube

    def __len__(self) -> int:
        return len(self.start)

    @property
    def points(self) -> int:
        return len(self.order)

    def rows_of(self, node: int) -> np.ndarray:
        """The dataset rows a node holds (a view into ``order``)."""
        out: np.ndarray = self.order[self.start[node] : self.start[node] + self.count[node]]
        return out

    @cached_property
    def positions(self) -> np.ndarray:
        """Each dataset row's place in octree order (the inverse of ``order``): made once, on first use."""
        inverse = np.empty(len(self.order), dtype=self.order.dtype)
        inverse[self.order] = np.arange(len(self.order), dtype=self.order.dtype)
        return inverse

    def node_at(self, positions: np.ndarray) -> np.ndarray:
        """The node holding each position in octree order."""
        out: np.ndarray = np.searchsorted(self.start, positions, side="right") - 1
        return out


def morton(cells: np.ndarray) -> np.ndarray:
    """Interleave the bits of integer cell coordinates [N, 3] (each below 2**21) into one uint64 per row."""
    code = np.zeros(len(cells), dtype=np.uint64)
    for axis in range(3):
        v = cells[:, axis].astype(np.uint64)
        # Spread 21 bits to every third place (the classic magic-number steps).
        v = (v | (v << np.uint64(32))) & np.uint64(0x1F00000000FFFF)
        v = (v | (v << np.uint64(16))) & np.uint64(0x1F0000FF0000FF)
        v = (v | (v << np.uint64(8))) & np.uint64(0x100F00F00F00F00F)
        v = (v | (v << np.uint64(4))) & np.uint64(0x10C30C30C30C30C3)
        v = (v | (v << np.uint64(2))) & np.uint64(0x1249249249249249)
        code |= v << np.uint64(2 - axis)  # x in the highest of each three bits
    return code


def root_cube(points: np.ndarray) -> tuple[np.ndarray, float]:
    """The cube around every point: its centre and half its side (never zero)."""
    if len(points) == 0:
        return np.zeros(3), 1.0
    low = points.min(axis=0).astype(np.float64)
    high = points.max(axis=0).astype(np.float64)
    center = (low + high) / 2
    half = float((high - low).max()) / 2
    scale = float(np.abs(center).max(initial=0.0))
    return center, max(half * (1 + 1e-6), scale * 1e-12, 1e-300)


def build_octree(points: np.ndarray, capacity: int = CAPACITY, seed: int = 0) -> Octree:
    """The octree of ``points`` [N, 3]; the same points and seed give the same tree."""
    n = len(points)
    center, half = root_cube(points)
    side = 2 * half
    unit = (np.asarray(points, dtype=np.float64) - (center - half)) / side
    cells = np.clip(np.floor(unit * (1 << BITS)), 0, (1 << BITS) - 1).astype(np.int64)
    code = morton(cells)
    rank = np.random.default_rng(seed).permutation(n).astype(np.int64)

    rows_at, prefixes_at, counts_at = [], [], []  # per depth: rows in node order, node prefixes, node sizes
    remaining = np.arange(n, dtype=np.int64)
    for level in range(MAX_DEPTH + 1):
        if len(remaining) == 0:
            break
        prefix = code[remaining] >> np.uint64(3 * (BITS - level))
        by_node = np.lexsort((rank[remaining], prefix))  # by node, then at random within it
        rows, prefix = remaining[by_node], prefix[by_node]
        new_node = np.concatenate(([True], prefix[1:] != prefix[:-1]))
        node_first = np.flatnonzero(new_node)
        place = np.arange(len(rows)) - np.repeat(node_first, np.diff(np.append(node_first, len(rows))))
        keep = place < capacity if level < MAX_DEPTH else np.ones(len(rows), dtype=bool)
        rows_at.append(rows[keep])
        prefixes_at.append(prefix[node_first])
        counts_at.append(np.minimum(np.diff(np.append(node_first, len(rows))), capacity if level < MAX_DEPTH else n))
        remaining = rows[~keep]

    # Rows as int32 where they fit: 4 bytes a point less, here and in each row -> position table.
    index = np.int32 if n < 2**31 else np.int64
    order = (np.concatenate(rows_at) if rows_at else np.zeros(0, dtype=np.int64)).astype(index)
    count = np.concatenate(counts_at) if counts_at else np.zeros(0, dtype=np.int64)
    start = np.concatenate(([0], np.cumsum(count)[:-1])).astype(np.int64) if len(count) else count
    depths = [np.full(len(p), d, dtype=np.int64) for d, p in enumerate(prefixes_at)]
    depth = np.concatenate(depths) if depths else np.zeros(0, dtype=np.int64)
    parent, first_child, children = _links(prefixes_at)
    # A node's cube from any of its points' cells: the cell coordinates at the node's depth.
    node_cells = cells[order[start]] >> (BITS - depth)[:, None] if len(start) else np.zeros((0, 3), dtype=np.int64)
    size = side / (2.0**depth)
    node_center = (center - half) + (node_cells + 0.5) * size[:, None]
    return Octree(order=order, start=start, count=count.astype(np.int64), depth=depth, parent=parent,
                  first_child=first_child, children=children, center=node_center, half=size / 2)  # fmt: skip


def _links(prefixes_at: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each node's parent, and the contiguous run of its children, from the nodes' Morton prefixes per depth."""
    offsets = np.cumsum([0] + [len(p) for p in prefixes_at])
    total = int(offsets[-1])
    parent = np.full(total, -1, dtype=np.int64)
    first_child = np.full(total, -1, dtype=np.int64)
    children = np.zeros(total, dtype=np.int64)
    for d in range(1, len(prefixes_at)):
        up = np.searchsorted(prefixes_at[d - 1], prefixes_at[d] >> np.uint64(3))
        parent[offsets[d] : offsets[d + 1]] = offsets[d - 1] + up
        counts = np.bincount(up, minlength=len(prefixes_at[d - 1]))
        firsts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        has = counts > 0
        first_child[offsets[d - 1] : offsets[d]][has] = offsets[d] + firsts[has]
        children[offsets[d - 1] : offsets[d]] = counts
    return parent, first_child, children
