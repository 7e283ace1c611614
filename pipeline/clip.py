"""CLIP embeddings of images or texts with open_clip, from a local checkpoint only.

Nothing is ever downloaded: the weights come from a ``.pt`` or
``.safetensors`` file the user names, and a model that open_clip does not
know can be described with its JSON config (``--model-config``). Images are
found recursively (jpg, png, webp); one that cannot be read is skipped with
a warning and counted. Each image also gives a small thumbnail, kept in the
dataset's ``.thumbs.npy`` sidecar for the explorer.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from pipeline.embeddings import Embeddings
from pipeline.errors import PipelineError, located, missing_extra
from pipeline.report import Report
from pipeline.textfiles import numbered_lines
from pipeline.thumbnails import THUMB_PX, thumbnail

if TYPE_CHECKING:
    from pipeline.cluster import Cluster

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
TOP_GROUP = "(top folder)"


@dataclass(frozen=True)
class ClipSettings:
    model: str
    checkpoint: Path | None
    model_config: Path | None = None
    batch_size: int = 64
    device: str = "auto"  # auto: CUDA when torch sees it
    thumb_px: int = THUMB_PX  # the side of each picture's thumbnail (the explorer draws near points with them)


@dataclass
class Loaded:
    model: Any
    preprocess: Any
    tokenizer: Any
    device: str


def load(settings: ClipSettings) -> Loaded:
    """The model from the local checkpoint; every way this can fail is one clear line."""
    try:
        import open_clip
        import torch
    except ImportError as exc:
        raise missing_extra(exc.name or "open_clip", "clip") from None
    checkpoint = _check_files(settings)
    if settings.model_config is not None:
        open_clip.add_model_config(settings.model_config)
    if settings.model not in open_clip.list_models():
        raise PipelineError(
            f"open_clip does not know the model {settings.model!r}; describe it with --model-config FILE.json"
        )
    device = settings.device if settings.device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu")
    try:
        model, _, preprocess = open_clip.create_model_and_transforms(
            settings.model, pretrained=str(checkpoint), device=device
        )
    except (RuntimeError, ValueError, KeyError, OSError, EOFError, pickle.UnpicklingError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise located(checkpoint, None, f"cannot load it into model {settings.model}: {first}") from None
    model.eval()
    return Loaded(model, preprocess, open_clip.get_tokenizer(settings.model), device)


def _check_files(settings: ClipSettings) -> Path:
    """The model's files exist (said before any work, here or on a cluster's workers); returns the checkpoint."""
    if settings.model_config is not None and not settings.model_config.is_file():
        raise located(settings.model_config, None, "no such file")
    if settings.checkpoint is None:
        raise PipelineError(
            f"no --checkpoint for model {settings.model!r}: Flythrough never downloads weights "
            "(as with HF_HUB_OFFLINE=1); pass --checkpoint PATH to a local .pt or .safetensors file"
        )
    if not settings.checkpoint.is_file():
        raise located(settings.checkpoint, None, "no such file (expected the model's .pt or .safetensors weights)")
    return settings.checkpoint


def find_images(folder: Path) -> list[Path]:
    """Image files under ``folder``, at any depth, in a stable order."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


@dataclass
class Shard:
    """What a batch of images gives: each readable one's label, group, thumbnail and vector."""

    labels: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    thumbs: list[np.ndarray] = field(default_factory=list)
    vectors: list[np.ndarray] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path under the folder, why)
    device: str = "cpu"

    @classmethod
    def merged(cls, shards: Sequence[Shard]) -> Shard:
        """The shards one after another, in their order."""
        whole = cls(device=shards[0].device if shards else "cpu")
        for shard in shards:
            whole.labels += shard.labels
            whole.groups += shard.groups
            whole.thumbs += shard.thumbs
            whole.vectors += shard.vectors
            whole.skipped += shard.skipped
        return whole


SHARD_IMAGES = 512  # images a task embeds on a cluster: the model is loaded once a worker, not once a task


