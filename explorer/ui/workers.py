"""Work off the UI thread: reading a dataset, and any one function (Qt adapter)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QObject, QThread, pyqtSignal

from explorer.core.cache import LabelBlob
from explorer.core.cloud import prepare_cloud
from explorer.core.dataset import Dataset, DatasetError, Progress, cache_dataset, read_dataset
from explorer.core.formats import is_points_table
from explorer.core.profanity import bundled_rule
from explorer.core.regions import MIN_POINTS, build_regions, cached_regions

log = logging.getLogger("flythrough")


def read_any(path: Path, progress: Progress | None = None) -> Dataset:
    """A dataset file with its sidecars, or a table of points (pyarrow loads only for a table)."""
    if is_points_table(path):
        from explorer.core.tables import read_points

        return read_points(path)
    return read_dataset(path, blob_labels=True, progress=progress)  # a cached dataset's labels stay one blob


def with_regions(dataset: Dataset) -> Dataset:
    """The dataset with its named regions: from its sidecars, or computed (and cached) when it has none.

    Names are a help, never a condition: if they cannot be made, the dataset opens without them.
    """
    if dataset.regions is not None or len(dataset) < MIN_POINTS:
        return dataset
    blob = isinstance(dataset.labels, LabelBlob)  # a cached world's blob is read label by label, never copied
    labels: Sequence[str] = dataset.labels if blob else [str(v) for v in dataset.labels]
    rude = bundled_rule().is_rude
    try:
        if dataset.path is not None and dataset.path.is_file():
            regions = cached_regions(dataset.path, dataset.points, labels, dataset.meta, rude)
        else:  # a folder (Hugging Face) or no file at all: built, not cached
            regions = build_regions(dataset.points, labels, banned=rude)
    except Exception:
        log.exception("%s: could not name its regions", dataset.path)
        return dataset
    return dataclasses.replace(dataset, regions=regions)


# Where each step of a first open (no cache yet) starts and ends on the progress bar, by its share of the time.
STEPS = {"reading": (0.0, 0.5), "naming regions": (0.5, 0.6), "building the level of detail": (0.6, 0.85),
         "colouring": (0.85, 1.0)}  # fmt: skip


class Loader(QThread):
    """Reads a dataset and prepares it for the scene, off the UI thread; any failure arrives as a message.

    A first open of a big file (no binary cache yet) takes a while: ``progress``
    says which step runs and how far the whole has come (0 to 1).
    """

    loaded = pyqtSignal(object, str)  # a Cloud, the path
    failed = pyqtSignal(str)
    progress = pyqtSignal(str, float)  # the step, the fraction of the whole done

    def __init__(self, path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = path

    def _step(self, step: str, fraction: float) -> None:
        start, end = STEPS.get(step, (0.0, 1.0))
        self.progress.emit(step, start + (end - start) * fraction)

    def run(self) -> None:
        try:
            dataset = read_any(self.path, self._step)
            if dataset.regions is None and dataset.octree is None:
                self._step("naming regions", 0.0)
            dataset = with_regions(dataset)
            cloud = prepare_cloud(dataset, self._step)
            # The colours as they are now: the user may recolour the world in place once it shows.
            derived = (
                dataclasses.replace(cloud.derived, rgb=cloud.derived.rgb.copy()) if dataset.octree is None else None
            )
            self.loaded.emit(cloud, str(self.path))
            if derived is not None:
                cache_dataset(dataset, cloud.tree, derived)  # after the world shows: the next open maps it
        except DatasetError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # any failure must reach the user as a message
            self.failed.emit(f"{self.path}: cannot open: {exc}")


class Job(QThread):
    """Runs one function off the UI thread; ``done`` carries (tag, result) back."""

    done = pyqtSignal(object, object)

    def __init__(self, tag: object, work: Callable[[], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tag, self.work = tag, work

    def run(self) -> None:
        self.done.emit(self.tag, self.work())
