"""UMAP backends side by side on the same synthetic data: ``python -m pipeline.benchmarks.backends``.

Clustered 50-d points (seeded), reduced to 3D by each backend asked for,
with the wall time, the stage times and trustworthiness@10 on a sample.
Every backend sees the same vectors in the same run, so the ratios hold on
a noisy machine. Writes JSON.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np


def clustered(n: int, dim: int = 50, clusters: int = 50, seed: int = 0) -> np.ndarray:
    """Gaussian blobs of uneven size around random centres: UMAP has structure to find."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim)) * 4
    weights = rng.dirichlet(np.full(clusters, 2.0))
    which = rng.choice(clusters, size=n, p=weights)
    return (centres[which] + rng.normal(size=(n, dim))).astype(np.float32)


def device_name() -> str:
    try:
        import torch

        if torch.cuda.is_available():
            return torch.cuda.get_device_name(0)
    except ImportError:
        pass
    return f"CPU ({platform.processor() or platform.machine()})"


def run(sizes: list[int], backends: list[str], metric: str) -> list[dict[str, Any]]:
    from pipeline.evaluate import trustworthiness
    from pipeline.reduce import ReduceSettings, reduce

    results = []
    for n in sizes:
        vectors = clustered(n)
        for backend in backends:
            start = time.perf_counter()
            reduction = reduce(vectors, ReduceSettings(backend=backend, metric=metric, knn=10))
            seconds = time.perf_counter() - start
            trust = trustworthiness(vectors, reduction.points, sample=5000, metric=metric)
            row = {
                "points": n,
                "backend": backend,
                "seconds": round(seconds, 2),
                "stages": {k: round(v, 2) for k, v in reduction.seconds.items()},
                "trustworthiness_at_10": round(trust, 4),
            }
            print(json.dumps(row), flush=True)
            results.append(row)
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m pipeline.benchmarks.backends", description=__doc__)
    p.add_argument("--sizes", default="20000", help="comma-separated point counts (default 20000)")
    p.add_argument(
        "--backends",
        default="umap-learn,umap-parallel,torchdr",
        help="comma-separated (default umap-learn,umap-parallel,torchdr)",
    )
    p.add_argument("--metric", default="cosine", help="distance in the original space (default cosine)")
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    backends = args.backends.split(",")
    results = run(sizes, backends, args.metric)
    report = {"device": device_name(), "metric": args.metric, "dimensions": 50, "results": results}
    for n in sizes:
        base = next((r for r in results if r["points"] == n and r["backend"] == "umap-learn"), None)
        for r in results:
            if base is not None and r["points"] == n and r is not base:
                r["time_vs_umap_learn"] = round(r["seconds"] / base["seconds"], 3)
    text = json.dumps(report, indent=2)
    print(text)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
