"""Points are drawn as round discs with a soft rim, not squares (real VTK under Xvfb)."""

from __future__ import annotations

import numpy as np

from explorer.core.camera import FlyCamera
from explorer.core.colors import BACKGROUND
from explorer.core.dataset import Dataset
from explorer.core.picking import screen_xy
from explorer.testing.pixels import depth_buffer
from explorer.ui.window import FlythroughWindow


def test_a_near_point_is_a_disc_its_square_corners_stay_background(qtbot, isolated_settings) -> None:  # type: ignore[no-untyped-def]
    window = FlythroughWindow(label_budget=0, point_size=20, drive_frames=False)  # at most 40 px across
    qtbot.addWidget(window)
    window.resize(800, 600)
    window.show()
    qtbot.waitExposed(window)
    window.fit_view((800, 600))
    qtbot.wait(50)
    window.scene.overlay.PreserveDepthBufferOn()
    points = np.array([[3.0, 0.0, 0.0], [-300.0, 60.0, 60.0], [-300.0, -60.0, -60.0]], dtype=np.float32)
    window.show_dataset(Dataset(labels=np.array(["near", "a", "b"], dtype=object), points=points))
    camera: FlyCamera = window.camera
    camera.position, camera.yaw, camera.pitch = np.zeros(3), 0.0, 0.0
    camera.stop()
    pixels = window.view_pixels().astype(float)
    depths = depth_buffer(window.render_window)
    width, height = window.render_window.GetSize()
    x, y, _ = screen_xy(window.scene.view(camera, width, height), points[:1])
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
