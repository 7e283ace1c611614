"""Quality figures: word vectors against human similarity judgements, and the 3D layout's trustworthiness."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explorer.core.files import bundled
from pipeline.errors import located
from pipeline.textfiles import numbered_lines

WORDSIM353 = bundled("assets", "eval", "wordsim353.tsv")


@dataclass(frozen=True)
class SimilarityScore:
    spearman: float | None  # None when too few pairs are covered to say
    pairs_used: int
    pairs_total: int


def read_pairs(path: Path) -> list[tuple[str, str, float]]:
    """``word1<TAB>word2<TAB>score`` lines; ``#`` lines are comments."""
    pairs = []
    for lineno, line in numbered_lines(path):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        try:
            pairs.append((fields[0].lower(), fields[1].lower(), float(fields[2])))
        except (IndexError, ValueError):
            raise located(path, lineno, "expected word1<TAB>word2<TAB>score") from None
    return pairs


def similarity_score(
    labels: Sequence[str], vectors: np.ndarray, pairs: Sequence[tuple[str, str, float]], *, min_pairs: int = 10
) -> SimilarityScore:
    """Spearman rho between cosine similarity and the human scores, over covered pairs."""
    from scipy.stats import spearmanr

    row = {label: i for i, label in reversed(list(enumerate(labels)))}
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    model, human = [], []
    for a, b, score in pairs:
        if a in row and b in row:
            model.append(float(unit[row[a]] @ unit[row[b]]))
            human.append(score)
    if len(model) < min_pairs:
        return SimilarityScore(None, len(model), len(pairs))
    rho = spearmanr(model, human).statistic
    return SimilarityScore(round(float(rho), 4), len(model), len(pairs))


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
