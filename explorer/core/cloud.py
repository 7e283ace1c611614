"""A dataset made ready to fly: all that the scene derives from it without GL, built off the UI thread (pure).

At a million points this is most of a world switch's work (the label
picker's spatial order and KD-tree, the group codes, the colours, the
level-of-detail octree and the points in its order), so the window's loader
builds it beside reading the file, and the UI thread only hands the arrays
to VTK.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.core import colors
from explorer.core.dataset import Dataset
from explorer.core.framing import Frame, frame_of
from explorer.core.groups import Groups
from explorer.core.labels import LabelPicker
from explorer.core.lod import LevelOfDetail
from explorer.core.octree import Octree, build_octree
from explorer.core.signposts import SignpostPicker

FAR_DIAGONALS = 4.0  # the far clipping plane, in diagonals of the cloud's box
NEAR_DIAGONALS = 1e-4


@dataclass(frozen=True, eq=False)
class Cloud:
    dataset: Dataset
    diagonal: float  # of the frame: the box of the bulk of the points
    groups: Groups
    color_mode: str  # "group" where there are groups, else "distance"
    rgb: np.ndarray  # uint8 [N, 3] in that mode, in octree order
    label_texts: list[str]  # per-frame lookups from a list are cheap
    picker: LabelPicker
    tree: Octree
    lod: LevelOfDetail
    ordered_points: np.ndarray  # float32 [N, 3]: the points in octree order, each node one run
    frame: Frame
    extent: float  # the diagonal of every point's box, outliers included
    signposts: SignpostPicker | None  # the region names, when the dataset has regions

    @property
    def clipping_range(self) -> tuple[float, float]:
        """Near and far planes: fine detail near, and far enough for the farthest outlier.

        Far over near reaches 1e18 with a stray point; the fog's depth maths is
        written for that, and points still draw (checked up to that ratio).
        """
        return self.diagonal * NEAR_DIAGONALS, max(self.diagonal * FAR_DIAGONALS, 2.0 * self.extent)


def prepare_cloud(dataset: Dataset) -> Cloud:
    """Everything pure the scene needs for ``dataset`` (the scene sets its point budget when it shows)."""
    frame = frame_of(dataset.points)
    diagonal = frame.diagonal
    low, high = dataset.bounds()
    extent = float(np.linalg.norm(high.astype(np.float64) - low))
    groups = Groups(dataset.groups, len(dataset))
    if dataset.groups is not None:
        mode, rgb = "group", colors.palette(len(groups.names))[groups.codes]
    else:
        mode, rgb = "distance", colors.by_distance(dataset.points)
    texts = [str(s) for s in dataset.labels]
    lengths = np.fromiter(map(len, texts), dtype=np.float64, count=len(dataset))
    picker = LabelPicker(dataset.points, lengths)
    tree = dataset.octree if dataset.octree is not None else build_octree(dataset.points)
    ordered = dataset.ordered_points
    if ordered is None:
        ordered = np.ascontiguousarray(dataset.points[tree.order], dtype=np.float32)
    signposts = SignpostPicker(dataset.regions) if dataset.regions is not None else None
    return Cloud(dataset, diagonal, groups, mode, np.ascontiguousarray(rgb[tree.order]), texts, picker, tree,
                 LevelOfDetail(tree, 0), ordered, frame, extent, signposts)  # fmt: skip
