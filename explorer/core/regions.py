"""Named regions of a map, coarse to fine: the signposts read from afar (pure).

Two sidecars beside ``NAME.ds.tsv.gz`` hold them:

- ``NAME.ds.regions.json``: ``{"levels": [[{"id", "parent", "name", "centroid",
  "radius", "size"}, …], …]}``, the coarsest level first. A region's ``id`` is
  its place in its level's list; ``parent`` is the id of the region of the
  level above that holds it (None at the top).
- ``NAME.ds.regions.npy``: int32 ``[N, levels]``, each point's region id per
  level, −1 for none.

This module builds them (the pipeline when it writes a dataset, the explorer
for a dataset without them), and is their one reader and writer.

**The hierarchy.** The 3D points are cut into about a thousand micro-clusters
(the occupied cells of a grid), whose centres are joined by Ward's
hierarchical clustering.
The dendrogram cut at 16, 64 and 256 regions gives three levels, nested by
construction (each fine region lies inside one coarse one). The clustering is
done in 3D, not in the original space, because the names are signposts on
the map: a region must be one place you can fly to. Counts per level fit a
screen: HDBSCAN would find islands well, but not a number of names that fits
the overview, and it gives no levels at chosen scales. A grid plus Ward is
also linear in the points, so a million points take seconds.

**Names.** A word dataset (frequency-ordered: GloVe, pretrained vectors) names
a region by its 2 most representative words: the most frequent among its
more central half. Datasets with texts (a text column, or labels of several
words) use class-based TF-IDF: the words most distinctive of the region's
texts against the other regions'. Otherwise the labels nearest the centre.
A name never holds a rude word, a word already used at its level, or a word of
its parent's name, so flying in reads something new.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import InitVar, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from explorer.core.files import atomic_file, cache_home


class RegionsError(ValueError):
    """A regions sidecar that breaks its format; the message says where and why."""


@dataclass(frozen=True)
class Region:
    id: int
    parent: int | None
    name: str
    centroid: tuple[float, float, float]
    radius: float  # the distance from the centroid within which most of its points lie
    size: int  # points


@dataclass(frozen=True, eq=False)
class Regions:
    """Every level's regions, and each point's region per level."""

    levels: list[list[Region]]
    members: np.ndarray  # int32 [N, levels]; -1: in no region of that level
    # False where the members come from a source that vouches for them (the binary cache's CRC): they are
    # then not read at all, and a memory-mapped array stays out of memory until a row is looked up.
    check_members: InitVar[bool] = True

    def __post_init__(self, check_members: bool) -> None:
        if self.members.ndim != 2 or self.members.shape[1] != len(self.levels):
            raise RegionsError(f"members must be [N, {len(self.levels)}], not {self.members.shape}")
        for depth, level in enumerate(self.levels):
            for i, region in enumerate(level):
                if region.id != i:
                    raise RegionsError(f"level {depth}: region {i} has id {region.id}")
                if depth == 0 and region.parent is not None:
                    raise RegionsError(f"level 0: region {i} has a parent")
                if depth > 0 and not (region.parent is not None and 0 <= region.parent < len(self.levels[depth - 1])):
                    raise RegionsError(f"level {depth}: region {i} has no parent in level {depth - 1}")
            column = self.members[:, depth]
            if check_members and len(column) and (column.min() < -1 or column.max() >= len(level)):
                raise RegionsError(f"level {depth}: a point's region is not one of the level's {len(level)}")

    def __len__(self) -> int:
        return len(self.members)

    def centroids(self, depth: int) -> np.ndarray:
        """float64 [regions, 3] of one level."""
        return np.array([r.centroid for r in self.levels[depth]], dtype=np.float64).reshape(-1, 3)

    def names(self, depth: int) -> list[str]:
        return [r.name for r in self.levels[depth]]

    def to_json(self) -> dict[str, Any]:
        return {
            "levels": [
                [
                    {
                        "id": r.id,
                        "parent": r.parent,
                        "name": r.name,
                        "centroid": [float(c) for c in r.centroid],  # in full: exact at any scale
                        "radius": float(r.radius),
                        "size": r.size,
                    }  # fmt: skip
                    for r in level
                ]
                for level in self.levels
            ]
        }


def regions_of_json(value: Any, members: np.ndarray, *, check_members: bool = True) -> Regions:
    """Regions from the JSON sidecar's content and the membership array; :class:`RegionsError` if malformed."""
    if not isinstance(value, dict) or not isinstance(value.get("levels"), list):
        raise RegionsError('expected {"levels": [[region, …], …]}')
    levels: list[list[Region]] = []
    for depth, level in enumerate(value["levels"]):
        if not isinstance(level, list):
            raise RegionsError(f"level {depth} is not a list of regions")
        regions = []
        for i, item in enumerate(level):
            try:
                centroid = tuple(float(c) for c in item["centroid"])
                if len(centroid) != 3:
                    raise ValueError("centroid needs 3 numbers")
                parent = item["parent"]
                regions.append(Region(int(item["id"]), None if parent is None else int(parent), str(item["name"]),
                                      (centroid[0], centroid[1], centroid[2]), float(item["radius"]),
                                      int(item["size"])))  # fmt: skip
            except (KeyError, TypeError, ValueError) as exc:
                raise RegionsError(f"level {depth}, region {i}: {exc}") from None
        levels.append(regions)
    return Regions(levels, np.asarray(members, dtype=np.int32), check_members)


