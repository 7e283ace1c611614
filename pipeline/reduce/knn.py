"""Exact nearest neighbours by blocked float32 matrix products.

Every row is scored against every other: a tile of rows against a tile of
columns is one BLAS product, and a small numba loop keeps each row's best
``k`` so far. Below a few hundred thousand rows this beats NN-descent, whose
numba code alone takes about 25 s to compile in every process, and it is exact.

Threads: the row tiles are shared out between Python threads, each running a
one-threaded BLAS product and the nogil loop. Letting OpenBLAS's own threads
spin beside numba's made every tile wait for the other pool (ten times slower).
Each row's result depends only on its own scores, so it is the same with any
number of threads.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

from pipeline.errors import PipelineError

PRODUCT_METRICS = ("cosine", "euclidean")  # ranked by a matrix product; any other by sklearn's pairwise distances
ROWS, COLUMNS = 512, 2048  # one tile of scores: 4 MB, in cache while it is ranked


@numba.njit(nogil=True, cache=True, boundscheck=False)
def keep_best(score: np.ndarray, offset: np.ndarray, first: int, best: np.ndarray, best_i: np.ndarray) -> None:
    """Merge a tile of scores (higher is nearer) into each row's ``k`` best, best first.

    Column ``c`` of the tile is row ``first + c`` and scores ``score[:, c] -
    offset[c]``. Ties keep the lower row first, so the order never depends on
    how the columns were tiled.
    """
    k = best.shape[1]
    for r in range(score.shape[0]):
        row_best = best[r]
        row_i = best_i[r]
        worst = row_best[k - 1]
        for c in range(score.shape[1]):
            v = score[r, c] - offset[c]
            if v > worst:
                p = k - 1
                while p > 0 and row_best[p - 1] < v:
                    row_best[p] = row_best[p - 1]
                    row_i[p] = row_i[p - 1]
                    p -= 1
                row_best[p] = v
                row_i[p] = first + c
                worst = row_best[k - 1]


def prepared(vectors: np.ndarray, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """The vectors to multiply and each row's score offset.

    Cosine ranks unit vectors by their dot product. Euclidean ranks by
    ``x.y - |y|^2 / 2``, which orders the rows as ``|x - y|^2`` does. Any
    other metric ranks by minus the distance, with no offset.
    """
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if metric == "cosine":
        norms = np.linalg.norm(vectors, axis=1)
        unit = vectors / np.where(norms > 0, norms, 1.0)[:, None]
        return unit.astype(np.float32), np.zeros(len(vectors), dtype=np.float32)
    if metric == "euclidean":
        return vectors, 0.5 * np.einsum("ij,ij->i", vectors, vectors)
    return vectors, np.zeros(len(vectors), dtype=np.float32)


def _score(scores: np.ndarray, rows: np.ndarray, columns: np.ndarray, metric: str) -> None:
    """Fill one tile of scores, higher nearer (before the offset)."""
    if metric in PRODUCT_METRICS:
        np.matmul(rows, columns.T, out=scores)
        return
    from sklearn.metrics import pairwise_distances

    try:
        scores[:] = -pairwise_distances(rows, columns, metric=metric)
    except ValueError as exc:
        raise PipelineError(f"--metric {metric}: {exc}") from None


def best_rows(
    rows: tuple[int, int], vectors: np.ndarray, offset: np.ndarray, k: int, metric: str
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best scores of all rows against rows ``rows[0]:rows[1]`` and their row numbers, best first.

    ``vectors`` and ``offset`` come from :func:`prepared`.
    """
    a, b = rows
    best = np.full((b - a, k), -np.inf, dtype=np.float32)
    best_i = np.full((b - a, k), -1, dtype=np.int64)
    tile = np.empty((min(ROWS, b - a), min(COLUMNS, len(vectors))), dtype=np.float32)
    for r in range(a, b, ROWS):
        s = min(r + ROWS, b)
        for c in range(0, len(vectors), COLUMNS):
            e = min(c + COLUMNS, len(vectors))
            scores = tile[: s - r, : e - c]
            _score(scores, vectors[r:s], vectors[c:e], metric)
            keep_best(scores, offset[c:e], c, best[r - a : s - a], best_i[r - a : s - a])
    return best, best_i


def nearest_rows(
    rows: tuple[int, int], vectors: np.ndarray, offset: np.ndarray, k: int, metric: str
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest rows to rows ``rows[0]:rows[1]`` (int64) and their distances (float32), nearest first.

    The distances of the rows found are computed again, pair by pair in
    float64: a product's rounding would leave a row a little away from itself
    (0.003 in Euclidean), and UMAP takes the first distance above 0 for the
    distance to the nearest neighbour. Ties are ordered by row.
    """
    best, idx = best_rows(rows, vectors, offset, k, metric)
    if metric in PRODUCT_METRICS:
        here = vectors[rows[0] : rows[1], None, :].astype(np.float64)
        squared = ((here - vectors[idx].astype(np.float64)) ** 2).sum(axis=2)
        # For unit vectors 1 - cos(u, v) = |u - v|^2 / 2, and exactly 0 for a row and itself.
        dist = squared / 2.0 if metric == "cosine" else np.sqrt(squared)
    else:
        dist = np.maximum(-best.astype(np.float64), 0.0)
    order = np.lexsort((idx, dist), axis=1)
    return np.take_along_axis(idx, order, axis=1), np.take_along_axis(dist, order, axis=1).astype(np.float32)


def exact_knn(vectors: np.ndarray, k: int, metric: str, threads: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ``k`` nearest rows (int64 [N, k], itself usually first) and their distances (float32)."""
    from threadpoolctl import threadpool_limits

    ready, offset = prepared(vectors, metric)
    n = len(ready)
    k = min(k, n)
    idx = np.empty((n, k), dtype=np.int64)
    dist = np.empty((n, k), dtype=np.float32)

    def one(a: int) -> None:
        rows = (a, min(a + ROWS, n))
        idx[rows[0] : rows[1]], dist[rows[0] : rows[1]] = nearest_rows(rows, ready, offset, k, metric)

    workers = threads or os.cpu_count() or 1
    with threadpool_limits(1, user_api="blas"), ThreadPoolExecutor(workers) as pool:
        for _ in pool.map(one, range(0, n, ROWS)):
            pass
    return idx, dist
