"""Pipeline benchmarks: ``python -m pipeline.benchmarks.commands`` (``make bench``) writes JSON.

Each measured run is a fresh process, so peak RSS belongs to that run alone and
every run pays the same start-up (imports, numba). Our ``vectors`` command is
compared with plain umap-learn on the same vectors in the same session, runs
interleaved so that drift on a noisy machine hits both sides alike.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

# Plain umap-learn, as a user without Flythrough would run it: read the same
# vectors, then fit. The second variant uses our settings (cosine, seeded), so
# the difference to our run is pure pipeline overhead.
BASELINE = r"""
import json, sys, time
from pathlib import Path
from pipeline.glove import read_vectors
import numpy as np, umap
path, n, same, out = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "same", sys.argv[4]
labels, vectors = read_vectors(Path(path), limit=n)
kwargs = dict(metric="cosine", random_state=42, n_neighbors=15) if same else {}
start = time.perf_counter()
points = umap.UMAP(n_components=3, min_dist=0.05, **kwargs).fit_transform(vectors)
fit = time.perf_counter() - start
np.save(out, points)
print(json.dumps({"fit_s": fit}))
"""


def run_child(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB and stdout of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    out = proc.stdout.read() if proc.stdout else ""
    err = proc.stderr.read() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{err}")
    return wall, usage.ru_maxrss / 1024, out


def _trust(vectors: Any, points: Any) -> float:
    from pipeline.evaluate import trustworthiness

    return round(trustworthiness(vectors, points, n_neighbors=10, sample=5000, metric="cosine"), 4)


def _digest(out: Path) -> str:
    """The output's content (the TSV uncompressed, and the kNN sidecar), so that a gzip header does not count."""
    import gzip
    import hashlib

    from explorer.core.dataset import knn_path

    digest = hashlib.sha256(gzip.decompress(out.read_bytes()))
    digest.update(knn_path(out).read_bytes())
    return digest.hexdigest()[:16]


def bench_vectors(vectors_path: Path, n: int, repeats: int, work: Path) -> dict[str, Any]:
    import numpy as np

    from explorer.core.dataset import read_dataset
    from pipeline.glove import read_vectors

    _, vectors = read_vectors(vectors_path, limit=n)  # what every run below reduces
    ours, same, plain = [], [], []
    out = work / f"bench{n}.ds.tsv.gz"
    command = [sys.executable, "-m", "pipeline", "vectors", str(vectors_path), "--max-words", str(n), "-o", str(out)]
    # The first run after an install compiles our numba code once (then kept in the package's __pycache__):
    # an empty NUMBA_CACHE_DIR makes this run pay that, and umap-learn's own cached compilations, again.
    with tempfile.TemporaryDirectory() as empty:
        cold_wall, cold_rss, _ = run_child(command, env={**os.environ, "NUMBA_CACHE_DIR": empty})
    digests = [_digest(out)]
    for _ in range(repeats):
        wall, rss, _ = run_child(command)
        ds = read_dataset(out)
        digests.append(_digest(out))
        ours.append({"wall_s": wall, "peak_rss_mb": rss, "stages_s": ds.meta["seconds"]})
        npy = work / "base.npy"
        wall, rss, text = run_child([sys.executable, "-c", BASELINE, str(vectors_path), str(n), "same", str(npy)])
        same.append({"wall_s": wall, "peak_rss_mb": rss, "fit_s": json.loads(text)["fit_s"]})
    wall, rss, text = run_child(
        [sys.executable, "-c", BASELINE, str(vectors_path), str(n), "plain", str(work / "plain.npy")]
    )
    plain.append({"wall_s": wall, "peak_rss_mb": rss, "fit_s": json.loads(text)["fit_s"]})

    def med(runs: list[dict[str, Any]], key: str) -> float:
        return round(float(statistics.median(r[key] for r in runs)), 3)

    ours_reduce = statistics.median(r["stages_s"]["reduce"] for r in ours)
    stage_names = sorted({k for r in ours for k in r["stages_s"]})
    return {
        "points": len(ds),
        "repeats": repeats,
        "ours": {
            "backend": ds.meta["reduction"]["backend"],
            "neighbours": ds.meta["reduction"].get("neighbours"),
            "layout": ds.meta["reduction"].get("layout"),
            "wall_s_median": med(ours, "wall_s"),
            "first_run_cold_cache": {"wall_s": round(cold_wall, 3), "peak_rss_mb": round(cold_rss, 1)},
            "same_bytes_every_run": len(set(digests)) == 1,
            "output_digests": digests,
            "peak_rss_mb_median": med(ours, "peak_rss_mb"),
            "stages_s_median": {
                k: round(statistics.median(r["stages_s"].get(k, 0) for r in ours), 3) for k in stage_names
            },
            "trustworthiness_at_10_sample5k": _trust(vectors, ds.points),
            "runs": ours,
        },
        "umap_same_settings": {
            "settings": "UMAP(n_components=3, min_dist=0.05, n_neighbors=15, metric='cosine', random_state=42)",
            "wall_s_median": med(same, "wall_s"),
            "fit_s_median": med(same, "fit_s"),
            "peak_rss_mb_median": med(same, "peak_rss_mb"),
            "trustworthiness_at_10_sample5k": _trust(vectors, np.load(work / "base.npy")),
            "runs": same,
        },
        "umap_plain_defaults": {
            "settings": "UMAP(n_components=3, min_dist=0.05): euclidean, unseeded, parallel",
            "wall_s": round(plain[0]["wall_s"], 3),
            "fit_s": round(plain[0]["fit_s"], 3),
            "peak_rss_mb": round(plain[0]["peak_rss_mb"], 1),
            "trustworthiness_at_10_sample5k": _trust(vectors, np.load(work / "plain.npy")),
        },
        "overhead_ratio_wall": round(med(ours, "wall_s") / med(same, "wall_s"), 3),
        "ratio_wall_per_pair": [round(o["wall_s"] / s["wall_s"], 3) for o, s in zip(ours, same, strict=True)],
        "ratio_peak_rss": round(med(ours, "peak_rss_mb") / med(same, "peak_rss_mb"), 3),
        "overhead_ratio_reduce_vs_fit": round(ours_reduce / med(same, "fit_s"), 3),
    }