def write_regions(json_path: Path, npy_path: Path, regions: Regions) -> None:
    """Both sidecars, each atomically."""
    with atomic_file(npy_path) as fh:
        np.save(fh, np.ascontiguousarray(regions.members, dtype=np.int32), allow_pickle=False)
    with atomic_file(json_path) as fh:
        fh.write((json.dumps(regions.to_json(), ensure_ascii=False) + "\n").encode("utf-8"))


def read_regions(json_path: Path, npy_path: Path, n_points: int) -> Regions:
    """Both sidecars; :class:`RegionsError` names the file and the problem."""
    try:
        members = np.load(npy_path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise RegionsError(f"{npy_path}: not a NumPy array file: {exc}") from None
    if members.ndim != 2 or members.shape[0] != n_points or members.dtype.kind not in "iu":
        raise RegionsError(f"{npy_path}: expected int32 [{n_points}, levels], found {members.dtype} {members.shape}")
    try:
        value = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RegionsError(f"{json_path}: not valid JSON: {exc}") from None
    try:
        return regions_of_json(value, members)
    except RegionsError as exc:
        raise RegionsError(f"{json_path}: {exc}") from None


# ----------------------------------------------------------------- building


MIN_POINTS = 16  # a map smaller than this has no regions worth a name
LEVELS = (16, 64, 256)  # regions per level, coarse to fine: 16 fits an overview (10-25 names)
MICRO_CLUSTERS = 1024
RADIUS_SHARE = 0.8  # a region's radius holds this share of its points
WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)  # words of 3 letters or more, in any script


