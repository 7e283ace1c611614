"""Bigger clouds for benchmarks, grown from a real dataset: ``python -m explorer.benchmarks.synthetic``.

Each new point is a real point plus a small jitter, labelled with the real
word and a number, so density, clusters and label lengths stay realistic.
With ``--pictures PX`` each point also gets a picture of its own (a
thumbnails sidecar): an image dataset of any size.
"""

from __future__ import annotations

import dataclasses
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


def pictures(n: int, px: int, seed: int = 0) -> np.ndarray:
    """uint8 [n, px, px, 3]: a distinct picture per point (its own two colours, in its own stripes)."""
    rng = np.random.default_rng(seed)
    colours = rng.integers(0, 256, size=(n, 2, 3), dtype=np.uint8)
    period = 2 + np.arange(n) % max(px // 2, 2)
    stripes = (np.arange(px)[None, :] // period[:, None]) % 2  # [n, px]: which colour each column takes
    rows = np.take_along_axis(colours, np.repeat(stripes[:, :, None], 3, axis=2), axis=1)  # [n, px, 3]
    return np.ascontiguousarray(np.repeat(rows[:, None, :, :], px, axis=1))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    px = 0
    if len(args) == 5 and args[3] == "--pictures":
        px = int(args.pop())
        args.pop()
    if len(args) != 3:
        print("usage: python -m explorer.benchmarks.synthetic BASE.ds.tsv.gz N OUT.ds.tsv.gz [--pictures PX]",
              file=sys.stderr)  # fmt: skip
        return 2
    base, n, out = Path(args[0]), int(args[1]), Path(args[2])
    if out.exists():
        return 0
    dataset = grown(read_dataset(base, sidecars=False), n)
    if px:
        dataset = dataclasses.replace(dataset, thumbs=pictures(n, px))
    write_dataset(out, dataset)
    print(f"wrote {out} ({n:,} points)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
