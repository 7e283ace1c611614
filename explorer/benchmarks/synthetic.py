"""Bigger clouds for benchmarks, grown from a real dataset: ``python -m explorer.benchmarks.synthetic``.

Each new point is a real point plus a small jitter, labelled with the real
word and a number, so density, clusters and label lengths stay realistic.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from explorer.core.dataset import Dataset, read_dataset, write_dataset


def grown(base: Dataset, n: int, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    source = rng.integers(0, len(base), n)
    low, high = base.bounds()
    jitter = float(np.linalg.norm(high - low)) * 0.004
    points = base.points[source] + rng.normal(scale=jitter, size=(n, 3)).astype(np.float32)
    copy = np.arange(n) // len(base)
    labels = np.array(
        [f"{base.labels[s]}{'' if c == 0 else c}" for s, c in zip(source, copy, strict=True)], dtype=object
    )
    groups = base.groups[source] if base.groups is not None else None
    return Dataset(labels=labels, points=points.astype(np.float32), groups=groups)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3:
        print("usage: python -m explorer.benchmarks.synthetic BASE.ds.tsv.gz N OUT.ds.tsv.gz", file=sys.stderr)
        return 2
    base, n, out = Path(args[0]), int(args[1]), Path(args[2])
    if out.exists():
        return 0
    write_dataset(out, grown(read_dataset(base, sidecars=False), n))
    print(f"wrote {out} ({n:,} points)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
