"""Reduce high-dimensional vectors to 3D, keeping their nearest neighbours.

``reduce`` asks ``choose`` which backend runs (``umap_learn`` on the CPU, or
``gpu``: cuML, TorchDR), runs it with the shared ``settings``, and keeps the
neighbours for the ``.knn.npy`` sidecar.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from scipy.spatial import cKDTree

from pipeline.errors import PipelineError
from pipeline.reduce.choose import Machine, choose_backend, probe_machine
from pipeline.reduce.settings import BACKENDS, CPU_BACKENDS, DISTRIBUTIONS, MIN_POINTS, ReduceSettings, Reduction
from pipeline.reduce.umap_learn import nearest_neighbours, umap_learn

if TYPE_CHECKING:
    from pipeline.cluster import Cluster

__all__ = [
    "BACKENDS", "DISTRIBUTIONS", "GIVEN", "Machine", "ReduceSettings", "Reduction", "choose_backend", "group_codes",
    "keep_as_given", "nearest_neighbours", "probe_machine", "reduce", "without_self",
]  # fmt: skip

GIVEN = "none"  # the backend of coordinates kept as they are


def without_self(idx: np.ndarray, k: int) -> np.ndarray:
    """Drop each row's own index from its neighbour list and keep ``k`` columns.

    With duplicate vectors a row may not list itself first, or at all; then the
    last (farthest) neighbour is the one dropped.
    """
    is_self = idx == np.arange(len(idx))[:, None]
    order = np.argsort(is_self, axis=1, kind="stable")
    return np.take_along_axis(idx, order, axis=1)[:, :k].astype(np.int32)


def group_codes(groups: list[str] | None) -> np.ndarray | None:
    """One integer per row for supervised UMAP: groups numbered by name, -1 (UMAP's "unlabelled") for none."""
    if groups is None:
        return None
    names = sorted({g for g in groups if g})
    code = {name: i for i, name in enumerate(names)}
    return np.array([code.get(g, -1) if g else -1 for g in groups], dtype=np.int64)


def reduce(
    vectors: np.ndarray,
    settings: ReduceSettings,
    on_stage: Callable[[str], None] | None = None,
    groups: list[str] | None = None,
    cluster: Cluster | None = None,
) -> Reduction:
    """3D coordinates by UMAP, plus the high-dimensional kNN for the sidecar.

    With ``settings.separate_groups`` the groups steer the layout (supervised
    UMAP), which only umap-learn does here: asked of another backend, or without
    groups, it is an error rather than a silent unsupervised map. On a
    ``cluster``, umap-learn is fitted on a sample and places the rest in
    parallel (:mod:`pipeline.reduce.sampled`).
    """
    if cluster is not None:
        return _reduce_on(cluster, vectors, settings)
    target = None
    if settings.separate_groups > 0:
        target = group_codes(groups)
        if target is None or not (target >= 0).any():
            raise PipelineError("--separate-groups needs groups (--group-by-file, --group-by-folder or a group column)")
        if settings.backend not in ("auto", *CPU_BACKENDS):
            raise PipelineError(f"--separate-groups runs on umap-learn only, not --backend {settings.backend}")
        backend = "umap-learn" if settings.backend == "umap-learn" else "umap-parallel"
        reason = "supervised by the groups (--separate-groups), with umap-learn's supervised graph"
    else:
        backend, reason = choose_backend(settings.backend)
    n = len(vectors)
    if n < MIN_POINTS:
        raise PipelineError(f"only {n} points to reduce; UMAP needs at least {MIN_POINTS}")
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n_neighbors = min(settings.n_neighbors, n - 1)
    seconds: dict[str, float] = {}

    if backend in CPU_BACKENDS:
        points, idx = umap_learn(vectors, settings, n_neighbors, on_stage, seconds, target, backend == "umap-parallel")
    else:
        from pipeline.reduce import gpu  # torch or cuML: loaded only when they run

        run = gpu.cuml_umap if backend == "cuml" else gpu.torchdr_umap
        points, idx = run(vectors, settings, n_neighbors, on_stage, seconds)
    if not np.isfinite(points).all():
        raise PipelineError("UMAP produced non-finite coordinates; try another --seed or more --neighbors")

    knn = without_self(idx, min(settings.knn, n - 1)) if settings.knn > 0 else None
    return Reduction(points=points.astype(np.float32), knn=knn, backend=backend, reason=reason, seconds=seconds)


def _reduce_on(cluster: Cluster, vectors: np.ndarray, settings: ReduceSettings) -> Reduction:
    """UMAP across the cluster's workers: fitted on a sample, the rest transformed (umap-learn)."""
    from pipeline.reduce.sampled import sampled_umap

    if settings.separate_groups > 0:
        raise PipelineError("--separate-groups runs in one process only: leave out --dask")
    if settings.backend not in ("auto", "umap-learn"):
        raise PipelineError(f"--dask runs umap-learn on the workers, not --backend {settings.backend}")
    n = len(vectors)
    if n < MIN_POINTS:
        raise PipelineError(f"only {n} points to reduce; UMAP needs at least {MIN_POINTS}")
    seconds: dict[str, float] = {}
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    points, idx = sampled_umap(vectors, settings, min(settings.n_neighbors, n - 1), cluster, seconds)
    if not np.isfinite(points).all():
        raise PipelineError("UMAP produced non-finite coordinates; try another --seed or more --neighbors")
    sample = min(settings.fit_sample, n)
    reason = (f"on the {cluster.describe()}: fitted on {sample:,} of {n:,} points (--fit-sample), "
              "the others placed by transform across the workers")  # fmt: skip
    knn = without_self(idx, min(settings.knn, n - 1)) if idx is not None else None
    return Reduction(points=points, knn=knn, backend="umap-learn", reason=reason, seconds=seconds,
                     fit_sample=sample, workers=cluster.workers)  # fmt: skip


def keep_as_given(points: np.ndarray, settings: ReduceSettings) -> Reduction:
    """Three dimensions already: the coordinates as they are (no UMAP), and their exact 3D neighbours."""
    start = time.perf_counter()
    n = len(points)
    knn = None
    if settings.knn > 0 and n > 1:
        k = min(settings.knn, n - 1)
        _, idx = cKDTree(points).query(points, k=k + 1)
        knn = without_self(np.asarray(idx).reshape(n, k + 1), k)
    reason = "3 dimensions given, kept as they are"
    return Reduction(points=points, knn=knn, backend=GIVEN, reason=reason, seconds={"knn": time.perf_counter() - start})
