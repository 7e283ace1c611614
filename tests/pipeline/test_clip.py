"""CLIP through open_clip with a tiny model made and saved in the test: images, texts, errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import open_clip
import pytest
import torch
from PIL import Image

from explorer.core.dataset import read_dataset
from pipeline.errors import PipelineError
from pipeline.report import Report

MODEL = "flythrough-tiny"
CONFIG = {
    "embed_dim": 32,
    "vision_cfg": {"image_size": 32, "layers": 1, "width": 64, "patch_size": 8},
    "text_cfg": {"context_length": 16, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1},
}
COLOURS = {"red": (220, 30, 30), "green": (30, 200, 60), "blue": (40, 60, 230)}


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A config and a checkpoint of random (seeded) weights, as a user would have them on disk."""
    folder = tmp_path_factory.mktemp("model")
    config = folder / f"{MODEL}.json"
    config.write_text(json.dumps(CONFIG), encoding="utf-8")
    open_clip.add_model_config(config)
    torch.manual_seed(0)
    checkpoint = folder / "tiny.pt"
    torch.save(open_clip.create_model(MODEL).state_dict(), checkpoint)
    return config, checkpoint


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three folders of coloured pictures, a duplicated picture, and two broken files."""
    root = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(0)
    for name, colour in COLOURS.items():
        (root / name).mkdir()
        for i in range(12):
            pixels = np.clip(np.array(colour) + rng.normal(0, 25, size=(40, 40, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(root / name / f"{i}.{('png', 'jpg', 'webp')[i % 3]}")
    (root / "red" / "0.png").replace(root / "twin-a.png")
    Image.open(root / "twin-a.png").save(root / "blue" / "twin-b.png")
    (root / "green" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    good = (root / "green" / "1.jpg").read_bytes()
    (root / "green" / "truncated.jpg").write_bytes(good[: len(good) // 3])
    (root / "notes.txt").write_text("not an image", encoding="utf-8")
    return root


def settings(tiny_model: tuple[Path, Path]):
    from pipeline.clip import ClipSettings

    config, checkpoint = tiny_model
    return ClipSettings(model=MODEL, checkpoint=checkpoint, model_config=config, batch_size=8, device="cpu")


def test_images_give_unit_vectors_thumbnails_groups_and_skip_the_broken(tiny_model, images: Path) -> None:
    from pipeline.clip import embed_images

    embeddings, provenance = embed_images(images, settings(tiny_model), group_by_folder=True, report=Report())
    n = 37  # 36 coloured pictures (one of them moved to the top as twin-a) and twin-b; the broken two skipped
    assert len(embeddings.labels) == n and embeddings.vectors.shape == (n, 32)
    np.testing.assert_allclose(np.linalg.norm(embeddings.vectors, axis=1), 1.0, rtol=1e-5)
    assert embeddings.thumbs.shape == (n, 48, 48, 3) and embeddings.thumbs.dtype == np.uint8
    assert "blue/twin-b.png" in embeddings.labels and "twin-a.png" in embeddings.labels
    group = dict(zip(embeddings.labels, embeddings.groups, strict=True))
    assert group["red/5.webp"] == "red" and group["twin-a.png"] == "(top folder)"
    assert provenance["source"]["skipped"] == 2
    assert sorted(provenance["source"]["skipped_files"]) == ["green/broken.png", "green/truncated.jpg"]
    a, b = embeddings.labels.index("twin-a.png"), embeddings.labels.index("blue/twin-b.png")
    # Identical pictures, the same vector (to float rounding: they sit in different batches).
    np.testing.assert_allclose(embeddings.vectors[a], embeddings.vectors[b], atol=1e-6)


def test_images_embedded_in_shards_on_a_cluster_equal_those_embedded_here(  # type: ignore[no-untyped-def]
    tiny_model, images: Path, cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipeline.clip
    from pipeline.clip import embed_images

    monkeypatch.setattr(pipeline.clip, "SHARD_IMAGES", 10)  # four shards over both workers
    here, _ = embed_images(images, settings(tiny_model), group_by_folder=True, report=Report())
    there, provenance = embed_images(images, settings(tiny_model), group_by_folder=True, report=Report(),
                                     cluster=cluster)  # fmt: skip
    assert there.labels == here.labels and there.groups == here.groups  # the same images, in the same order
    np.testing.assert_allclose(there.vectors, here.vectors, atol=1e-5)
    assert np.array_equal(there.thumbs, here.thumbs)
    assert provenance["embedding"]["dask"] == {"workers": 2, "shards": 4}
    assert sorted(provenance["source"]["skipped_files"]) == ["green/broken.png", "green/truncated.jpg"]
    loads = cluster.client.run(lambda: len(__import__("pipeline.clip").clip._WORKER_MODELS))
    assert max(loads.values()) == 1  # a worker loads the model once, for all its shards


def test_thumbnails_take_the_size_asked_and_keep_the_pictures_aspect(tiny_model, tmp_path: Path) -> None:
    import dataclasses

    from PIL import Image

    from pipeline.clip import embed_images

    folder = tmp_path / "wide"
    folder.mkdir()
    Image.new("RGB", (200, 100), (250, 30, 30)).save(folder / "wide.png")  # twice as wide as high
    embeddings, _ = embed_images(folder, dataclasses.replace(settings(tiny_model), thumb_px=96), group_by_folder=False,
                                 report=Report())  # fmt: skip
    thumb = embeddings.thumbs[0]
    assert thumb.shape == (96, 96, 3)
    lit = thumb.max(axis=2) > 0
    rows, cols = np.flatnonzero(lit.any(axis=1)), np.flatnonzero(lit.any(axis=0))
    assert len(cols) == 96 and len(rows) == 48  # fitted inside the square, on black: still twice as wide
    assert np.abs(thumb[48, 48].astype(int) - [250, 30, 30]).max() <= 2


def test_texts_give_one_unit_vector_per_line(tiny_model, tmp_path: Path) -> None:
    from pipeline.clip import embed_texts

    texts = tmp_path / "t.txt"
    texts.write_text("a red square\n\na green field\nблакитне небо\na red square\n", encoding="utf-8")
    embeddings, provenance = embed_texts(texts, settings(tiny_model), report=Report())
    assert embeddings.labels == ["a red square", "a green field", "блакитне небо", "a red square"]
    np.testing.assert_allclose(np.linalg.norm(embeddings.vectors, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(embeddings.vectors[0], embeddings.vectors[3], atol=1e-6)
    assert not np.allclose(embeddings.vectors[0], embeddings.vectors[1])
    assert provenance["embedding"]["dimensions"] == 32


def test_a_missing_checkpoint_says_exactly_what_is_missing(tiny_model, tmp_path: Path) -> None:
    from pipeline.clip import ClipSettings, load

    config, _ = tiny_model
    with pytest.raises(PipelineError, match=r"no --checkpoint for model 'flythrough-tiny': Flythrough never downloads"):
        load(ClipSettings(model=MODEL, checkpoint=None, model_config=config))
    with pytest.raises(PipelineError, match=r"nowhere.pt: no such file"):
        load(ClipSettings(model=MODEL, checkpoint=tmp_path / "nowhere.pt", model_config=config))
    (tmp_path / "bad.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(PipelineError, match=r"bad.pt: cannot load it into model flythrough-tiny"):
        load(ClipSettings(model=MODEL, checkpoint=tmp_path / "bad.pt", model_config=config))


@pytest.mark.slow
def test_clip_cli_builds_an_image_dataset_with_thumbnails(cli, tiny_model, images: Path, tmp_path: Path) -> None:
    config, checkpoint = tiny_model
    out = tmp_path / "pictures.ds.tsv.gz"
    result = cli("clip", images, "-o", out, "--model", MODEL, "--model-config", config, "--checkpoint", checkpoint,
                     "--group-by-folder", "--batch-size", "8", "--knn", "5")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "skipped images" in result.stderr and "2 unreadable" in result.stderr
    ds = read_dataset(out)
    assert len(ds) == 37 and ds.thumbs.shape == (37, 48, 48, 3)
    assert ds.meta["source"]["skipped"] == 2 and ds.meta["embedding"]["dimensions"] == 32
    assert set(ds.group_counts()) == {"red", "green", "blue", "(top folder)"}
    labels = list(ds.labels)
    a, b = labels.index("twin-a.png"), labels.index("blue/twin-b.png")
    assert b in ds.knn[a] and a in ds.knn[b]  # identical pictures are each other's neighbours...
    d = np.linalg.norm(ds.points - ds.points[a], axis=1)
    d[a] = np.inf
    assert int(d.argmin()) == b  # ... and land on the same spot in 3D


def test_clip_cli_without_checkpoint_is_one_clear_line(cli, tiny_model, images: Path, tmp_path: Path) -> None:
    config, _ = tiny_model
    result = cli("clip", images, "-o", tmp_path / "out.ds.tsv.gz", "--model", MODEL, "--model-config", config)
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("flythrough-pipeline: error: no --checkpoint for model 'flythrough-tiny'")
    assert not list(tmp_path.glob("out*"))


def test_a_thumbnail_size_out_of_range_is_refused(cli, tmp_path: Path) -> None:
    result = cli("clip", tmp_path, "--model", MODEL, "--thumb-size", "4", "-o", tmp_path / "x.ds.tsv.gz")
    assert result.returncode == 2 and "--thumb-size" in result.stderr and "from 8 to 256" in result.stderr
    assert not (tmp_path / "x.ds.tsv.gz").exists()
