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
    parser = VectorLines(path, keep=keep)
    for lineno, line in numbered_lines(path):
        if on_line is not None:
            on_line()
        parser.add(lineno, line)
        if limit is not None and len(parser.labels) >= limit:
            break
    return parser.result()


def vectors_shape(path: Path) -> tuple[int, int]:
    """``(dim, line)``: the file's vector length and the line that set it (a word2vec header, or the first word)."""
    parser = VectorLines(path)
    for lineno, line in numbered_lines(path):
        parser.add(lineno, line)
        if parser.dim is not None:
            return parser.dim, parser.dim_line
    raise located(path, None, "empty file: no vectors")


def read_vector_span(
    path: Path, span: tuple[int, int], first_line: int, shape: tuple[int, int], keep: Callable[[str], bool] | None
) -> tuple[list[str], np.ndarray]:
    """The words and vectors of one span of a plain GloVe text file (:func:`pipeline.textfiles.line_spans`).

    ``shape`` is the whole file's, from :func:`vectors_shape`: every span checks its lines against it.
    """
    parser = VectorLines(path, keep=keep, shape=shape)
    for lineno, line in numbered_lines(path, span, first_line):
        parser.add(lineno, line)
    return parser.result()


class VectorLines:
    """Parses GloVe text lines one by one, with errors that name the file and line."""

    def __init__(
        self, path: Path, *, keep: Callable[[str], bool] | None = None, shape: tuple[int, int] | None = None
    ) -> None:
        self.path, self.keep = path, keep
        self.dim: int | None = shape[0] if shape is not None else None
        self.dim_line = shape[1] if shape is not None else 0
        self.labels: list[str] = []
        self.rows: list[np.ndarray] = []
        self.seen: set[str] = set()

    def add(self, lineno: int, line: str) -> None:
        path = self.path
        fields = line.rstrip().split(" ")
        if lineno == 1 and len(fields) == 2 and fields[0].isdigit() and fields[1].isdigit():
            self.dim, self.dim_line = int(fields[1]), 1
            return
        if not line.strip():
            raise located(path, lineno, "empty line; expected a word and its numbers")
        if self.dim is None:
            self.dim, self.dim_line = len(fields) - 1, lineno
            if self.dim < 1:
                raise located(path, lineno, "expected a word followed by numbers")
        if len(fields) - 1 != self.dim:
            raise located(
                path,
                lineno,
                f"expected {self.dim} numbers after the word (as on line {self.dim_line}), found {len(fields) - 1}",
            )
        word = fields[0]
        if word in self.seen or (self.keep is not None and not self.keep(word)):
            return
        try:
            vector = np.array(fields[1:], dtype=np.float32)
        except ValueError:
            bad = next(f for f in fields[1:] if not is_float(f))
            raise located(path, lineno, f"not a number: {bad!r}") from None
        if not np.isfinite(vector).all():
            raise located(path, lineno, "vector has NaN or infinite values")
        self.seen.add(word)
        self.labels.append(word)
        self.rows.append(vector)

    def result(self) -> tuple[list[str], np.ndarray]:
        if self.dim is None:
            raise located(self.path, None, "empty file: no vectors")
        vectors = np.vstack(self.rows) if self.rows else np.zeros((0, self.dim), dtype=np.float32)
        return self.labels, vectors


def write_vectors(path: Path, labels: Sequence[str], vectors: np.ndarray) -> None:
    """GloVe text format, atomically: ``word v1 ... vD`` per line, no header."""
    with atomic_file(path) as fh:
        for word, row in zip(labels, vectors.tolist(), strict=True):
            fh.write((word + " " + " ".join(f"{v:.6g}" for v in row) + "\n").encode("utf-8"))
