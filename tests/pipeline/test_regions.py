"""Named regions: nested levels, names from their members, the sidecars and the regions command."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from explorer.core.dataset import Dataset, DatasetError, read_dataset, regions_paths, write_dataset
from explorer.core.regions import build_regions

THEMES = {
    "sport": ["football", "goal", "league", "team", "match"],
    "water": ["river", "lake", "ocean", "stream", "bay"],
    "royal": ["king", "queen", "crown", "throne", "castle"],
    "food": ["bread", "cheese", "butter", "soup", "apple"],
}


def themed_cloud(per: int = 150) -> tuple[np.ndarray, list[str], list[str]]:
    """Four far-apart balls; the theme's words come first (the frequent ones), then rarer ones."""
    rng = np.random.default_rng(0)
    points, labels, themes = [], [], []
    for t, (theme, words) in enumerate(THEMES.items()):
        centre = np.array([t * 20.0, (t % 2) * 20.0, 0.0])
        points.append(centre + rng.normal(size=(per, 3)))
        labels += words + [f"{theme}{i}" for i in range(per - len(words))]
        themes += [theme] * per
    order = np.argsort([0 if lab in sum(THEMES.values(), []) else 1 for lab in labels], kind="stable")
    return np.vstack(points)[order], [labels[i] for i in order], [themes[i] for i in order]


def test_levels_nest_and_the_top_follows_the_islands() -> None:
    points, labels, themes = themed_cloud()
    regions = build_regions(points, labels, sizes=(4, 12), frequency_ordered=True, banned=lambda w: w == "goal")
    assert [len(level) for level in regions.levels] == [4, 12]
    top, fine = regions.members[:, 0], regions.members[:, 1]
    for rid in range(4):
        assert len({themes[i] for i in np.flatnonzero(top == rid)}) == 1  # one island each
    for region in regions.levels[1]:
        assert set(top[fine == region.id]) == {region.parent}  # a fine region lies inside its parent
    sport = next(r for r in regions.levels[0] if "football" in r.name)
    assert sport.name.split(" · ")[0] == "football" and "goal" not in sport.name  # frequent first; banned never
    for level in regions.levels:
        words = [w for r in level for w in r.name.split(" · ")]
        assert len(words) == len(set(words)) and set(words) <= set(labels)  # member words, none twice
        for r in level:
            assert all(labels.index(w) in np.flatnonzero(regions.members[:, regions.levels.index(level)] == r.id)
                       for w in r.name.split(" · "))  # fmt: skip


def test_texts_name_regions_by_their_distinctive_words() -> None:
    points, labels, themes = themed_cloud(80)
    texts = [f"a note about the {THEMES[t][0]} and more" for t in themes]
    regions = build_regions(points, [f"doc {i}" for i in range(len(points))], sizes=(4,), texts=texts)
    names = sorted(r.name.split(" · ")[0] for r in regions.levels[0])
    assert names == sorted(words[0] for words in THEMES.values())  # not "note" or "about": they are everywhere


def test_the_sidecars_round_trip_and_a_broken_one_says_where(tmp_path: Path) -> None:
    points, labels, _ = themed_cloud(30)
    regions = build_regions(points, labels, sizes=(2, 4))
    path = tmp_path / "r.ds.tsv.gz"
    write_dataset(path, Dataset(np.array(labels, dtype=object), points.astype(np.float32), regions=regions))
    back = read_dataset(path).regions
    assert back is not None and back.names(1) == regions.names(1)
    np.testing.assert_array_equal(back.members, regions.members)
    assert back.levels[0][0].centroid == pytest.approx(regions.levels[0][0].centroid, abs=1e-5)
    json_path, _ = regions_paths(path)
    json_path.write_text('{"levels": [[{"id": 0, "parent": null, "name": "x"}]]}', encoding="utf-8")
    with pytest.raises(DatasetError, match=r"r\.ds\.regions\.json: level 0, region 0: 'centroid'"):
        read_dataset(path)


