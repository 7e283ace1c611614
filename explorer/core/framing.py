"""Where the bulk of a cloud lies, whatever its units (pure).

Users' own coordinates come at any magnitude, from 1e-20 to 1e20, and
sometimes hold a stray point far from the rest. The overview, the flight
speed, the fog, the point size and the label distances follow the box of the
central 99% of the points on each axis, so one point at 1e7 among points of
unit scale no longer shrinks the cloud to a pixel. Outliers are still drawn
and can be flown to; :func:`far_outside` counts them for the HUD. All sums
are in float64: squares of 1e20 overflow float32.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BULK_SHARE = 0.99  # the central share of the points, on each axis, that the frame holds
FAR_DIAGONALS = 1.0  # "far outside": farther than this many frame diagonals from its centre
SAMPLE = 200_000  # quantiles of a large cloud come from an even sample of it


@dataclass(frozen=True)
class Frame:
    """The box of the bulk of a cloud, and how many points lie far outside it."""

    low: np.ndarray  # float64 [3]
    high: np.ndarray  # float64 [3]
    far_outside: int

    @property
    def centre(self) -> np.ndarray:
        centre: np.ndarray = (self.low + self.high) / 2
        return centre

    @property
    def diagonal(self) -> float:
        """The box's diagonal; never zero, so that a single point or a flat cloud still has a scale."""
        span = float(np.linalg.norm(self.high - self.low))
        if span > 0 and np.isfinite(span):
            return span
        size = float(np.abs(self.centre).max()) if len(self.centre) else 0.0
        return size * 1e-3 if size > 0 else 1.0


def frame_of(points: np.ndarray, share: float = BULK_SHARE) -> Frame:
    """The frame of ``points`` (N×3, any finite magnitude)."""
    if len(points) == 0:
        zero = np.zeros(3)
        return Frame(zero, zero.copy(), 0)
    sample = points[:: max(1, len(points) // SAMPLE)].astype(np.float64)
    tail = (1 - share) / 2
    low, high = np.quantile(sample, [tail, 1 - tail], axis=0)
    frame = Frame(low, high, 0)
    if not np.linalg.norm(high - low) > 0:  # one point, or all in one place: a box of the fallback's size
        half = frame.diagonal / (2 * np.sqrt(3))
        frame = Frame(low - half, high + half, 0)
    return Frame(frame.low, frame.high, far_outside(points, frame))


def far_outside(points: np.ndarray, frame: Frame) -> int:
    """Points farther than ``FAR_DIAGONALS`` frame diagonals from the frame's centre."""
    limit = FAR_DIAGONALS * frame.diagonal
    centre = frame.centre
    far = 0
    for start in range(0, len(points), 1 << 20):  # in blocks: no N×3 float64 copy of a large cloud
        block = points[start : start + (1 << 20)].astype(np.float64) - centre
        far += int((np.linalg.norm(block, axis=1) > limit).sum())
    return far
