"""The pipeline from Python, for scripts and notebooks: ``build`` is the command line's ``embeddings``.

>>> from pipeline import build, write_dataset
>>> dataset = build(vectors, labels=words, groups=languages, columns=frame, filter_profanity=True)
>>> write_dataset("words.ds.tsv.gz", dataset)

The keyword arguments are the command line's options. Three dimensions are
kept as they are; more are reduced by UMAP (cuML or TorchDR on a GPU).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console

from explorer.core.dataset import Dataset
from explorer.core.profanity import RudeWords, WordListError
from pipeline.embeddings import Embeddings
from pipeline.errors import PipelineError
from pipeline.filters import WordFilter
from pipeline.reduce import ReduceSettings
from pipeline.report import Report
from pipeline.stages import made_dataset


def build(
    vectors: Any,
    *,
    labels: Sequence[object],
    groups: Sequence[object] | None = None,
    columns: Any = None,
    thumbs: Any = None,
    filter_profanity: bool = False,
    rude_words: Sequence[str | Path] = (),
    allow_words: Sequence[str | Path] = (),
    stopwords: Sequence[str] = (),
    max_words: int | None = None,
    neighbors: int = 15,
    min_dist: float = 0.05,
    metric: str = "cosine",
    seed: int = 42,
    backend: str = "auto",
    knn: int = 10,
    regions: bool = True,
    progress: bool = False,
) -> Dataset:
    """A 3D dataset of ``vectors`` (N×D, anything NumPy takes), one label each.

    Parameters
    ----------
    labels, groups
        One per row; groups colour the cloud and scope the rude-word filter by language.
    columns
        A pandas DataFrame or pyarrow Table of N rows: every other column, kept
        beside the dataset (``NAME.ds.columns.parquet`` when written).
    thumbs
        uint8 pictures [N, S, S, 3], one per row, for an image dataset: the
        explorer draws the near points as them (``NAME.ds.thumbs.npy``).
    filter_profanity, rude_words, allow_words, stopwords, max_words
        The command line's word options; ``rude_words`` and ``allow_words`` are files.
    neighbors, min_dist, metric, seed, backend, knn
        UMAP's settings and the neighbours kept (``--knn``), as on the command line.
    regions
        Name the map's regions, coarse to fine (``Dataset.regions``).
    progress
        Show the stages' progress on stderr.
    """
    array = np.asarray(vectors, dtype=np.float64 if np.shape(vectors)[-1:] == (3,) else np.float32)
    if array.ndim != 2 or len(array) == 0:
        raise PipelineError(f"vectors must be a non-empty N×D array, not of shape {array.shape}")
    if not np.isfinite(array).all():
        raise PipelineError(f"row {int(np.flatnonzero(~np.isfinite(array).all(axis=1))[0]) + 1}: NaN or infinity")
    words = [str(label) for label in labels]
    if len(words) != len(array):
        raise PipelineError(f"{len(words)} labels for {len(array)} vectors")
    kinds = [str(g) for g in groups] if groups is not None else None
    if kinds is not None and len(kinds) != len(array):
        raise PipelineError(f"{len(kinds)} groups for {len(array)} vectors")
    table = _arrow_table(columns, len(array))
    pictures = None if thumbs is None else np.asarray(thumbs, dtype=np.uint8)
    if pictures is not None and (pictures.ndim != 4 or len(pictures) != len(array) or pictures.shape[3] != 3):
        raise PipelineError(f"thumbs must be uint8 [{len(array)}, S, S, 3], not of shape {np.shape(thumbs)}")
    try:
        rude = (
            RudeWords.bundled(extra=[Path(p) for p in rude_words], allowed=[Path(p) for p in allow_words])
            if filter_profanity or rude_words
            else None
        )
    except WordListError as exc:
        raise PipelineError(str(exc)) from None
    word_filter = WordFilter(stopwords=list(stopwords), rude=rude, max_words=max_words)
    settings = ReduceSettings(n_neighbors=neighbors, min_dist=min_dist, metric=metric, seed=seed, backend=backend,
                              knn=knn)  # fmt: skip
    report = Report(Console(stderr=True, quiet=not progress))
    provenance = {
        "source": {"kind": "Python (pipeline.build)", "files": []},
        "embedding": {"model": "given", "dimensions": int(array.shape[1])},
    }
    try:
        return made_dataset(Embeddings(words, array, kinds, pictures, columns=table), provenance=provenance,
                            word_filter=word_filter, settings=settings, report=report, regions=regions)  # fmt: skip
    finally:
        report.close()


def _arrow_table(columns: Any, rows: int) -> Any:
    """A pyarrow Table of the columns given (a DataFrame or a Table), checked for length."""
    if columns is None:
        return None
    import pyarrow as pa

    table = columns if isinstance(columns, pa.Table) else pa.Table.from_pandas(columns, preserve_index=False)
    if table.num_rows != rows:
        raise PipelineError(f"columns has {table.num_rows} rows for {rows} vectors")
    return table
