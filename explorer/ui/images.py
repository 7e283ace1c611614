"""RGB arrays as Qt pictures: previews, thumbnails (Qt adapter)."""

from __future__ import annotations

import numpy as np
from PyQt6.QtGui import QImage, QPixmap


def pixmap_of(rgb: np.ndarray) -> QPixmap:
    """A QPixmap holding its own copy of an RGB uint8 ``[H, W, 3]`` array."""
    data = np.ascontiguousarray(rgb, dtype=np.uint8)
    height, width = data.shape[:2]
    image = QImage(data.tobytes(), width, height, 3 * width, QImage.Format.Format_RGB888)
    return QPixmap.fromImage(image.copy())  # the copy owns its pixels; the bytes may go
