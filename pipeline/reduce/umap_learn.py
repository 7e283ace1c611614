"""UMAP on the CPU: umap-learn's graph and start, fed the nearest neighbours computed here.

Two layouts of that graph: umap-learn's own (one thread when seeded), or the
parallel one of :mod:`pipeline.reduce.layout` (backend ``umap-parallel``).
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from pipeline.reduce.settings import ReduceSettings, Stage

# Up to this many rows the exact kNN by matrix products (pipeline.reduce.knn) is faster than
# NN-descent, whose compilation alone takes about 20 s a process. Measured on 2 cores, 50-d, k 16:
# 100k rows 7.5 s against 27.7 s, 200k rows 29.8 s against 36.9 s (and 305 MB against 839 MB).
EXACT_KNN_UP_TO = 200_000
EXACT_KNN_OTHER_METRICS_BELOW = 4_096  # where umap-learn itself computes all pairs


def neighbour_search(n: int, metric: str) -> str:
    """How the neighbours of ``n`` rows are found: "exact" (matrix products) or "NN-descent"."""
    from pipeline.reduce.knn import PRODUCT_METRICS

    exact = n < EXACT_KNN_OTHER_METRICS_BELOW or (n <= EXACT_KNN_UP_TO and metric in PRODUCT_METRICS)
    return "exact" if exact else "NN-descent"


def nearest_neighbours(vectors: np.ndarray, k: int, metric: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ``k`` nearest rows (itself usually first) and their distances.

    Exact up to ``EXACT_KNN_UP_TO`` rows for the metrics a matrix product
    ranks, and below 4096 rows for any metric; above, the same NN-descent
    call that umap-learn makes internally.
    """
    from pipeline.reduce.knn import exact_knn

    n = len(vectors)
    k = min(k, n)
    if neighbour_search(n, metric) == "exact":
        return exact_knn(vectors, k, metric)
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
    parallel: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """3D points and the high-dimensional neighbours (self included, nearest first).

    ``parallel`` lays the graph out with :func:`pipeline.reduce.layout.optimize_layout`
    instead of umap-learn's own one-threaded epochs.

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
    points = _fit(vectors, settings, n_neighbors, idx[:, :n_neighbors], dists[:, :n_neighbors], target, parallel)
    seconds["umap"] = time.perf_counter() - start
    return points, idx


def _fit(
    vectors: np.ndarray,
    settings: ReduceSettings,
    n_neighbors: int,
    idx: np.ndarray,
    dists: np.ndarray,
    target: np.ndarray | None,
    parallel: bool,
) -> np.ndarray:
    """umap-learn's fit; with ``parallel``, its graph and start (ours in NumPy unless supervised), then our layout."""
    import umap

    from pipeline.reduce.graph import fuzzy_graph, spectral_start
    from pipeline.reduce.layout import default_epochs, optimize_layout, pruned

    supervised = target is not None and settings.separate_groups > 0
    epochs = default_epochs(len(vectors))
    if parallel and not supervised:
        graph = fuzzy_graph(idx, dists, n_neighbors, settings.metric)
        start = spectral_start(vectors, pruned(graph, epochs), settings.metric, settings.seed)
        return optimize_layout(graph, start, epochs, settings.min_dist, settings.seed)
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
        n_epochs=0 if parallel else None,
    )
    with warnings.catch_warnings():
        # "transform unavailable without a search index" and the n_jobs note
        # for seeded runs say nothing about the embedding we ask for.
        warnings.simplefilter("ignore", UserWarning)
        points: np.ndarray = model.fit_transform(vectors, y=target if supervised else None)
    if parallel:
        points = optimize_layout(model.graph_, points, epochs, settings.min_dist, settings.seed)
    return points.astype(np.float32)
