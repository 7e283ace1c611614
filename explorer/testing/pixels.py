"""What a real VTK window drew, read back for tests: the depth buffer (test support, never imported at run time)."""

from __future__ import annotations

import numpy as np
from vtkmodules.util.numpy_support import vtk_to_numpy
from vtkmodules.vtkCommonCore import vtkFloatArray
from vtkmodules.vtkRenderingCore import vtkRenderWindow


def depth_buffer(render_window: vtkRenderWindow) -> np.ndarray:
    """The window's depth buffer, top row first; 1.0 where nothing was drawn."""
    width, height = render_window.GetSize()
    values = vtkFloatArray()
    render_window.GetZbufferData(0, 0, width - 1, height - 1, values)
    return vtk_to_numpy(values).reshape(height, width)[::-1].copy()
