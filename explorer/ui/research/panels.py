"""The research side panels: search, the selection's neighbours and columns, the groups legend (Qt adapter).

Widgets only: each panel shows what it is given and emits what the user
chose. The window's research controller (``explorer.ui.research.controller``) decides what
that means for the camera and the scene.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PyQt6.QtCore import Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QColor, QIcon, QPixmap
from PyQt6.QtWidgets import (
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from explorer.core.columns import ColumnColours, colour_bar, is_url
from explorer.core.neighbours import Neighbourhood
from explorer.core.search import LabelIndex, Matches
from explorer.ui.images import pixmap_of

SHOWN_MATCHES = 200  # rows in the result list; F3 steps through all matches
SCAN_SLICE = 8 << 20  # bytes of folded labels a keystroke scans for inner matches (a few ms); the rest follows
ROW = Qt.ItemDataRole.UserRole
COLOUR_MODES = [("group", "Colour by group"), ("distance", "Colour by distance from the centre"),
                ("density", "Colour by local density"), ("picture", "Colour by picture")]  # fmt: skip


def thumbnail(pixels: np.ndarray, size: int) -> QPixmap:
    """A QPixmap of an RGB uint8 [S, S, 3] picture, scaled to ``size``."""
    return pixmap_of(pixels).scaled(
        size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


def swatch(rgb: np.ndarray) -> QIcon:
    pixmap = QPixmap(14, 14)
    pixmap.fill(QColor(int(rgb[0]), int(rgb[1]), int(rgb[2])))
    return QIcon(pixmap)


class SearchPanel(QWidget):
    """A search box with incremental results; Enter or a click chooses one."""

    chosen = pyqtSignal(int)  # a dataset row
    dismissed = pyqtSignal()
    field_changed = pyqtSignal(object)  # a column's name, or None for the labels

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.box = QLineEdit()
        self.box.setPlaceholderText("Search labels (Enter flies there, F3 next)")
        self.box.setClearButtonEnabled(True)
        self.field = QComboBox()  # the labels, or one of the dataset's text columns
        self.field.addItem("Search labels", None)
        self.field.hide()
        self.count = QLabel("")
        self.results = QListWidget()
        self.results.setUniformItemSizes(True)  # layout stays cheap for long lists
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        for widget in (self.field, self.box, self.count, self.results):
            layout.addWidget(widget)
        self.field.currentIndexChanged.connect(lambda _: self.field_changed.emit(self.field.currentData()))
        self.index: LabelIndex | None = None
        self.labels: Sequence[str] = []
        self.groups: np.ndarray | None = None
        self.values: list[str] | None = None
        self.points = 0
        self.matches: Matches | None = None
        self.current = -1  # position in ``matches`` of the last match flown to
        self.box.textChanged.connect(self.run_query)
        self.box.returnPressed.connect(self.choose_current)
        self.results.itemActivated.connect(self._on_item)
        self.results.itemClicked.connect(self._on_item)
        self.box.installEventFilter(self)

    def set_fields(self, names: list[str]) -> None:
        """The text columns that can be searched besides the labels; the chooser shows only when there are some."""
        self.field.blockSignals(True)
        while self.field.count() > 1:
            self.field.removeItem(1)
        for name in names:
            self.field.addItem(f"Search column: {name}", name)
        self.field.setCurrentIndex(0)
        self.field.blockSignals(False)
        self.field.setVisible(bool(names))

    def set_index(
        self,
        index: LabelIndex | None,
        labels: Sequence[str],
        groups: np.ndarray | None,
        values: list[str] | None = None,
        points: int | None = None,
    ) -> None:
        """What is searched (``values``: a column's texts, shown beside the labels), and the labels to list.

        ``points``: how many of ``labels`` are points' labels; those after it are region names.
        """
        self.index, self.labels, self.groups, self.values = index, labels, groups, values
        self.points = len(labels) if points is None else points
        self.run_query(self.box.text())

    def run_query(self, text: str) -> None:
        """Search as the user types, and list the best matches.

        A keystroke scans a slice of the labels for the matches inside them; the
        rest of the scan goes on in later turns of the event loop (the list grows),
        so typing stays quick at ten million labels.
        """
        self.current = -1
        self.results.clear()
        if self.index is None:
            self.matches = None
            self.count.setText("Indexing labels…" if text else "")
            return
        self.matches = self.index.search(text, scan_bytes=SCAN_SLICE)
        self._list(text, 0)
        self._later(self.matches)

    def _later(self, matches: Matches) -> None:
        if matches.partial:
            QTimer.singleShot(0, lambda: self._scan_on(matches))

    def _scan_on(self, matches: Matches | None) -> None:
        """The scan of the last keystroke goes on, a slice a turn, until it is done or the query changes."""
        if matches is None or matches is not self.matches or self.index is None:
            return
        self.matches = self.index.resume(matches, SCAN_SLICE)
        self._list(matches.query, self.results.count())
        self._later(self.matches)

    def _list(self, text: str, listed: int) -> None:
        """Show the count and list the matches past the ``listed`` already shown."""
        assert self.matches is not None
        n = len(self.matches)
        if not text:
            self.count.setText("")
        elif n == 0:
            self.count.setText("Searching…" if self.matches.partial else "No match")
        else:
            plus = "+" if self.matches.more or self.matches.partial else ""
            self.count.setText(f"{n:,}{plus} matches{'  (searching…)' if self.matches.partial else ''}")
        rows = self.matches.rows[listed:SHOWN_MATCHES].tolist()
        if self.values is not None:
            self.results.addItems([f"{self.labels[r]}   · {self.values[r][:80]}" for r in rows])
        else:
            self.results.addItems([self._describe(r) for r in rows])
        if n and self.results.currentRow() < 0:
            self.results.setCurrentRow(0)

    def _describe(self, row: int) -> str:
        """A result as listed: the label and its group; a region's name (searched past the labels) says so."""
        if row >= self.points:
            return f"{self.labels[row]}   ▸ region"
        return str(self.labels[row]) if self.groups is None else f"{self.labels[row]}   · {self.groups[row]}"

    def choose_current(self) -> None:
        row = self.results.currentRow()
        if self.matches is not None and 0 <= row < len(self.matches):
            self.choose(row)

    def choose(self, position: int) -> None:
        assert self.matches is not None
        self.current = position
        if position < self.results.count():
            self.results.setCurrentRow(position)
        self.chosen.emit(int(self.matches.rows[position]))

    def step(self, step: int) -> None:
        """F3 / Shift+F3: the next or previous match, wrapping round."""
        if self.matches is None or len(self.matches) == 0:
            return
        start = self.current if self.current >= 0 else (-1 if step > 0 else 0)
        self.choose((start + step) % len(self.matches))

    def move_highlight(self, step: int) -> None:
        """Move the highlight in the list (a pad's D-pad)."""
        n = self.results.count()
        if n:
            self.results.setCurrentRow(max(0, min(n - 1, self.results.currentRow() + step)))

    def _on_item(self, item: QListWidgetItem) -> None:
        self.choose(self.results.row(item))

    def eventFilter(self, watched, event) -> bool:
        if event.type() == event.Type.KeyPress:
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                self.move_highlight(1 if key == Qt.Key.Key_Down else -1)
                return True
            if key == Qt.Key.Key_Escape:
                self.dismissed.emit()
                return True
        return False


class SelectionPanel(QWidget):
    """The selected point, its picture, and its neighbours in the original space and in 3D."""

    neighbour_chosen = pyqtSignal(int)
    THUMB_PX = 128

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("Nothing selected: click a point")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.picture = QLabel()
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.hide()
        self.original_title = QLabel()
        self.original_title.setWordWrap(True)
        self.original = QListWidget()
        self.in_3d_title = QLabel()
        self.in_3d = QListWidget()
        self.kept = QLabel()
        self.kept.setWordWrap(True)
        self.fields = QLabel()  # the point's other columns; links open in the browser
        self.fields.setWordWrap(True)
        self.fields.setOpenExternalLinks(True)
        self.fields.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.LinksAccessibleByMouse
        )
        self.fields.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        for widget in (self.title, self.picture, self.fields, self.kept, self.original_title, self.original,
                       self.in_3d_title, self.in_3d):  # fmt: skip
            layout.addWidget(widget)
        for listing in (self.original, self.in_3d):
            listing.itemActivated.connect(self._on_item)
            listing.itemClicked.connect(self._on_item)

    def show_neighbourhood(self, n: Neighbourhood, labels: Sequence[str], groups: np.ndarray | None,
                           points: np.ndarray, thumbs: np.ndarray | None) -> None:  # fmt: skip
        """Fill the panel for the selected row."""
        where = ", ".join(f"{v:.3g}" for v in points[n.row])
        group = f"<br>group: {groups[n.row]}" if groups is not None else ""
        self.title.setText(f"<b>{_escape(labels[n.row])}</b><br>row {n.row:,} at ({where}){group}")
        if thumbs is not None:
            self.picture.setPixmap(thumbnail(thumbs[n.row], self.THUMB_PX))
            self.picture.show()
        else:
            self.picture.hide()
        if n.original is None:
            self.original_title.setText("No neighbour file (.ds.knn.npy) for this dataset: "
                                        "only neighbours in the 3D map are shown.")  # fmt: skip
            self.original.hide()
            self.kept.setText("")
        else:
            self.original_title.setText(f"Nearest in the original space ({len(n.original)}), distance in 3D:")
            assert n.original_3d is not None  # given with the true neighbours
            self._fill(self.original, n.original, n.original_3d, labels, thumbs, np.isin(n.original, n.in_3d))
            self.original.show()
            self.kept.setText(f"UMAP kept {n.kept} of these {len(n.original)} among the {len(n.in_3d)} "
                              "nearest in 3D (✓).")  # fmt: skip
        self.in_3d_title.setText(f"Nearest in the 3D map ({len(n.in_3d)}):")
        true = np.isin(n.in_3d, n.original) if n.original is not None else None
        self._fill(self.in_3d, n.in_3d, n.in_3d_distance, labels, thumbs, true)

    def show_fields(self, fields: list[tuple[str, str]]) -> None:
        """The selected point's columns: name and value; URLs are links, long texts wrap."""
        rows = []
        for name, text in fields:
            shown = f'<a href="{_escape(text)}">{_escape(text)}</a>' if is_url(text) else _escape(text)
            rows.append(f"<b>{_escape(name)}</b>: {shown}")
        self.fields.setText("<br>".join(rows))
        self.fields.setVisible(bool(rows))

    def clear(self) -> None:
        self.title.setText("Nothing selected: click a point")
        self.fields.hide()
        self.picture.hide()
        for widget in (self.original, self.in_3d):
            widget.clear()
        for label in (self.original_title, self.in_3d_title, self.kept):
            label.setText("")

    def _fill(self, listing: QListWidget, rows: np.ndarray, distances: np.ndarray, labels: Sequence[str],
              thumbs: np.ndarray | None, marks: np.ndarray | None) -> None:  # fmt: skip
        listing.clear()
        for i, row in enumerate(rows.tolist()):
            mark = "" if marks is None else ("  ✓" if marks[i] else "")
            item = QListWidgetItem(f"{labels[row]}   {distances[i]:.3g}{mark}")
            item.setData(ROW, row)
            if thumbs is not None:
                item.setIcon(QIcon(thumbnail(thumbs[row], 48)))
            listing.addItem(item)

    def _on_item(self, item: QListWidgetItem) -> None:
        self.neighbour_chosen.emit(int(item.data(ROW)))


