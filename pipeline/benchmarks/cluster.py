"""One process against a Dask cluster on the same vectors: ``python -m pipeline.benchmarks.cluster``.

Clustered 50-d points (the backends benchmark's, seeded) are reduced to 3D
twice in the same run: in this process alone (``--backend auto``: umap-parallel
on a CPU), and with
``--dask local:N`` semantics (fitted on ``--fit-sample`` points on one
worker, the rest placed by ``transform`` across the workers). Each gets its
wall time, its stage times and trustworthiness@10 on a sample. The cluster's
per-task throughput (points placed a second by one worker; the exact kNN's
pairs a second) feeds a model of time against workers for 10M and 100M
points. Writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

from pipeline.benchmarks.backends import clustered

MODEL_SIZES = (10_000_000, 100_000_000)
MODEL_WORKERS = (2, 8, 32, 128)


def scaling_model(fit_s: float, placed_per_worker_s: float, fit_sample: int, points: int, workers: int) -> float:
    """Seconds for ``points`` on ``workers``: the fit on one worker (fixed), then the rest placed in parallel."""
    return fit_s + (points - fit_sample) / (placed_per_worker_s * workers)


def run(points: int, workers: int, fit_sample: int, knn: int) -> dict[str, Any]:
    from pipeline.cluster import connect
    from pipeline.reduce import ReduceSettings, reduce
    from pipeline.report import Report

    vectors = clustered(points)
    settings = ReduceSettings(knn=knn, fit_sample=fit_sample)
    result: dict[str, Any] = {"points": points, "dimensions": int(vectors.shape[1]), "fit_sample": fit_sample,
                              "knn": knn, "cores": os.cpu_count(), "runs": {}}  # fmt: skip
    start = time.perf_counter()
    alone = reduce(vectors, settings)
    result["runs"]["one_process"] = _record(time.perf_counter() - start, alone.seconds, vectors, alone.points)
    result["runs"]["one_process"]["backend"] = alone.backend
    with connect(f"local:{workers}", Report()) as cluster:
        start = time.perf_counter()
        spread = reduce(vectors, settings, cluster=cluster)
        result["runs"][f"dask_local_{workers}"] = _record(time.perf_counter() - start, spread.seconds, vectors,
                                                          spread.points)  # fmt: skip
    one, many = result["runs"]["one_process"]["seconds"], result["runs"][f"dask_local_{workers}"]["seconds"]
    result["dask_over_one_process"] = round(many / one, 3)
    placed = points - fit_sample
    if placed > 0:
        per_worker = placed / (spread.seconds["umap_transform"] * workers)
        result["placed_per_worker_second"] = round(per_worker, 1)
        result["scaling_model_seconds"] = {
            str(n): {str(w): round(scaling_model(spread.seconds["umap_fit"], per_worker, fit_sample, n, w))
                     for w in MODEL_WORKERS}
            for n in MODEL_SIZES
        }  # fmt: skip
    return result


def _record(seconds: float, stages: dict[str, float], vectors: Any, points: Any) -> dict[str, Any]:
    from pipeline.evaluate import trustworthiness

    return {
        "seconds": round(seconds, 1),
        "stages": {k: round(v, 1) for k, v in stages.items()},
        "trustworthiness_at_10": round(trustworthiness(vectors, points, sample=5000, metric="cosine"), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--fit-sample", type=int, default=200_000)
    parser.add_argument("--knn", type=int, default=0, help="the sidecar's neighbours (0: none, as at 1M the exact "
                        "kNN costs every pair)")  # fmt: skip
    parser.add_argument("--json", type=Path, default=Path("bench-results/cluster.json"))
    args = parser.parse_args()
    result = run(args.points, args.workers, args.fit_sample, args.knn)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
