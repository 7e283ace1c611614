"""Points are drawn as round discs with a soft rim, not squares (real VTK under Xvfb)."""

from __future__ import annotations

import numpy as np

from explorer.core.colors import BACKGROUND
from explorer.core.dataset import Dataset


def test_a_near_point_is_a_disc_its_square_corners_stay_background(bare_window, snapshot) -> None:  # type: ignore[no-untyped-def]
    window = bare_window(point_size=20, point_budget=0)  # at most 40 px across
    points = np.array([[3.0, 0.0, 0.0], [-300.0, 60.0, 60.0], [-300.0, -60.0, -60.0]], dtype=np.float32)
    shot = snapshot(window, Dataset(labels=np.array(["near", "a", "b"], dtype=object), points=points), points[:1])
    pixels, depths, x, y = shot.pixels, shot.depths, shot.x, shot.y
    cx, cy = int(round(float(x[0]))), int(round(float(y[0])))
    lit = np.abs(pixels - np.array(BACKGROUND) * 255).sum(axis=2) > 60
    square = lit[cy - 25 : cy + 26, cx - 25 : cx + 26]
    across = int(square[25].sum())
    assert 34 <= across <= 42  # the full size across its middle
    assert lit[cy, cx] and lit[cy, cx + 12] and lit[cy - 12, cx]
    for dx, dy in ((16, 16), (-16, 16), (16, -16), (-16, -16)):  # inside the 40-px square, outside the disc
        assert not lit[cy + dy, cx + dx], (dx, dy)
        assert depths[cy + dy, cx + dx] == 1.0  # discarded: no depth written there either
    assert 0.70 < square.sum() / across**2 < 0.85  # pi / 4 of the square
    # The rim is soft: it darkens toward the background before the edge.
    centre = pixels[cy, cx].sum()
    edge = cx + int(np.argmin(lit[cy, cx:])) - 1  # the last lit pixel right of the centre
    assert pixels[cy, edge].sum() < 0.75 * centre
