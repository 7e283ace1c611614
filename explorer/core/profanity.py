"""The rude-word list, shared by the pipeline's filter and the kiosk's labels (pure).

One list and one rule, so that a word the pipeline would drop is also a word
the kiosk never shows. The list is better-profanity's (MIT), in
``assets/wordlists/profanity-en.txt``; it is English only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import numpy as np

from explorer.core.files import bundled

PROFANITY_LIST = bundled("assets", "wordlists", "profanity-en.txt")
_PARTS = re.compile(r"[^\W_]+")


@lru_cache(maxsize=1)
def rude_words() -> frozenset[str]:
    """The bundled list, lower-case."""
    lines = PROFANITY_LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip())


def is_rude(label: str, rude: frozenset[str]) -> bool:
    """True when the label, or any word inside it, is on the list."""
    text = label.lower()
    return text in rude or any(part in rude for part in _PARTS.findall(text))


def rude_rows(labels: Iterable[str]) -> np.ndarray:
    """A bool per label: True where the label must never be shown."""
    rude = rude_words()
    return np.fromiter((is_rude(str(label), rude) for label in labels), dtype=bool)