def build_regions(
    points: np.ndarray,
    labels: Sequence[str],
    *,
    sizes: Sequence[int] = LEVELS,
    frequency_ordered: bool = False,
    texts: Sequence[str] | None = None,
    banned: Callable[[str], bool] | None = None,
    seed: int = 42,
) -> Regions:
    """The named regions of ``points`` (N×3), with ``sizes`` regions per level, coarse to fine."""
    points = np.asarray(points, dtype=np.float64)
    n = len(points)
    micro = _micro_clusters(points, seed)
    cuts = _levels(points, micro, sizes)
    members = np.stack(cuts, axis=1).astype(np.int32) if cuts else np.zeros((n, 0), np.int32)
    namer = _namer(labels, frequency_ordered=frequency_ordered, texts=texts, banned=banned or (lambda _w: False))
    levels: list[list[Region]] = []
    for depth, cut in enumerate(cuts):
        used: set[str] = set()
        level = []
        for rid in range(int(cut.max()) + 1):
            rows = np.flatnonzero(cut == rid)
            centroid = points[rows].mean(axis=0)
            distance = np.linalg.norm(points[rows] - centroid, axis=1)
            parent = int(cuts[depth - 1][rows[0]]) if depth else None
            avoid = used | (set(levels[depth - 1][parent].name.split(" · ")) if parent is not None else set())
            words = namer(rows, distance, 2, avoid, int(cut.max()) + 1)
            used |= set(words)
            x, y, z = (float(c) for c in centroid)
            radius = float(np.quantile(distance, RADIUS_SHARE))
            level.append(Region(rid, parent, " · ".join(words), (x, y, z), radius, len(rows)))
        levels.append(level)
    return Regions(levels, members)


