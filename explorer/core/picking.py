"""Which point a click lands on: the nearest to the ray, within a few pixels (pure).

A click is a ray from the eye. Points closer to it than ``tolerance_px`` on
screen lie in a thin cone around it; only the octree nodes whose spheres
reach the cone are read, and only their points inside the cone are projected.
At ten million points that is a few thousand candidates, not ten million
projections.
"""

from __future__ import annotations

import math

import numpy as np

from explorer.core.spatial import PointIndex
from explorer.core.view import View

TOLERANCE_PX = 6.0


def ray(view: View, x_px: float, y_px: float) -> np.ndarray:
    """Unit direction from the eye through pixel (x, y), y counted from the top."""
    t = view.tan_half_fov
    ndc_x = 2.0 * x_px / view.width_px - 1.0
    ndc_y = 1.0 - 2.0 * y_px / view.height_px
    d = view.forward + view.right * (ndc_x * t * view.aspect) + view.up * (ndc_y * t)
    return d / np.linalg.norm(d)


def screen_xy(view: View, points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x px, y px from the top, depth) of world points."""
    return camera_screen_xy(view, (np.atleast_2d(points) - view.position) @ view.basis)


def camera_screen_xy(view: View, cam: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x px, y px from the top, depth) of points given in camera coordinates (right, up, forward)."""
    depth = cam[:, 2]
    t = view.tan_half_fov
    with np.errstate(divide="ignore", invalid="ignore"):
        x = (cam[:, 0] / (depth * t * view.aspect) + 1) / 2 * view.width_px
        y = (1 - cam[:, 1] / (depth * t)) / 2 * view.height_px
    return x, y, depth


def pick(
    index: PointIndex,
    view: View,
    x_px: float,
    y_px: float,
    *,
    near: float,
    far: float,
    hidden: np.ndarray | None = None,
    shares: np.ndarray | None = None,
    tolerance_px: float = TOLERANCE_PX,
) -> int | None:
    """The dataset row of the point nearest the click on screen, or None.

    Ties within a pixel go to the point nearer the eye, the one drawn on top.
    ``hidden`` (a bool per position in octree order) points cannot be picked;
    with ``shares`` (the level of detail's), only the points the frame draws can.
    """
    direction = ray(view, x_px, y_px)
    # World radius of the tolerance at unit depth; the cone widens by this per unit.
    k = tolerance_px * 2 * view.tan_half_fov / view.height_px
    k_ray = k * math.sqrt(1 + (view.tan_half_fov * max(view.aspect, 1.0)) ** 2)  # off-axis rays see wider
    near = near if near > 0 else far * 1e-9
    idx = index.along_ray(view.position, direction, 2 * k_ray, near, far, shares=shares, hidden=hidden)
    if len(idx) == 0:
        return None
    x, y, depth = screen_xy(view, index.points[idx].astype(np.float64))
    off = np.hypot(x - x_px, y - y_px)
    ok = (depth > near) & (off <= tolerance_px)
    if not ok.any():
        return None
    idx, off, depth = idx[ok], off[ok], depth[ok]
    best = np.lexsort((idx, depth, np.floor(off)))[0]
    return int(index.tree.order[idx[best]])