def embed_images(
    folder: Path, settings: ClipSettings, *, group_by_folder: bool, report: Report, cluster: Cluster | None = None
) -> tuple[Embeddings, dict[str, Any]]:
    """Every image under ``folder``, in a stable order; on a ``cluster``, in shards across its workers."""
    if not folder.is_dir():
        raise located(folder, None, "not a folder of images")
    paths = find_images(folder)
    if not paths:
        raise located(folder, None, f"no images ({', '.join(IMAGE_SUFFIXES)}) in this folder or below it")
    if cluster is None:
        loaded = load(settings)
        shards = []
        with report.stage(
            "embed", f"CLIP {settings.model} on {len(paths):,} images ({loaded.device})", len(paths)
        ) as advance:
            for batch in _batches(paths, settings.batch_size):
                shards.append(embed_batch(batch, folder, loaded, settings.thumb_px))
                advance(len(batch))
    else:
        _check_files(settings)
        pieces = list(_batches(paths, SHARD_IMAGES))
        description = f"CLIP {settings.model} on {len(paths):,} images ({len(pieces)} shards)"
        shards = cluster.run("embed", description, embed_shard, pieces, folder=folder, settings=settings)
    whole = Shard.merged(shards)
    for name, why in whole.skipped:
        report.note(f"warning: {folder / name}: skipped, not a readable image ({why})")
    if not whole.labels:
        raise located(folder, None, f"none of the {len(paths)} images could be read")
    if whole.skipped:
        report.note(f"skipped {len(whole.skipped)} unreadable image(s)")
    vectors = np.concatenate(whole.vectors)
    skipped = [name for name, _ in whole.skipped]
    provenance = _provenance(settings, whole.device, "images", folder, vectors.shape[1])
    provenance["source"].update({"images": len(paths), "skipped": len(skipped), "skipped_files": skipped[:100]})
    provenance["source"]["group_by_folder"] = group_by_folder
    if cluster is not None:
        provenance["embedding"]["dask"] = {"workers": cluster.workers, "shards": len(shards)}
    groups = whole.groups if group_by_folder else None
    return Embeddings(whole.labels, vectors, groups, np.stack(whole.thumbs)), provenance


def embed_batch(paths: Sequence[Path], folder: Path, loaded: Loaded, thumb_px: int) -> Shard:
    """One batch of images through the model: the readable ones' vectors, thumbnails, labels and groups."""
    shard = Shard(device=loaded.device)
    tensors = []
    for path in paths:
        picture, why = _open_image(path)
        rel = path.relative_to(folder)
        if picture is None:
            shard.skipped.append((rel.as_posix(), why))
            continue
        tensors.append(loaded.preprocess(picture))
        shard.thumbs.append(thumbnail(picture, thumb_px))
        shard.labels.append(rel.as_posix())
        shard.groups.append(rel.parts[0] if len(rel.parts) > 1 else TOP_GROUP)
    if tensors:
        shard.vectors.append(_encode(loaded, lambda m, x: m.encode_image(x), _stack(tensors)))
    return shard


_WORKER_MODELS: dict[ClipSettings, Loaded] = {}  # on a cluster's worker: each model loaded once, kept for its tasks


def embed_shard(paths: Sequence[Path], folder: Path, settings: ClipSettings) -> Shard:
    """A cluster task: a shard of images, in batches, by the model this worker loaded once."""
    loaded = _WORKER_MODELS.get(settings)
    if loaded is None:
        loaded = _WORKER_MODELS[settings] = load(settings)
    return Shard.merged([embed_batch(batch, folder, loaded, settings.thumb_px)
                         for batch in _batches(paths, settings.batch_size)])  # fmt: skip


def embed_texts(path: Path, settings: ClipSettings, *, report: Report) -> tuple[Embeddings, dict[str, Any]]:
    """One text per non-empty line."""
    texts = [line.strip() for _, line in numbered_lines(path) if line.strip()]
    if not texts:
        raise located(path, None, "no texts: the file has no non-empty lines")
    loaded = load(settings)
    chunks = []
    with report.stage(
        "embed", f"CLIP {settings.model} on {len(texts):,} texts ({loaded.device})", len(texts)
    ) as advance:
        for batch in _batches(texts, settings.batch_size):
            chunks.append(_encode(loaded, lambda m, x: m.encode_text(x), loaded.tokenizer(list(batch))))
            advance(len(batch))
    vectors = np.concatenate(chunks)
    return Embeddings(texts, vectors), _provenance(settings, loaded.device, "texts", path, vectors.shape[1])


def _batches(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _open_image(path: Path) -> tuple[Any, str]:
    """The picture, decoded now (a truncated file fails here, not later); or None and why not."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return image.convert("RGB"), ""
    except (OSError, UnidentifiedImageError, ValueError) as exc:
        return None, str(exc)


def _stack(tensors: list[Any]) -> Any:
    import torch

    return torch.stack(tensors)


def _encode(loaded: Loaded, encode: Any, batch: Any) -> np.ndarray:
    """Embeddings of one batch, unit length (CLIP compares by angle)."""
    import torch

    with torch.no_grad():
        features = encode(loaded.model, batch.to(loaded.device))
        features = torch.nn.functional.normalize(features.float(), dim=-1)
    return features.cpu().numpy().astype(np.float32)


def _provenance(settings: ClipSettings, device: str, kind: str, source: Path, dims: int) -> dict[str, Any]:
    from importlib import metadata

    return {
        "source": {"kind": kind, "path": str(source)},
        "embedding": {
            "model": f"CLIP ({settings.model})",
            "implementation": f"open_clip {metadata.version('open_clip_torch')}",
            "checkpoint": settings.checkpoint.name if settings.checkpoint else None,
            "dimensions": int(dims),
            "device": device,
            "normalised": True,
        },
    }
