"""A dataset's binary cache (``NAME.ds.cache``): its rows and its octree, memory-mapped at the next open (pure).

What goes in: the points (row order), the labels as a UTF-8 blob, the group
codes, the octree and the points in octree order; and what the explorer
derives from them to fly (:class:`Derived`: the default colours, the label
lengths, the frame, each node's grid), so that ten million points open without computing
anything. The TSV stays the source of truth: the cache carries the TSV's key
(size, mtime, hash of its head), and a cache that does not match, or fails
its checks, is ignored and written again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explorer.core import colors
from explorer.core.cache import (
    CacheError,
    LabelBlob,
    LabelFile,
    existing_cache_path,
    label_lengths,
    open_cache,
    source_key,
    writable_cache_path,
    write_cache,
)
from explorer.core.framing import Frame, frame_of
from explorer.core.octree import CAPACITY, Octree, build_octree
from explorer.core.regions import Regions, RegionsError, regions_of_json
from explorer.core.spatial import Grids

log = logging.getLogger(__name__)

LAYOUT = 6  # what this module puts in a cache; bumped when that changes, so that old caches are rebuilt
OCTREE_FIELDS = ("order", "start", "count", "depth", "parent", "first_child", "children", "center", "half")


LONGEST = 65_535  # a label's length is kept in 16 bits


@dataclass(frozen=True, eq=False)
class Derived:
    """What the explorer derives from a dataset's rows before it can fly, all in octree order."""

    rgb: np.ndarray  # uint8 [N, 3]: the default colours (by group, else by picture, else by distance)
    lengths: np.ndarray  # uint16 [N]: characters per label (for the label picker's overlap test)
    frame: Frame  # the box of the bulk of the points
    low: np.ndarray  # float64 [3]: every point's box, outliers included
    high: np.ndarray
    grids: Grids  # each node's points by the cell of its cube: the nearest points are found reading a few cells


def derive(
    ordered: np.ndarray,
    tree: Octree,
    labels: Sequence[str],
    groups: np.ndarray | None,
    thumbs: np.ndarray | None = None,
) -> Derived:
    """The :class:`Derived` values of a dataset (``ordered``: its points in ``tree``'s order).

    Points take their group's colour where there are groups (a world of digits
    is read by its colours from afar), else their picture's mean colour in an
    image dataset, else a colour by distance.
    """
    if groups is None and thumbs is not None:
        rgb = colors.by_picture(thumbs)[tree.order]
    elif groups is not None:
        names, codes, _ = colors.group_codes(np.asarray(groups))
        rgb = colors.palette(len(names))[codes[tree.order]]
    else:
        rgb = colors.by_distance(ordered)
    lengths = np.minimum(label_lengths(labels), LONGEST).astype(np.uint16)[tree.order]
    empty = len(ordered) == 0
    low = np.zeros(3) if empty else ordered.min(axis=0).astype(np.float64)
    high = np.zeros(3) if empty else ordered.max(axis=0).astype(np.float64)
    return Derived(np.ascontiguousarray(rgb, dtype=np.uint8), lengths, frame_of(ordered), low, high,
                   Grids.of(tree, ordered))  # fmt: skip


@dataclass(frozen=True)
class CachedRows:
    """What a cache gives back: enough to fly without parsing the TSV."""

    labels: LabelBlob  # the UTF-8 blob, memory-mapped: a label becomes a str only when asked for
    ordered_labels: LabelFile  # the same labels in octree order, read label by label: a frame's lie together there
    points: np.ndarray  # float32 [N, 3], read-only, memory-mapped
    groups: np.ndarray | None
    octree: Octree
    ordered_points: np.ndarray  # float32 [N, 3] in octree order, memory-mapped
    derived: Derived
    path: Path
    regions: Regions | None = None  # regions computed for a dataset without the sidecars, kept here too


