"""A dataset made ready to fly: all that the scene derives from it without GL, built off the UI thread (pure).

At a million points this is most of a world switch's work (the group codes,
the colours, the level-of-detail octree and the points in its order, the
label lengths), so the window's loader builds it beside reading the file, and
the UI thread only hands the arrays to VTK. The octree is the one spatial
index: labels, clicks and neighbours ask it (:mod:`explorer.core.spatial`).
The labels stay as they came (from the binary cache, one UTF-8 blob): a frame
looks up only the rows it labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from explorer.core.cache import Reordered
from explorer.core.dataset import Dataset, Progress
from explorer.core.dataset_cache import Derived, derive
from explorer.core.framing import Frame
from explorer.core.groups import Groups
from explorer.core.labels import LabelPicker
from explorer.core.lod import LevelOfDetail
from explorer.core.octree import Octree, build_octree
from explorer.core.signposts import SignpostPicker
from explorer.core.spatial import PointIndex

FAR_DIAGONALS = 4.0  # the far clipping plane, in diagonals of the cloud's box
NEAR_DIAGONALS = 1e-4


@dataclass(frozen=True, eq=False)
class Cloud:
    dataset: Dataset
    diagonal: float  # of the frame: the box of the bulk of the points
    groups: Groups
    position_codes: np.ndarray  # each point's group code, in octree order: group toggles work there
    color_mode: str  # "group" where there are groups, else "picture" for an image dataset, else "distance"
    derived: Derived  # the colours in that mode and the label lengths, in octree order
    label_texts: Sequence[str]  # the dataset's labels (a LabelBlob or an array), by row
    position_labels: Sequence[str]  # the same in octree order: a frame reads its labels there
    picker: LabelPicker
    index: PointIndex  # nearest points and points along a ray, from the octree
    tree: Octree
    lod: LevelOfDetail
    ordered_points: np.ndarray  # float32 [N, 3]: the points in octree order, each node one run
    frame: Frame
    extent: float  # the diagonal of every point's box, outliers included
    signposts: SignpostPicker | None  # the region names, when the dataset has regions

    @property
    def rgb(self) -> np.ndarray:
        """uint8 [N, 3]: each point's colour in ``color_mode``, in octree order (written in place to recolour)."""
        return self.derived.rgb

    @property
    def clipping_range(self) -> tuple[float, float]:
        """Near and far planes: fine detail near, and far enough for the farthest outlier.

        Far over near reaches 1e18 with a stray point; the fog's depth maths is
        written for that, and points still draw (checked up to that ratio).
        """
        return self.diagonal * NEAR_DIAGONALS, max(self.diagonal * FAR_DIAGONALS, 2.0 * self.extent)


def prepare_cloud(dataset: Dataset, progress: Progress | None = None) -> Cloud:
    """Everything pure the scene needs for ``dataset`` (the scene sets its point budget when it shows).

    ``progress`` hears of the long steps of a dataset opened without its cache.
    """
    if dataset.octree is None and progress is not None:
        progress("building the level of detail", 0.0)
    tree = dataset.octree if dataset.octree is not None else build_octree(dataset.points)
    ordered = dataset.ordered_points
    if ordered is None:
        ordered = np.ascontiguousarray(dataset.points[tree.order], dtype=np.float32)
    # From the binary cache where the dataset has one (nothing to compute at ten million points), else made
    # here, from the points in octree order: the row-order copy a cache maps is then only touched where a
    # frame looks a row up.
    if dataset.derived is None and progress is not None:
        progress("colouring", 0.0)
    derived = (
        dataset.derived
        if dataset.derived is not None
        else derive(ordered, tree, dataset.labels, dataset.groups, dataset.thumbs)
    )
    frame = derived.frame
    diagonal = frame.diagonal
    extent = float(np.linalg.norm(derived.high - derived.low))
    groups = Groups(dataset.groups, len(dataset))
    mode = "group" if dataset.groups is not None else "picture" if dataset.thumbs is not None else "distance"
    index = PointIndex(tree, ordered, derived.grids)
    picker = LabelPicker(index, derived.lengths)
    signposts = SignpostPicker(dataset.regions) if dataset.regions is not None else None
    # Not from a cache: the labels are in memory, where any order reads them alike.
    by_position = (
        dataset.ordered_labels if dataset.ordered_labels is not None else Reordered(dataset.labels, tree.order)
    )
    # Without groups every code is 0: zeros the system hands out untouched, not a gather that reads the whole
    # octree order (at ten million points, 40 MB of the cache made resident for nothing).
    position_codes = groups.codes[tree.order] if dataset.groups is not None else np.zeros(len(tree.order), np.uint8)
    return Cloud(dataset, diagonal, groups, position_codes, mode, derived, dataset.labels, by_position, picker,
                 index, tree, LevelOfDetail(tree, 0), ordered, frame, extent, signposts)  # fmt: skip
