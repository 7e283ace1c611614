"""UMAP on a GPU: RAPIDS cuML, or TorchDR on torch (CUDA when present, else the CPU).

Imported only when one of these backends runs: the heavy libraries load
lazily, and a missing one names the extra to install. Each backend takes
the same settings as umap-learn and returns the 3D points and the
high-dimensional nearest neighbours (self included, nearest first) for the
``.knn.npy`` sidecar, computed on the same device.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np

from pipeline.errors import PipelineError, missing_extra
from pipeline.reduce.settings import ReduceSettings, Stage

KNN_BLOCK_ENTRIES = 1 << 28  # distances per block of the brute-force kNN: 1 GiB of float32
TORCHDR_METRICS = ("euclidean", "cosine")
TORCHDR_ITERATIONS = 500  # TorchDR's default is 1000; 500 gives the same trustworthiness here in half the time


def _stage(on_stage: Stage, name: str) -> float:
    if on_stage is not None:
        on_stage(name)
    return time.perf_counter()


# ----------------------------------------------------------------- cuML


def cuml_umap(
    vectors: np.ndarray, settings: ReduceSettings, n_neighbors: int, on_stage: Stage, seconds: dict[str, float]
) -> tuple[np.ndarray, np.ndarray]:
    try:
        from cuml.manifold import UMAP
        from cuml.neighbors import NearestNeighbors
    except ImportError:
        raise missing_extra("cuml", "gpu") from None
    k = min(len(vectors), max(n_neighbors, settings.knn + 1))
    start = _stage(on_stage, "knn")
    nn = NearestNeighbors(n_neighbors=k, metric=settings.metric, output_type="numpy").fit(vectors)
    dists, idx = nn.kneighbors(vectors)
    seconds["knn"] = time.perf_counter() - start
    start = _stage(on_stage, "umap")
    model = UMAP(
        n_components=3,
        n_neighbors=n_neighbors,
        min_dist=settings.min_dist,
        metric=settings.metric,
        random_state=settings.seed,
        precomputed_knn=(idx[:, :n_neighbors].astype(np.int64), dists[:, :n_neighbors].astype(np.float32)),
        output_type="numpy",
    )
    points = np.asarray(model.fit_transform(vectors), dtype=np.float32)
    seconds["umap"] = time.perf_counter() - start
    return points, np.asarray(idx, dtype=np.int64)


# ----------------------------------------------------------------- TorchDR


def torchdr_umap(
    vectors: np.ndarray, settings: ReduceSettings, n_neighbors: int, on_stage: Stage, seconds: dict[str, float]
) -> tuple[np.ndarray, np.ndarray]:
    """TorchDR's UMAP, fed the exact kNN computed here on the GPU (TorchDR's own search needs FAISS's GPU build)."""
    try:
        import torch
        import torchdr
    except ImportError:
        raise missing_extra("torchdr", "torchdr") from None
    if settings.metric not in TORCHDR_METRICS:
        raise PipelineError(f"--backend torchdr takes --metric {' or '.join(TORCHDR_METRICS)}, not {settings.metric!r}")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(settings.seed)
    data = torch.from_numpy(vectors).to(device)
    if settings.metric == "cosine":
        # On unit vectors squared distance is 2 - 2 cos: the same neighbours, the same order.
        data = torch.nn.functional.normalize(data, dim=1)
    start = _stage(on_stage, "knn")
    idx, sq = torch_knn(data, min(len(vectors), max(n_neighbors, settings.knn + 1)))
    seconds["knn"] = time.perf_counter() - start
    start = _stage(on_stage, "umap")
    model = torchdr.UMAP(
        n_components=3,
        n_neighbors=n_neighbors,
        min_dist=settings.min_dist,
        metric="sqeuclidean",
        max_iter=TORCHDR_ITERATIONS,
        device=device,
        backend=None,
        random_state=settings.seed,
        verbose=False,
    )
    others = _without_self_columns(idx)
    model.affinity_in = _given_neighbours(torchdr, model.affinity_in, idx, sq, others, device)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        points = model.fit_transform(data)
    seconds["umap"] = time.perf_counter() - start
    return _to_numpy(points), idx


def _without_self_columns(idx: np.ndarray) -> np.ndarray:
    """Per row, the column order that leaves the row's own index out (last column if absent)."""
    is_self = idx == np.arange(len(idx))[:, None]
    return np.argsort(is_self, axis=1, kind="stable")[:, : idx.shape[1] - 1]


def _given_neighbours(torchdr: Any, template: Any, idx: np.ndarray, sq: Any, others: np.ndarray, device: str) -> Any:
    """TorchDR's UMAP affinity, answering its neighbour search with the kNN already computed.

    TorchDR asks its affinity for the ``k`` nearest *other* points and their
    squared distances through ``_distance_matrix``; that one method is replaced.
    """
    import torch

    columns = torch.from_numpy(others).to(sq.device)
    distances = torch.gather(sq, 1, columns).contiguous()
    indices = torch.from_numpy(np.take_along_axis(idx, others, axis=1)).to(sq.device)

    class GivenNeighbours(torchdr.UMAPAffinity):  # type: ignore[misc]  # torchdr has no type hints
        def _distance_matrix(self, X: Any, k: int | None = None, return_indices: bool = False) -> Any:
            k = distances.shape[1] if k is None else k
            if k > distances.shape[1]:
                raise PipelineError(f"TorchDR asked for {k} neighbours; {distances.shape[1]} were computed")
            return (distances[:, :k], indices[:, :k]) if return_indices else distances[:, :k]

    return GivenNeighbours(
        n_neighbors=template.n_neighbors, metric="sqeuclidean", max_iter=template.max_iter, device=device,
        backend=None, verbose=False, sparsity=template.sparsity,
    )  # fmt: skip


def torch_knn(x: Any, k: int) -> tuple[np.ndarray, Any]:
    """Exact nearest rows by Euclidean distance (self included, nearest first), on ``x``'s device.

    Returns the indices (NumPy) and the squared distances (a tensor on the device).
    """
    import torch

    squared = (x * x).sum(dim=1)
    idx = np.empty((len(x), k), dtype=np.int64)
    sq = torch.empty((len(x), k), dtype=x.dtype, device=x.device)
    rows = max(1, min(len(x), KNN_BLOCK_ENTRIES // len(x)))
    with torch.no_grad():
        for begin in range(0, len(x), rows):
            block = x[begin : begin + rows]
            # |a-b|² = |a|² + |b|² - 2ab: one matrix product per block, on the GPU when there is one.
            d = squared[begin : begin + rows, None] + squared[None, :] - 2.0 * block @ x.T
            nearest = torch.topk(d, k, dim=1, largest=False)
            sq[begin : begin + len(block)] = nearest.values.clamp_min_(0.0)
            idx[begin : begin + len(block)] = nearest.indices.cpu().numpy()
    return idx, sq


def _to_numpy(points: Any) -> np.ndarray:
    if hasattr(points, "detach"):
        points = points.detach().cpu().numpy()
    return np.asarray(points, dtype=np.float32)