def read_cached_rows(source: Path) -> CachedRows | None:
    """The rows of ``source`` from its cache; None where there is none or it cannot be trusted."""
    found = existing_cache_path(source)
    if found is None:
        return None
    try:
        cache = open_cache(found, source_key(source))
        extra = cache.extra
        if extra.get("layout") != LAYOUT or extra.get("capacity") != CAPACITY:
            raise CacheError(f"{found}: written by another version")
        labels = LabelBlob(cache["label_blob"], cache["label_offsets"], check=False)  # the CRCs vouch for it
        ordered_labels = cache.label_file("ordered_label_blob", "ordered_label_offsets")  # read, not mapped
        names = extra.get("groups")
        groups = None
        if names is not None:
            table = np.array(names, dtype=object)
            groups = table[cache["group_codes"]]
        tree = Octree(**{name: cache[f"octree_{name}"] for name in OCTREE_FIELDS})
        box = extra["frame"]
        frame = Frame(np.array(box["low"]), np.array(box["high"]), int(box["far_outside"]))
        # The colours are recoloured in place: mapped copy-on-write. The lengths stay mapped read-only.
        derived = Derived(cache.copy_on_write("ordered_rgb"), cache["ordered_lengths"], frame,
                          np.array(box["every_low"]), np.array(box["every_high"]),
                          Grids(cache["grid_order"], cache["grid_first"]))  # fmt: skip
        regions = None
        if "regions" in extra:  # the members stay mapped, unread: the CRC vouches for them
            regions = regions_of_json(extra["regions"], cache["region_members"], check_members=False)
    except CacheError as exc:
        log.info("%s; reading %s instead", exc, source.name)
        return None
    except (OSError, KeyError, IndexError, ValueError, TypeError, RegionsError) as exc:
        log.info("%s: cache unusable (%s); reading %s instead", found, exc, source.name)
        return None
    return CachedRows(labels, ordered_labels, cache["points"], groups, tree, cache["ordered_points"], derived, found,
                      regions)  # fmt: skip


def write_cached_rows(
    source: Path,
    labels: Sequence[str],
    points: np.ndarray,
    groups: np.ndarray | None,
    tree: Octree | None = None,
    derived: Derived | None = None,
    regions: Regions | None = None,
    thumbs: np.ndarray | None = None,
) -> Path | None:
    """Write the cache of ``source`` (beside it, else under the user's cache); None if it cannot be written.

    ``tree`` and ``derived``, when the caller has them already (the window's
    loader), are written as they are; ``regions`` are those computed for a
    dataset without the regions sidecars. A cache is an optimisation: failing
    to write one costs the next open its speed, never the dataset.
    """
    tree = tree if tree is not None else build_octree(points)
    blob = labels if isinstance(labels, LabelBlob) else LabelBlob.of([str(label) for label in labels])
    ordered_blob = blob.reordered(tree.order)
    ordered = np.ascontiguousarray(np.asarray(points, dtype=np.float32)[tree.order])
    derived = derived if derived is not None else derive(ordered, tree, labels, groups, thumbs)
    arrays = {
        "points": np.ascontiguousarray(points, dtype=np.float32),
        "ordered_points": ordered,
        "label_blob": blob.blob,
        "label_offsets": blob.offsets,
        "ordered_label_blob": ordered_blob.blob,
        "ordered_label_offsets": ordered_blob.offsets,
        "ordered_rgb": derived.rgb,
        "ordered_lengths": derived.lengths,
        "grid_order": derived.grids.order,
        "grid_first": derived.grids.first,
        **{f"octree_{name}": getattr(tree, name) for name in OCTREE_FIELDS},
    }
    frame = derived.frame
    box = {"low": frame.low.tolist(), "high": frame.high.tolist(), "far_outside": frame.far_outside,
           "every_low": derived.low.tolist(), "every_high": derived.high.tolist()}  # fmt: skip
    extra: dict[str, object] = {"layout": LAYOUT, "capacity": CAPACITY, "points": len(points), "frame": box}
    if regions is not None:
        arrays["region_members"] = np.ascontiguousarray(regions.members, dtype=np.int32)
        extra["regions"] = regions.to_json()
    if groups is not None:
        names, codes = np.unique(np.asarray(groups).astype(str), return_inverse=True)
        arrays["group_codes"] = codes.astype(np.int32)
        extra["groups"] = [str(n) for n in names]
    try:
        path = writable_cache_path(source)
        write_cache(path, source_key(source), arrays, extra)
    except OSError as exc:
        log.info("%s: no cache written (%s)", source, exc)
        return None
    return path
