"""Bundled picture worlds, built from data that packages ship: ``python -m pipeline.worlds digits OUT``.

- ``digits``: scikit-learn's 1,797 handwritten digits (8×8 pixels, 16 grey
  levels), placed by their pixels with UMAP and grouped by digit: where do the
  1s and the 7s meet? Each point's picture is its digit, dark ink on white.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from explorer.core.dataset import Dataset, write_dataset
from pipeline.api import build

THUMB_PX = 24  # the 8x8 digits hold no more: the explorer smooths them as it enlarges them


def digit_pictures(images: np.ndarray, px: int = THUMB_PX) -> np.ndarray:
    """uint8 [N, px, px, 3]: each 8×8 digit (0 to 16) enlarged smoothly, dark ink on white paper."""
    from PIL import Image

    ink = np.clip(np.asarray(images, dtype=np.float64) / 16.0, 0.0, 1.0)
    paper = np.rint(255 * (1.0 - ink)).astype(np.uint8)
    big = [np.asarray(Image.fromarray(p, mode="L").resize((px, px), Image.Resampling.BICUBIC)) for p in paper]
    return np.repeat(np.stack(big)[..., None], 3, axis=3)


def digits(*, seed: int = 42) -> Dataset:
    """The digits world: by pixels, grouped by digit, each point drawn as its digit."""
    from sklearn.datasets import load_digits

    data = load_digits()
    labels = [f"digit {int(t)} · #{i}" for i, t in enumerate(data.target)]
    groups = [str(int(t)) for t in data.target]
    dataset = build(data.data / 16.0, labels=labels, groups=groups, thumbs=digit_pictures(data.images),
                    metric="euclidean", seed=seed, regions=False)  # fmt: skip
    meta = dict(dataset.meta)
    meta["source"] = {"kind": "scikit-learn digits (load_digits)", "files": [], "licence": "CC BY 4.0 (UCI)"}
    return Dataset(dataset.labels, dataset.points, dataset.groups, meta, dataset.knn, thumbs=dataset.thumbs)


WORLDS = {"digits": digits}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] not in WORLDS:
        print(f"usage: python -m pipeline.worlds {{{','.join(WORLDS)}}} OUT.ds.tsv.gz", file=sys.stderr)
        return 2
    out = Path(args[1])
    write_dataset(out, WORLDS[args[0]]())
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