def bench_glove(corpus: Path, work: Path) -> dict[str, Any]:
    """Full default training (all cores) on the default corpus: time per epoch and wordsim353."""
    files = sorted(str(p) for p in corpus.glob("*.txt"))
    out = work / "glove.ds.tsv.gz"
    wall, rss, _ = run_child([sys.executable, "-m", "pipeline", "glove", *files, "--filter-profanity", "-o", str(out)])
    from explorer.core.dataset import read_meta

    meta = read_meta(out)
    return {
        "corpus_tokens": meta["source"]["tokens"],
        "vocabulary": meta["embedding"]["vocabulary"],
        "threads": meta["embedding"]["threads"],
        "epochs": meta["embedding"]["epochs"],
        "epoch_s_median": meta["embedding"]["epoch_seconds_median"],
        "stages_s": meta["seconds"],
        "wordsim353_spearman": meta["evaluation"]["wordsim353_spearman"],
        "wordsim353_pairs": meta["evaluation"]["wordsim353_pairs"],
        "wall_s": round(wall, 3),
        "peak_rss_mb": round(rss, 1),
    }


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "umap_learn": metadata.version("umap-learn"),
        "numpy": metadata.version("numpy"),
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m pipeline.benchmarks.commands", description=__doc__)
    p.add_argument("--vectors", type=Path, required=True, help="the default vectors (make data writes them)")
    p.add_argument("--corpus", type=Path, help="folder of the default corpus, for the GloVe figures")
    p.add_argument("--sizes", default="20000,66000", help="word counts to reduce (capped at the vocabulary)")
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--out", type=Path, default=Path("bench-results"))
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"machine": machine(), "vectors": {}}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for n in (int(s) for s in args.sizes.split(",")):
            print(f"vectors: {n} words …", file=sys.stderr, flush=True)
            entry = bench_vectors(args.vectors, n, args.repeats, work)
            result["vectors"][str(entry["points"])] = entry
            print(
                json.dumps({k: v for k, v in entry.items() if k not in ("ours", "umap_same_settings")}), file=sys.stderr
            )
        if args.corpus is not None:
            print("glove: default corpus …", file=sys.stderr, flush=True)
            result["glove"] = bench_glove(args.corpus, work)
    path = args.out / "pipeline.json"
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
