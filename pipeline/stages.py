"""Compose the pipeline: embed → filter → reduce → write, with provenance.

Each step is usable on its own (``pipeline.corpus``, ``pipeline.glove``,
``pipeline.reduce``, ``explorer.core.dataset``); this module only strings them
together and records what happened in the ``.ds.meta.json`` sidecar.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from explorer.core import formats, tables
from explorer.core.dataset import Dataset, DatasetError, dataset_base, write_dataset
from explorer.core.profanity import bundled_rule
from explorer.core.regions import FREQUENCY_ORDERED, MIN_POINTS, Regions, build_regions
from pipeline import corpus as corpus_mod
from pipeline import glove, word2vec
from pipeline.embeddings import JSONL_SUFFIXES, Embeddings, TableOptions, jsonl_values, read_embeddings
from pipeline.errors import PipelineError, located
from pipeline.evaluate import WORDSIM353, read_pairs, similarity_score, trustworthiness
from pipeline.filters import WordFilter
from pipeline.partitioned import read_vectors_on, splittable_text
from pipeline.reduce import DISTRIBUTIONS, GIVEN, ReduceSettings, Reduction, keep_as_given, reduce
from pipeline.reduce.settings import CPU_BACKENDS
from pipeline.reduce.umap_learn import neighbour_search
from pipeline.report import Report
from pipeline.thumbnails import THUMB_PX, thumbnails_of

if TYPE_CHECKING:
    from pipeline.cluster import Cluster

TRUST_SAMPLE = 2000


def check_output(out: Path) -> None:
    """Fail before any work if the output could never be written."""
    try:
        dataset_base(out)
    except DatasetError as exc:
        raise PipelineError(str(exc)) from None
    if not out.parent.is_dir():
        raise located(out.parent, None, "output folder does not exist")


def check_inputs(paths: Sequence[Path]) -> None:
    """Every input exists and is a file; a Hugging Face dataset folder counts as one."""
    for path in paths:
        if not path.exists():
            raise located(path, None, "no such file")
        if path.is_dir() and not formats.is_table(path):
            raise located(path, None, "is a folder, not a file (nor a Hugging Face dataset folder)")


def file_record(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return {"name": path.name, "bytes": path.stat().st_size, "sha256": digest.hexdigest()}


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


# ----------------------------------------------------------------- embedding


def embed_corpus(
    files: Sequence[Path],
    *,
    normalise: str,
    min_count: int,
    settings: glove.GloveSettings,
    group_by_file: bool,
    report: Report,
) -> tuple[Embeddings, dict[str, Any]]:
    """Train GloVe on text files; returns the vectors and the provenance."""
    tokenise = corpus_mod.tokeniser(normalise)
    with report.stage("read", "reading corpus") as advance:
        counts = corpus_mod.count_words(files, tokenise, on_document=lambda: advance(1))
    if counts.tokens == 0:
        names = ", ".join(str(f) for f in files)
        raise PipelineError(f"{names}: empty corpus: no words found")
    vocab = corpus_mod.vocabulary(counts.total, min_count)
    if len(vocab) < 2:
        raise PipelineError(
            f"only {len(vocab)} words occur at least {min_count} times in {counts.tokens} tokens; lower --min-count"
        )
    report.note(
        f"{counts.tokens:,} tokens, {len(counts.total):,} distinct words, {len(vocab):,} kept (min count {min_count})"
    )
    with report.stage("cooccurrence", "counting co-occurrences", total=counts.documents) as advance:
        matrix = glove.cooccurrence(files, vocab, tokenise, settings.window, on_document=lambda: advance(1))
    epoch_seconds: list[float] = []
    with report.stage("train", f"training GloVe ({settings.dim} dims)", total=settings.epochs) as advance:

        def on_epoch(epoch: int, seconds: float) -> None:
            epoch_seconds.append(seconds)
            advance(1)

        vectors = glove.train(matrix, settings, on_epoch=on_epoch)
    groups = corpus_mod.groups_by_file(counts, vocab) if group_by_file else None
    provenance = {
        "source": {
            "kind": "text corpus",
            "files": [file_record(f) for f in files],
            "normalise": normalise,
            "tokens": counts.tokens,
            "documents": counts.documents,
            "distinct_words": len(counts.total),
            "group_by_file": group_by_file,
        },
        "embedding": {
            "model": "GloVe",
            "implementation": f"bicleaner-ai-glove {_version('bicleaner-ai-glove')}",
            "dimensions": settings.dim,
            **{k: v for k, v in asdict(settings).items() if k != "dim"},
            "min_count": min_count,
            "vocabulary": len(vocab),
            "cooccurrence_pairs": int(matrix.nnz),
            "epoch_seconds_median": round(float(np.median(epoch_seconds)), 3) if epoch_seconds else None,
        },
    }
    return Embeddings(labels=vocab, vectors=vectors, groups=groups), provenance


def embed_vectors(
    path: Path, word_filter: WordFilter, report: Report, cluster: Cluster | None = None
) -> tuple[Embeddings, dict[str, Any]]:
    """Read pretrained vectors (GloVe or word2vec text, word2vec binary), screening words as they stream by.

    On a ``cluster``, a plain text file read whole (no ``--max-words``) is read in parts by the workers.
    """
    limit = word_filter.max_words if word_filter.words is None else None
    binary = word2vec.is_binary(path)
    if cluster is not None and limit is None and splittable_text(path):
        labels, vectors = read_vectors_on(cluster, path, word_filter)
    else:
        labels, vectors = _read_vectors_here(path, word_filter, limit, binary, report)
    kind = "word2vec binary format" if binary else "GloVe text format"
    provenance = {
        "source": {"kind": "word vectors", "files": [file_record(path)]},
        "embedding": {"model": f"pretrained vectors ({kind})", "dimensions": int(vectors.shape[1])},
    }
    return Embeddings(labels=labels, vectors=vectors), provenance


def _read_vectors_here(
    path: Path, word_filter: WordFilter, limit: int | None, binary: bool, report: Report
) -> tuple[list[str], np.ndarray]:
    with report.stage("read", f"reading {path.name}") as advance:
        if binary:
            labels, vectors = word2vec.read_binary(
                path, keep=word_filter.keeps, limit=limit, on_word=lambda: advance(1)
            )
        else:
            labels, vectors = glove.read_vectors(path, keep=word_filter.keeps, limit=limit, on_line=lambda: advance(1))
    return labels, vectors


def embed_file(
    path: Path,
    *,
    labels: Path | None,
    metadata: Path | None,
    options: TableOptions,
    report: Report,
    pictures: PictureOptions | None = None,
    cluster: Cluster | None = None,
) -> tuple[Embeddings, dict[str, Any]]:
    """Ready-made embeddings: JSONL, .npy/.npz with labels, Projector TSV with metadata, or a table.

    With ``pictures``, a column of image paths gives every row a thumbnail (an image dataset).
    """
    total = _table_rows(path)
    with report.stage("read", f"reading {path.name}", total=total) as advance:
        embeddings = read_embeddings(path, labels=labels, metadata=metadata, options=options, on_rows=advance,
                                     cluster=cluster)  # fmt: skip
    failed: list[str] = []
    if pictures is not None:
        names = _image_paths(path, embeddings, pictures.column, options)
        root = pictures.root if pictures.root is not None else path.parent
        thumbs, failed = thumbnails_of(names, root, pictures.px, report)
        embeddings = dataclasses.replace(embeddings, thumbs=thumbs)
    sources = [p for p in (path, labels, metadata) if p is not None]
    files = [file_record(p) for p in sources if p.is_file()] + [
        file_record(f) for p in sources if p.is_dir() for f in sorted(p.iterdir()) if f.is_file()
    ]
    source: dict[str, Any] = {"kind": "ready-made embeddings", "files": files}
    if embeddings.columns is not None:
        source["columns"] = embeddings.columns.column_names
    if pictures is not None:
        source["thumbnails"] = {"column": pictures.column, "px": pictures.px, "unreadable": len(failed),
                                "unreadable_files": failed[:100]}  # fmt: skip
    provenance = {"source": source, "embedding": {"model": "given", "dimensions": int(embeddings.vectors.shape[1])}}
    return embeddings, provenance


@dataclass(frozen=True)
class PictureOptions:
    """``--image-column``, ``--images-root``, ``--thumb-size``: thumbnails for ready-made embeddings."""

    column: str
    root: Path | None = None  # image paths are relative to this (default: the input file's folder)
    px: int = THUMB_PX


def _image_paths(path: Path, embeddings: Embeddings, column: str, options: TableOptions) -> list[str]:
    """The image path of every row: from the column of that name (or the labels, when it is theirs)."""
    table = embeddings.columns
    if table is not None and column in table.column_names:
        return [str(v) for v in table.column(column).to_pylist()]
    if column == options.label_column:
        return list(embeddings.labels)
    if path.name.lower().endswith(JSONL_SUFFIXES):
        return jsonl_values(path, column)
    known = ", ".join(table.column_names) if table is not None else "none"
    raise located(path, None, f"no column {column!r} for --image-column (other columns: {known})")


def _table_rows(path: Path) -> int | None:
    """The rows of a table, for the progress bar, when known before reading."""
    if not formats.is_table(path):
        return None
    try:
        return tables.open_table(path).rows
    except DatasetError:
        return None  # read_embeddings says what is wrong


# ----------------------------------------------------------------- finishing


def reduce_and_write(
    embeddings: Embeddings,
    out: Path,
    *,
    provenance: dict[str, Any],
    word_filter: WordFilter,
    settings: ReduceSettings,
    report: Report,
    save_vectors: Path | None = None,
    regions: bool = True,
    cluster: Cluster | None = None,
) -> dict[str, Any]:
    """Filter, evaluate, reduce to 3D (on ``cluster`` when given), name the regions and write the dataset.

    Returns the dataset's meta.
    """
    started = time.perf_counter()
    dataset = made_dataset(embeddings, provenance=provenance, word_filter=word_filter, settings=settings,
                           report=report, regions=regions, cluster=cluster)  # fmt: skip
    meta = dataset.meta
    with report.stage("write", f"writing {out.name}"):
        if save_vectors is not None:
            glove.write_vectors(save_vectors, embeddings.labels, embeddings.vectors)
        meta["seconds"]["reduce_and_write"] = round(time.perf_counter() - started, 3)
        write_dataset(out, dataset)
    return meta


def made_dataset(
    embeddings: Embeddings,
    *,
    provenance: dict[str, Any],
    word_filter: WordFilter,
    settings: ReduceSettings,
    report: Report,
    regions: bool = True,
    cluster: Cluster | None = None,
) -> Dataset:
    """Filter, evaluate, reduce to 3D and name the regions: the dataset, with its meta, not yet written.

    Vectors of three dimensions are coordinates already: they are kept as they
    are, with no reduction and no evaluation of one.
    """
    kept = embeddings.subset(word_filter.apply(embeddings.labels, embeddings.groups))
    given = kept.vectors.shape[1] == 3
    if given:
        with report.stage("reduce", f"keeping the {len(kept.labels):,} points' own coordinates"):
            reduction = keep_as_given(kept.vectors, settings)
        evaluation: dict[str, Any] = {"wordsim353_spearman": None, "trustworthiness_at_10": None}
    else:
        reduction, evaluation = _reduced(kept, settings, report, cluster)
    groups = np.array(kept.groups, dtype=object) if kept.groups is not None else None
    named = _named_regions(kept, reduction.points, provenance, word_filter, settings, report) if regions else None
    seconds = {**report.seconds, **{f"reduce.{k}": v for k, v in reduction.seconds.items()}}
    meta: dict[str, Any] = {
        "format": "flythrough-dataset/1",
        "created_by": f"flythrough-pipeline {_version('flythrough')}",
        **provenance,
        "reduction": _reduction_record(reduction, settings),
        "knn": _knn_record(reduction, "euclidean" if given else settings.metric),
        "counts": {"points": len(kept.labels), "removed": dict(word_filter.removed)},
        "groups": {},
        "evaluation": evaluation,
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
    }
    dataset = Dataset(
        labels=np.array(kept.labels, dtype=object),
        points=reduction.points,
        groups=groups,
        knn=reduction.knn,
        thumbs=kept.thumbs,
        columns=kept.columns,
        meta=meta,
        regions=named,
    )
    meta["groups"] = dataset.group_counts()
    if named is not None:
        meta["regions"] = {"levels": [len(level) for level in named.levels], "method": "k-means + Ward, in 3D"}
    return dataset


def _named_regions(
    kept: Embeddings,
    points: np.ndarray,
    provenance: dict[str, Any],
    word_filter: WordFilter,
    settings: ReduceSettings,
    report: Report,
) -> Regions | None:
    """The map's named regions (explorer.core.regions); None for a map too small to have any."""
    if len(kept.labels) < MIN_POINTS:
        return None
    rule = word_filter.rude or bundled_rule()  # a name is never rude, filter or no filter
    ordered = provenance.get("source", {}).get("kind") in FREQUENCY_ORDERED
    with report.stage("regions", "naming regions"):
        return build_regions(points, kept.labels, frequency_ordered=ordered, banned=rule.is_rude, seed=settings.seed)


