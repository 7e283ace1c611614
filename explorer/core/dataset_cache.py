"""A dataset's binary cache (``NAME.ds.cache``): its rows and its octree, memory-mapped at the next open (pure).

What goes in: the points (row order), the labels as a UTF-8 blob, the group
codes, the octree and the points in octree order. The TSV stays the source of
truth: the cache carries the TSV's key (size, mtime, hash of its head), and a
cache that does not match, or fails its checks, is ignored and written again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explorer.core.cache import (
    CacheError,
    LabelBlob,
    existing_cache_path,
    open_cache,
    source_key,
    writable_cache_path,
    write_cache,
)
from explorer.core.octree import CAPACITY, Octree, build_octree

log = logging.getLogger(__name__)

LAYOUT = 2  # what this module puts in a cache; bumped when that changes, so that old caches are rebuilt
OCTREE_FIELDS = ("order", "start", "count", "depth", "parent", "first_child", "children", "center", "half")


@dataclass(frozen=True)
class CachedRows:
    """What a cache gives back: enough to fly without parsing the TSV."""

    labels: np.ndarray  # object array of str
    points: np.ndarray  # float32 [N, 3], read-only, memory-mapped
    groups: np.ndarray | None
    octree: Octree
    ordered_points: np.ndarray  # float32 [N, 3] in octree order, memory-mapped
    path: Path


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
        labels = np.array(list(LabelBlob(cache["label_blob"], cache["label_offsets"])), dtype=object)
        names = extra.get("groups")
        groups = None
        if names is not None:
            table = np.array(names, dtype=object)
            groups = table[cache["group_codes"]]
        tree = Octree(**{name: cache[f"octree_{name}"] for name in OCTREE_FIELDS})
    except CacheError as exc:
        log.info("%s; reading %s instead", exc, source.name)
        return None
    except (OSError, KeyError, IndexError, ValueError, TypeError) as exc:
        log.info("%s: cache unusable (%s); reading %s instead", found, exc, source.name)
        return None
    return CachedRows(labels, cache["points"], groups, tree, cache["ordered_points"], found)


def write_cached_rows(
    source: Path, labels: np.ndarray, points: np.ndarray, groups: np.ndarray | None, tree: Octree | None = None
) -> Path | None:
    """Write the cache of ``source`` (beside it, else under the user's cache); None if it cannot be written.

    A cache is an optimisation: failing to write one costs the next open its
    speed, never the dataset.
    """
    tree = tree if tree is not None else build_octree(points)
    blob = LabelBlob.of([str(label) for label in labels])
    arrays = {
        "points": np.ascontiguousarray(points, dtype=np.float32),
        "ordered_points": np.ascontiguousarray(np.asarray(points, dtype=np.float32)[tree.order]),
        "label_blob": blob.blob,
        "label_offsets": blob.offsets,
        **{f"octree_{name}": getattr(tree, name) for name in OCTREE_FIELDS},
    }
    extra: dict[str, object] = {"layout": LAYOUT, "capacity": CAPACITY, "points": len(points)}
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
