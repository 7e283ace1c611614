"""UMAP on the CPU with umap-learn, fed the nearest neighbours computed here."""

from __future__ import annotations

import time
import warnings

import numpy as np

from pipeline.reduce.settings import ReduceSettings, Stage

# Below this, umap-learn itself switches to exact all-pairs distances.
EXACT_KNN_BELOW = 4096


def nearest_neighbours(vectors: np.ndarray, k: int, metric: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ``k`` nearest rows (itself usually first) and their distances.

    Exact below 4096 rows; above, the same NN-descent call that umap-learn
    makes internally, so handing the result to UMAP costs nothing extra.
    """
    n = len(vectors)
    k = min(k, n)
    if n < EXACT_KNN_BELOW:
        from sklearn.neighbors import NearestNeighbors

        nn = NearestNeighbors(n_neighbors=k, metric=metric, algorithm="brute").fit(vectors)
        dists, idx = nn.kneighbors(vectors)
        return idx.astype(np.int64), dists.astype(np.float32)
    from umap.umap_ import nearest_neighbors

    idx, dists, _ = nearest_neighbors(
        vectors, k, metric, {}, False, np.random.RandomState(seed), low_memory=True, n_jobs=1, verbose=False
    )
    return idx, dists


def umap_learn(
    vectors: np.ndarray,
    settings: ReduceSettings,
    n_neighbors: int,
    on_stage: Stage,
    seconds: dict[str, float],
    target: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """3D points and the high-dimensional neighbours (self included, nearest first).

    With a ``target`` (one integer group code per row, -1 for none) the layout is
    supervised: UMAP pulls each group together and the groups apart, weighted by
    ``settings.separate_groups``, while the neighbours within a group still come
    from the vectors. The kNN sidecar is the unsupervised one either way.
    """
    if on_stage is not None:
        on_stage("knn")
    start = time.perf_counter()
    idx, dists = nearest_neighbours(vectors, max(n_neighbors, settings.knn + 1), settings.metric, settings.seed)
    seconds["knn"] = time.perf_counter() - start
    if on_stage is not None:
        on_stage("umap")
    start = time.perf_counter()
    points = _fit(vectors, settings, n_neighbors, idx[:, :n_neighbors], dists[:, :n_neighbors], target)
    seconds["umap"] = time.perf_counter() - start
    return points, idx


def _fit(
    vectors: np.ndarray,
    settings: ReduceSettings,
    n_neighbors: int,
    idx: np.ndarray,
    dists: np.ndarray,
    target: np.ndarray | None,
) -> np.ndarray:
    import umap

    supervised = target is not None and settings.separate_groups > 0
    model = umap.UMAP(
        n_components=3,
        n_neighbors=n_neighbors,
        min_dist=settings.min_dist,
        metric=settings.metric,
        random_state=settings.seed,
        precomputed_knn=(idx, dists),
        force_approximation_algorithm=True,  # use the kNN given, even for small data
        target_metric="categorical",
        target_weight=settings.separate_groups if supervised else 0.5,
    )
    with warnings.catch_warnings():
        # "transform unavailable without a search index" and the n_jobs note
        # for seeded runs say nothing about the embedding we ask for.
        warnings.simplefilter("ignore", UserWarning)
        points: np.ndarray = model.fit_transform(vectors, y=target if supervised else None)
    return points.astype(np.float32)
