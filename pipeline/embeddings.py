"""Labelled high-dimensional vectors: what every embedding source hands to the reducer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Embeddings:
    """Labels with their vectors (one row each) and optional groups."""

    labels: list[str]
    vectors: np.ndarray
    groups: list[str] | None = None

    def subset(self, rows: Sequence[int]) -> Embeddings:
        return Embeddings(
            labels=[self.labels[i] for i in rows],
            vectors=self.vectors[np.asarray(rows, dtype=np.int64)],
            groups=[self.groups[i] for i in rows] if self.groups is not None else None,
        )
