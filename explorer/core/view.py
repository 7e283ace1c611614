"""What a frame sees: the camera's pose and field of view, and the window's size in pixels (pure)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class View:
    """The camera and the window, as the label picker, picking and the level of detail need them."""

    position: np.ndarray
    forward: np.ndarray
    right: np.ndarray
    up: np.ndarray
    fov_deg: float
    width_px: int
    height_px: int

    @property
    def tan_half_fov(self) -> float:
        return math.tan(math.radians(self.fov_deg) / 2)

    @property
    def aspect(self) -> float:
        return self.width_px / max(self.height_px, 1)

    @property
    def basis(self) -> np.ndarray:
        """3 x 3: a world offset times this gives camera coordinates (right, up, forward)."""
        return np.column_stack((self.right, self.up, self.forward))
