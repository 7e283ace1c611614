"""The bundled picture worlds: what they hold, and that their map makes sense."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial import cKDTree

from explorer.core.dataset import read_dataset
from explorer.core.files import bundled
from pipeline.worlds import EMOJI_PX, THUMB_PX, digit_pictures, emoji, main, name_words


def test_digits_are_drawn_dark_on_white() -> None:
    image = np.zeros((1, 8, 8))
    image[0, 2:6, 3:5] = 16  # a stroke of full ink
    picture = digit_pictures(image)[0]
    assert picture.shape == (THUMB_PX, THUMB_PX, 3) and picture.dtype == np.uint8
    assert picture[0, 0].tolist() == [255, 255, 255]  # paper
    middle = THUMB_PX // 2
    assert picture[middle, middle].max() < 60  # ink


def test_the_bundled_digits_world_groups_the_digits_and_carries_their_pictures() -> None:
    from sklearn.datasets import load_digits

    world = read_dataset(bundled("data", "digits.ds.tsv.gz"))
    assert len(world) == 1797 and world.thumbs is not None and world.thumbs.shape == (1797, THUMB_PX, THUMB_PX, 3)
    assert world.group_counts().keys() == {str(d) for d in range(10)}
    target = load_digits().target
    assert [int(g) for g in world.groups] == target.tolist()  # row order is the data's
    assert np.array_equal(world.thumbs[0], digit_pictures(load_digits().images[:1])[0])
    # Meaning kept in 3D: a digit's nearest neighbours on the map are mostly the same digit.
    _, near = cKDTree(world.points).query(world.points, k=11)
    same = (target[near[:, 1:]] == target[:, None]).mean()
    assert same > 0.9, same
    assert world.knn is not None and world.meta["reduction"]["metric"] == "euclidean"


# Emoji with Unicode names, by kind: animals and foods, each drawn in its kind's colour.
ANIMALS = [0x1F400 + i for i in range(0, 30)]  # RAT, MOUSE, OX, WATER BUFFALO, COW, TIGER ...
FOODS = [0x1F345 + i for i in range(0, 26)]  # TOMATO, AUBERGINE, EAR OF MAIZE ...


def _svg(rgb: str) -> bytes:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 36 36"><circle cx="18" cy="18" r="16" '
            f'fill="{rgb}"/></svg>').encode()  # fmt: skip


def _package(tmp_path: Path) -> Path:
    """A tiny stand-in for the npm package: its layout, SVGs of two kinds, a sequence and a broken file."""
    path = tmp_path / "twemoji-16.0.1.tgz"
    with tarfile.open(path, "w:gz") as archive:

        def add(name: str, data: bytes) -> None:
            info = tarfile.TarInfo(f"package/dist/svg/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))

        for code in ANIMALS:
            add(f"{code:x}.svg", _svg("#c08040"))
        for code in FOODS:
            add(f"{code:x}.svg", _svg("#30c030"))
        add("2764-fe0f.svg", _svg("#e02020"))  # HEAVY BLACK HEART, with the emoji variation selector
        add("1f468-200d-1f469-200d-1f467.svg", _svg("#ffffff"))  # a family: a sequence, no name of its own
        add("1f431.svg", b"<svg not really")  # CAT FACE: unreadable, so left out
        add("1f595.svg", _svg("#c08040"))  # REVERSED HAND WITH MIDDLE FINGER EXTENDED: a rude gesture, left out
    return path


def _vectors(tmp_path: Path) -> Path:
    """GloVe-format vectors where animal words and food words lie apart; "heart" near the foods."""
    rng = np.random.default_rng(0)
    lines = []
    kinds = {"animal": ANIMALS, "food": FOODS}
    centres = {"animal": np.full(20, 1.0), "food": np.full(20, -1.0)}
    seen: set[str] = set()
    for kind, codes in kinds.items():
        for code in codes:
            for word in name_words(chr(code)):
                if word not in seen:
                    seen.add(word)
                    v = centres[kind] + 0.3 * rng.standard_normal(20)
                    lines.append(word + " " + " ".join(f"{x:.4f}" for x in v))
    lines.append("heart " + " ".join(["-1.0"] * 20))
    for word in name_words(chr(0x1F595)):  # the rude gesture's words have vectors: only its picture leaves it out
        lines.append(word + " " + " ".join(["1.0"] * 20))
    path = tmp_path / "vectors.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_emoji_world_places_each_emoji_by_its_name_and_draws_it(tmp_path: Path) -> None:
    world = emoji(_package(tmp_path), _vectors(tmp_path))
    names = {" ".join(name_words(chr(c))) for c in ANIMALS + FOODS} | {"heavy black heart"}
    assert set(world.labels.tolist()) == names  # the sequence, the unreadable SVG and the rude gesture are left out
    assert world.thumbs is not None and world.thumbs.shape == (len(names), EMOJI_PX, EMOJI_PX, 3)
    labels = world.labels.tolist()
    rat = world.thumbs[labels.index("rat")]
    assert rat[EMOJI_PX // 2, EMOJI_PX // 2].tolist() == [0xC0, 0x80, 0x40] and rat[0, 0].tolist() == [0, 0, 0]
    assert world.thumbs[labels.index("tomato")][EMOJI_PX // 2, EMOJI_PX // 2].tolist() == [0x30, 0xC0, 0x30]
    # Placed by meaning: an animal's nearest neighbours on the map are animals, a food's are foods.
    animal = np.array([lab in {" ".join(name_words(chr(c))) for c in ANIMALS} for lab in labels])
    _, near = cKDTree(world.points).query(world.points, k=6)
    assert (animal[near[:, 1:]] == animal[:, None]).mean() > 0.9
    assert world.meta["source"]["emoji_kept"] == len(names) and world.meta["source"]["emoji_found"] == len(names) + 1


def test_the_emoji_world_says_what_is_wrong_with_its_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    not_a_package = tmp_path / "twemoji.tgz"
    not_a_package.write_text("hello", encoding="utf-8")
    out = tmp_path / "emoji.ds.tsv.gz"
    assert main(["emoji", str(out), str(not_a_package), str(_vectors(tmp_path))]) == 2
    assert f"{not_a_package}: not a Twemoji package" in capsys.readouterr().err
    french = tmp_path / "french.txt"
    french.write_text("chien 0.1 0.2\nchat 0.3 0.4\n", encoding="utf-8")
    assert main(["emoji", str(out), str(_package(tmp_path)), str(french)]) == 2
    assert "only 0 emoji names have vectors" in capsys.readouterr().err
    assert not out.exists()


def test_the_bundled_emoji_world_carries_its_pictures_and_gathers_the_animals() -> None:
    world = read_dataset(bundled("data", "emoji.ds.tsv.gz"))
    assert len(world) >= 500 and world.thumbs is not None and world.thumbs.shape == (len(world), EMOJI_PX, EMOJI_PX, 3)
    labels = list(world.labels)
    assert {"dog face", "cat face", "red apple", "grinning face"} <= set(labels)
    assert "reversed hand with middle finger extended" not in labels  # a world for children: no rude gesture

    # Placed by the meaning of their names: the animals' faces lie nearer each other than to the foods.
    def at(name: str) -> np.ndarray:
        return world.points[labels.index(name)].astype(np.float64)

    animals = np.linalg.norm(at("dog face") - at("cat face"))
    assert animals < np.linalg.norm(at("dog face") - at("red apple"))
    assert world.meta["source"]["licence"].startswith("CC-BY 4.0")
