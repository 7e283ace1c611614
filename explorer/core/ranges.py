"""Runs of consecutive positions and blocks of grid cells, made with NumPy alone (pure)."""

from __future__ import annotations

import numpy as np


def runs(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The positions ``start .. start + length - 1`` of every run, concatenated (int64)."""
    lengths = np.asarray(lengths, dtype=np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(lengths)
    offsets = np.repeat(np.asarray(starts, dtype=np.int64) - (ends - lengths), lengths)
    out: np.ndarray = np.arange(total, dtype=np.int64) + offsets
    return out


def blocks(first: np.ndarray, last: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """Every cell of each row's block of grid cells ``first .. last`` (inclusive, D axes; empty where last < first).

    Returns each cell's row and its D indices, the last axis varying fastest.
    """
    first = np.asarray(first, dtype=np.int64)
    extent = np.maximum(np.asarray(last, dtype=np.int64) - first + 1, 0)
    sizes = extent[:, 0].copy()
    for axis in range(1, extent.shape[1]):
        sizes *= extent[:, axis]
    which = np.repeat(np.arange(len(first)), sizes)
    t = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    indices = []
    for axis in range(first.shape[1] - 1, 0, -1):
        t, within = np.divmod(t, extent[:, axis].take(which))
        indices.append(first[:, axis].take(which) + within)
    indices.append(first[:, 0].take(which) + t)
    return which, tuple(indices[::-1])
