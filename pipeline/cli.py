"""``flythrough-pipeline``: build 3D datasets from corpora or vectors, and inspect them."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from explorer.core.dataset import DatasetError, knn_path, meta_path, read_dataset
from explorer.core.profanity import RudeWords, WordListError
from pipeline.errors import PipelineError
from pipeline.reduce.settings import BACKENDS

if TYPE_CHECKING:
    from pipeline.cluster import Cluster
    from pipeline.report import Report

EXIT_USER_ERROR = 2
PROG = "flythrough-pipeline"


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _thumb_px(text: str) -> int:
    value = int(text)
    if not 8 <= value <= 256:
        raise argparse.ArgumentTypeError(f"must be from 8 to 256 pixels, not {value}")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def _weight(text: str) -> float:
    value = float(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be above 0 and at most 1, not {text}")
    return value


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected counts separated by commas, not {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"every level needs at least 1 region, not {text!r}")
    return sizes


def _names(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(f"expected column names separated by commas, not {text!r}")
    return names


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--output", type=Path, required=True, help="dataset to write: NAME.ds.tsv.gz")
    g = p.add_argument_group("words")
    g.add_argument("--stopwords", type=Path, help="file of words to leave out, one per line")
    g.add_argument(
        "--filter-profanity", action="store_true", help="leave out rude words (the bundled lists, 27 languages)"
    )
    _add_rude_lists(g)
    g.add_argument("--max-words", type=_positive_int, help="keep the N most frequent words")
    g = p.add_argument_group("reduction to 3D")
    g.add_argument("--neighbors", type=_positive_int, default=15, help="UMAP n_neighbors (default 15)")
    g.add_argument("--min-dist", type=float, default=0.05, help="UMAP min_dist (default 0.05)")
    g.add_argument("--metric", default="cosine", help="distance in the original space (default cosine)")
    g.add_argument("--seed", type=int, default=42, help="random seed; same seed, same output (default 42)")
    g.add_argument(
        "--backend", default="auto", choices=list(BACKENDS),
        help="UMAP backend; auto: cuML on a GPU, else TorchDR on a GPU, else umap-parallel (umap-learn's graph, "
             "laid out in parallel on the CPU); umap-learn: umap-learn's own layout (default auto)",
    )  # fmt: skip
    g.add_argument("--knn", type=_non_negative_int, default=10, help="neighbours in the .knn.npy sidecar; 0 for none")
    g.add_argument(
        "--separate-groups", type=_weight, nargs="?", const=0.5, default=0.0, metavar="WEIGHT",
        help="lay the groups apart: supervised UMAP, each point's group its target, WEIGHT 0-1 (default 0.5)",
    )  # fmt: skip
    g.add_argument("--no-regions", action="store_true", help="do not name the map's regions (.regions.json sidecar)")
    g = p.add_argument_group("on a Dask cluster (the dask extra)")
    g.add_argument("--dask", metavar="ADDRESS",
                   help="run on the cluster at tcp://HOST:8786, or local[:N] for N worker processes here "
                   "(default: $FLYTHROUGH_DASK, else this process alone)")  # fmt: skip
    g.add_argument("--fit-sample", type=_positive_int, default=200_000, metavar="N",
                   help="on a cluster: fit UMAP on N points drawn with the seed, and place the others by "
                   "transform across the workers (default 200000)")  # fmt: skip


def _add_rude_lists(g: argparse._ActionsContainer) -> None:
    g.add_argument(
        "--rude-words",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="more rude words, one a line (implies --filter-profanity when building)",
    )
    g.add_argument("--allow-words", type=Path, action="append", default=[], metavar="FILE",
                   help="words to let through although a list has them, one a line")  # fmt: skip


def rude_rule(args: argparse.Namespace) -> RudeWords:
    """The bundled rule, with the files of --rude-words and --allow-words."""
    try:
        return RudeWords.bundled(extra=args.rude_words, allowed=args.allow_words)
    except WordListError as exc:
        raise PipelineError(str(exc)) from None


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog=PROG, description=__doc__)
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("glove", help="train GloVe on text files, then reduce to 3D")
    p.add_argument("corpus", type=Path, nargs="+", metavar="CORPUS", help="UTF-8 text files (.txt or .gz)")
    p.add_argument("--normalise", "--normalize", default="none", choices=["none", "twitter"], help="token rules")
    p.add_argument("--min-count", type=_positive_int, default=5, help="drop words seen fewer times (default 5)")
    p.add_argument("--dim", type=_positive_int, default=50, help="vector dimensions (default 50)")
    p.add_argument("--window", type=_positive_int, default=10, help="context window (default 10)")
    p.add_argument("--x-max", type=float, default=10.0, help="GloVe weighting cut-off x_max (default 10)")
    p.add_argument("--epochs", type=_positive_int, default=30, help="training epochs (default 30)")
    p.add_argument(
        "--threads", type=_positive_int, default=os.cpu_count() or 1, help="training threads (default: cores)"
    )
    p.add_argument("--save-vectors", type=Path, metavar="V.txt", help="also write the vectors in GloVe text format")
    p.add_argument("--group-by-file", action="store_true", help="group each word by the file where it is most frequent")
    _add_common(p)

    p = sub.add_parser("vectors", help="reduce pretrained word vectors (GloVe or word2vec, text or binary) to 3D")
    p.add_argument("vectors", type=Path, metavar="VECTORS",
                   help="GloVe/word2vec text (.txt, fastText .vec) or word2vec binary (.bin); or gzipped")  # fmt: skip
    p.add_argument("--words", type=Path, help="keep only these words, in this order (one a line, or count<TAB>word)")
    _add_common(p)

    p = sub.add_parser(
        "embeddings", help="reduce ready-made embeddings (Parquet, Arrow, CSV, Hugging Face, JSONL, NumPy) to 3D"
    )
    p.add_argument("embeddings", type=Path, metavar="FILE",
                   help="Parquet, Arrow/Feather, CSV/TSV with a header, a Hugging Face dataset folder, JSONL, "
                   ".npy/.npz, or a Projector vectors.tsv")  # fmt: skip
    p.add_argument("--labels", type=Path, help="for .npy/.npz: the labels, one per line, in row order")
    p.add_argument("--metadata", type=Path, help="for a Projector vectors.tsv: its metadata.tsv")
    g = p.add_argument_group("tables (Parquet, Arrow, CSV, Hugging Face)")
    g.add_argument("--label-column", help="the column of labels (default: found by name: label, name, text, word …; "
                   "for Projector metadata, the first)")  # fmt: skip
    g.add_argument("--vector-columns", type=_names, metavar="A,B,…",
                   help="the vector: one list column or numeric columns "
                   "(default: the list column, else every numeric one)")  # fmt: skip
    g.add_argument("--group-column", help="the column of groups (default: one named 'group')")
    g.add_argument("--xyz", type=_names, metavar="X,Y,Z",
                   help="three columns of coordinates, kept as they are: no reduction")  # fmt: skip
    g = p.add_argument_group("pictures (an image dataset: the explorer draws near points as them)")
    g.add_argument("--image-column", metavar="NAME", help="the column (or JSONL field) of each row's image file")
    g.add_argument("--images-root", type=Path, metavar="DIR",
                   help="the folder image paths are relative to (default: the input file's)")  # fmt: skip
    g.add_argument("--thumb-size", type=_thumb_px, default=48, metavar="PX", help="thumbnail side (default 48)")
    _add_common(p)

    p = sub.add_parser("clip", help="embed a folder of images (or a file of texts) with CLIP, then reduce to 3D")
    p.add_argument(
        "images", type=Path, nargs="?", metavar="IMAGES_DIR", help="folder of .jpg/.png/.webp, searched deeply"
    )
    p.add_argument("--texts", type=Path, metavar="FILE", help="embed these texts instead, one per line")
    p.add_argument("--model", required=True, help="open_clip model name, e.g. ViT-B-32")
    p.add_argument("--checkpoint", type=Path, help="the model's weights: a local .pt or .safetensors file")
    p.add_argument("--model-config", type=Path, metavar="JSON", help="open_clip config for a model it does not know")
    p.add_argument("--group-by-folder", action="store_true", help="group each image by its first folder level")
    p.add_argument("--batch-size", type=_positive_int, default=64, help="images or texts per batch (default 64)")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], help="default: CUDA when present")
    p.add_argument("--thumb-size", type=_thumb_px, default=48, metavar="PX",
                   help="each picture's thumbnail, PX square (default 48; up to 256): the explorer draws near "
                   "points as their thumbnails, and bigger ones stay sharp nearer")  # fmt: skip
    _add_common(p)

    p = sub.add_parser("regions", help="add named regions (the .regions.json and .regions.npy sidecars) to a dataset")
    p.add_argument("dataset", type=Path, metavar="DATASET")
    p.add_argument("--levels", type=_sizes, default=None, metavar="N,N,…",
                   help="regions per level, coarse to fine (default 16,64,256)")  # fmt: skip
    p.add_argument("--text-column", metavar="NAME", help="name regions by this text column's distinctive words")
    p.add_argument("--seed", type=int, default=42, help="random seed (default 42)")

    p = sub.add_parser("info", help="validate a dataset and summarise it")
    p.add_argument("dataset", type=Path, metavar="DATASET")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--rude", action="store_true", help="list the labels kiosk mode hides, by group, with a count")
    _add_rude_lists(p)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "info":
            return _info(args)
        if args.command == "regions":
            return _regions(args)
        return _build(args)
    except (PipelineError, DatasetError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; no output was written", file=sys.stderr)
        return EXIT_USER_ERROR


@contextmanager
def _cluster(flag: str | None, report: Report) -> Iterator[Cluster | None]:
    """The Dask cluster of ``--dask`` (or ``FLYTHROUGH_DASK``), connected for the run; None without one."""
    from pipeline.cluster import address_of, connect

    address = address_of(flag)
    if address is None:
        yield None
        return
    with connect(address, report) as cluster:
        yield cluster


def _build(args: argparse.Namespace) -> int:
    # Heavy modules load here, after argument errors had their chance to show.
    from pipeline import glove, stages
    from pipeline.embeddings import TableOptions
    from pipeline.filters import WordFilter, read_wordlist
    from pipeline.reduce import ReduceSettings
    from pipeline.report import Report

    out: Path = args.output
    if args.command == "clip" and (args.images is None) == (args.texts is None):
        raise PipelineError("clip needs either IMAGES_DIR or --texts FILE (one of them)")
    inputs = {"glove": lambda: list(args.corpus), "vectors": lambda: [args.vectors],
              "embeddings": lambda: [args.embeddings],
              "clip": lambda: [args.texts] if args.texts else []}[args.command]()  # fmt: skip
    optional = (args.stopwords, getattr(args, "words", None), getattr(args, "labels", None),
                getattr(args, "metadata", None))  # fmt: skip
    extra = [p for p in optional if p is not None]
    stages.check_inputs(inputs + extra)
    stages.check_output(out)
    if args.command == "glove" and args.save_vectors is not None and not args.save_vectors.parent.is_dir():
        raise PipelineError(f"{args.save_vectors.parent}: output folder does not exist")

    word_filter = WordFilter(
        words=read_wordlist(args.words) if getattr(args, "words", None) else None,
        stopwords=read_wordlist(args.stopwords) if args.stopwords else (),
        rude=rude_rule(args) if args.filter_profanity or args.rude_words else None,
        max_words=args.max_words,
    )
    settings = ReduceSettings(
        n_neighbors=args.neighbors,
        min_dist=args.min_dist,
        metric=args.metric,
        seed=args.seed,
        backend=args.backend,
        knn=args.knn,
        separate_groups=args.separate_groups,
        fit_sample=args.fit_sample,
    )
    report = Report()
    try:
        with _cluster(args.dask, report) as cluster:
            if args.command == "glove":
                glove_settings = glove.GloveSettings(
                    dim=args.dim,
                    window=args.window,
                    x_max=args.x_max,
                    epochs=args.epochs,
                    threads=args.threads,
                    seed=args.seed,
                )
                embeddings, provenance = stages.embed_corpus(
                    args.corpus,
                    normalise=args.normalise,
                    min_count=args.min_count,
                    settings=glove_settings,
                    group_by_file=args.group_by_file,
                    report=report,
                )
                save_vectors = args.save_vectors
            elif args.command == "clip":
                from pipeline import clip

                clip_settings = clip.ClipSettings(
                    model=args.model, checkpoint=args.checkpoint, model_config=args.model_config,
                    batch_size=args.batch_size, device=args.device, thumb_px=args.thumb_size,
                )  # fmt: skip
                if args.texts is not None:
                    embeddings, provenance = clip.embed_texts(args.texts, clip_settings, report=report)
                else:
                    embeddings, provenance = clip.embed_images(
                        args.images, clip_settings, group_by_folder=args.group_by_folder, report=report,
                        cluster=cluster,
                    )  # fmt: skip
                save_vectors = None
            elif args.command == "embeddings":
                if args.xyz is not None and len(args.xyz) != 3:
                    raise PipelineError(f"--xyz needs three column names, not {len(args.xyz)}")
                options = TableOptions(label_column=args.label_column, vector_columns=args.vector_columns,
                                       group_column=args.group_column, xyz=args.xyz)  # fmt: skip
                if args.images_root is not None and args.image_column is None:
                    raise PipelineError("--images-root needs --image-column: the column of image paths")
                pictures = None
                if args.image_column is not None:
                    pictures = stages.PictureOptions(args.image_column, args.images_root, args.thumb_size)
                embeddings, provenance = stages.embed_file(
                    args.embeddings, labels=args.labels, metadata=args.metadata, options=options, report=report,
                    pictures=pictures, cluster=cluster,
                )  # fmt: skip
                save_vectors = None
            else:
                embeddings, provenance = stages.embed_vectors(args.vectors, word_filter, report, cluster)
                save_vectors = None
            meta = stages.reduce_and_write(
                embeddings,
                out,
                provenance=provenance,
                word_filter=word_filter,
                settings=settings,
                report=report,
                save_vectors=save_vectors,
                regions=not args.no_regions,
                cluster=cluster,
            )
    finally:
        report.close()
    evaluation = meta["evaluation"]
    rows = [
        ("output", str(out)),
        ("size", _size(out)),
        ("points", f"{meta['counts']['points']:,}"),
        ("removed", word_filter.describe_removed()),
        ("groups", _groups_line(meta["groups"])),
    ]
    if meta["reduction"]["method"] == "none":
        rows.append(("reduction", f"none: {meta['reduction']['backend_reason']}"))
    else:
        rows.append(("backend", f"{meta['reduction']['backend']} ({meta['reduction']['backend_reason']})"))
        rows.append((
            "trustworthiness@10",
            f"{evaluation['trustworthiness_at_10']:.3f} on {evaluation['trustworthiness_sample']:,} points",
        ))  # fmt: skip
    if meta.get("regions"):
        rows.append(("regions", " / ".join(str(n) for n in meta["regions"]["levels"]) + " named, coarse to fine"))
    if meta["source"].get("columns"):
        rows.append(("columns", f"{len(meta['source']['columns'])} more, in the .columns.parquet sidecar"))
    skipped = meta["source"].get("skipped")
    if skipped is not None:
        rows.append(("skipped images", f"{skipped:,} unreadable (listed in the meta)" if skipped else "none"))
    if evaluation["wordsim353_spearman"] is not None:
        rows.append(
            ("wordsim353 ρ", f"{evaluation['wordsim353_spearman']:.3f} ({evaluation['wordsim353_pairs']} pairs)")
        )
    report.summary("Done", rows)
    return 0


def _size(path: Path) -> str:
    size = path.stat().st_size
    return f"{size / 1e6:.2f} MB" if size >= 1e5 else f"{size / 1e3:.1f} kB"


def _groups_line(groups: dict[str, int], most: int = 8) -> str:
    if not groups:
        return "none"
    shown = ", ".join(f"{name} {count:,}" for name, count in list(groups.items())[:most])
    more = f", … {len(groups) - most} more" if len(groups) > most else ""
    return f"{len(groups)}: {shown}{more}"


def _columns_line(columns: dict[str, str] | None, most: int = 6) -> str:
    if not columns:
        return "none"
    shown = ", ".join(f"{name} ({kind})" for name, kind in list(columns.items())[:most])
    return f"{len(columns)}: {shown}" + (f", … {len(columns) - most} more" if len(columns) > most else "")


def dataset_summary(path: Path) -> dict[str, Any]:
    """What ``info`` reports about a dataset, as plain data."""
    ds = read_dataset(path)
    low, high = ds.bounds()
    return {
        "path": str(path),
        "bytes": path.stat().st_size,
        "points": len(ds),
        "unique_labels": int(len(np.unique(ds.labels.astype(str)))),
        "groups": ds.group_counts(),
        "bounds": {"min": [round(float(v), 6) for v in low], "max": [round(float(v), 6) for v in high]},
        "knn": {"path": str(knn_path(path)), "k": int(ds.knn.shape[1])} if ds.knn is not None else None,
        "meta": str(meta_path(path)) if ds.meta else None,
        "columns": {name: str(ds.columns.schema.field(name).type) for name in ds.columns.column_names}
        if ds.columns is not None
        else None,
    }


def rude_summary(path: Path, rule: RudeWords) -> dict[str, Any]:
    """The labels the kiosk's filter hides, by group (largest first), with counts."""
    ds = read_dataset(path, sidecars=False)
    hidden = rule.rows(ds.labels, ds.groups)
    groups = ds.groups if ds.groups is not None else np.full(len(ds), "", dtype=object)
    by_group: dict[str, list[str]] = {}
    for row in np.flatnonzero(hidden).tolist():
        by_group.setdefault(str(groups[row]), []).append(str(ds.labels[row]))
    ordered = sorted(by_group.items(), key=lambda item: (-len(item[1]), item[0]))
    return {
        "path": str(path),
        "points": len(ds),
        "hidden": int(hidden.sum()),
        "languages": rule.codes,
        "groups": {group: {"count": len(labels), "labels": labels} for group, labels in ordered},
    }