def _reduced(
    kept: Embeddings, settings: ReduceSettings, report: Report, cluster: Cluster | None = None
) -> tuple[Reduction, dict[str, Any]]:
    """UMAP to 3D, with the figures that say how well it kept the neighbourhoods."""
    score = similarity_score(kept.labels, kept.vectors, read_pairs(WORDSIM353))
    stage_names = {"knn": "finding nearest neighbours", "umap": f"UMAP to 3D ({len(kept.labels):,} points)"}
    with report.stage("reduce", f"reducing {len(kept.labels):,} points to 3D"):
        reduction = reduce(kept.vectors, settings, on_stage=lambda s: report.note(f"  {stage_names[s]}"),
                           groups=kept.groups, cluster=cluster)  # fmt: skip
    trust = trustworthiness(
        kept.vectors, reduction.points, sample=TRUST_SAMPLE, metric=settings.metric, seed=settings.seed
    )
    evaluation = {
        "wordsim353_spearman": score.spearman,
        "wordsim353_pairs": f"{score.pairs_used}/{score.pairs_total}",
        "trustworthiness_at_10": round(trust, 4),
        "trustworthiness_sample": min(TRUST_SAMPLE, len(kept.labels)),
    }
    return reduction, evaluation


def _knn_record(reduction: Reduction, metric: str) -> dict[str, Any] | None:
    if reduction.knn is None:
        return None
    return {"k": int(reduction.knn.shape[1]), "space": "original", "metric": metric}


