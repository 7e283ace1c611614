"""The bundled picture worlds: what they hold, and that their map makes sense."""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from explorer.core.dataset import read_dataset
from explorer.core.files import bundled
from pipeline.worlds import THUMB_PX, digit_pictures


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