def _info_rude(args: argparse.Namespace) -> int:
    summary = rude_summary(args.dataset, rude_rule(args))
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
        return 0
    print(f"{summary['path']}: kiosk mode hides {summary['hidden']:,} of {summary['points']:,} labels "
          f"(rude words in {len(summary['languages'])} languages)")  # fmt: skip
    for group, found in summary["groups"].items():
        print(f"  {group or '(no group)'}  {found['count']:,}: {', '.join(found['labels'])}")
    return 0


def _regions(args: argparse.Namespace) -> int:
    """Name the regions of an existing dataset and write the two sidecars beside it."""
    from explorer.core.dataset import read_columns, read_meta, regions_paths
    from explorer.core.profanity import bundled_rule
    from explorer.core.regions import LEVELS, build_regions, write_regions

    ds = read_dataset(args.dataset, sidecars=False)  # the regions sidecars may be the stale ones to replace
    ds = dataclasses.replace(ds, meta=read_meta(args.dataset), columns=read_columns(args.dataset, len(ds)))
    texts = None
    if args.text_column is not None:
        if ds.columns is None or args.text_column not in ds.columns.column_names:
            have = ", ".join(ds.columns.column_names) if ds.columns is not None else "none"
            raise PipelineError(f"{args.dataset}: no column {args.text_column!r} in its columns sidecar ({have})")
        texts = [str(v) if v is not None else "" for v in ds.columns.column(args.text_column).to_pylist()]
    kind = ds.meta.get("source", {}).get("kind") if isinstance(ds.meta.get("source"), dict) else None
    rule = bundled_rule()
    regions = build_regions(ds.points, [str(v) for v in ds.labels], sizes=args.levels or LEVELS,
                            frequency_ordered=kind in ("text corpus", "word vectors"), texts=texts,
                            banned=rule.is_rude, seed=args.seed)  # fmt: skip
    try:
        write_regions(*regions_paths(args.dataset), regions)
    except OSError as exc:
        raise PipelineError(f"{args.dataset.parent}: cannot write the regions beside the dataset: {exc}") from None
    for depth, level in enumerate(regions.levels):
        shown = ", ".join(r.name for r in level[:6])
        print(f"level {depth}: {len(level)} regions: {shown}{', …' if len(level) > 6 else ''}")
    return 0


def _info(args: argparse.Namespace) -> int:
    if args.rude:
        return _info_rude(args)
    summary = dataset_summary(args.dataset)
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
        return 0
    low, high = summary["bounds"]["min"], summary["bounds"]["max"]
    bounds = "  ".join(f"{a} [{lo:.3g}, {hi:.3g}]" for a, lo, hi in zip("xyz", low, high, strict=True))
    lines = [
        f"{summary['path']}  ({_size(args.dataset)})",
        f"  points         {summary['points']:,}",
        f"  unique labels  {summary['unique_labels']:,}",
        f"  groups         {_groups_line(summary['groups'])}",
        f"  bounds         {bounds}",
        f"  neighbours     {summary['knn']['k'] if summary['knn'] else 'no'} (.knn.npy sidecar)",
        f"  provenance     {'yes' if summary['meta'] else 'no'} (.meta.json sidecar)",
        f"  columns        {_columns_line(summary['columns'])} (.columns.parquet sidecar)",
    ]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
