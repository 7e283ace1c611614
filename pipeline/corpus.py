"""Corpus text to documents of tokens, word counts and a vocabulary."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.textfiles import numbered_lines

NORMALISATIONS = ("none", "twitter")

# A word: letters in any script, with inner apostrophes ("don't", "l'eau").
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_TWITTER_TOKEN = re.compile(r"<[a-z]+>|[^\W\d_]+(?:['’][^\W\d_]+)*")

Tokeniser = Callable[[str], list[str]]


def words(line: str) -> list[str]:
    """Lower-case Unicode words of a line; digits and punctuation are dropped."""
    return _WORD.findall(line.lower())


# The GloVe project's preprocess-twitter rules, in the same order.
_EYES = r"[8:=;]"
_NOSE = r"['`\-]?"
_TWITTER_RULES: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    (re.compile(r"https?://\S+\b|www\.(\w+\.)+\S*"), " <url> "),
    (re.compile(r"/"), " / "),
    (re.compile(r"@\w+"), " <user> "),
    (re.compile(rf"{_EYES}{_NOSE}[)dD]+|[)dD]+{_NOSE}{_EYES}"), " <smile> "),
    (re.compile(rf"{_EYES}{_NOSE}[pP]+"), " <lolface> "),
    (re.compile(rf"{_EYES}{_NOSE}\(+|\)+{_NOSE}{_EYES}"), " <sadface> "),
    (re.compile(rf"{_EYES}{_NOSE}[/|l*]"), " <neutralface> "),
    (re.compile(r"<3"), " <heart> "),
    (re.compile(r"[-+]?[.\d]*\d+[:,.\d]*"), " <number> "),
    (re.compile(r"#(\S+)"), lambda m: _hashtag(m.group(1))),
    (re.compile(r"([!?.]){2,}"), lambda m: f"{m.group(1)} <repeat> "),
    (re.compile(r"\b(\S*?)(.)\2{2,}\b"), lambda m: f"{m.group(1)}{m.group(2)} <elong> "),
    (re.compile(r"\b([^\W\d_a-z]{2,})\b"), lambda m: f"{m.group(1).lower()} <allcaps> "),
]


def _hashtag(body: str) -> str:
    if body.upper() == body:
        return f" <hashtag> {body.lower()} <allcaps> "
    return " <hashtag> " + " ".join(re.split(r"(?=[A-Z])", body)).strip() + " "


def twitter_words(line: str) -> list[str]:
    """Tokens after GloVe's Twitter preprocessing: ``<url>``, ``<user>``, ``<hashtag>``, ..."""
    for pattern, replacement in _TWITTER_RULES:
        line = pattern.sub(replacement, line)
    return _TWITTER_TOKEN.findall(line.lower())


def tokeniser(normalise: str) -> Tokeniser:
    if normalise == "none":
        return words
    if normalise == "twitter":
        return twitter_words
    raise PipelineError(f"unknown --normalise {normalise!r}; choose one of {', '.join(NORMALISATIONS)}")


CHUNK_TOKENS = 10_000


def documents(path: Path, tokenise: Tokeniser, chunk: int = CHUNK_TOKENS) -> Iterator[list[str]]:
    """A text file's tokens as one stream, handed out in chunks of ``chunk`` tokens.

    Context windows run across line breaks: measured on the default corpus,
    splitting at lines or entries lowered wordsim353 ρ (0.27 and 0.32 against
    0.34 after ten epochs). Chunks only bound memory; a window is cut once
    per ``chunk`` tokens.
    """
    current: list[str] = []
    for _, line in numbered_lines(path):
        current.extend(tokenise(line))
        if len(current) >= chunk:
            yield current
            current = []
    if current:
        yield current


@dataclass(frozen=True)
class CorpusCounts:
    """Word counts per input file, from one pass over the corpus."""

    files: tuple[Path, ...]
    per_file: tuple[Counter[str], ...]
    documents: int

    @property
    def total(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for counts in self.per_file:
            total.update(counts)
        return total

    @property
    def tokens(self) -> int:
        return sum(sum(c.values()) for c in self.per_file)


def count_words(
    files: Sequence[Path], tokenise: Tokeniser, on_document: Callable[[], None] | None = None
) -> CorpusCounts:
    per_file = []
    n_docs = 0
    for path in files:
        counts: Counter[str] = Counter()
        for doc in documents(path, tokenise):
            counts.update(doc)
            n_docs += 1
            if on_document is not None:
                on_document()
        per_file.append(counts)
    return CorpusCounts(files=tuple(files), per_file=tuple(per_file), documents=n_docs)


def vocabulary(total: Counter[str], min_count: int) -> list[str]:
    """Words seen at least ``min_count`` times, most frequent first, ties alphabetical."""
    kept = [(count, word) for word, count in total.items() if count >= min_count]
    kept.sort(key=lambda cw: (-cw[0], cw[1]))
    return [word for _, word in kept]


def file_group_name(path: Path) -> str:
    """``corpora/de.txt.gz`` -> ``de``: the group a file's words are coloured by."""
    name = path.name
    for suffix in (".gz", ".txt"):
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
    return name


def groups_by_file(counts: CorpusCounts, vocab: Sequence[str]) -> list[str]:
    """Each word's group: the file where it is relatively most frequent.

    Relative frequency (count / file size) keeps a large file from claiming
    every shared word, so a multilingual corpus colours by language.
    """
    sizes = [max(sum(c.values()), 1) for c in counts.per_file]
    names = [file_group_name(p) for p in counts.files]
    groups = []
    for word in vocab:
        shares = [c.get(word, 0) / size for c, size in zip(counts.per_file, sizes, strict=True)]
        groups.append(names[max(range(len(shares)), key=shares.__getitem__)])
    return groups
