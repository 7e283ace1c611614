"""The exact neighbours by matrix products: the same as brute force, however tiled or threaded."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.neighbors import NearestNeighbors

from pipeline.reduce import knn, nearest_neighbours


def vectors(n: int = 700, dim: int = 12) -> np.ndarray:
    return np.random.default_rng(1).normal(size=(n, dim)).astype(np.float32)


@pytest.mark.parametrize("metric", ["cosine", "euclidean", "manhattan"])
def test_the_tiled_knn_is_the_brute_force_knn(metric: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(knn, "ROWS", 64)  # several row tiles per task, several column tiles per row
    monkeypatch.setattr(knn, "COLUMNS", 100)
    data = vectors()
    idx, dist = knn.exact_knn(data, 6, metric)
    truth_d, truth_i = NearestNeighbors(n_neighbors=6, metric=metric, algorithm="brute").fit(data).kneighbors(data)
    assert idx.dtype == np.int64 and dist.dtype == np.float32 and idx.shape == (700, 6)
    assert (idx[:, 0] == np.arange(700)).all()
    assert np.mean(idx == truth_i) > 0.999  # the same neighbours in the same order (float ties aside)
    np.testing.assert_allclose(dist, truth_d, rtol=1e-4, atol=1e-4)


def test_the_fast_path_of_the_reduction_is_exact_and_the_same_on_any_number_of_threads() -> None:
    data = vectors(5000, 50)  # above umap-learn's own all-pairs limit (4096 rows)
    idx, dist = nearest_neighbours(data, 11, "cosine", 42)
    truth = NearestNeighbors(n_neighbors=11, metric="cosine", algorithm="brute").fit(data).kneighbors(data)[1]
    assert np.mean(idx == truth) > 0.999
    one_i, one_d = knn.exact_knn(data, 11, "cosine", threads=1)
    assert np.array_equal(one_i, idx) and one_d.tobytes() == dist.tobytes()


def test_ties_keep_the_lower_row_first_whatever_the_tiling(monkeypatch: pytest.MonkeyPatch) -> None:
    data = np.repeat(vectors(50, 4), 3, axis=0)  # every vector three times: exact ties
    whole, _ = knn.exact_knn(data, 3, "euclidean")
    monkeypatch.setattr(knn, "COLUMNS", 7)
    tiled, _ = knn.exact_knn(data, 3, "euclidean")
    assert np.array_equal(whole, tiled)
    assert (whole == (np.arange(150) // 3 * 3)[:, None] + np.arange(3)).all()


def test_a_metric_sklearn_does_not_know_is_one_clear_error() -> None:
    from pipeline.errors import PipelineError

    with pytest.raises(PipelineError, match="--metric bogus"):
        knn.exact_knn(vectors(20), 3, "bogus")
