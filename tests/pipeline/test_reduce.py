"""Real UMAP to 3D: quality, determinism and the neighbour sidecar."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.neighbors import NearestNeighbors

from pipeline.errors import PipelineError
from pipeline.evaluate import trustworthiness
from pipeline.reduce import (
    Machine,
    ReduceSettings,
    choose_backend,
    nearest_neighbours,
    probe_machine,
    reduce,
    without_self,
)


def clustered(n: int, dim: int = 50, clusters: int = 20, seed: int = 42) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim)) * 3
    return (centres[rng.integers(0, clusters, n)] + rng.normal(size=(n, dim))).astype(np.float32)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["umap-parallel", "umap-learn"])
def test_umap_on_2k_points_is_trustworthy_deterministic_and_keeps_knn(backend: str) -> None:
    vectors = clustered(2000)
    first = reduce(vectors, ReduceSettings(knn=10, backend=backend))
    assert first.backend == backend
    assert first.points.shape == (2000, 3) and first.points.dtype == np.float32
    assert trustworthiness(vectors, first.points, n_neighbors=10) >= 0.8
    # The sidecar holds the true neighbours in 50-d, never the point itself.
    truth = NearestNeighbors(n_neighbors=11, metric="cosine", algorithm="brute").fit(vectors).kneighbors(vectors)[1]
    assert np.mean(first.knn == truth[:, 1:11]) > 0.999  # float ties aside
    assert not (first.knn == np.arange(2000)[:, None]).any()
    again = reduce(vectors, ReduceSettings(knn=10, backend=backend))
    assert np.array_equal(first.points, again.points)


@pytest.mark.slow
def test_the_parallel_layout_gives_the_same_bytes_on_one_thread_as_on_several() -> None:
    import numba

    vectors = clustered(3000)
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = reduce(vectors, ReduceSettings(knn=0, backend="umap-parallel"))
    finally:
        numba.set_num_threads(threads)
    several = reduce(vectors, ReduceSettings(knn=0, backend="umap-parallel"))
    assert one.points.tobytes() == several.points.tobytes()
    other_seed = reduce(vectors, ReduceSettings(knn=0, backend="umap-parallel", seed=7))
    assert not np.array_equal(one.points, other_seed.points)


def test_without_self_moves_self_out_even_when_not_first() -> None:
    idx = np.array([[0, 1, 2], [0, 1, 2], [0, 1, 3]])
    assert without_self(idx, 2).tolist() == [[1, 2], [0, 2], [0, 1]]


def test_too_few_points_and_unknown_backend_are_clear_errors() -> None:
    with pytest.raises(PipelineError, match="only 3 points to reduce"):
        reduce(clustered(3), ReduceSettings())
    with pytest.raises(PipelineError, match="unknown --backend 'gpu-magic'"):
        choose_backend("gpu-magic")


@pytest.mark.parametrize(
    ("machine", "chosen", "why"),
    [
        (Machine(), "umap-parallel", "auto: no GPU, so UMAP on the CPU (umap-learn's graph, laid out in parallel)"),
        (Machine(torchdr=True), "umap-parallel", "auto: no GPU, so UMAP on the CPU"),
        (Machine(torchdr=True, torch_cuda=True), "torchdr", "torch sees a CUDA GPU"),
        (Machine(cuml=True, cuda_devices=1, torchdr=True, torch_cuda=True), "cuml", "CUDA sees 1 GPU(s)"),
        (Machine(cuml=True, cuda_devices=0), "umap-parallel", "auto: no GPU"),  # import cuml works without a GPU
        (Machine(cuml=True, cuda_devices=0, torch_cuda=True), "umap-parallel", "no GPU backend installed"),
    ],
)
def test_auto_picks_cuml_then_torchdr_on_a_gpu_else_umap_in_parallel(machine: Machine, chosen: str, why: str) -> None:
    backend, reason = choose_backend("auto", lambda: machine)
    assert backend == chosen and why in reason


def test_asking_for_a_backend_that_cannot_run_names_the_fix() -> None:
    with pytest.raises(
        PipelineError, match=r"needs the 'cuml' package: install it with  pip install 'flythrough\[gpu\]'"
    ):
        choose_backend("cuml", lambda: Machine())
    with pytest.raises(PipelineError, match="--backend cuml needs an NVIDIA GPU, and CUDA sees none here"):
        choose_backend("cuml", lambda: Machine(cuml=True))
    with pytest.raises(PipelineError, match=r"pip install 'flythrough\[torchdr\]'"):
        choose_backend("torchdr", lambda: Machine())
    assert choose_backend("torchdr", lambda: Machine(torchdr=True)) == (
        "torchdr",
        "asked for with --backend torchdr (CPU)",
    )
    assert choose_backend("umap-learn", lambda: Machine(cuml=True, cuda_devices=2))[0] == "umap-learn"
    assert choose_backend("umap-parallel", lambda: Machine(cuml=True, cuda_devices=2))[0] == "umap-parallel"


@pytest.mark.slow
def test_torchdr_runs_for_real_on_the_cpu_and_is_trustworthy() -> None:
    vectors = clustered(2000)
    result = reduce(vectors, ReduceSettings(knn=10, backend="torchdr"))
    assert result.backend == "torchdr" and result.points.shape == (2000, 3)
    assert trustworthiness(vectors, result.points, n_neighbors=10) >= 0.8
    exact, _ = nearest_neighbours(vectors, 11, "cosine", 42)
    agree = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(result.knn, exact[:, 1:11], strict=True)])
    assert agree > 0.99  # the sidecar's neighbours are the exact ones (ties aside)


def test_cuml_on_a_real_gpu() -> None:
    machine = probe_machine()
    if not machine.cuml or machine.cuda_devices == 0:
        pytest.skip("needs RAPIDS cuML and an NVIDIA GPU (the 'gpu' extra on a CUDA machine)")
    vectors = clustered(5000)
    result = reduce(vectors, ReduceSettings(knn=10, backend="cuml"))
    assert result.backend == "cuml" and result.points.shape == (5000, 3)
    assert trustworthiness(vectors, result.points, n_neighbors=10) >= 0.8


@pytest.mark.slow
def test_backend_benchmark_compares_on_the_same_data(tmp_path) -> None:
    import json

    from pipeline.benchmarks.backends import main

    out = tmp_path / "b.json"
    assert main(["--sizes", "400", "--backends", "umap-learn,torchdr", "--json", str(out)]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    rows = {r["backend"]: r for r in report["results"]}
    assert set(rows) == {"umap-learn", "torchdr"} and rows["torchdr"]["time_vs_umap_learn"] > 0
    assert all(r["trustworthiness_at_10"] > 0.8 for r in rows.values())


def same_group_share(points: np.ndarray, groups: np.ndarray, k: int = 10) -> float:
    from scipy.spatial import cKDTree

    _, idx = cKDTree(points).query(points, k=k + 1)
    return float((groups[idx[:, 1:]] == groups[:, None]).mean())


@pytest.mark.slow
def test_separate_groups_lays_overlapping_groups_apart_and_keeps_the_original_knn() -> None:
    # Two "languages" drawn from the same clusters: by their vectors alone they mix.
    vectors = clustered(1500, clusters=10)
    groups = np.array(["de", "pl"] * 750)
    plain = reduce(vectors, ReduceSettings(knn=10), groups=list(groups))
    apart = reduce(vectors, ReduceSettings(knn=10, separate_groups=0.5), groups=list(groups))
    assert same_group_share(plain.points, groups) < 0.7
    assert same_group_share(apart.points, groups) > 0.95
    # The sidecar still holds the neighbours in the original space, not the supervised ones.
    np.testing.assert_array_equal(apart.knn, plain.knn)
    again = reduce(vectors, ReduceSettings(knn=10, separate_groups=0.5), groups=list(groups))
    assert np.array_equal(apart.points, again.points)


def test_separate_groups_without_groups_or_on_another_backend_is_a_clear_error() -> None:
    with pytest.raises(PipelineError, match="--separate-groups needs groups"):
        reduce(clustered(100), ReduceSettings(separate_groups=0.5))
    with pytest.raises(PipelineError, match="--separate-groups needs groups"):
        reduce(clustered(100), ReduceSettings(separate_groups=0.5), groups=[""] * 100)
    with pytest.raises(PipelineError, match="umap-learn only, not --backend torchdr"):
        reduce(clustered(100), ReduceSettings(separate_groups=0.5, backend="torchdr"), groups=["a", "b"] * 50)


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_the_numpy_fuzzy_graph_is_umap_learns(metric: str) -> None:
    import warnings

    from umap.umap_ import fuzzy_simplicial_set

    from pipeline.reduce.graph import fuzzy_graph

    vectors = clustered(1500)
    vectors[7] = vectors[8]  # a duplicate: a distance of 0 that is not the point itself
    idx, dists = nearest_neighbours(vectors, 15, metric, 42)
    ours = fuzzy_graph(idx, dists, 15, metric)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = fuzzy_simplicial_set(vectors, 15, None, metric, knn_indices=idx, knn_dists=dists)[0].tocsr()
    assert ours.nnz == theirs.nnz and abs(ours - theirs).max() < 1e-6
