"""Thumbnails of image files: the pictures an image dataset's near points are drawn as (``NAME.ds.thumbs.npy``).

Each picture is fitted inside a square on black, so it keeps its aspect
ratio. An image that cannot be read gets a black square and a warning: a
dataset of a million pictures is not lost to one broken file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.report import Report

THUMB_PX = 48


def thumbnail(picture: Any, px: int = THUMB_PX) -> np.ndarray:
    """A ``px`` square: the picture (a PIL image) fitted inside, centred on black."""
    from PIL import Image

    small = picture.convert("RGB") if picture.mode != "RGB" else picture.copy()
    small.thumbnail((px, px), Image.Resampling.LANCZOS)
    square = Image.new("RGB", (px, px))
    square.paste(small, ((px - small.width) // 2, (px - small.height) // 2))
    return np.asarray(square, dtype=np.uint8)


def thumbnails_of(paths: Sequence[str], root: Path, px: int, report: Report) -> tuple[np.ndarray, list[str]]:
    """uint8 [N, px, px, 3] for image files (relative to ``root`` unless absolute), and those that failed."""
    from PIL import Image, UnidentifiedImageError

    out = np.zeros((len(paths), px, px, 3), dtype=np.uint8)
    failed: list[str] = []
    with report.stage("thumbnails", f"{len(paths):,} thumbnails, {px} px", len(paths)) as advance:
        for i, name in enumerate(paths):
            path = Path(name) if Path(name).is_absolute() else root / name
            try:
                with Image.open(path) as picture:
                    out[i] = thumbnail(picture, px)
            except (OSError, UnidentifiedImageError, ValueError) as exc:
                failed.append(str(name))
                report.note(f"warning: {path}: no thumbnail, not a readable image ({exc.__class__.__name__})")
            advance(1)
    return out, failed
