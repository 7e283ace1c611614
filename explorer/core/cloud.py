"""A dataset made ready to fly: all that the scene derives from it without GL, built off the UI thread (pure).

At a million points this is most of a world switch's work (the label
picker's spatial order and KD-tree, the group codes, the colours, the
thinning ranks), so the window's loader builds it beside reading the file,
and the UI thread only hands the arrays to VTK.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.core import colors
from explorer.core.dataset import Dataset
from explorer.core.framing import Frame, frame_of
from explorer.core.groups import Groups
from explorer.core.labels import LabelPicker
from explorer.core.signposts import SignpostPicker
from explorer.core.thinning import Thinning, point_ranks

FAR_DIAGONALS = 4.0  # the far clipping plane, in diagonals of the cloud's box
NEAR_DIAGONALS = 1e-4


@dataclass(frozen=True, eq=False)
class Cloud:
    dataset: Dataset
    diagonal: float  # of the frame: the box of the bulk of the points
    groups: Groups
    color_mode: str  # "group" where there are groups, else "distance"
    rgb: np.ndarray  # uint8 [N, 3] in that mode
    label_texts: list[str]  # per-frame lookups from a list are cheap
    picker: LabelPicker
    ranks: np.ndarray | None  # the point budget's (None without one)
    thinning: Thinning | None
    point_budget: int
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


def prepare_cloud(dataset: Dataset, *, point_budget: int) -> Cloud:
    """Everything pure the scene needs for ``dataset``; ``point_budget`` 0 draws every point."""
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
    ranks = point_ranks(len(dataset)) if point_budget > 0 else None
    picker = LabelPicker(dataset.points, lengths, ranks)
    thinning = None
    if ranks is not None:
        thinning = Thinning(dataset.points, ranks, point_budget, far=diagonal * FAR_DIAGONALS)
    signposts = SignpostPicker(dataset.regions) if dataset.regions is not None else None
    return Cloud(dataset, diagonal, groups, mode, rgb, texts, picker, ranks, thinning, point_budget, frame, extent,
                 signposts)  # fmt: skip