def _cpu_methods(reduction: Reduction, settings: ReduceSettings) -> dict[str, Any]:
    """How a CPU backend found the neighbours and laid out the graph (the GPU libraries do both their own way)."""
    if reduction.backend not in CPU_BACKENDS or reduction.workers:
        return {}
    layout = ("parallel epochs (pipeline.reduce.layout): the same bytes on any number of threads"
              if reduction.backend == "umap-parallel" else "umap-learn's epochs, one thread when seeded")  # fmt: skip
    return {"neighbours": neighbour_search(len(reduction.points), settings.metric), "layout": layout}


def _reduction_record(reduction: Reduction, settings: ReduceSettings) -> dict[str, Any]:
    if reduction.backend == GIVEN:
        return {"method": "none", "backend": GIVEN, "backend_reason": reduction.reason, "n_components": 3}
    library = DISTRIBUTIONS[reduction.backend]
    return {
        "method": "UMAP",
        "backend": reduction.backend,
        "backend_reason": reduction.reason,
        "library": f"{library} {_version(library)}",
        **_cpu_methods(reduction, settings),
        "n_components": 3,
        "n_neighbors": settings.n_neighbors,
        "min_dist": settings.min_dist,
        "metric": settings.metric,
        "seed": settings.seed,
        **({"separate_groups": settings.separate_groups} if settings.separate_groups > 0 else {}),
        **({"fit_sample": reduction.fit_sample, "dask_workers": reduction.workers} if reduction.workers else {}),
    }
