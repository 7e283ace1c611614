"""GloVe: train word vectors on a corpus, and read or write GloVe's text format."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from explorer.core.files import atomic_file
from explorer.core.formats import is_float
from pipeline.corpus import Tokeniser, documents
from pipeline.errors import PipelineError, located
from pipeline.textfiles import numbered_lines


@dataclass(frozen=True)
class GloveSettings:
    """Training settings; the defaults are the ones measured best on our corpus."""

    dim: int = 50
    window: int = 10
    x_max: float = 10.0
    epochs: int = 30
    learning_rate: float = 0.05
    alpha: float = 0.75
    threads: int = os.cpu_count() or 1
    seed: int = 42


def _glove_library() -> tuple[Any, Any]:
    """glove-python's Corpus class and its Cython kernel (untyped: a compiled extension)."""
    try:
        from glove import Corpus
        from glove.glove_cython import fit_vectors
    except ImportError:
        raise PipelineError(
            "GloVe training needs the 'bicleaner-ai-glove' package, published only for Linux x86_64 "
            "with CPython 3.8-3.12; elsewhere, build from ready vectors with 'flythrough-pipeline vectors'"
        ) from None
    return Corpus, fit_vectors


def cooccurrence(
    files: Sequence[Path],
    vocab: Sequence[str],
    tokenise: Tokeniser,
    window: int,
    on_document: Callable[[], None] | None = None,
) -> Any:
    """Symmetric-window co-occurrence counts of the vocabulary's words."""
    Corpus, _ = _glove_library()

    def all_documents() -> Iterator[list[str]]:
        for path in files:
            for doc in documents(path, tokenise):
                if on_document is not None:
                    on_document()
                yield doc

    corpus = Corpus(dictionary={word: i for i, word in enumerate(vocab)})
    corpus.fit(all_documents(), window=window, ignore_missing=True)
    return corpus.matrix


def train(
    matrix: Any,
    settings: GloveSettings,
    on_epoch: Callable[[int, float], None] | None = None,
) -> np.ndarray:
    """Word vectors, one row per vocabulary word, trained by AdaGrad as in glove-python.

    This is glove-python's ``Glove.fit`` loop, unrolled so that each epoch can
    report progress and a Ctrl-C stops between epochs.
    """
    _, fit_vectors = _glove_library()
    n = matrix.shape[0]
    if matrix.nnz == 0:
        raise PipelineError("no co-occurrences: the corpus has no two vocabulary words near each other")
    rng = np.random.RandomState(settings.seed)
    vectors = (rng.rand(n, settings.dim) - 0.5) / settings.dim
    biases = np.zeros(n, dtype=np.float64)
    vector_grads = np.ones_like(vectors)
    bias_grads = np.ones_like(biases)
    order = np.arange(matrix.nnz, dtype=np.int32)
    for epoch in range(settings.epochs):
        start = time.perf_counter()
        rng.shuffle(order)
        fit_vectors(
            vectors, vector_grads, biases, bias_grads,
            matrix.row, matrix.col, matrix.data, order,
            settings.learning_rate, settings.x_max, settings.alpha, 10.0, int(settings.threads),
        )  # fmt: skip
        if not np.isfinite(vectors).all():
            raise PipelineError("GloVe training diverged (non-finite vectors); try a smaller --x-max")
        if on_epoch is not None:
            on_epoch(epoch, time.perf_counter() - start)
    return vectors.astype(np.float32)


# ----------------------------------------------------------------- text format


def read_vectors(
    path: Path,
    *,
    keep: Callable[[str], bool] | None = None,
    limit: int | None = None,
    on_line: Callable[[], None] | None = None,
) -> tuple[list[str], np.ndarray]:
    """Words and vectors of a GloVe text file (``word v1 ... vD``), gz or plain.

    A word2vec ``N D`` header line is accepted and skipped. The first occurrence
    of a word wins. ``keep`` skips words before their numbers are parsed, and
    reading stops after ``limit`` kept words (files are frequency-ordered).
    """
    labels: list[str] = []
    rows: list[np.ndarray] = []
    seen: set[str] = set()
    dim: int | None = None
    dim_line = 0
    for lineno, line in numbered_lines(path):
        if on_line is not None:
            on_line()
        fields = line.rstrip().split(" ")
        if lineno == 1 and len(fields) == 2 and fields[0].isdigit() and fields[1].isdigit():
            dim, dim_line = int(fields[1]), 1
            continue
        if not line.strip():
            raise located(path, lineno, "empty line; expected a word and its numbers")
        if dim is None:
            dim, dim_line = len(fields) - 1, lineno
            if dim < 1:
                raise located(path, lineno, "expected a word followed by numbers")
        if len(fields) - 1 != dim:
            raise located(
                path, lineno, f"expected {dim} numbers after the word (as on line {dim_line}), found {len(fields) - 1}"
            )
        word = fields[0]
        if word in seen or (keep is not None and not keep(word)):
            continue
        try:
            vector = np.array(fields[1:], dtype=np.float32)
        except ValueError:
            bad = next(f for f in fields[1:] if not is_float(f))
            raise located(path, lineno, f"not a number: {bad!r}") from None
        if not np.isfinite(vector).all():
            raise located(path, lineno, "vector has NaN or infinite values")
        seen.add(word)
        labels.append(word)
        rows.append(vector)
        if limit is not None and len(labels) >= limit:
            break
    if dim is None:
        raise located(path, None, "empty file: no vectors")
    vectors = np.vstack(rows) if rows else np.zeros((0, dim), dtype=np.float32)
    return labels, vectors


def write_vectors(path: Path, labels: Sequence[str], vectors: np.ndarray) -> None:
    """GloVe text format, atomically: ``word v1 ... vD`` per line, no header."""
    with atomic_file(path) as fh:
        for word, row in zip(labels, vectors.tolist(), strict=True):
            fh.write((word + " " + " ".join(f"{v:.6g}" for v in row) + "\n").encode("utf-8"))
