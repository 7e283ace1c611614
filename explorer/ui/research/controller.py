"""Research tools of the desktop window: search, picking, neighbours, groups, views (Qt adapter).

The questions a researcher asks ("where is *flood*, what is near it, and
why?") are answered by the pure modules (search, picking, neighbours, groups,
bookmarks); this controller owns the panels and hands their choices to the
scene and the camera. The kiosk has none of it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PyQt6.QtCore import QObject, Qt, pyqtSignal
from PyQt6.QtGui import QKeySequence
from PyQt6.QtWidgets import QDockWidget, QFileDialog, QInputDialog, QWidget

from explorer.core.bookmarks import Bookmark, BookmarkStore, bookmark_of
from explorer.core.camera import FlyTo, flight_time, pose_of
from explorer.core.columns import Column, colours_by, columns_of
from explorer.core.dataset import Dataset
from explorer.core.neighbours import Neighbourhood, neighbourhood
from explorer.core.search import Joined, LabelIndex
from explorer.core.tour import RouteTour
from explorer.ui.host import Host
from explorer.ui.recording import BackgroundRecording
from explorer.ui.research.panels import GroupsPanel, SearchPanel, SelectionPanel
from explorer.ui.workers import Job

HELP: list[tuple[str, str]] = [
    ("Ctrl+F or /", "search labels; Enter flies to the match"),
    ("F3 / Shift+F3", "next / previous match"),
    ("click a point", "select it: its neighbours, true and in 3D"),
    ("Esc", "clear the selection"),
    ("Ctrl+B", "save this view; Views menu: go back, play them as a tour"),
]
APPROACH = 0.04  # a fly-to stops this fraction of the dataset's diagonal from its target


class Research(QObject):
    """Search, picking, neighbours, groups and bookmarks, attached to one window through its :class:`Host` hooks."""

    selection_changed = pyqtSignal(object)  # a row, or None
    index_ready = pyqtSignal()
    colours_ready = pyqtSignal(str)

    def __init__(self, window: Host, store: BookmarkStore | None = None) -> None:
        super().__init__(window if isinstance(window, QObject) else None)
        self.window = window
        self.store = store or BookmarkStore()
        self.index: LabelIndex | None = None
        self.columns: dict[str, Column] = {}  # the dataset's other columns, by name
        self.region_rows: list[tuple[int, int]] = []  # search rows past the labels: (level, region)
        self.searched: Sequence[str] = []  # the labels, then the region names
        self.column_indexes: dict[str, LabelIndex] = {}  # searchable text columns, indexed when first chosen
        self.selected: int | None = None
        self.neighbours: Neighbourhood | None = None
        self.bookmarks: list[Bookmark] = []
        self.jobs: list[Job] = []
        self.recordings: list[BackgroundRecording] = []  # videos being made in child processes
        self._generation = 0  # bumps per dataset: late results of a previous one are dropped
        self.search_panel = SearchPanel()
        self.selection_panel = SelectionPanel()
        self.groups_panel = GroupsPanel()
        self.search_dock = self._dock("Search", self.search_panel, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.groups_dock = self._dock("Groups", self.groups_panel, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.selection_dock = self._dock("Selection", self.selection_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        for dock in (self.search_dock, self.selection_dock, self.groups_dock):
            dock.hide()
        self.search_panel.chosen.connect(self.found)
        self.search_panel.dismissed.connect(self.close_search)
        self.search_panel.field_changed.connect(self.search_field)
        self.selection_panel.neighbour_chosen.connect(lambda row: self.select(row, fly=True))
        self.groups_panel.toggled.connect(self.toggle_group)
        self.groups_panel.isolated.connect(self.isolate_group)
        self.groups_panel.show_all.connect(self.show_all_groups)
        self.groups_panel.mode_changed.connect(self.set_colour_mode)
        self._build_menus()
        window.add_help_section("Research", HELP)
        window.add_pad_handler(self.pad_action)
        window.dataset_shown.connect(self.dataset_shown)
        window.clicked.connect(self.pick)
        window.closing.connect(self.wait)

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self.window if isinstance(self.window, QWidget) else None)
        dock.setObjectName(title)
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable | QDockWidget.DockWidgetFeature.DockWidgetMovable
        )
        self.window.addDockWidget(area, dock)
        return dock

    def _build_menus(self) -> None:
        w = self.window
        w.add_action("Search", "&Find…", self.open_search, QKeySequence.StandardKey.Find)
        w.add_action("Search", "Find (slash)", self.open_search, "/").setVisible(False)
        w.add_action("Search", "Find &Next", lambda: self.search_panel.step(1), "F3")
        w.add_action("Search", "Find &Previous", lambda: self.search_panel.step(-1), "Shift+F3")
        w.add_action("Search", "&Clear Selection", lambda: self.select(None), "Esc")
        w.add_action("Views", "&Save View…", lambda: self.add_bookmark(), "Ctrl+B")
        self.tour_action = w.add_action("Views", "&Play Views as a Tour", self.play_bookmarks)
        w.add_action("Views", "&Record the Tour as Video…", self.ask_to_record)
        self.views_menu = w.menu("Views")
        self.views_menu.addSeparator()
        self._fixed_view_actions = len(self.views_menu.actions())
        view = w.menu("View")  # the panels can come back once closed
        view.addSeparator()
        for dock in (self.search_dock, self.groups_dock, self.selection_dock):
            view.addAction(dock.toggleViewAction())
        self._refresh_views_menu()

    # ------------------------------------------------------------------ dataset

    def dataset_shown(self, dataset: Dataset) -> None:
        """A new dataset is on screen: index its labels, list its groups, load its views."""
        self._generation += 1
        self.index = None
        self.columns, self.column_indexes = {}, {}
        self.select(None)
        scene = self.window.scene
        assert scene.groups is not None
        # Region names are searched with the labels: rows past the last label are regions.
        regions = dataset.regions
        self.region_rows = [(d, r.id) for d, level in enumerate(regions.levels) for r in level] if regions else []
        region_names = [regions.levels[d][r].name for d, r in self.region_rows] if regions else []
        labels = scene.label_texts
        self.searched = Joined(labels, region_names)  # no copy of ten million labels on the UI thread
        self.search_panel.set_index(None, self.searched, dataset.groups, points=len(dataset))
        self.run(("index", self._generation), lambda: LabelIndex(labels, region_names))
        names = scene.groups.names
        self.groups_panel.set_groups(names, scene.groups.counts, scene.group_palette(), scene.color_mode,
                                     pictures=dataset.thumbs is not None)  # fmt: skip
        self.groups_dock.setVisible(bool(names))
        self.groups_panel.set_columns([])
        self.search_panel.set_fields([])
        if dataset.columns is not None:
            table = dataset.columns
            self.run(("columns", self._generation), lambda: columns_of(table))
        scene.legend_on = False  # the dock is the legend here
        self.bookmarks = self.store.load(self.window.dataset_path) if self.window.dataset_path else []
        self._refresh_views_menu()

    def run(self, tag: object, work: Callable[[], Any]) -> None:
        job = Job(tag, work, self)
        job.done.connect(self._job_done)
        job.finished.connect(lambda: self.jobs.remove(job) if job in self.jobs else None)
        job.finished.connect(job.deleteLater)  # its thread's resources go with it
        self.jobs.append(job)
        job.start()

    def _job_done(self, tag: tuple[str, int, str], result: Any) -> None:
        kind, generation = tag[0], tag[1]
        if generation != self._generation:
            return  # for a dataset no longer shown
        if kind == "index":
            self.index = result
            self.search_field(self.search_panel.field.currentData())
            self.index_ready.emit()
        elif kind == "colours":
            self.window.scene.set_colours(tag[2], result)
            self.window.show_status("", 1)
            self.window.request_render()
            self.colours_ready.emit(tag[2])
        elif kind == "column colours":
            self.window.scene.set_colours(tag[2], result.rgb)
            self.groups_panel.show_key(tag[2].removeprefix("column:"), result)
            self.window.request_render()
            self.colours_ready.emit(tag[2])
        elif kind == "columns":
            self._columns_read(result)
        elif kind == "column index":
            self.column_indexes[tag[2]] = result
            self.search_field(tag[2])

    def _columns_read(self, columns: list[Column]) -> None:
        """The dataset's columns are known: offer them for colouring and searching."""
        self.columns = {c.name: c for c in columns}
        self.groups_panel.set_columns([c.name for c in columns if c.kind in ("number", "category")])
        self.search_panel.set_fields([c.name for c in columns if c.kind in ("text", "category")])
        if columns:
            self.groups_dock.show()
        if self.selected is not None:
            self.select(self.selected)

    def search_field(self, name: str | None) -> None:
        """Search the labels (None) or a text column, indexed off the UI thread the first time."""
        dataset, labels = self.window.dataset, self.window.scene.label_texts
        groups = dataset.groups if dataset is not None else None
        if name is None or name not in self.columns:
            self.search_panel.set_index(self.index, self.searched, groups, points=len(labels))
            return
        values = [self.columns[name].text(row).replace("\n", " ") for row in range(len(labels))]
        index = self.column_indexes.get(name)
        if index is None:
            self.search_panel.set_index(None, labels, groups, values)
            self.run(("column index", self._generation, name), lambda: LabelIndex(values))
        else:
            self.search_panel.set_index(index, labels, groups, values)

    def wait(self) -> None:
        """Let background work finish (closing, tests)."""
        for job in list(self.jobs):
            job.wait()

    # ------------------------------------------------------------------ search

    def open_search(self) -> None:
        self.search_dock.show()
        self.search_dock.raise_()
        self.search_panel.box.setFocus()
        self.search_panel.box.selectAll()

    def close_search(self) -> None:
        self.search_dock.hide()
        self.window.vtk_widget.setFocus()

    @property
    def searching(self) -> bool:
        return self.search_dock.isVisible() and self.search_panel.results.count() > 0

    def pad_action(self, action: str) -> bool:
        """The pad in the search list: D-pad moves, South flies there, East closes. True if used."""
        if not self.searching:
            return False
        if action in ("up", "down"):
            self.search_panel.move_highlight(-1 if action == "up" else 1)
        elif action == "select":
            self.search_panel.choose_current()
        elif action == "back":
            self.close_search()
        else:
            return False
        return True

    # ------------------------------------------------------------------ selection

    def select(self, row: int | None, *, fly: bool = False) -> None:
        """Select a row (or nothing): marker, neighbour lines, the panel; maybe fly there."""
        w, scene = self.window, self.window.scene
        self.selected = row
        if row is None or w.dataset is None or scene.picker is None:
            self.selected, self.neighbours = None, None
            if w.dataset is not None:
                scene.set_selection(None)
            self.selection_panel.clear()  # the dock stays: the 3D view must not jump in size
        else:
            dataset = w.dataset
            self.neighbours = neighbourhood(row, dataset.points, scene.picker.index, dataset.knn)
            n = self.neighbours
            if n.original is not None:
                scene.set_selection(row, n.original, np.isin(n.original, n.in_3d))
            else:
                scene.set_selection(row)
            self.selection_panel.show_neighbourhood(n, scene.label_texts, dataset.groups, dataset.points,
                                                    dataset.thumbs)  # fmt: skip
            fields = [(c.name, c.text(row)) for c in self.columns.values()]
            self.selection_panel.show_fields([(name, text) for name, text in fields if text])
            self.selection_dock.show()
            if fly:
                self.fly_to_point(dataset.points[row])
        w.request_render()
        self.selection_changed.emit(self.selected)

    def found(self, row: int) -> None:
        """A search result was chosen: a point (select it and fly there) or a region (fly to see it whole)."""
        n = len(self.window.dataset) if self.window.dataset is not None else 0
        if row < n:
            self.select(row, fly=True)
            return
        regions = self.window.dataset.regions if self.window.dataset is not None else None
        if regions is None or row - n >= len(self.region_rows):
            return
        level, region = self.region_rows[row - n]
        self.window.fly_to_region(regions.levels[level][region].centroid, regions.levels[level][region].radius)

    def fly_to_point(self, target: np.ndarray) -> None:
        self.window.fly_towards(target, APPROACH * self.window.scene.diagonal)

    def pick(self, x: float, y: float) -> int | None:
        """Select the point under window pixel (x, y) of the 3D view; empty space clears."""
        w, scene = self.window, self.window.scene
        if scene.picker is None:
            return None
        width, height = w.render_window.GetSize()
        ratio = width / max(w.vtk_widget.width(), 1)  # Qt's logical pixels to the GL window's
        row = scene.pick(scene.view(w.camera, max(width, 1), max(height, 1)), x * ratio, y * ratio)
        self.select(row)
        return row

    # ------------------------------------------------------------------ groups

    def _groups_changed(self) -> None:
        scene = self.window.scene
        assert scene.groups is not None
        scene.groups_changed()
        self.groups_panel.set_visible_groups(scene.groups.visible)
        if self.selected is not None and scene.is_hidden(self.selected):
            self.select(None)  # a hidden point cannot stay selected
        self.window.request_render()

    def toggle_group(self, group: int) -> None:
        assert self.window.scene.groups is not None
        self.window.scene.groups.toggle(group)
        self._groups_changed()

    def isolate_group(self, group: int) -> None:
        assert self.window.scene.groups is not None
        self.window.scene.groups.isolate(group)
        self._groups_changed()

    def show_all_groups(self) -> None:
        assert self.window.scene.groups is not None
        self.window.scene.groups.show_all()
        self._groups_changed()

    def set_colour_mode(self, mode: str) -> None:
        """Recolour the cloud; density (seconds at 1M points) is computed off the UI thread."""
        scene = self.window.scene
        if scene.dataset is None:
            return
        column = self.columns.get(mode.removeprefix("column:")) if mode.startswith("column:") else None
        if column is not None:
            self.run(("column colours", self._generation, mode), lambda: colours_by(column))
        elif mode in ("density", "picture"):  # seconds at a million points, or a million pictures
            self.window.show_status("Estimating local density…" if mode == "density" else "Colouring by picture…")
            self.run(("colours", self._generation, mode), lambda: scene.colours(mode))
        else:
            scene.set_colours(mode, scene.colours(mode))
            self.colours_ready.emit(mode)
        self.groups_panel.set_mode(mode)
        self.window.request_render()

    # ------------------------------------------------------------------ views

    def ask_to_record(self) -> None:
        """Views ▸ Record the Tour as Video…: choose a file, then record in the background."""
        if self.window.dataset_path is None:
            self.window.show_status("Open a dataset file first", 4000)
            return
        parent = self.window if isinstance(self.window, QWidget) else None
        name, _ = QFileDialog.getSaveFileName(parent, "Record the tour as video", str(Path.home() / "flight.mp4"),
                                              "Video (*.mp4 *.webm *.gif)")  # fmt: skip
        if name:
            self.record(Path(name))

    def record(self, out: Path, *, seconds: float = 20.0, size: tuple[int, int] = (1920, 1080)) -> BackgroundRecording:
        """Record the saved views (or, without any, the tour) into ``out``, in a child process."""
        assert self.window.dataset_path is not None
        arguments = ["--seconds", f"{seconds:g}", "--size", f"{size[0]}x{size[1]}"]
        if self.bookmarks:
            arguments.append("--views=" + ",".join(b.name for b in self.bookmarks))  # '=': a name may start with '-'
        recording = BackgroundRecording([*arguments, str(self.window.dataset_path)], out, self)
        recording.progress.connect(lambda done, total: self.window.show_status(f"Recording: frame {done} of {total}"))
        recording.finished.connect(
            lambda ok, what: self.window.show_status(f"Wrote {what}" if ok else f"Recording failed: {what}", 8000)
        )
        self.recordings.append(recording)
        recording.finished.connect(lambda *_: self.recordings.remove(recording))
        recording.start()
        return recording

    def add_bookmark(self, name: str | None = None) -> Bookmark | None:
        """Ctrl+B: save the camera as a named view of this dataset."""
        w = self.window
        if w.dataset_path is None:
            return None
        if name is None:
            name, ok = QInputDialog.getText(
                w if isinstance(w, QWidget) else None,
                "Save view",
                "Name of this view:",
                text=f"View {len(self.bookmarks) + 1}",
            )
            if not ok:
                return None
        name = name.replace(",", " ").strip()  # names go comma-separated to --record --views
        mark = bookmark_of(name or f"View {len(self.bookmarks) + 1}", w.camera.position, w.camera.yaw,
                           w.camera.pitch)  # fmt: skip
        self.bookmarks.append(mark)
        self._save_bookmarks()
        w.show_status(f"Saved view “{mark.name}”", 3000)
        return mark

    def _save_bookmarks(self) -> None:
        assert self.window.dataset_path is not None
        try:
            self.store.save(self.window.dataset_path, self.bookmarks)
        except OSError as exc:
            self.window.show_status(f"Could not save the views: {exc}", 8000)
        self._refresh_views_menu()

    def go_to_bookmark(self, index: int) -> None:
        mark = self.bookmarks[index]
        w = self.window
        end = (np.array(mark.position), mark.yaw, mark.pitch)
        start = pose_of(w.camera)
        w.fly(FlyTo(start, end, flight_time(start[0], end[0], w.scene.diagonal) + 0.5))

    def play_bookmarks(self) -> None:
        """Fly through the saved views in order, pausing at each: a presenter's route."""
        if not self.bookmarks:
            self.window.show_status("No saved views yet: Ctrl+B saves one", 4000)
            return
        stops = [(np.array(m.position), m.yaw, m.pitch) for m in self.bookmarks]
        self.window.fly(RouteTour(pose_of(self.window.camera), stops, diagonal=self.window.scene.diagonal))

    def remove_last_bookmark(self) -> None:
        if self.bookmarks:
            self.bookmarks.pop()
            self._save_bookmarks()

    def _refresh_views_menu(self) -> None:
        """The saved views under the menu's fixed entries."""
        menu = self.views_menu
        for action in menu.actions()[self._fixed_view_actions :]:
            menu.removeAction(action)
            action.deleteLater()
        self.tour_action.setEnabled(bool(self.bookmarks))
        for i, mark in enumerate(self.bookmarks):
            menu.addAction(f"{i + 1}. {mark.name}", lambda i=i: self.go_to_bookmark(i))
        if self.bookmarks:
            menu.addSeparator()
            menu.addAction("&Remove Last View", self.remove_last_bookmark)
