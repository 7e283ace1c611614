"""Reading a large Parquet file of embeddings: ours against pyarrow and NumPy alone (``make bench-tables``).

The file is 1M rows × 384 float32 (a fixed-size list column, as sentence
encoders write them) and a label column, written in row groups of 131,072
rows. Each read is a fresh process, ours and the baseline interleaved, so
that peak RSS belongs to that read alone and drift hits both sides. The
baseline is what a user would write with pyarrow: ``read_table``, then the
vector column as one NumPy array and the labels as Python strings.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

from pipeline.benchmarks.commands import run_child

BASELINE = r"""
import json, sys, time
import pyarrow.parquet as pq
start = time.perf_counter()
table = pq.read_table(sys.argv[1])
column = table.column("embedding").combine_chunks()
vectors = column.flatten().to_numpy().reshape(len(column), -1)
labels = table.column("label").to_pylist()
print(json.dumps({"read_s": time.perf_counter() - start, "rows": len(vectors), "dim": vectors.shape[1]}))
"""

OURS = r"""
import json, sys, time
from pathlib import Path
from pipeline.embeddings import read_embeddings
start = time.perf_counter()
embeddings = read_embeddings(Path(sys.argv[1]))
vectors = embeddings.vectors
print(json.dumps({"read_s": time.perf_counter() - start, "rows": len(vectors), "dim": vectors.shape[1]}))
"""


def write_file(path: Path, rows: int, dim: int, chunk: int = 131_072) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(0)
    schema = pa.schema([("label", pa.string()), ("embedding", pa.list_(pa.float32(), dim))])
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            values = pa.array(rng.standard_normal(n * dim, dtype=np.float32))
            writer.write_table(pa.table({"label": [f"item {i}" for i in range(start, start + n)],
                                         "embedding": pa.FixedSizeListArray.from_arrays(values, dim)},
                                        schema=schema))  # fmt: skip


def bench(path: Path, repeats: int) -> dict[str, Any]:
    runs: dict[str, list[dict[str, float]]] = {"ours": [], "baseline": []}
    for _ in range(repeats):
        for side, code in (("ours", OURS), ("baseline", BASELINE)):
            wall, rss, out = run_child([sys.executable, "-c", code, str(path)])
            runs[side].append({"wall_s": wall, "peak_rss_mb": rss, **json.loads(out)})

    def median(side: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[side])

    return {
        "file": str(path),
        "file_mb": round(path.stat().st_size / 1e6, 1),
        "repeats": repeats,
        "runs": runs,
        "read_s_median": {side: round(median(side, "read_s"), 3) for side in runs},
        "peak_rss_mb_median": {side: round(median(side, "peak_rss_mb"), 1) for side in runs},
        "read_ratio": round(median("ours", "read_s") / median("baseline", "read_s"), 3),
        "wall_ratio": round(median("ours", "wall_s") / median("baseline", "wall_s"), 3),
        "peak_rss_ratio": round(median("ours", "peak_rss_mb") / median("baseline", "peak_rss_mb"), 3),
        "target": "ours <= 1.2x the baseline in time and in peak RSS",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--file", type=Path, default=Path("bench-results/embeddings-1M-384.parquet"))
    parser.add_argument("--out", type=Path, default=Path("bench-results/tables-read.json"))
    args = parser.parse_args(argv)
    args.file.parent.mkdir(parents=True, exist_ok=True)
    if not args.file.exists():
        write_file(args.file, args.rows, args.dim)
    result = bench(args.file, args.repeats)
    text = json.dumps(result, indent=2)
    args.out.write_text(text + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "runs"}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
