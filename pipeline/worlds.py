"""Bundled picture worlds, built from data that packages ship: ``python -m pipeline.worlds WORLD OUT [INPUTS]``.

- ``digits``: scikit-learn's 1,797 handwritten digits (8×8 pixels, 16 grey
  levels), placed by their pixels with UMAP and grouped by digit: where do the
  1s and the 7s meet? Each point's picture is its digit, dark ink on white.
- ``emoji TWEMOJI.tgz VECTORS``: the Twemoji pictures (the npm package
  ``@discordapp/twemoji``, CC-BY 4.0), each placed by the GloVe vector of its
  Unicode name (the mean of its words' vectors, from the English world's own
  vectors): the animals, the foods and the faces gather. A bridge between the
  words and the pictures.
"""

from __future__ import annotations

import re
import sys
import tarfile
import unicodedata
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np

from explorer.core.dataset import Dataset, write_dataset
from pipeline.api import build
from pipeline.errors import PipelineError

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
    return replace(dataset, meta=meta)


EMOJI_PX = 48  # Twemoji are drawn on a 36-unit grid: 48 px keeps their strokes sharp near the camera
VARIATION = 0xFE0F  # "show as emoji": dropped, so that U+2764 U+FE0F is the one codepoint U+2764
SVG_NAME = re.compile(r"(?:^|/)([0-9a-f]{4,6}(?:-[0-9a-f]{4,6})*)\.svg$")


def emoji_svgs(package: Path) -> Iterator[tuple[str, bytes]]:
    """(character, SVG) for each single-codepoint emoji of a Twemoji package (its npm .tgz or unpacked folder).

    Sequences (skin tones, families, flags, keycaps) are left out: they have no
    Unicode name of their own to place them by.
    """
    if package.is_dir():
        files = sorted(package.rglob("*.svg"))
        for path in files:
            character = _single_codepoint(path.name)
            if character is not None:
                yield character, path.read_bytes()
        return
    if not tarfile.is_tarfile(package):
        raise PipelineError(f"{package}: not a Twemoji package (an npm .tgz) nor a folder of SVGs")
    with tarfile.open(package, "r:*") as archive:
        for member in sorted(archive.getmembers(), key=lambda m: m.name):
            character = _single_codepoint(member.name) if member.isfile() else None
            data = archive.extractfile(member) if character is not None else None
            if character is not None and data is not None:
                yield character, data.read()


def _single_codepoint(name: str) -> str | None:
    match = SVG_NAME.search(name)
    if match is None:
        return None
    codes = [int(part, 16) for part in match.group(1).split("-") if int(part, 16) != VARIATION]
    return chr(codes[0]) if len(codes) == 1 else None


def render_svg(svg: bytes, px: int) -> np.ndarray | None:
    """uint8 [px, px, 3]: the SVG drawn to fill the square, on black; None where Qt cannot read it."""
    from PyQt6.QtCore import QByteArray, QRectF
    from PyQt6.QtGui import QColor, QImage, QPainter
    from PyQt6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(QByteArray(svg))
    if not renderer.isValid():
        return None
    image = QImage(px, px, QImage.Format.Format_RGB888)
    image.fill(QColor(0, 0, 0))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, px, px))
    painter.end()
    row = image.bytesPerLine()
    pixels = np.frombuffer(image.constBits().asstring(row * px), dtype=np.uint8).reshape(px, row)
    return pixels[:, : px * 3].reshape(px, px, 3).copy()


# Pictures that are rude where their names are not: the rude-word rule reads the label ("reversed hand with
# middle finger extended" has no rude word), so these are left out of the world, picture and all. It is a world
# for children, shown in kiosk mode.
RUDE_PICTURES = frozenset({"\N{REVERSED HAND WITH MIDDLE FINGER EXTENDED}"})

NAME_STOPWORDS = frozenset({"a", "an", "and", "at", "for", "in", "of", "on", "or", "the", "to", "with"})


def name_words(character: str) -> list[str]:
    """The words of an emoji's Unicode name, lower case ("DOG FACE" -> ["dog", "face"]); [] where it has none."""
    return [w for w in re.split(r"[^a-z]+", unicodedata.name(character, "").lower()) if w]


def meaning_words(character: str) -> list[str]:
    """The name's words that carry its meaning: "EAR OF MAIZE" is placed by "ear" and "maize", not "of"."""
    return [w for w in name_words(character) if w not in NAME_STOPWORDS]


def emoji(package: Path, vectors_path: Path, *, px: int = EMOJI_PX, seed: int = 42) -> Dataset:
    """The emoji world: each emoji placed by the mean GloVe vector of its name's words.

    An emoji is left out when no word of its name is in the vectors, when Qt
    cannot draw its SVG, or when its picture is a rude gesture
    (``RUDE_PICTURES``); those kept are labelled by their name ("dog face").
    """
    from pipeline.glove import read_vectors

    found = [(character, svg) for character, svg in emoji_svgs(package) if character not in RUDE_PICTURES]
    if not found:
        raise PipelineError(f"{package}: no single-codepoint emoji SVGs found")
    wanted = {w for character, _ in found for w in meaning_words(character)}
    words, vectors = read_vectors(vectors_path, keep=wanted.__contains__)
    row_of = {w: i for i, w in enumerate(words)}
    labels: list[str] = []
    rows: list[np.ndarray] = []
    pictures: list[np.ndarray] = []
    for character, svg in found:
        known = [row_of[w] for w in meaning_words(character) if w in row_of]
        picture = render_svg(svg, px) if known else None
        if picture is None:
            continue
        labels.append(" ".join(name_words(character)))
        rows.append(vectors[known].mean(axis=0))
        pictures.append(picture)
    if len(labels) < 10:
        raise PipelineError(f"{vectors_path}: only {len(labels)} emoji names have vectors; is it English GloVe?")
    dataset = build(np.stack(rows), labels=labels, thumbs=np.stack(pictures), filter_profanity=True, seed=seed,
                    regions=True)  # fmt: skip
    meta = dict(dataset.meta)
    meta["source"] = {"kind": "Twemoji (npm @discordapp/twemoji), placed by GloVe vectors of their Unicode names",
                      "files": [package.name, vectors_path.name], "licence": "CC-BY 4.0 (graphics)",
                      "emoji_found": len(found), "emoji_kept": len(labels)}  # fmt: skip
    return replace(dataset, meta=meta)


USAGE = "usage: python -m pipeline.worlds digits OUT.ds.tsv.gz | emoji OUT.ds.tsv.gz TWEMOJI.tgz VECTORS.txt"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2 or (args[0], len(args)) not in {("digits", 2), ("emoji", 4)}:
        print(USAGE, file=sys.stderr)
        return 2
    out = Path(args[1])
    try:
        world = digits() if args[0] == "digits" else emoji(Path(args[2]), Path(args[3]))
    except (PipelineError, OSError) as exc:
        print(f"flythrough-pipeline: error: {exc}", file=sys.stderr)
        return 2
    write_dataset(out, world)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
