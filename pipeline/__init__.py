"""Flythrough pipeline: turn corpora, vectors or embeddings into 3D datasets.

From Python: ``from pipeline import build, write_dataset`` (see :mod:`pipeline.api`).
They load on first use, so that the command line parses its arguments before
anything heavy is imported.
"""

from __future__ import annotations

from typing import Any

__all__ = ["build", "write_dataset"]


def __getattr__(name: str) -> Any:
    if name == "build":
        from pipeline.api import build

        return build
    if name == "write_dataset":
        from explorer.core.dataset import write_dataset

        return write_dataset
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
