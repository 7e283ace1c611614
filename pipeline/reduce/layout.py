"""UMAP's layout in parallel, and the same bytes for the same seed on any number of threads.

umap-learn lays out its graph by stochastic gradient descent edge by edge,
every update seen by the next. That order is why it runs on one thread
whenever a seed is given: in parallel, threads race on shared points and the
result changes from run to run.

Here each epoch reads the positions of the epoch before (a second buffer) and
each point is moved by its own edges and its own negative samples only, drawn
from its own random state. Points no longer depend on one another within an
epoch, so the epoch splits across threads freely and the result is the same
whatever the threads or their order. The graph is symmetric (an edge i-j is
also j-i), so moving only the head of each edge still pulls both ends, once
each, as an edge's sample should.

Everything else is umap-learn's: the fuzzy graph (made in NumPy by
:mod:`pipeline.reduce.graph`), the spectral start, the
curve's ``a`` and ``b``, the sampling schedule and the learning rate's decay.
On the English words this keeps trustworthiness at or above umap-learn's own
(``make bench-pipeline``).
"""

from __future__ import annotations

import numba
import numpy as np
import scipy.sparse

NEGATIVE_SAMPLE_RATE = 5.0  # umap-learn's default
REPULSION = 1.0  # umap-learn's gamma (repulsion_strength)


def default_epochs(n: int) -> int:
    """umap-learn's: more epochs for small graphs."""
    return 500 if n <= 10_000 else 200


@numba.njit(inline="always")
def _clip(v: np.float32) -> np.float32:
    low, high = np.float32(-4.0), np.float32(4.0)
    return high if v > high else (low if v < low else v)


@numba.njit(inline="always")
def _random(state: np.ndarray, j: int) -> int:
    """umap-learn's Tausworthe generator, one state per point."""
    s0, s1, s2 = state[j, 0], state[j, 1], state[j, 2]
    s0 = (((s0 & 4294967294) << 12) & 0xFFFFFFFF) ^ ((((s0 << 13) & 0xFFFFFFFF) ^ s0) >> 19)
    s1 = (((s1 & 4294967288) << 4) & 0xFFFFFFFF) ^ ((((s1 << 2) & 0xFFFFFFFF) ^ s1) >> 25)
    s2 = (((s2 & 4294967280) << 17) & 0xFFFFFFFF) ^ ((((s2 << 3) & 0xFFFFFFFF) ^ s2) >> 11)
    state[j, 0], state[j, 1], state[j, 2] = s0, s1, s2
    drawn: int = s0 ^ s1 ^ s2
    return drawn


@numba.njit(parallel=True, fastmath=True, cache=True, boundscheck=False)
def _epoch(
    old: np.ndarray,
    new: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    schedule: np.ndarray,
    state: np.ndarray,
    curve: np.ndarray,
    alpha: float,
    epoch: int,
) -> None:
    """One epoch: ``new[j]`` is ``old[j]`` moved by point j's due edges and negative samples.

    ``schedule`` holds per edge: epochs per sample, the epoch of its next
    sample, epochs per negative sample and the epoch of its next negatives.
    ``curve`` is UMAP's ``a`` and ``b``.
    """
    a, b = curve[0], curve[1]  # float32 throughout: float64 constants would make every power a double one (1.4x)
    two = np.float32(2.0)
    tiny = np.float32(0.001)
    one = np.float32(1.0)
    zero = np.float32(0.0)
    step = np.float32(alpha)
    rep = np.float32(REPULSION)
    n = old.shape[0]
    for j in numba.prange(n):
        c0, c1, c2 = old[j, 0], old[j, 1], old[j, 2]
        for e in range(indptr[j], indptr[j + 1]):
            if schedule[e, 1] > epoch:
                continue
            k = indices[e]
            d0, d1, d2 = c0 - old[k, 0], c1 - old[k, 1], c2 - old[k, 2]
            ds = d0 * d0 + d1 * d1 + d2 * d2
            if ds > zero:
                pb = ds**b
                g = -two * a * b * pb / ds / (a * pb + one)
                c0 += _clip(g * d0) * step
                c1 += _clip(g * d1) * step
                c2 += _clip(g * d2) * step
            schedule[e, 1] += schedule[e, 0]
            negatives = int((epoch - schedule[e, 3]) / schedule[e, 2])
            for _ in range(negatives):
                k = (_random(state, j) & 0x7FFFFFFF) % n
                if k == j:
                    continue
                d0, d1, d2 = c0 - old[k, 0], c1 - old[k, 1], c2 - old[k, 2]
                ds = d0 * d0 + d1 * d1 + d2 * d2
                if ds > zero:
                    g = two * rep * b / ((tiny + ds) * (a * ds**b + one))
                    c0 += _clip(g * d0) * step
                    c1 += _clip(g * d1) * step
                    c2 += _clip(g * d2) * step
            schedule[e, 3] += negatives * schedule[e, 2]
        new[j, 0], new[j, 1], new[j, 2] = c0, c1, c2


def pruned(graph: scipy.sparse.csr_matrix, n_epochs: int) -> scipy.sparse.csr_matrix:
    """umap-learn's pruning: an edge weaker than ``max / n_epochs`` would never fire, so it goes (a copy)."""
    g = graph.tocsr().astype(np.float32, copy=True)
    g.sum_duplicates()
    g.data[g.data < g.data.max() / float(n_epochs)] = 0.0
    g.eliminate_zeros()
    g.sort_indices()
    return g


def optimize_layout(
    graph: scipy.sparse.csr_matrix, start: np.ndarray, n_epochs: int, min_dist: float, seed: int
) -> np.ndarray:
    """Points laid out from ``start`` (umap-learn's spectral start) along the fuzzy ``graph``; float32 [N, 3].

    The graph is pruned and sampled as umap-learn does: an edge weaker than
    ``max / n_epochs`` never fires, the others fire in proportion to their
    weight, and the learning rate falls linearly to zero.
    """
    from umap.umap_ import find_ab_params, make_epochs_per_sample

    g = pruned(graph, n_epochs)
    per_sample = make_epochs_per_sample(g.data, n_epochs)
    per_negative = per_sample / NEGATIVE_SAMPLE_RATE
    schedule = np.stack([per_sample, per_sample, per_negative, per_negative], axis=1)
    a, b = find_ab_params(1.0, min_dist)
    curve = np.array([a, b], dtype=np.float32)
    old = np.ascontiguousarray(start, dtype=np.float32)
    lost = ~np.isfinite(old).all(axis=1)  # points with no edge at all: umap-learn leaves them NaN
    old[lost] = 0.0
    new = old.copy()
    state = np.random.RandomState(seed).randint(16, 2**31 - 1, size=(len(old), 3)).astype(np.int64)
    for epoch in range(n_epochs):
        _epoch(old, new, g.indptr, g.indices, schedule, state, curve, 1.0 - epoch / n_epochs, epoch)
        old, new = new, old
    old[lost] = np.nan
    return old