def test_the_regions_command(cli, make_dataset, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = make_dataset(tmp_path / "w.ds.tsv.gz", n=600)
    result = cli("regions", path, "--levels", "3,9")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("level 0: 3 regions: ")
    regions = read_dataset(path).regions
    assert regions is not None and [len(level) for level in regions.levels] == [3, 9]
    bad = cli("regions", path, "--text-column", "caption")
    assert bad.returncode == 2 and "no column 'caption' in its columns sidecar (none)" in bad.stderr


def test_a_dataset_without_sidecars_gets_regions_once_then_from_the_cache(
    make_dataset, private_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import explorer.core.regions as regions_module

    path = make_dataset(tmp_path / "plain.ds.tsv.gz", n=800)
    ds = read_dataset(path)
    first = regions_module.cached_regions(path, ds.points, list(ds.labels), ds.meta, lambda _w: False)
    assert len(list((private_cache / "flythrough" / "regions").glob("*.json"))) == 1

    def never(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("built again")

    with monkeypatch.context() as patch:
        patch.setattr(regions_module, "build_regions", never)
        again = regions_module.cached_regions(path, ds.points, list(ds.labels), ds.meta, lambda _w: False)
    assert again.names(0) == first.names(0)  # read from the cache
    write_dataset(path, Dataset(ds.labels, ds.points * 2))
    changed = regions_module.cached_regions(path, ds.points * 2, list(ds.labels), {}, lambda _w: False)  # a new file
    assert len(list((private_cache / "flythrough" / "regions").glob("*.json"))) == 2
    assert changed.levels[0][0].centroid != first.levels[0][0].centroid


def test_the_bundled_english_world_reads_from_its_overview() -> None:
    from explorer.core.camera import FlyCamera
    from explorer.core.files import bundled
    from explorer.core.framing import frame_of
    from explorer.core.labels import Occupancy
    from explorer.core.signposts import SignpostPicker
    from explorer.core.view import View

    world = read_dataset(bundled("data", "words-en.ds.tsv.gz"), sidecars=False)
    labels = [str(v) for v in world.labels]
    regions = build_regions(world.points, labels, frequency_ordered=True)
    camera = FlyCamera()
    frame = frame_of(world.points)
    camera.overview(frame.low, frame.high)  # as the explorer opens it
    view = View(camera.position, camera.forward, camera.right, camera.up, camera.settings.fov_deg, 1280, 720)
    posts = SignpostPicker(regions).select(view, Occupancy(10))
    assert 10 <= len(posts) <= 25
    for depth, level in enumerate(regions.levels):
        for region in level:
            rows = np.flatnonzero(regions.members[:, depth] == region.id)
            members = {labels[i] for i in rows}
            assert set(region.name.split(" · ")) <= members  # every name is a member word of its region


def test_the_bundled_languages_world_has_a_continent_per_language() -> None:
    """The exhibition's "which language is this?": the top regions each speak (nearly) one language."""
    from explorer.core.files import bundled

    world = read_dataset(bundled("data", "languages.ds.tsv.gz"))
    assert world.regions is not None and world.groups is not None
    top = world.regions.members[:, 0]
    groups = np.asarray(world.groups)
    pure, own = 0, set()
    for region in np.unique(top[top >= 0]):
        names, counts = np.unique(groups[top == region], return_counts=True)
        pure += counts.max()
        if counts.max() / counts.sum() >= 0.9:
            own.add(str(names[counts.argmax()]))
    assert pure / (top >= 0).sum() >= 0.9  # size-weighted purity
    assert len(own) >= 6, own  # of the 8 languages


def test_the_regions_command_replaces_a_broken_sidecar(cli, make_dataset, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = make_dataset(tmp_path / "w.ds.tsv.gz", n=300)
    json_path, npy_path = regions_paths(path)
    json_path.write_text("{}", encoding="utf-8")
    np.save(npy_path, np.zeros((3, 1), dtype=np.int32))  # rows for another dataset
    result = cli("regions", path, "--levels", "4")
    assert result.returncode == 0, result.stderr
    assert read_dataset(path).regions is not None


def test_regions_of_a_tiny_scale_survive_the_sidecar(tmp_path: Path) -> None:
    points, labels, _ = themed_cloud(30)
    regions = build_regions(points * 1e-20, labels, sizes=(2,))
    path = tmp_path / "tiny.ds.tsv.gz"
    write_dataset(path, Dataset(np.array(labels, dtype=object), (points * 1e-20).astype(np.float32), regions=regions))
    back = read_dataset(path).regions
    assert back is not None and back.levels[0][0].centroid == regions.levels[0][0].centroid  # exact, not 0.0
