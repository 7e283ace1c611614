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
from typing import Any

import numpy as np

from pipeline.embeddings import Embeddings
from pipeline.errors import PipelineError, located, missing_extra
from pipeline.report import Report
from pipeline.textfiles import numbered_lines
from pipeline.thumbnails import THUMB_PX, thumbnail

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
    skipped: list[str] = field(default_factory=list)


def load(settings: ClipSettings) -> Loaded:
    """The model from the local checkpoint; every way this can fail is one clear line."""
    try:
        import open_clip
        import torch
    except ImportError as exc:
        raise missing_extra(exc.name or "open_clip", "clip") from None
    if settings.model_config is not None:
        if not settings.model_config.is_file():
            raise located(settings.model_config, None, "no such file")
        open_clip.add_model_config(settings.model_config)
    if settings.checkpoint is None:
        raise PipelineError(
            f"no --checkpoint for model {settings.model!r}: Flythrough never downloads weights "
            "(as with HF_HUB_OFFLINE=1); pass --checkpoint PATH to a local .pt or .safetensors file"
        )
    if not settings.checkpoint.is_file():
        raise located(settings.checkpoint, None, "no such file (expected the model's .pt or .safetensors weights)")
    if settings.model not in open_clip.list_models():
        raise PipelineError(
            f"open_clip does not know the model {settings.model!r}; describe it with --model-config FILE.json"
        )
    device = settings.device if settings.device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu")
    try:
        model, _, preprocess = open_clip.create_model_and_transforms(
            settings.model, pretrained=str(settings.checkpoint), device=device
        )
    except (RuntimeError, ValueError, KeyError, OSError, EOFError, pickle.UnpicklingError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise located(settings.checkpoint, None, f"cannot load it into model {settings.model}: {first}") from None
    model.eval()
    return Loaded(model, preprocess, open_clip.get_tokenizer(settings.model), device)


def find_images(folder: Path) -> list[Path]:
    """Image files under ``folder``, at any depth, in a stable order."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def embed_images(
    folder: Path, settings: ClipSettings, *, group_by_folder: bool, report: Report
) -> tuple[Embeddings, dict[str, Any]]:
    if not folder.is_dir():
        raise located(folder, None, "not a folder of images")
    paths = find_images(folder)
    if not paths:
        raise located(folder, None, f"no images ({', '.join(IMAGE_SUFFIXES)}) in this folder or below it")
    loaded = load(settings)
    labels: list[str] = []
    groups: list[str] = []
    thumbs: list[np.ndarray] = []
    chunks: list[np.ndarray] = []
    with report.stage(
        "embed", f"CLIP {settings.model} on {len(paths):,} images ({loaded.device})", len(paths)
    ) as advance:
        for batch in _batches(paths, settings.batch_size):
            tensors = []
            for path in batch:
                picture = _open_image(path, folder, loaded, report)
                advance(1)
                if picture is None:
                    continue
                rel = path.relative_to(folder)
                tensors.append(loaded.preprocess(picture))
                thumbs.append(thumbnail(picture, settings.thumb_px))
                labels.append(rel.as_posix())
                groups.append(rel.parts[0] if len(rel.parts) > 1 else TOP_GROUP)
            if tensors:
                chunks.append(_encode(loaded, lambda m, x: m.encode_image(x), _stack(tensors)))
    if not labels:
        raise located(folder, None, f"none of the {len(paths)} images could be read")
    if loaded.skipped:
        report.note(f"skipped {len(loaded.skipped)} unreadable image(s)")
    vectors = np.concatenate(chunks)
    provenance = _provenance(settings, loaded, "images", folder, vectors.shape[1])
    provenance["source"].update(
        {"images": len(paths), "skipped": len(loaded.skipped), "skipped_files": loaded.skipped[:100]}
    )
    provenance["source"]["group_by_folder"] = group_by_folder
    return Embeddings(labels, vectors, groups if group_by_folder else None, np.stack(thumbs)), provenance


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
    return Embeddings(texts, vectors), _provenance(settings, loaded, "texts", path, vectors.shape[1])


def _batches(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _open_image(path: Path, folder: Path, loaded: Loaded, report: Report) -> Any:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return image.convert("RGB")  # decodes now: a truncated file fails here, not later
    except (OSError, UnidentifiedImageError, ValueError) as exc:
        rel = path.relative_to(folder).as_posix()
        loaded.skipped.append(rel)
        report.note(f"warning: {path}: skipped, not a readable image ({exc})")
        return None


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


def _provenance(settings: ClipSettings, loaded: Loaded, kind: str, source: Path, dims: int) -> dict[str, Any]:
    from importlib import metadata

    return {
        "source": {"kind": kind, "path": str(source)},
        "embedding": {
            "model": f"CLIP ({settings.model})",
            "implementation": f"open_clip {metadata.version('open_clip_torch')}",
            "checkpoint": settings.checkpoint.name if settings.checkpoint else None,
            "dimensions": int(dims),
            "device": loaded.device,
            "normalised": True,
        },
    }
