"""Named regions of a 3D map, coarse to fine: the signposts the explorer draws from afar.

**The hierarchy.** The 3D points are cut into about a thousand k-means
micro-clusters, whose centres are joined by Ward's hierarchical clustering.
The dendrogram cut at 16, 64 and 256 regions gives three levels, nested by
construction (each fine region lies inside one coarse one). The clustering is
done in 3D, not in the original space, because the names are signposts on
the map: a region must be one place you can fly to. Counts per level fit a
screen: HDBSCAN would find islands well, but not a number of names that fits
the overview, and it gives no levels at chosen scales. k-means plus Ward is
also linear in the points, so a million points take seconds.

**Names.** A word dataset (frequency-ordered: GloVe, pretrained vectors) names
a region by its 2–3 most representative words: the most frequent among its
more central half. Datasets with texts (a text column, or labels of several
words) use class-based TF-IDF: the words most distinctive of the region's
texts against the other regions'. Otherwise the labels nearest the centre.
A name never holds a rude word, a word already used at its level, or a word of
its parent's name, so flying in reads something new.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from explorer.core.regions import Region, Regions

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
    """Each point's micro-cluster (k-means), numbered from 0 with none empty."""
    from sklearn.cluster import MiniBatchKMeans

    k = max(1, min(MICRO_CLUSTERS, len(points) // 8))
    if k == 1:
        return np.zeros(len(points), dtype=np.int64)
    fit = MiniBatchKMeans(n_clusters=k, random_state=seed, n_init=3, batch_size=4096).fit(points)
    _, codes = np.unique(fit.labels_, return_inverse=True)
    return np.asarray(codes, dtype=np.int64)


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
