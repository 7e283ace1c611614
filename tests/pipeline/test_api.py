"""The pipeline from Python: build() takes the command line's options and gives a Dataset."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from explorer.core.dataset import read_dataset
from pipeline import build, write_dataset
from pipeline.errors import PipelineError


def clusters(n: int = 200, dim: int = 12) -> tuple[np.ndarray, list[str], list[str]]:
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(4, dim)) * 8
    which = np.arange(n) % 4
    return centres[which] + rng.normal(size=(n, dim)), [f"w{i}" for i in range(n)], [f"g{c}" for c in which]


def test_build_reduces_filters_and_keeps_the_columns(tmp_path: Path) -> None:
    vectors, labels, groups = clusters()
    labels[3] = "fuck"
    frame = pd.DataFrame({"row": np.arange(200), "note": [f"n{i}" for i in range(200)]})
    dataset = build(vectors, labels=labels, groups=groups, columns=frame, filter_profanity=True, neighbors=10, knn=4)
    assert len(dataset) == 199 and "fuck" not in set(dataset.labels)
    assert dataset.columns["row"].to_pylist() == [i for i in range(200) if i != 3]  # the rows that stayed
    assert dataset.meta["reduction"]["method"] == "UMAP" and dataset.knn.shape == (199, 4)
    d = np.linalg.norm(dataset.points[:, None] - dataset.points[None], axis=2)
    np.fill_diagonal(d, np.inf)
    own = np.array(dataset.groups)
    assert (own[d.argmin(axis=1)] == own).mean() > 0.95  # the clusters survive the reduction
    out = tmp_path / "api.ds.tsv.gz"
    write_dataset(out, dataset)
    back = read_dataset(out)
    assert list(back.labels) == list(dataset.labels) and back.columns.equals(dataset.columns)


def test_three_dimensions_are_kept_as_they_are() -> None:
    points = np.random.default_rng(2).normal(size=(20, 3)) * 1e9
    dataset = build(points, labels=[f"p{i}" for i in range(20)], knn=3)
    assert dataset.meta["reduction"]["method"] == "none"
    assert [f"{v:.6g}" for v in dataset.points[4]] == [f"{v:.6g}" for v in points[4]]


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"labels": ["a", "b"]}, "2 labels for 20 vectors"),
        ({"labels": [str(i) for i in range(20)], "groups": ["g"]}, "1 groups for 20 vectors"),
        ({"labels": [str(i) for i in range(20)], "columns": pd.DataFrame({"a": [1, 2]})}, "columns has 2 rows"),
    ],
)
def test_what_does_not_fit_is_said(kwargs: dict, problem: str) -> None:
    with pytest.raises(PipelineError, match=problem):
        build(np.zeros((20, 5)), **kwargs)