def _micro_clusters(points: np.ndarray, seed: int) -> np.ndarray:
    """Each point's micro-cluster, numbered from 0, none empty: the occupied cells of a 3D grid.

    The grid is as fine as it can be while about ``MICRO_CLUSTERS`` cells hold
    points (found by halving), over the box of the central 99% (strays share
    the edge cells). A grid is linear in the points, needs no seed and takes
    milliseconds at a million points, where k-means takes minutes.
    """
    del seed  # the grid needs none; kept so that every way of clustering takes the same arguments
    n = len(points)
    target = max(1, min(MICRO_CLUSTERS, n // 8))
    if target == 1:
        return np.zeros(n, dtype=np.int64)
    low, high = np.quantile(points, [0.005, 0.995], axis=0)
    span = np.where(high - low > 0, high - low, 1.0)
    unit = np.clip((points - low) / span, 0.0, 1.0 - 1e-9)

    def cells(per_axis: int) -> np.ndarray:
        q = (unit * per_axis).astype(np.int64)
        codes: np.ndarray = (q[:, 0] * per_axis + q[:, 1]) * per_axis + q[:, 2]
        return codes

    lo, hi = 1, 1024
    while lo < hi:  # the finest grid with no more than ``target`` occupied cells
        mid = (lo + hi + 1) // 2
        if len(np.unique(cells(mid))) <= target:
            lo = mid
        else:
            hi = mid - 1
    _, codes = np.unique(cells(lo), return_inverse=True)
    return np.asarray(codes, dtype=np.int64).reshape(-1)


def _levels(points: np.ndarray, micro: np.ndarray, sizes: Sequence[int]) -> list[np.ndarray]:
    """Each point's region per level: the Ward dendrogram of the micro-clusters' centres, cut at each size."""
    from scipy.cluster.hierarchy import fcluster, linkage

    k = int(micro.max()) + 1
    counts = np.bincount(micro, minlength=k).astype(np.float64)
    centres = np.zeros((k, 3))
    np.add.at(centres, micro, points)
    centres /= counts[:, None]
    if k == 1:
        return [np.zeros(len(points), dtype=np.int64) for _ in sizes]
    tree = linkage(centres, method="ward")
    cuts = []
    for size in sorted(set(min(s, k) for s in sizes)):
        flat = fcluster(tree, t=size, criterion="maxclust") - 1
        by_point = flat[micro]
        # Number regions largest first, so that ids read in order of importance.
        order = np.argsort(-np.bincount(by_point), kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        cuts.append(rank[by_point].astype(np.int64))
    return cuts


# (rows, their distances to the centre, how many words, words to avoid, regions in the level) -> words
Namer = Callable[[np.ndarray, np.ndarray, int, set[str], int], list[str]]


def _namer(
    labels: Sequence[str], *, frequency_ordered: bool, texts: Sequence[str] | None, banned: Callable[[str], bool]
) -> Namer:
    if texts is None and not frequency_ordered and _multiword(labels):
        texts = labels
    if texts is not None:
        return _tfidf_namer(texts, banned)

    def representative(rows: np.ndarray, distance: np.ndarray, count: int, avoid: set[str], _regions: int) -> list[str]:
        """The most frequent words of the region's more central half (or the most central labels)."""
        central = rows[np.argsort(distance, kind="stable")[: max(count, (len(rows) + 1) // 2)]]
        ordered = np.sort(central) if frequency_ordered else central  # row order is frequency order
        picked: list[str] = []
        for row in ordered.tolist():
            word = str(labels[row])
            readable = WORD.fullmatch(word) is not None  # a word of letters, not a fragment like "ly" or "ic"
            if readable and word not in avoid and word not in picked and not banned(word):
                picked.append(word)
                if len(picked) == count:
                    break
        return picked or [str(labels[int(central[0])])]

    return representative


def _multiword(labels: Sequence[str], sample: int = 500) -> bool:
    step = max(1, len(labels) // sample)
    shown = [str(labels[i]) for i in range(0, len(labels), step)]
    return bool(shown) and sum(len(WORD.findall(s)) > 2 for s in shown) > len(shown) / 2


def _tfidf_namer(texts: Sequence[str], banned: Callable[[str], bool]) -> Namer:
    """Class-based TF-IDF: a word's share of the region's words, weighted by how rare it is across the map."""
    tokens = [[w.casefold() for w in WORD.findall(str(t))] for t in texts]
    totals: dict[str, int] = {}
    for words in tokens:
        for w in words:
            totals[w] = totals.get(w, 0) + 1
    all_words = sum(totals.values())

    def distinctive(rows: np.ndarray, _distance: np.ndarray, count: int, avoid: set[str], regions: int) -> list[str]:
        """BERTopic's c-TF-IDF: tf(t, region) · log(1 + A / f(t)), A the mean words per region."""
        counts: dict[str, int] = {}
        for row in rows.tolist():
            for w in tokens[row]:
                counts[w] = counts.get(w, 0) + 1
        mean_words = all_words / max(1, regions)
        score = {w: c * float(np.log(1 + mean_words / totals[w])) for w, c in counts.items()}
        ranked = sorted(score, key=lambda w: (-score[w], w))
        picked = [w for w in ranked if w not in avoid and not banned(w)][:count]
        return picked or [str(texts[int(rows[0])])[:40]]

    return distinctive


# ----------------------------------------------------------------- a dataset without the sidecars

CACHE_VERSION = 1  # bump when the regions a file gives change, so that old cache entries are never read
FREQUENCY_ORDERED = ("text corpus", "word vectors")  # sources whose rows come most frequent first


def cache_folder() -> Path:
    """Where computed regions are kept: ``$XDG_CACHE_HOME/flythrough/regions`` (``~/.cache`` by default)."""
    return cache_home() / "regions"


def cached_regions(
    path: Path, points: np.ndarray, labels: Sequence[str], meta: dict[str, Any], banned: Callable[[str], bool]
) -> Regions:
    """The regions of a dataset file without the sidecars: read from the cache, or built and cached.

    The cache is keyed by the file's SHA-256, so an edited file gets new regions.
    A cache that cannot be written (read-only home) only costs the next start.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    folder = cache_folder()
    stem = folder / f"{digest.hexdigest()}-v{CACHE_VERSION}"
    json_path, npy_path = stem.with_suffix(".json"), stem.with_suffix(".npy")
    if json_path.exists() and npy_path.exists():
        try:
            return read_regions(json_path, npy_path, len(points))
        except RegionsError:
            pass  # a damaged entry is built again
    source = meta.get("source")
    ordered = isinstance(source, dict) and source.get("kind") in FREQUENCY_ORDERED
    regions = build_regions(points, labels, frequency_ordered=ordered, banned=banned)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_regions(json_path, npy_path, regions)
    except OSError:
        pass
    return regions
