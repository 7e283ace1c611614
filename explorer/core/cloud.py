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
from explorer.core.groups import Groups
from explorer.core.labels import LabelPicker
from explorer.core.thinning import Thinning, point_ranks

FAR_DIAGONALS = 4.0  # the far clipping plane, in diagonals of the cloud's box
NEAR_DIAGONALS = 1e-4


@dataclass(frozen=True, eq=False)
class Cloud:
    dataset: Dataset
    diagonal: float
    groups: Groups
    color_mode: str  # "group" where there are groups, else "distance"
    rgb: np.ndarray  # uint8 [N, 3] in that mode
    label_texts: list[str]  # per-frame lookups from a list are cheap
    picker: LabelPicker
    ranks: np.ndarray | None  # the point budget's (None without one)
    thinning: Thinning | None
    point_budget: int

    @property
    def clipping_range(self) -> tuple[float, float]:
        return self.diagonal * NEAR_DIAGONALS, self.diagonal * FAR_DIAGONALS


def prepare_cloud(dataset: Dataset, *, point_budget: int) -> Cloud:
    """Everything pure the scene needs for ``dataset``; ``point_budget`` 0 draws every point."""
    low, high = dataset.bounds()
    diagonal = max(float(np.linalg.norm(high - low)), 1e-6)
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
    return Cloud(dataset, diagonal, groups, mode, rgb, texts, picker, ranks, thinning, point_budget)
