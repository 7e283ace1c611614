"""The small interface that tools attach to a window through (Qt adapter).

The research panels and the kiosk are built around a window, not inside it:
they use only what :class:`Host` lists, so the window can change within
these lines without breaking them. ``FlythroughWindow`` is the one host.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np
from PyQt6.QtCore import Qt, pyqtBoundSignal
from PyQt6.QtGui import QAction, QKeySequence
from PyQt6.QtWidgets import QDockWidget, QMenu
from vtkmodules.qt.QVTKRenderWindowInteractor import QVTKRenderWindowInteractor
from vtkmodules.vtkRenderingCore import vtkRenderWindow

from explorer.core.camera import FlyCamera
from explorer.core.dataset import Dataset
from explorer.core.flight import ScriptedFlight
from explorer.render.scene import Scene
from explorer.ui.help_card import Rows


class Host(Protocol):
    """What a tool may use of the window it is attached to."""

    scene: Scene
    camera: FlyCamera
    dataset: Dataset | None
    dataset_path: Path | None
    vtk_widget: QVTKRenderWindowInteractor
    render_window: vtkRenderWindow

    @property
    def dataset_shown(self) -> pyqtBoundSignal: ...  # (Dataset) a dataset is now on screen

    @property
    def clicked(self) -> pyqtBoundSignal: ...  # (x, y) a click, not a drag, on the view

    @property
    def closing(self) -> pyqtBoundSignal: ...  # the window is about to close

    def request_render(self) -> None: ...

    def fly(self, flight: ScriptedFlight) -> None: ...
    def fly_towards(self, target: np.ndarray, distance: float) -> None: ...
    def fly_to_region(self, centre: tuple[float, float, float], radius: float) -> None: ...

    def add_menu(self, title: str) -> QMenu: ...

    def menu(self, title: str) -> QMenu: ...

    def add_action(
        self, menu: str, text: str, slot: Callable[[], object], shortcut: str | QKeySequence.StandardKey | None = None
    ) -> QAction: ...

    def add_pad_handler(self, handler: Callable[[str], bool]) -> None: ...

    def add_help_section(self, title: str, rows: Rows) -> None: ...

    def show_status(self, text: str, ms: int = 0) -> None: ...

    def addDockWidget(self, area: Qt.DockWidgetArea, dockwidget: QDockWidget | None) -> None: ...
