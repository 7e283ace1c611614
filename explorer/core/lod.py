"""Which octree nodes to draw this frame, and how much of each, within a point budget (pure).

Potree's rule: starting from the root, the nodes in view are taken in order of
their size on screen (the largest first), each only after its parent, until
the budget is spent. The last node taken may be taken in part: its run of
points is in random order, so any leading part of it is an even sample.

Nothing pops: each node's drawn share eases toward the share chosen for it,
up as the camera comes near and down as it leaves, so a level fades into the
next as the kiosk's thinning used to fade.
"""

from __future__ import annotations

import heapq
import math

import numpy as np

from explorer.core.octree import Octree
from explorer.core.view import View

RISE = 0.12  # a node's drawn share grows at most this much per frame ...
FALL = 0.25  # ... and shrinks at most this much: leaving detail goes a little faster than arriving detail
SQRT3 = math.sqrt(3.0)


class LevelOfDetail:
    """Each node's share of its points to draw, chosen per frame for a budget and eased."""

    def __init__(self, tree: Octree, budget: int) -> None:
        self.tree = tree
        self.budget = budget
        self.radius = tree.half * SQRT3  # each node's bounding sphere
        self.target = np.zeros(len(tree))
        self.share = np.zeros(len(tree))  # what is drawn: eased toward target
        self._first = True

    def choose(self, view: View) -> np.ndarray:
        """The share of each node's run that the budget gives it from this view (0 to 1)."""
        tree, target = self.tree, self.target
        target[:] = 0.0
        if len(tree) == 0:
            return target
        seen, size = self._in_view(view)
        left = float(self.budget) if self.budget > 0 else math.inf
        heap = [(-size[0], 0)] if seen[0] else []
        while heap and left > 0:
            _, node = heapq.heappop(heap)
            count = float(tree.count[node])
            target[node] = min(1.0, left / count)
            left -= count
            first = int(tree.first_child[node])
            if left > 0 and first >= 0:
                for child in range(first, first + int(tree.children[node])):
                    if seen[child]:
                        heapq.heappush(heap, (-size[child], child))
        return target

    def update(self, view: View) -> np.ndarray:
        """This frame's drawn shares: eased toward :meth:`choose`'s, except on the first frame of a world."""
        target = self.choose(view)
        if self._first:
            self.share[:] = target
            self._first = False
        else:
            self.share += np.clip(target - self.share, -FALL, RISE)
        return self.share

    def drawn(self) -> int:
        """How many points this frame draws."""
        return int(np.ceil(self.share * self.tree.count).sum())

    def _in_view(self, view: View) -> tuple[np.ndarray, np.ndarray]:
        """Which nodes' cubes touch the view's pyramid, and how large each looks (radius over distance)."""
        rel = self.tree.center - view.position
        t = view.tan_half_fov
        tx = t * view.aspect
        f, r, u = view.forward, view.right, view.up
        # Inward normals of the pyramid's four sides and of the plane through the eye.
        normals = np.array([tx * f - r, tx * f + r, t * f - u, t * f + u, f])
        # A cube is outside a plane when even its corner farthest along the normal is behind it.
        reach = np.abs(normals).sum(axis=1)
        seen = ((rel @ normals.T + self.tree.half[:, None] * reach) >= 0).all(axis=1)
        distance = np.sqrt(np.einsum("ij,ij->i", rel, rel))
        size = self.radius / np.maximum(distance, self.radius * 0.5)
        return seen, size
