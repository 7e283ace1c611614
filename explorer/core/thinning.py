"""A point budget: far points are thinned so that a frame never draws more than about N (pure).

Software GL (llvmpipe) pays for every point in view, so a view across the
whole cloud costs twice one among the clusters. Each point gets a fixed
random rank in [0, 1). A point at view depth ``z`` is drawn while
``rank * z**2 < d**2``: everything nearer than ``d`` is drawn, and beyond it
the kept fraction falls as ``(d / z)**2``, which keeps the density on screen
about even, since the frustum's cross-section grows as ``z**2``. Each frame
``d`` is chosen so that the expected number of points drawn meets the budget,
estimated from the points with the lowest ranks (a fixed random sample).

The cut is applied in GLSL (``explorer.render.shaders``: the vertex shader culls;
the fragment shader fades points in near the cut toward the fog's colour, so
that nothing pops) and in the label picker, which only labels points that are drawn.
"""

from __future__ import annotations

import math

import numpy as np

from explorer.core.picking import screen_xy
from explorer.core.view import View

SAMPLE = 4096  # points whose projection estimates the whole cloud's, per frame
RISE = 0.15  # the full-detail depth grows this fraction of the way per frame; it falls at once
FADE = 0.3  # points within this fraction of the cut fade in toward the fog colour
ALL = math.inf  # a full-detail depth that thins nothing (the shader takes its inverse, 0)
# About 6 ms of llvmpipe's time at 1280x720 on 2 cores: a view across the whole
# cloud then costs 1.3x one among the clusters instead of 2x (measured on the
# bundled 56,783 words). A GPU draws millions: no budget there.
SOFTWARE_GL_BUDGET = 12_000
SOFTWARE_GL = ("llvmpipe", "softpipe", "swrast", "software rasterizer", "gdi generic", "apple software renderer")


def budget_for(renderer: str) -> int:
    """The kiosk's default point budget for a GL renderer string; 0 means every point."""
    return SOFTWARE_GL_BUDGET if any(name in renderer.lower() for name in SOFTWARE_GL) else 0


def point_ranks(n: int, seed: int = 0) -> np.ndarray:
    """A fixed random rank in [0, 1) per point (float32: it is a vertex attribute)."""
    return np.random.default_rng(seed).random(n, dtype=np.float32)


def full_detail_for(depths: np.ndarray, scale: float, budget: float) -> float:
    """The depth ``d`` at which ``scale * sum(min(1, d**2 / z**2))`` over ``depths`` equals ``budget``.

    ``depths`` are the sampled points in view; ``scale`` is how many points each
    stands for. Returns inf when all of them fit.
    """
    target = budget / scale
    z = np.sort(np.asarray(depths, dtype=np.float64))
    m = len(z)
    if m <= target:
        return float("inf")
    inverse = 1.0 / (z * z)
    beyond = np.concatenate((np.cumsum(inverse[::-1])[::-1], [0.0]))  # beyond[k] = sum over z[k:]
    # Expected count when d = z[k-1]: the k nearest are kept whole, the rest thinned.
    k = np.arange(1, m + 1)
    at = k + z * z * beyond[1:]
    whole = int(np.searchsorted(at, target, side="right"))  # this many are nearer than d
    return float(np.sqrt((target - whole) / beyond[whole]))


class Thinning:
    """Chooses each frame's full-detail depth for a point budget."""

    def __init__(self, points: np.ndarray, ranks: np.ndarray, budget: int, *, far: float) -> None:
        self.budget = budget
        self.far = far
        sample = np.argsort(ranks, kind="stable")[: min(SAMPLE, len(ranks))]
        self.sample = np.ascontiguousarray(points[sample], dtype=np.float64)
        self.scale = len(ranks) / max(len(sample), 1)
        self.full_detail = far

    def update(self, view: View) -> float:
        """This frame's full-detail depth: at once when it must fall, eased when it may rise."""
        x, y, depth = screen_xy(view, self.sample)
        seen = (depth > 0) & (x >= 0) & (x <= view.width_px) & (y >= 0) & (y <= view.height_px)
        target = min(full_detail_for(depth[seen], self.scale, self.budget), self.far)
        if target < self.full_detail:
            self.full_detail = target
        else:
            self.full_detail += RISE * (target - self.full_detail)
        return self.full_detail
