"""Which octree nodes to draw this frame, and how much of each, within a point budget (pure).

Potree's rule: starting from the root, the nodes in view are taken in order of
their size on screen (the largest first), each only after its parent, until
the budget is spent. The last node taken may be taken in part: its run of
points is in random order, so any leading part of it is an even sample.

Nothing pops: each node's drawn share eases toward the share chosen for it,
up as the camera comes near and down as it leaves, so a level fades into the
next; it replaces the point thinning of earlier versions.
"""

from __future__ import annotations

import heapq
import math

import numpy as np

from explorer.core.octree import Octree
from explorer.core.view import View

# Frame-time targets for the adaptive budget: 60 fps on a GPU, 40 on software GL. A festival day's
# small worlds draw in ~13 ms there, so frames held near 25 ms keep 1.6x headroom under "no frame over
# 3x the day's median"; at 33 ms the big worlds' overviews crossed it whenever llvmpipe stalled a little.
GPU_FRAME_MS, SOFTWARE_FRAME_MS = 16.7, 25.0
GPU_START, SOFTWARE_START = 4_000_000, 250_000  # points: where the budget starts before it has measured
MIN_BUDGET, MAX_BUDGET = 20_000, 200_000_000
SLOW = 1.5  # two frames running over this many times the target cut the budget at once, not by 5% a frame
FASTEST_CUT = 0.7  # ... by at most this factor a frame
WORLDS_REMEMBERED = 64  # worlds whose settled budget is kept, the most recently left
SOFTWARE_GL = ("llvmpipe", "softpipe", "swrast", "software rasterizer", "gdi generic", "apple software renderer")
FADE = 0.3  # the newest points of a node drawn in part fade in from the fog: this share of what it draws
RISE = 0.12  # a node's drawn share grows at most this much per frame ...
FALL = 0.25  # ... and shrinks at most this much: leaving detail goes a little faster than arriving detail
SQRT3 = math.sqrt(3.0)


def is_software(renderer: str) -> bool:
    """Whether a GL renderer string names a software rasteriser (llvmpipe and the like)."""
    return any(name in renderer.lower() for name in SOFTWARE_GL)


class FrameBudget:
    """A point budget that follows the measured frame time toward a target.

    Each frame's time is smoothed, and the budget grows or shrinks by the square
    root of target over measured (a few percent a frame at most): it settles
    where the frames take about the target, without hunting. Two frames in a
    row far over the target (a world opened on its whole cloud) cut it at once.

    Worlds differ in what a point costs (labels, pictures, how many points share
    the screen), so each world starts where its budget settled when it was
    last shown: a kiosk going round its worlds does not relearn each one from
    slow frames at every arrival.
    """

    def __init__(self, target_ms: float, start: int) -> None:
        self.target_ms = target_ms
        self.budget = float(start)
        self.smoothed_ms = target_ms
        self.slow_frames = 0  # frames in a row over SLOW times the target
        self.world: str | None = None
        self.settled: dict[str, float] = {}  # each world's budget when it was last left

    @classmethod
    def for_renderer(cls, renderer: str) -> FrameBudget:
        if is_software(renderer):
            return cls(SOFTWARE_FRAME_MS, SOFTWARE_START)
        return cls(GPU_FRAME_MS, GPU_START)

    def frame_took(self, ms: float, drawn: int) -> int:
        """Tell it one frame's time and how many points it drew; returns the next frame's budget.

        A frame that drew well under the budget (all that was in view) says little
        about what more would cost: the budget then only holds.
        """
        self.smoothed_ms += 0.1 * (ms - self.smoothed_ms)
        self.slow_frames = self.slow_frames + 1 if ms > SLOW * self.target_ms else 0
        step = min(max(math.sqrt(self.target_ms / max(self.smoothed_ms, 1e-3)), 0.95), 1.03)
        if self.slow_frames >= 2:  # a trend, not one frame the machine was busy elsewhere
            step = max(math.sqrt(self.target_ms / ms), FASTEST_CUT)
        elif step > 1 and drawn < 0.8 * self.budget:
            step = 1.0
        self.budget = min(max(self.budget * step, MIN_BUDGET), MAX_BUDGET)
        return int(self.budget)

    def enter(self, world: str | None) -> int:
        """A world is shown (None: one without a name, which keeps the budget as it is); returns its budget."""
        if self.world is not None:
            self.settled.pop(self.world, None)  # re-inserted: the dict's order is the order worlds were left
            self.settled[self.world] = self.budget
            if len(self.settled) > WORLDS_REMEMBERED:
                del self.settled[next(iter(self.settled))]
        self.world = world
        if world is not None and world in self.settled:
            self.budget = self.settled[world]
        self.smoothed_ms, self.slow_frames = self.target_ms, 0  # the last world's frames say nothing of this one
        return int(self.budget)


class LevelOfDetail:
    """Each node's share of its points to draw, chosen per frame for a budget and eased."""

    def __init__(self, tree: Octree, budget: int) -> None:
        self.tree = tree
        self.budget = budget  # 0: every point in view
        self.radius = tree.half * SQRT3  # each node's bounding sphere
        self.target = np.zeros(len(tree))
        self.share = np.zeros(len(tree))  # what is drawn: eased toward target
        self._first = True

    @property
    def positions(self) -> np.ndarray:
        """Each dataset row's place in octree order (the tree's one table)."""
        return self.tree.positions

    def reset(self) -> None:
        """The next frame is a world's first: drawn as chosen, with no easing from what came before."""
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

    def drawn_rows(self, rows: np.ndarray) -> np.ndarray:
        """Which of these dataset rows this frame draws (bool each): a point left out gets no label."""
        at = self.positions[rows]
        node = self.tree.node_at(at)
        out: np.ndarray = (at - self.tree.start[node]) < self.share[node] * self.tree.count[node]
        return out

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
