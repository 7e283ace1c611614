"""UMAP's fuzzy neighbour graph and its spectral start, in NumPy.

The same computation as umap-learn's ``fuzzy_simplicial_set`` (default
settings: local connectivity 1, fuzzy union), vectorised over rows. umap-learn
compiles its numba version anew in every process, about 4 s; this one needs no
compiling. The spectral start is umap-learn's own function.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse

TOLERANCE = 1e-5  # umap-learn's SMOOTH_K_TOLERANCE
MIN_SCALE = 1e-3  # umap-learn's MIN_K_DIST_SCALE
ITERATIONS = 64
DISCONNECTED_AT = {"cosine": 2.0, "correlation": 2.0}  # umap-learn's disconnection distances for our metrics


def smooth_distances(dists: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's scale ``sigma`` and nearest distance ``rho``, so that its memberships sum to log2(k).

    ``rho`` is the row's first distance above 0 (its nearest other point);
    ``sigma`` is found by bisection, row by row as umap-learn does, and never
    falls below a thousandth of the row's mean distance.
    """
    n = len(dists)
    positive = dists > 0.0
    rho = np.where(positive.any(axis=1), dists[np.arange(n), np.argmax(positive, axis=1)], 0.0)
    beyond = dists[:, 1:] - rho[:, None]
    target = np.log2(k)
    lo, hi, mid = np.zeros(n), np.full(n, np.inf), np.ones(n)
    active = np.ones(n, dtype=bool)
    for _ in range(ITERATIONS):
        rows = np.flatnonzero(active)
        if len(rows) == 0:
            break
        d = beyond[rows]
        psum = np.where(d > 0.0, np.exp(-np.maximum(d, 0.0) / mid[rows, None]), 1.0).sum(axis=1)
        active[rows[np.abs(psum - target) < TOLERANCE]] = False
        moving = np.abs(psum - target) >= TOLERANCE
        over = rows[moving & (psum > target)]
        under = rows[moving & (psum <= target)]
        hi[over] = mid[over]
        mid[over] = (lo[over] + hi[over]) / 2.0
        lo[under] = mid[under]
        mid[under] = np.where(np.isinf(hi[under]), mid[under] * 2.0, (lo[under] + hi[under]) / 2.0)
    finite = np.where(np.isfinite(dists), dists, 0.0)
    floor = MIN_SCALE * np.where(rho > 0.0, finite.mean(axis=1), finite.mean())
    return np.maximum(mid, floor).astype(np.float32), rho.astype(np.float32)


def fuzzy_graph(idx: np.ndarray, dists: np.ndarray, n_neighbors: int, metric: str) -> scipy.sparse.csr_matrix:
    """The symmetric fuzzy graph of the ``n_neighbors`` nearest (self included, nearest first)."""
    n = len(idx)
    idx, dists = idx[:, :n_neighbors].copy(), dists[:, :n_neighbors].astype(np.float32)
    far = dists >= DISCONNECTED_AT.get(metric, np.inf)
    idx[far], dists[far] = -1, np.inf
    sigma, rho = smooth_distances(dists, n_neighbors)
    beyond = dists - rho[:, None]
    with np.errstate(invalid="ignore", over="ignore"):
        strength = np.where((beyond <= 0.0) | (sigma[:, None] == 0.0), 1.0, np.exp(-beyond / sigma[:, None]))
    rows = np.repeat(np.arange(n), idx.shape[1])
    strength[idx == np.arange(n)[:, None]] = 0.0
    keep = (idx.ravel() >= 0) & (strength.ravel() > 0.0)
    one_way = scipy.sparse.csr_matrix(
        (strength.ravel()[keep].astype(np.float32), (rows[keep], idx.ravel()[keep])), shape=(n, n)
    )
    product = one_way.multiply(one_way.T)
    union = (one_way + one_way.T - product).tocsr()
    union.eliminate_zeros()
    return union


def spectral_start(vectors: np.ndarray, graph: scipy.sparse.csr_matrix, metric: str, seed: int) -> np.ndarray:
    """umap-learn's start: the graph's spectral embedding, scaled to 10 with a little noise, then to [0, 10]."""
    from umap.spectral import spectral_layout
    from umap.umap_ import noisy_scale_coords

    random_state = np.random.RandomState(seed)
    start = spectral_layout(vectors, graph, 3, random_state, metric=metric)
    start = noisy_scale_coords(start, random_state, max_coord=10, noise=0.0001)
    low, high = start.min(axis=0), start.max(axis=0)
    return np.ascontiguousarray(10.0 * (start - low) / (high - low), dtype=np.float32)
