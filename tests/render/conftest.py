"""A bare window for reading back what GL drew: 800x600, no labels, the cloud's depths kept."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

from explorer.core.dataset import Dataset
from explorer.core.picking import screen_xy
from explorer.testing.pixels import depth_buffer
from explorer.ui.window import FlythroughWindow


@pytest.fixture
def bare_window(qtbot, isolated_settings) -> Callable[..., FlythroughWindow]:  # type: ignore[no-untyped-def]
    def make(**options: float) -> FlythroughWindow:
        window = FlythroughWindow(label_budget=0, drive_frames=False, **options)  # type: ignore[arg-type]
        qtbot.addWidget(window)
        window.resize(800, 600)
        window.show()
        qtbot.waitExposed(window)
        window.fit_view((800, 600))
        qtbot.wait(50)
        window.scene.overlay.PreserveDepthBufferOn()  # the text layer would clear the cloud's depths
        return window

    return make


@dataclass
class Snapshot:
    """What one frame drew, looking from the origin along +x: pixels, depths, and where given points fall."""

    pixels: np.ndarray  # float RGB, top row first
    depths: np.ndarray  # 1.0 where nothing was drawn
    x: np.ndarray  # pixel column of each point asked about
    y: np.ndarray  # pixel row


@pytest.fixture
def snapshot() -> Callable[[FlythroughWindow, Dataset, np.ndarray], Snapshot]:
    def take(window: FlythroughWindow, dataset: Dataset, points: np.ndarray) -> Snapshot:
        window.show_dataset(dataset)
        camera = window.camera
        camera.position, camera.yaw, camera.pitch = np.zeros(3), 0.0, 0.0
        camera.stop()
        pixels = window.view_pixels().astype(float)
        depths = depth_buffer(window.render_window)
        width, height = window.render_window.GetSize()
        x, y, _ = screen_xy(window.scene.view(camera, width, height), points)
        return Snapshot(pixels, depths, x, y)

    return take
