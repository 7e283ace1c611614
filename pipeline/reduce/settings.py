"""What every UMAP backend takes, and what each gives back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

BACKENDS = ("auto", "umap-parallel", "umap-learn", "cuml", "torchdr")
# What each backend runs: umap-parallel is umap-learn's graph and start with our parallel layout.
DISTRIBUTIONS = {"umap-parallel": "umap-learn", "umap-learn": "umap-learn", "cuml": "cuml-cu12", "torchdr": "torchdr"}
CPU_BACKENDS = ("umap-parallel", "umap-learn")
MIN_POINTS = 5

Stage = Callable[[str], None] | None  # told each stage's name as it starts: "knn", "umap"


@dataclass(frozen=True)
class ReduceSettings:
    """UMAP parameters shared by every backend."""

    n_neighbors: int = 15
    min_dist: float = 0.05
    metric: str = "cosine"
    seed: int = 42
    backend: str = "auto"
    knn: int = 10  # neighbours kept for the .knn.npy sidecar; 0 for none
    # Supervised UMAP: how strongly the groups pull the layout apart (umap-learn's target_weight);
    # 0 lays the points out by their vectors alone.
    separate_groups: float = 0.0
    # On a Dask cluster (--dask): UMAP is fitted on this many points drawn with the seed, the rest transformed.
    fit_sample: int = 200_000


@dataclass(frozen=True)
class Reduction:
    points: np.ndarray  # float32 [N, 3]; float64 when the input's own coordinates are kept
    knn: np.ndarray | None  # int32 [N, k] in the original space, self excluded
    backend: str
    reason: str
    seconds: dict[str, float] = field(default_factory=dict)
    fit_sample: int | None = None  # on a cluster: the points UMAP was fitted on (the others were transformed)
    workers: int | None = None  # ... and the cluster's workers
