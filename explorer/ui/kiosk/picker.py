"""The kiosk's start screen: a card per dataset with a preview, chosen by pad or keyboard (Qt adapter)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PyQt6.QtCore import QObject, Qt, QThread, pyqtSignal
from PyQt6.QtGui import QKeyEvent
from PyQt6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from explorer.core.dataset import Dataset, DatasetError, dataset_base, read_dataset, read_meta
from explorer.core.preview import render_preview
from explorer.ui.images import pixmap_of

log = logging.getLogger("flythrough.kiosk")

PICKER_COLUMNS = 3


@dataclass
class Entry:
    """One dataset on the picker: what its meta says until the file itself has been read."""

    path: Path
    name: str
    points: int | None
    groups: int

    @classmethod
    def of(cls, path: Path) -> Entry:
        try:
            meta = read_meta(path)
        except DatasetError as exc:
            log.warning("%s", exc)
            meta = {}
        points = meta.get("counts", {}).get("points") if isinstance(meta.get("counts"), dict) else None
        groups = meta["groups"] if isinstance(meta.get("groups"), dict) else {}
        name = dataset_base(path).name.removesuffix(".ds")
        return cls(path, str(meta.get("name") or name), points, len(groups))

    @property
    def caption(self) -> str:
        points = f"{self.points:,} words" if self.points is not None else "…"
        return points + (f"  ·  {self.groups} groups" if self.groups else "")


class PreviewLoader(QThread):
    """Reads each dataset once, off the UI thread, and draws its preview.

    ``check``, when given, also runs here on each dataset read, and its result
    arrives as ``checked``: the kiosk checks every world's labels this way while
    the picker shows, so that no check competes with a world switch later.
    """

    ready = pyqtSignal(int, object, int, int)  # index, RGB array, points, groups
    checked = pyqtSignal(int, object)  # index, what check returned
    failed = pyqtSignal(int, str)

    def __init__(
        self,
        paths: list[Path],
        parent: QObject | None = None,
        *,
        check: Callable[[Path, Dataset], object] | None = None,
    ) -> None:
        super().__init__(parent)
        self.paths = paths
        self.check = check

    def run(self) -> None:
        for i, path in enumerate(self.paths):
            if self.isInterruptionRequested():
                return
            try:
                dataset = read_dataset(path, sidecars=False)
                groups = 0 if dataset.groups is None else len(set(dataset.groups.tolist()))
                self.ready.emit(i, render_preview(dataset), len(dataset), groups)
            except Exception as exc:
                self.failed.emit(i, str(exc))
                continue
            if self.check is not None:
                try:
                    self.checked.emit(i, self.check(path, dataset))
                except Exception:  # the world is checked again when it is shown
                    log.exception("%s: checking the labels failed", path)


class PickerPage(QWidget):
    """The attract screen: a card per dataset, one highlighted."""

    chosen = pyqtSignal(int)

    def __init__(self, entries: list[Entry], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entries = entries
        self.current = 0
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # paint the page, not only its children
        self.setStyleSheet("background: #05060a; color: #dfe6f5;")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(60, 40, 60, 40)
        title = QLabel("Flythrough — fly through a universe of words")
        title.setStyleSheet("font-size: 34px; font-weight: bold;")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        outer.addWidget(title)
        grid = QGridLayout()
        grid.setSpacing(28)
        self.cards: list[QFrame] = []
        self.images: list[QLabel] = []
        self.captions: list[QLabel] = []
        for i, entry in enumerate(entries):
            card = QFrame()
            card.setObjectName("card")  # the highlight's style must not reach the QLabels (also QFrames)
            box = QVBoxLayout(card)
            image = QLabel("drawing…")
            image.setFixedSize(384, 216)
            image.setAlignment(Qt.AlignmentFlag.AlignCenter)
            name = QLabel(entry.name)
            name.setStyleSheet("font-size: 24px; font-weight: bold;")
            caption = QLabel(entry.caption)
            caption.setStyleSheet("font-size: 17px; color: #9aa6bf;")
            for widget in (image, name, caption):
                box.addWidget(widget, alignment=Qt.AlignmentFlag.AlignHCenter)
            grid.addWidget(card, i // PICKER_COLUMNS, i % PICKER_COLUMNS)
            self.cards.append(card)
            self.images.append(image)
            self.captions.append(caption)
        outer.addStretch(1)
        outer.addLayout(grid)
        outer.addStretch(1)
        hint = QLabel("◀ ▶  choose        ✕ / A  or  Enter  fly")
        hint.setStyleSheet("font-size: 22px; color: #9aa6bf;")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        outer.addWidget(hint)
        self._highlight()

    def set_preview(self, index: int, rgb: np.ndarray, points: int, groups: int) -> None:
        self.images[index].setPixmap(pixmap_of(rgb))
        entry = self.entries[index]
        entry.points, entry.groups = points, groups
        self.captions[index].setText(entry.caption)

    def set_failed(self, index: int, message: str) -> None:
        self.images[index].setText("cannot be read")
        log.warning("picker: %s", message)

    def move_highlight(self, step: int) -> None:
        self.current = (self.current + step) % len(self.entries)
        self._highlight()

    def _highlight(self) -> None:
        for i, card in enumerate(self.cards):
            colour = "#ffd75e" if i == self.current else "#1c2233"
            card.setStyleSheet(f"QFrame#card {{ border: 4px solid {colour}; border-radius: 14px; }}")

    def action(self, action: str) -> None:
        """A pad or keyboard action: move the highlight or choose."""
        if action in ("left", "right"):
            self.move_highlight(-1 if action == "left" else 1)
        elif action in ("up", "down"):
            self.move_highlight(-PICKER_COLUMNS if action == "up" else PICKER_COLUMNS)
        elif action == "select":
            self.chosen.emit(self.current)

    def keyPressEvent(self, event: QKeyEvent | None) -> None:
        keys = {Qt.Key.Key_Left: "left", Qt.Key.Key_Right: "right", Qt.Key.Key_Up: "up", Qt.Key.Key_Down: "down",
                Qt.Key.Key_Return: "select", Qt.Key.Key_Enter: "select", Qt.Key.Key_Space: "select"}  # fmt: skip
        assert event is not None
        action = keys.get(Qt.Key(event.key()))
        if action is None:
            super().keyPressEvent(event)
        else:
            self.action(action)
