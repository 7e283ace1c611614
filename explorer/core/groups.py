"""Which groups are shown: the legend's state, and the points it leaves drawn (pure).

Points are ranked by group once, when a group is first toggled, so each group
is one contiguous run of point ids. Toggling a group then only joins a few
runs: O(points shown), with no per-point Python, about 10 ms at a million
points. Each point's group code takes the smallest integer that holds it (a
byte for up to 256 groups).
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from explorer.core.colors import group_codes


class Groups:
    """The groups of a dataset (largest first) and which of them are visible."""

    def __init__(self, groups: np.ndarray | None, n_points: int) -> None:
        if groups is None:
            self.names: list[str] = []
            self.codes = np.zeros(n_points, dtype=np.uint8)
            self.counts = np.array([n_points], dtype=np.int64) if n_points else np.zeros(0, dtype=np.int64)
        else:
            self.names, codes, self.counts = group_codes(groups)
            self.codes = codes.astype(np.min_scalar_type(max(len(self.names) - 1, 0)))
        self.starts = np.concatenate(([0], np.cumsum(self.counts)))
        self.visible = np.ones(len(self.counts), dtype=bool)

    @cached_property
    def by_group(self) -> np.ndarray:
        """Point ids, one run per group (made on the first toggle: a world that never toggles never pays)."""
        return np.argsort(self.codes, kind="stable")

    def __len__(self) -> int:
        return len(self.names)

    @property
    def all_visible(self) -> bool:
        return bool(self.visible.all())

    def toggle(self, group: int) -> None:
        self.visible[group] = not self.visible[group]

    def isolate(self, group: int) -> None:
        """Show only this group; isolating the group already alone shows every group again."""
        alone = self.visible[group] and self.visible.sum() == 1
        self.visible[:] = alone
        self.visible[group] = True

    def show_all(self) -> None:
        self.visible[:] = True

    def shown_ids(self) -> np.ndarray:
        """Point ids of the visible groups (int64)."""
        if self.all_visible:
            return np.arange(len(self.codes), dtype=np.int64)
        runs = [self.by_group[self.starts[g] : self.starts[g + 1]] for g in np.flatnonzero(self.visible)]
        return np.concatenate(runs) if runs else np.zeros(0, dtype=np.int64)

    def hidden_rows(self) -> np.ndarray | None:
        """A bool per point, True where its group is hidden; None when all are shown."""
        return None if self.all_visible else ~self.visible[self.codes]
