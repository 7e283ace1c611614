"""Real UMAP to 3D: quality, determinism and the neighbour sidecar."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.errors import PipelineError
from pipeline.reduce import ReduceSettings, choose_backend, nearest_neighbours, reduce, trustworthiness, without_self


def clustered(n: int, dim: int = 50, clusters: int = 20, seed: int = 42) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim)) * 3
    return (centres[rng.integers(0, clusters, n)] + rng.normal(size=(n, dim))).astype(np.float32)


@pytest.mark.slow
def test_umap_on_2k_points_is_trustworthy_deterministic_and_keeps_knn() -> None:
    vectors = clustered(2000)
    first = reduce(vectors, ReduceSettings(knn=10))
    assert first.points.shape == (2000, 3) and first.points.dtype == np.float32
    assert trustworthiness(vectors, first.points, n_neighbors=10) >= 0.8
    # The sidecar holds the true neighbours in 50-d, never the point itself.
    exact, _ = nearest_neighbours(vectors, 11, "cosine", 42)
    np.testing.assert_array_equal(first.knn, exact[:, 1:11])
    assert not (first.knn == np.arange(2000)[:, None]).any()
    again = reduce(vectors, ReduceSettings(knn=10))
    assert np.array_equal(first.points, again.points)


def test_without_self_moves_self_out_even_when_not_first() -> None:
    idx = np.array([[0, 1, 2], [0, 1, 2], [0, 1, 3]])
    assert without_self(idx, 2).tolist() == [[1, 2], [0, 2], [0, 1]]


def test_too_few_points_and_unknown_backend_are_clear_errors() -> None:
    with pytest.raises(PipelineError, match="only 3 points to reduce"):
        reduce(clustered(3), ReduceSettings())
    with pytest.raises(PipelineError, match="unknown --backend 'gpu-magic'"):
        choose_backend("gpu-magic")
    assert choose_backend("auto")[0] == "umap-learn"
