"""The dataset's binary cache: written with the dataset, mapped at the next open, never trusted when stale or broken."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

from explorer.core.cache import cache_path_for
from explorer.core.dataset import Dataset, cache_dataset, read_dataset, write_dataset

LABELS = ["straße", "кошка", "日本語", "👩‍👩‍👧", "a b", "Ünïcödé", "x"]


def world(n: int = 3000) -> Dataset:
    rng = np.random.default_rng(0)
    labels = np.array([LABELS[i % len(LABELS)] + str(i) for i in range(n)], dtype=object)
    groups = np.array(["de", "ru", "ja"], dtype=object)[rng.integers(0, 3, n)]
    return Dataset(labels=labels, points=rng.normal(size=(n, 3)).astype(np.float32), groups=groups)


def same_rows(a: Dataset, b: Dataset) -> bool:
    return (list(a.labels) == list(b.labels) and np.array_equal(a.points, b.points)
            and list(a.groups) == list(b.groups))  # fmt: skip


def test_a_written_dataset_opens_from_its_cache_with_the_same_rows(tmp_path: Path) -> None:
    path = tmp_path / "w.ds.tsv.gz"
    original = world()
    write_dataset(path, original)
    assert cache_path_for(path).is_file()
    fast = read_dataset(path)
    assert fast.octree is not None and fast.ordered_points is not None  # mapped, not parsed
    assert not fast.points.flags.writeable
    assert np.array_equal(fast.ordered_points, fast.points[fast.octree.order])
    cache_path_for(path).unlink()
    slow = read_dataset(path)
    assert slow.octree is None
    assert same_rows(fast, slow)
    assert list(fast.labels) == list(original.labels) and np.allclose(fast.points, original.points, rtol=1e-5)


def test_a_touched_or_edited_dataset_is_read_from_its_text(tmp_path: Path) -> None:
    path = tmp_path / "w.ds.tsv"
    write_dataset(path, world(50))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert read_dataset(path).octree is None  # touched: the cache is stale
    text = path.read_text(encoding="utf-8").replace("straße0", "strasse0")
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the same size and the old time again
    assert read_dataset(path).labels[0] == "strasse0"  # the head's hash tells


def test_a_broken_cache_is_ignored_and_written_again(tmp_path: Path) -> None:
    path = tmp_path / "w.ds.tsv.gz"
    write_dataset(path, world())
    cache = cache_path_for(path)
    data = bytearray(cache.read_bytes())
    data[len(data) // 2] ^= 0xFF  # a bit flipped in the arrays
    cache.write_bytes(bytes(data))
    again = read_dataset(path)
    cache.unlink()
    assert again.octree is None and same_rows(again, read_dataset(path))
    assert cache_dataset(again) == cache  # the loader writes it afresh
    assert read_dataset(path).octree is not None
    cache.write_bytes(b"")  # and an empty one
    assert read_dataset(path).octree is None


def test_the_demo_files_get_a_cache_at_first_open(tmp_path: Path) -> None:
    path = tmp_path / "demo.ds.tsv.gz"
    path.write_bytes(gzip.compress("".join(f"w{i}\t{i}\t{-i}\t{i / 2}\n" for i in range(100)).encode()))
    first = read_dataset(path)
    assert first.octree is None and cache_dataset(first) is not None
    second = read_dataset(path)
    assert second.octree is not None and list(second.labels) == list(first.labels) and second.groups is None


def test_the_cache_holds_what_the_explorer_derives_and_the_labels_as_a_blob(tmp_path: Path) -> None:
    from explorer.core.cache import LabelBlob
    from explorer.core.cloud import prepare_cloud

    path = tmp_path / "w.ds.tsv.gz"
    write_dataset(path, world())
    fast = read_dataset(path, blob_labels=True)
    assert isinstance(fast.labels, LabelBlob) and fast.derived is not None
    assert list(fast.labels) == list(read_dataset(path).labels)  # the same labels, as one blob
    cache_path_for(path).unlink()
    slow = read_dataset(path)
    assert slow.derived is None
    mapped, computed = prepare_cloud(fast), prepare_cloud(slow)
    assert np.array_equal(mapped.rgb, computed.rgb)  # the default colours, by group
    assert np.array_equal(mapped.picker.lengths, computed.picker.lengths)
    assert mapped.picker.lengths.dtype == np.uint16 and mapped.picker.lengths.max() == max(map(len, LABELS)) + 4
    assert np.allclose(mapped.frame.low, computed.frame.low) and mapped.frame.far_outside == computed.frame.far_outside
    assert mapped.extent == computed.extent and mapped.color_mode == "group"
    assert np.array_equal(mapped.index.grids.order, computed.index.grids.order)  # the nodes' grids, kept too
    # Recolouring in place works on a mapped world: its colours are mapped copy-on-write, the file untouched.
    other = tmp_path / "other.ds.tsv.gz"
    write_dataset(other, world())
    before = cache_path_for(other).read_bytes()
    cloud = prepare_cloud(read_dataset(other, blob_labels=True))
    assert cloud.dataset.octree is not None  # from the cache
    cloud.rgb[:5] = 0
    assert (cloud.rgb[:5] == 0).all() and not np.array_equal(cloud.rgb, computed.rgb)
    again = prepare_cloud(read_dataset(other, blob_labels=True))
    assert again.dataset.octree is not None and np.array_equal(again.rgb, computed.rgb)
    assert cache_path_for(other).read_bytes() == before


def test_regions_named_for_a_dataset_without_sidecars_are_kept_in_its_cache(tmp_path: Path) -> None:
    import dataclasses

    from explorer.core.dataset import regions_paths
    from explorer.core.regions import build_regions

    path = tmp_path / "w.ds.tsv.gz"
    write_dataset(path, world())
    first = read_dataset(path, blob_labels=True)
    assert first.regions is None and not any(p.exists() for p in regions_paths(path))
    regions = build_regions(np.asarray(first.points), list(first.labels), sizes=(4, 12))
    assert cache_dataset(dataclasses.replace(first, regions=regions), first.octree, first.derived) is not None
    again = read_dataset(path, blob_labels=True)
    assert again.regions is not None and again.octree is not None
    assert [[r.name for r in level] for level in again.regions.levels] == [
        [r.name for r in level] for level in regions.levels
    ]
    assert np.array_equal(again.regions.members, regions.members)
    assert read_dataset(path, sidecars=False).regions is None  # asked for the rows alone


def test_the_labels_in_octree_order_are_the_rows_labels_reordered(tmp_path: Path) -> None:
    from explorer.core.cache import LabelBlob, LabelFile

    blob = LabelBlob.of(LABELS * 3)
    order = np.random.default_rng(1).permutation(len(blob))
    assert list(blob.reordered(order)) == [blob[int(i)] for i in order]
    path = tmp_path / "w.ds.tsv.gz"
    write_dataset(path, world())
    fast = read_dataset(path, blob_labels=True)
    assert fast.octree is not None and isinstance(fast.ordered_labels, LabelFile)
    assert list(fast.ordered_labels) == [fast.labels[int(r)] for r in fast.octree.order]
