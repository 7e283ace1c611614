"""Rasterise single glyphs with Qt's text engine (Qt adapter).

Qt falls back across installed fonts per character, so one call draws Latin,
Cyrillic, CJK or a colour emoji alike. Needs a QGuiApplication.
"""

from __future__ import annotations

import unicodedata

import numpy as np
from PyQt6.QtCore import QPointF, Qt
from PyQt6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPainterPath, QPen

FONT_FAMILIES = ["DejaVu Sans", "Noto Sans", "Noto Sans CJK SC", "Noto Color Emoji"]
HALO_PX = 1.5


class GlyphRasteriser:
    """Draws one glyph, white on transparent, into a square cell of ``cell_px``."""

    def __init__(self, cell_px: int = 32) -> None:
        self.cell_px = cell_px
        self.text_px = round(cell_px * 0.6)  # font pixel size: room for ascenders and wide glyphs
        self.font = QFont()
        self.font.setFamilies(FONT_FAMILIES)
        self.font.setPixelSize(self.text_px)
        self.font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
        self.metrics = QFontMetricsF(self.font)
        descent_px = self.metrics.descent() + 1.0
        self.baseline_px = cell_px - descent_px  # image row of the baseline, from the top
        self.descent = descent_px / self.text_px  # cell bottom below the baseline, in text heights
        # Quads are cropped to the rows that hold ink: empty texels cost fragments too.
        self.top_px = max(0.0, self.baseline_px - self.metrics.ascent() - 1.0)
        self.ascent = (self.baseline_px - self.top_px) / self.text_px

    def _draw(self, glyph: str, *, outlined: bool) -> QImage:
        """The glyph in a fresh cell, with a dark halo when ``outlined``."""
        image = QImage(self.cell_px, self.cell_px, QImage.Format.Format_RGBA8888)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        origin = QPointF(HALO_PX, self.baseline_px)
        if outlined:
            outline = QPainterPath()
            outline.addText(origin, self.font, glyph)
            # A dark halo keeps light text readable over bright points, in the same quad.
            painter.strokePath(outline, QPen(QColor(0, 0, 0, 235), 2 * HALO_PX))
            painter.fillPath(outline, QColor(255, 255, 255))
        else:
            painter.setFont(self.font)
            painter.drawText(origin, glyph)
        painter.end()
        return image

    def rasterise(self, glyph: str) -> tuple[np.ndarray, float]:
        """(RGBA uint8 [cell, cell, 4], advance in text heights)."""
        image = self._draw(glyph, outlined=not _pictographic(glyph))
        size = self.cell_px
        bits = image.constBits()
        bits.setsize(image.sizeInBytes())
        rows = np.frombuffer(bits.asstring(), dtype=np.uint8).reshape(size, image.bytesPerLine())
        rgba = rows[:, : size * 4].reshape(size, size, 4).copy()
        # Fully transparent texels take the halo's colour, so mipmaps blend toward the halo.
        rgba[rgba[:, :, 3] == 0, :3] = 0
        advance = min(self.metrics.horizontalAdvance(glyph), size - 1.0) / self.text_px
        return rgba, advance


def _pictographic(glyph: str) -> bool:
    """Emoji and pictographs come from colour bitmap fonts, which have no outline to halo.

    Asking Qt for their outline even once makes it fall back to a font without
    them, so decide from the code point instead.
    """
    return unicodedata.category(glyph) == "So" and ord(glyph) >= 0x2190
