"""A small still picture of a dataset, as the overview camera sees it (pure NumPy).

The kiosk's picker shows one per dataset. Drawing it in NumPy needs no GL
context and takes a few milliseconds, even for the largest datasets.
"""

from __future__ import annotations

import math

import numpy as np

from explorer.core import colors
from explorer.core.camera import FlyCamera
from explorer.core.dataset import Dataset
from explorer.core.framing import frame_of

FOG = 0.65  # how far the farthest points fade toward the background


def point_colours(dataset: Dataset) -> np.ndarray:
    """The colours the 3D view uses: by group where there are groups, else by distance."""
    if dataset.groups is not None:
        return colors.by_group(dataset.groups)[0]
    return colors.by_distance(dataset.points)


def render_preview(dataset: Dataset, width: int = 384, height: int = 216) -> np.ndarray:
    """RGB uint8 ``[height, width, 3]``: nearer points drawn over farther ones, with depth fog."""
    background = np.array(colors.BACKGROUND) * 255
    image = np.empty((height, width, 3), dtype=np.uint8)
    image[:] = np.rint(background).astype(np.uint8)
    if len(dataset) == 0:
        return image
    camera = FlyCamera()
    frame = frame_of(dataset.points)
    camera.overview(frame.low, frame.high)
    rel = dataset.points.astype(np.float64) - camera.position
    depth = rel @ camera.forward
    t = math.tan(math.radians(camera.settings.fov_deg) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = (rel @ camera.right) / (depth * t * width / height)
        y = (rel @ camera.up) / (depth * t)
    inside = np.flatnonzero((depth > 0) & (np.abs(x) <= 1) & (np.abs(y) <= 1))
    if len(inside) == 0:
        return image
    order = inside[np.argsort(-depth[inside], kind="stable")]  # far first: near points overwrite
    d = depth[order]
    fog = FOG * (d - d.min()) / (float(d.max() - d.min()) or 1.0)
    rgb = point_colours(dataset)[order] * (1 - fog[:, None]) + background * fog[:, None]
    px = np.rint((x[order] + 1) / 2 * (width - 1)).astype(np.int64)
    py = np.rint((1 - y[order]) / 2 * (height - 1)).astype(np.int64)
    image[py, px] = np.rint(rgb).astype(np.uint8)
    return image
