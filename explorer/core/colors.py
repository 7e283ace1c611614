"""Point colours: by group, by distance from the centre (the original demo's look), or by local density.

Perceptually uniform maps from colorcet, stored as CSV in ``assets/colormaps``
so that start-up does not pay for importing colorcet.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from scipy.spatial import cKDTree

from explorer.core.files import bundled

COLORMAPS = bundled("assets", "colormaps")
DISTANCE_MAP = "isoluminant_cgo_80_c38"
GROUP_PALETTE = "glasbey_light"
DENSITY_MAP = "linear_kryw_5_100_c64"
DENSITY_FROM = 0.3  # skip the map's near-black start: sparse points must still show on the night sky
DENSITY_K = 8  # density from the distance to the 8th nearest point
MODES = ("group", "distance", "density", "picture")
BACKGROUND = (0.02, 0.024, 0.04)  # the night sky behind the cloud, RGB in [0, 1]


@cache
def colormap(name: str) -> np.ndarray:
    """An [M, 3] float array of RGB in [0, 1]."""
    return np.loadtxt(COLORMAPS / f"{name}.csv", delimiter=",", dtype=np.float64)


def _to_rgb8(rgb: np.ndarray) -> np.ndarray:
    rgb8: np.ndarray = np.clip(np.rint(rgb * 255), 0, 255).astype(np.uint8)
    return rgb8


SAMPLE = 1_000_000  # points enough for a median and a quantile


def by_distance(points: np.ndarray) -> np.ndarray:
    """uint8 RGB per point from its distance to the centroid, on an isoluminant map.

    Isoluminant, so colour never competes with fog and depth for brightness.
    """
    if len(points) == 0:
        return np.zeros((0, 3), np.uint8)
    centred = points.astype(np.float64)  # squares of 1e20 overflow float32
    # The centre and the spread from a fixed sample beyond a million points: exact below, and at 10M
    # points 3 s less of a world switch for a difference no eye can see.
    sample = centred if len(centred) <= SAMPLE else centred[np.random.default_rng(0).choice(len(centred), SAMPLE)]
    centre = np.median(sample, axis=0)
    centred -= centre
    d = np.sqrt(np.einsum("ij,ij->i", centred, centred))
    # The map spans the bulk of the distances: a stray point far out takes the last colour, not the whole map.
    ds = d if len(centred) <= SAMPLE else np.linalg.norm(sample - centre, axis=1)
    low, high = float(d.min()), float(np.quantile(ds, 0.99))
    span = float(high - low) or 1.0
    table = colormap(DISTANCE_MAP)
    index = np.rint(np.clip((d - low) / span, 0, 1) * (len(table) - 1)).astype(np.int64)
    rgb: np.ndarray = _to_rgb8(table)[index]  # the table to bytes first, then one gather: not 10M floats
    return rgb


def group_codes(groups: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Group names (largest group first), each point's index into them, and the counts."""
    names, inverse, counts = np.unique(groups.astype(str), return_inverse=True, return_counts=True)
    order = np.lexsort((names, -counts))
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return [str(names[i]) for i in order], rank[inverse].astype(np.int64), counts[order]


def palette(n: int) -> np.ndarray:
    """n distinct uint8 RGB colours; past 256 the palette repeats."""
    table = colormap(GROUP_PALETTE)
    return _to_rgb8(table[np.arange(n) % len(table)])


def by_group(groups: np.ndarray) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray]:
    """(uint8 RGB per point, group names, uint8 RGB per group, points per group) for a legend."""
    names, codes, counts = group_codes(groups)
    colours = palette(len(names))
    return colours[codes], names, colours, counts


def by_density(points: np.ndarray) -> np.ndarray:
    """uint8 RGB per point from its local density: sparse dark red, dense white.

    Density is ranked (its percentile), so one very dense knot does not wash
    the rest of the map into one colour. Its KD-tree lives only while it counts
    (the explorer keeps no second spatial index beside its octree).
    """
    n = len(points)
    if n < 2:
        return np.zeros((n, 3), np.uint8) if n == 0 else _to_rgb8(colormap(DENSITY_MAP)[-1:])
    k = min(DENSITY_K + 1, n)
    distance = np.asarray(cKDTree(points, balanced_tree=False).query(points, k=k, workers=-1)[0])
    reach = distance[:, -1]
    rank = np.empty(n, dtype=np.float64)
    rank[np.argsort(-reach, kind="stable")] = np.arange(n) / max(n - 1, 1)  # short reach = dense = 1
    table = colormap(DENSITY_MAP)
    start = int(DENSITY_FROM * (len(table) - 1))
    index = np.rint(start + rank * (len(table) - 1 - start)).astype(np.int64)
    rgb: np.ndarray = _to_rgb8(table)[index]
    return rgb


PICTURE_BLOCK = 4096  # thumbnails averaged at a time


def by_picture(thumbs: np.ndarray) -> np.ndarray:
    """uint8 RGB per point: the mean colour of its picture, the black it was fitted on left out.

    Far points of an image dataset are dots in their picture's colour.
    """
    n = len(thumbs)
    rgb = np.zeros((n, 3), dtype=np.uint8)
    for a in range(0, n, PICTURE_BLOCK):  # a block at a time: the thumbnails may be memory-mapped
        block = np.asarray(thumbs[a : a + PICTURE_BLOCK], dtype=np.float32).reshape(min(PICTURE_BLOCK, n - a), -1, 3)
        lit = block.max(axis=2, keepdims=True) > 0
        total = (block * lit).sum(axis=1)
        rgb[a : a + PICTURE_BLOCK] = np.rint(total / np.maximum(lit.sum(axis=1), 1)).astype(np.uint8)
    return rgb
