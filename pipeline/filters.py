"""Which words to keep: word lists, stop words, the profanity list and a size cap."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from explorer.core.profanity import RudeWords
from pipeline.errors import PipelineError
from pipeline.textfiles import numbered_lines


def read_wordlist(path: Path) -> list[str]:
    """Words of a list file, in file order, without repeats.

    A line is either one word, or ``count<TAB>word`` as in the original demo's
    frequency lists. Blank lines are skipped.
    """
    seen: dict[str, None] = {}
    for _, line in numbered_lines(path):
        line = line.strip()
        if not line:
            continue
        word = line.split("\t", 1)[1].strip() if "\t" in line else line
        seen.setdefault(word, None)
    return list(seen)


class WordFilter:
    """The user's choice of words.

    ``keeps`` screens one word at a time (for streaming readers); ``apply``
    picks rows from a list, in word-list order, then caps the count. Both tally
    what they removed, for the summary and the meta.
    """

    def __init__(
        self,
        *,
        words: Sequence[str] | None = None,
        stopwords: Sequence[str] = (),
        rude: RudeWords | None = None,
        max_words: int | None = None,
    ) -> None:
        self.words = list(words) if words is not None else None
        self._wanted = frozenset(self.words) if self.words is not None else None
        self.stopwords = frozenset(stopwords)
        self.rude = rude  # None: rude words stay
        self.max_words = max_words
        self.removed: Counter[str] = Counter()

    def _reason_to_drop(self, label: str, group: str | None = None) -> str | None:
        if self._wanted is not None and label not in self._wanted:
            return "not in --words"
        if label in self.stopwords:
            return "stop words"
        if self.rude is not None and self.rude.is_rude(label, group):
            return "profanity"
        return None

    def keeps(self, label: str, group: str | None = None) -> bool:
        reason = self._reason_to_drop(label, group)
        if reason is not None:
            self.removed[reason] += 1
        return reason is None

    def apply(self, labels: Sequence[str], groups: Sequence[str] | None = None) -> list[int]:
        """Indices of the labels to keep: word-list order if given, then the cap.

        ``groups`` scope the rude-word rule: a group that names a language checks that language's list.
        """
        if self._wanted is not None:
            position = {label: i for i, label in reversed(list(enumerate(labels)))}
            candidates = [position[w] for w in self.words if w in position]  # type: ignore[union-attr]
            self.removed["not in --words"] += len(set(labels)) - len(candidates)
        else:
            candidates = list(range(len(labels)))
        kept = [i for i in candidates if self.keeps(labels[i], groups[i] if groups is not None else None)]
        if self.max_words is not None and len(kept) > self.max_words:
            self.removed["over --max-words"] += len(kept) - self.max_words
            kept = kept[: self.max_words]
        if not kept:
            raise PipelineError(f"no words left after the filters (removed: {self.describe_removed()})")
        return kept

    def describe_removed(self) -> str:
        parts = [f"{n} {why}" for why, n in self.removed.items() if n]
        return ", ".join(parts) or "none"