class GroupsPanel(QWidget):
    """The legend: each group's colour and count; click toggles it, Alt+click isolates it."""

    toggled = pyqtSignal(int)
    isolated = pyqtSignal(int)
    show_all = pyqtSignal()
    mode_changed = pyqtSignal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = QComboBox()
        for key, text in COLOUR_MODES:
            self.mode.addItem(text, key)
        self.key = QLabel()  # a column's colours: a bar for numbers, swatches for categories
        self.key.setWordWrap(True)
        self.key.hide()
        self.listing = QListWidget()
        self.listing.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.all_button = QPushButton("Show all groups")
        hint = QLabel("Click: show / hide.  Alt+click: only this group.")
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        for widget in (self.mode, self.key, hint, self.listing, self.all_button):
            layout.addWidget(widget)
        self.mode.currentIndexChanged.connect(lambda _: self.mode_changed.emit(self.mode.currentData()))
        self.listing.itemClicked.connect(self._on_click)
        self.listing.customContextMenuRequested.connect(self._menu)
        self.all_button.clicked.connect(self.show_all.emit)

    def set_groups(
        self, names: list[str], counts: np.ndarray, palette: np.ndarray, mode: str, *, pictures: bool = False
    ) -> None:
        self.listing.clear()
        for i, name in enumerate(names):
            item = QListWidgetItem(swatch(palette[i]), f"{name}   {int(counts[i]):,}")
            item.setData(ROW, i)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.listing.addItem(item)
        self.set_mode(mode)
        self.mode.model().item(0).setEnabled(bool(names))  # type: ignore[union-attr]
        self.mode.model().item(3).setEnabled(pictures)  # type: ignore[union-attr]  # an image dataset's only
        self.listing.setEnabled(bool(names))
        self.all_button.setEnabled(bool(names))

    def set_visible_groups(self, visible: np.ndarray) -> None:
        for i in range(self.listing.count()):
            state = Qt.CheckState.Checked if visible[i] else Qt.CheckState.Unchecked
            item = self.listing.item(i)
            if item is not None:
                item.setCheckState(state)

    def set_columns(self, names: list[str]) -> None:
        """The columns the cloud can be coloured by, after the built-in modes."""
        self.mode.blockSignals(True)
        while self.mode.count() > len(COLOUR_MODES):
            self.mode.removeItem(len(COLOUR_MODES))
        for name in names:
            self.mode.addItem(f"Colour by column: {name}", f"column:{name}")
        self.mode.blockSignals(False)

    def set_mode(self, mode: str) -> None:
        self.mode.blockSignals(True)
        self.mode.setCurrentIndex(max(self.mode.findData(mode), 0))
        self.mode.blockSignals(False)
        if not mode.startswith("column:"):
            self.key.hide()

    def show_key(self, name: str, key: ColumnColours) -> None:
        """What a column's colours mean: the bar from low to high, or each category with its count."""
        if key.names:
            shown = [f'<span style="color:{_hex(key.palette[i])}">■</span> {_escape(n)}   {int(key.counts[i]):,}'
                     for i, n in enumerate(key.names[:KEY_ROWS])]  # fmt: skip
            more = f"<br>… {len(key.names) - KEY_ROWS:,} more" if len(key.names) > KEY_ROWS else ""
            self.key.setText(f"<b>{_escape(name)}</b><br>" + "<br>".join(shown) + more)
        elif np.isfinite(key.low):
            bar = "".join(f'<span style="color:{_hex(c)}">█</span>' for c in colour_bar(24))
            self.key.setText(f"<b>{_escape(name)}</b><br>{key.low:.4g} {bar} {key.high:.4g}")
        else:
            self.key.setText(f"<b>{_escape(name)}</b>: no values")
        self.key.show()

    def _on_click(self, item: QListWidgetItem) -> None:
        group = int(item.data(ROW))
        if QApplication.keyboardModifiers() & Qt.KeyboardModifier.AltModifier:
            self.isolated.emit(group)
        else:
            self.toggled.emit(group)

    def _menu(self, pos) -> None:
        item = self.listing.itemAt(pos)
        if item is None:
            return
        menu = QMenu(self)
        menu.addAction("Only this group", lambda: self.isolated.emit(int(item.data(ROW))))
        menu.addAction("Show all groups", self.show_all.emit)
        menu.exec(self.listing.mapToGlobal(pos))


KEY_ROWS = 12


def _hex(rgb: np.ndarray) -> str:
    return "#" + "".join(f"{int(v):02x}" for v in rgb)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
