"""Reduce high-dimensional vectors to 3D, keeping their nearest neighbours."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from pipeline.errors import PipelineError, missing_extra

BACKENDS = ("auto", "umap-learn", "cuml", "torchdr")
DISTRIBUTIONS = {"umap-learn": "umap-learn", "cuml": "cuml-cu12", "torchdr": "torchdr"}  # what each backend runs
MIN_POINTS = 5
# Below this, umap-learn itself switches to exact all-pairs distances.
EXACT_KNN_BELOW = 4096


@dataclass(frozen=True)
class ReduceSettings:
    """UMAP parameters shared by every backend."""

    n_neighbors: int = 15
    min_dist: float = 0.05
    metric: str = "cosine"
    seed: int = 42
    backend: str = "auto"
    knn: int = 10  # neighbours kept for the .knn.npy sidecar; 0 for none


@dataclass(frozen=True)
class Reduction:
    points: np.ndarray  # float32 [N, 3]
    knn: np.ndarray | None  # int32 [N, k] in the original space, self excluded
    backend: str
    reason: str
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Machine:
    """What this machine offers the reducers; tests pass their own instead of probing."""

    cuml: bool = False  # RAPIDS cuML is installed
    cuda_devices: int = 0  # CUDA devices that cuML (through CuPy) can use
    torchdr: bool = False  # TorchDR (and so torch) is installed
    torch_cuda: bool = False  # torch sees a CUDA device


def probe_machine() -> Machine:
    """Ask the installed libraries; a failure to ask counts as "not there".

    ``import cuml`` succeeds on machines without a GPU (only fitting fails),
    so the device count comes from CuPy, not from the import.
    """
    from importlib.util import find_spec

    cuml = find_spec("cuml") is not None
    devices = 0
    if cuml:
        try:
            import cupy

            devices = int(cupy.cuda.runtime.getDeviceCount())
        except Exception:  # noqa: BLE001 - no driver, no device: the same answer
            devices = 0
    torchdr = find_spec("torchdr") is not None and find_spec("torch") is not None
    torch_cuda = False
    if torchdr:
        try:
            import torch

            torch_cuda = bool(torch.cuda.is_available())
        except Exception:  # noqa: BLE001
            torch_cuda = False
    return Machine(cuml=cuml, cuda_devices=devices, torchdr=torchdr, torch_cuda=torch_cuda)


def choose_backend(requested: str, machine: Callable[[], Machine] = probe_machine) -> tuple[str, str]:
    """The backend to run and why: cuML on a GPU, else TorchDR on a GPU, else umap-learn."""
    if requested not in BACKENDS:
        raise PipelineError(f"unknown --backend {requested!r}; choose one of {', '.join(BACKENDS)}")
    if requested == "umap-learn":
        return "umap-learn", "asked for with --backend umap-learn"
    m = machine()
    if requested == "cuml":
        if not m.cuml:
            raise missing_extra("cuml", "gpu")
        if m.cuda_devices == 0:
            raise PipelineError("--backend cuml needs an NVIDIA GPU, and CUDA sees none here")
        return "cuml", "asked for with --backend cuml"
    if requested == "torchdr":
        if not m.torchdr:
            raise missing_extra("torchdr", "torchdr")
        return "torchdr", f"asked for with --backend torchdr ({'CUDA' if m.torch_cuda else 'CPU'})"
    if m.cuml and m.cuda_devices > 0:
        return "cuml", f"auto: cuML is installed and CUDA sees {m.cuda_devices} GPU(s)"
    if m.torchdr and m.torch_cuda:
        return "torchdr", "auto: no cuML with a GPU; TorchDR is installed and torch sees a CUDA GPU"
    missing = "no GPU" if not (m.torch_cuda or m.cuda_devices) else "no GPU backend installed"
    return "umap-learn", f"auto: {missing}, so umap-learn on the CPU"


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


def without_self(idx: np.ndarray, k: int) -> np.ndarray:
    """Drop each row's own index from its neighbour list and keep ``k`` columns.

    With duplicate vectors a row may not list itself first, or at all; then the
    last (farthest) neighbour is the one dropped.
    """
    is_self = idx == np.arange(len(idx))[:, None]
    order = np.argsort(is_self, axis=1, kind="stable")
    return np.take_along_axis(idx, order, axis=1)[:, :k].astype(np.int32)


def reduce(
    vectors: np.ndarray,
    settings: ReduceSettings,
    on_stage: Callable[[str], None] | None = None,
) -> Reduction:
    """3D coordinates by UMAP, plus the high-dimensional kNN for the sidecar."""
    backend, reason = choose_backend(settings.backend)
    n = len(vectors)
    if n < MIN_POINTS:
        raise PipelineError(f"only {n} points to reduce; UMAP needs at least {MIN_POINTS}")
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n_neighbors = min(settings.n_neighbors, n - 1)
    seconds: dict[str, float] = {}

    if backend == "umap-learn":
        if on_stage is not None:
            on_stage("knn")
        start = time.perf_counter()
        idx, dists = nearest_neighbours(vectors, max(n_neighbors, settings.knn + 1), settings.metric, settings.seed)
        seconds["knn"] = time.perf_counter() - start
        if on_stage is not None:
            on_stage("umap")
        start = time.perf_counter()
        points = _umap_learn(vectors, settings, n_neighbors, idx[:, :n_neighbors], dists[:, :n_neighbors])
        seconds["umap"] = time.perf_counter() - start
    else:
        from pipeline.reduce import gpu

        run = gpu.cuml_umap if backend == "cuml" else gpu.torchdr_umap
        points, idx = run(vectors, settings, n_neighbors, on_stage, seconds)
    if not np.isfinite(points).all():
        raise PipelineError("UMAP produced non-finite coordinates; try another --seed or more --neighbors")

    knn = without_self(idx, min(settings.knn, n - 1)) if settings.knn > 0 else None
    return Reduction(points=points.astype(np.float32), knn=knn, backend=backend, reason=reason, seconds=seconds)


def _umap_learn(
    vectors: np.ndarray, settings: ReduceSettings, n_neighbors: int, idx: np.ndarray, dists: np.ndarray
) -> np.ndarray:
    import umap

    model = umap.UMAP(
        n_components=3,
        n_neighbors=n_neighbors,
        min_dist=settings.min_dist,
        metric=settings.metric,
        random_state=settings.seed,
        precomputed_knn=(idx, dists),
        force_approximation_algorithm=True,  # use the kNN given, even for small data
    )
    with warnings.catch_warnings():
        # "transform unavailable without a search index" and the n_jobs note
        # for seeded runs say nothing about the embedding we ask for.
        warnings.simplefilter("ignore", UserWarning)
        points = model.fit_transform(vectors)
    return points.astype(np.float32)


def trustworthiness(
    high: np.ndarray,
    low: np.ndarray,
    *,
    n_neighbors: int = 10,
    sample: int = 5000,
    metric: str = "cosine",
    seed: int = 0,
) -> float:
    """sklearn's trustworthiness on a random sample of rows (all rows if fewer)."""
    from sklearn.manifold import trustworthiness as sk_trustworthiness

    n = len(high)
    rows = np.random.default_rng(seed).choice(n, size=sample, replace=False) if n > sample else np.arange(n)
    k = min(n_neighbors, len(rows) // 2 - 1)
    return float(sk_trustworthiness(high[rows], low[rows], n_neighbors=k, metric=metric))
