"""UMAP across a Dask cluster: fitted on a sample on one worker, the rest placed by the workers in parallel.

umap-learn fits one process's worth of points. Beyond that, the standard
recipe (umap-learn's own docs, and RAPIDS cuML's Dask UMAP) is to fit on a
representative sample and ``transform`` every other point into that map:
each point is placed by its neighbours among the sample, independently of
the others, so the work splits into blocks of rows across the workers.

The ``.knn.npy`` sidecar is the exact neighbours in the original space,
computed in blocks of rows across the workers as well: each worker holds all
the vectors once and ranks them against its block (:mod:`pipeline.reduce.knn`).
"""

from __future__ import annotations

import time
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from pipeline.reduce import knn
from pipeline.reduce.settings import ReduceSettings

if TYPE_CHECKING:
    from pipeline.cluster import Cluster

TRANSFORM_ROWS = 10_000  # rows a task places into the fitted map
KNN_ROWS = 4_096  # rows a task finds the exact neighbours of (pipeline.reduce.knn)


def sample_rows(n: int, size: int, seed: int) -> np.ndarray:
    """The rows the map is fitted on: ``size`` of ``n`` drawn with the seed, in order (all of them if fewer)."""
    if size >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False))


def sampled_umap(
    vectors: np.ndarray, settings: ReduceSettings, n_neighbors: int, cluster: Cluster, seconds: dict[str, float]
) -> tuple[np.ndarray, np.ndarray | None]:
    """3D points for every row, and the exact kNN (self first) when the sidecar wants one."""
    n = len(vectors)
    fit = sample_rows(n, settings.fit_sample, settings.seed)
    start = time.perf_counter()
    model = cluster.run_one("umap fit", f"UMAP fitted on {len(fit):,} sampled points (one worker)", _fit,
                            vectors[fit], settings, n_neighbors)  # fmt: skip
    seconds["umap_fit"] = time.perf_counter() - start
    points = np.empty((n, 3), dtype=np.float32)
    points[fit] = model.embedding_
    rest = np.setdiff1d(np.arange(n), fit, assume_unique=True)
    if len(rest):
        start = time.perf_counter()
        blocks = [rest[a : a + TRANSFORM_ROWS] for a in range(0, len(rest), TRANSFORM_ROWS)]
        placed = cluster.run("umap transform", f"placing the other {len(rest):,} points ({len(blocks)} tasks)",
                             _transform, [vectors[b] for b in blocks], model=cluster.share(model))  # fmt: skip
        for block, block_points in zip(blocks, placed, strict=True):
            points[block] = block_points
        seconds["umap_transform"] = time.perf_counter() - start
    idx = None
    if settings.knn > 0:
        start = time.perf_counter()
        idx = exact_knn_on(cluster, vectors, min(settings.knn + 1, n), settings.metric)
        seconds["knn"] = time.perf_counter() - start
    return points, idx


def exact_knn_on(cluster: Cluster, vectors: np.ndarray, k: int, metric: str) -> np.ndarray:
    """Each row's ``k`` nearest rows, nearest first (int64 [N, k]), in blocks of rows across the workers."""
    ready, offset = knn.prepared(vectors, metric)  # made once here, not once a task
    ranges = [(a, min(a + KNN_ROWS, len(ready))) for a in range(0, len(ready), KNN_ROWS)]
    found = cluster.run("knn", f"exact {k - 1} nearest neighbours ({len(ranges)} tasks)", _knn_block, ranges,
                        vectors=cluster.share(ready), offset=cluster.share(offset), k=k, metric=metric)  # fmt: skip
    return np.concatenate(found)


def _knn_block(rows: tuple[int, int], vectors: np.ndarray, offset: np.ndarray, k: int, metric: str) -> np.ndarray:
    """One task: the ``k`` nearest of all rows to each row from ``rows[0]`` to ``rows[1]``, nearest first."""
    return knn.nearest_rows(rows, vectors, offset, k, metric)[0]


def _fit(sample: np.ndarray, settings: ReduceSettings, n_neighbors: int) -> Any:
    import umap

    model = umap.UMAP(n_components=3, n_neighbors=min(n_neighbors, len(sample) - 1), min_dist=settings.min_dist,
                      metric=settings.metric, random_state=settings.seed, transform_seed=settings.seed)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the n_jobs note for seeded runs
        model.fit(sample)
    return model


def _transform(block: np.ndarray, model: Any) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        placed: np.ndarray = model.transform(block).astype(np.float32)
    return placed
