"""The rude-word rule, shared by the pipeline's filter and the kiosk's labels (pure).

One list and one rule, so that a word the pipeline would drop is also a word
the kiosk never shows. The lists are LDNOOBW's, in 27 languages, with
better-profanity's English words added (``assets/wordlists/rude-<code>.txt``,
refreshed by ``python -m pipeline.wordlists``), less the everyday words of
``assets/wordlists/allow.txt`` that a list carries for a slang sense.

The rule, for a label:

- It is case-folded (``SCHEISSE`` is ``scheiße``; ``ё`` is ``е``) and split
  into words. It is rude when any word, or any run of words that forms one
  of the lists' phrases, is on a list. Words are matched whole, so the letters
  of *class*, *cocktail*, *Scunthorpe*, *disputa* or *скука* never count.
- In Polish, Czech and Russian a word is also rude when it is a listed word's
  stem with one of the language's inflectional endings: *kurwy*, *kurwą*,
  *хуя*, *бляди*. Only those endings count, so *kurczak* and *худой* stay.
- A label whose group names a language (``pl``, ``german`` …) is checked
  against that language's list and the English one, since English swearing
  travels; any other label is checked against every list.
- Per show, words can be added (``--rude-words``) and let through
  (``--allow-words``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from explorer.core.files import bundled

WORDLISTS = bundled("assets", "wordlists")
ALLOW_LIST = WORDLISTS / "allow.txt"
EVERYWHERE = "en"  # checked in every language: English swearing travels
_WORDS = re.compile(r"[^\W_]+")

# Inflectional endings (case-folded) of the languages whose words change their endings, for
# verbs (the listed word ends in an infinitive ending) and for nouns and adjectives (any other).
# A listed word loses its longest ending of its class (keeping a stem of MIN_STEM letters at
# least); that stem with an ending of the same class is rude too. Keeping the classes apart keeps
# a verb's stem from matching a noun of the same root (Polish "ruchać" and "ruch", a movement).
INFINITIVES: dict[str, frozenset[str]] = {
    "pl": frozenset(["ać", "eć", "ić", "yć", "ąć"]),
    "cs": frozenset(["at", "át", "et", "ět", "it", "ít"]),
    "ru": frozenset(["ать", "ять", "ить", "еть", "уть", "ыть", "оть"]),
}
ENDINGS: dict[str, dict[str, frozenset[str]]] = {
    "pl": {
        "verb": frozenset(
            [
                "ać",
                "am",
                "asz",
                "a",
                "amy",
                "acie",
                "ają",
                "ał",
                "ała",
                "ało",
                "ali",
                "ały",
                "any",
                "ana",
                "ane",
                "eć",
                "ę",
                "esz",
                "e",
                "emy",
                "ecie",
                "ą",
                "ie",
                "iesz",
                "iemy",
                "iecie",
                "ił",
                "iła",
                "iło",
                "ili",
                "iły",
                "ić",
                "isz",
                "i",
                "imy",
                "icie",
                "ią",
                "yć",
                "ysz",
                "y",
                "ył",
                "yła",
                "yło",
                "yli",
            ]
        ),
        "noun": frozenset(
            [
                "a",
                "ą",
                "ę",
                "e",
                "i",
                "y",
                "o",
                "u",
                "em",
                "ie",
                "ach",
                "ami",
                "om",
                "ów",
                "owi",
                "owie",
                "ego",
                "ej",
                "emu",
                "ym",
                "ych",
                "ymi",
            ]
        ),
    },
    "cs": {
        "verb": frozenset(
            [
                "at",
                "át",
                "ám",
                "áš",
                "á",
                "áme",
                "áte",
                "ají",
                "al",
                "ala",
                "alo",
                "ali",
                "aly",
                "et",
                "ět",
                "ím",
                "íš",
                "í",
                "íme",
                "íte",
                "ejí",
                "it",
                "ít",
                "il",
                "ila",
                "ilo",
                "ili",
                "ily",
            ]
        ),
        "noun": frozenset(
            [
                "a",
                "e",
                "ě",
                "i",
                "í",
                "y",
                "ý",
                "o",
                "u",
                "ů",
                "ou",
                "em",
                "ám",
                "ách",
                "ami",
                "ové",
                "ům",
                "ích",
                "ími",
                "ovi",
                "ech",
                "á",
                "é",
                "ého",
                "ému",
                "ým",
            ]
        ),
    },
    "ru": {
        "verb": frozenset(
            [
                "ать",
                "ять",
                "ить",
                "еть",
                "уть",
                "ыть",
                "ал",
                "ала",
                "ало",
                "али",
                "ял",
                "яла",
                "яло",
                "яли",
                "ил",
                "ила",
                "ило",
                "или",
                "ет",
                "ют",
                "ут",
                "ит",
                "ят",
                "ешь",
                "ишь",
                "ает",
                "ают",
                "аешь",
                "аю",
                "ую",
                "ю",
                "у",
            ]
        ),
        "noun": frozenset(
            [
                "ью",
                "а",
                "я",
                "у",
                "ю",
                "е",
                "и",
                "ы",
                "о",
                "й",
                "ь",
                "ом",
                "ем",
                "ой",
                "ей",
                "ою",
                "ею",
                "ов",
                "ев",
                "ам",
                "ям",
                "ами",
                "ями",
                "ах",
                "ях",
                "ий",
                "ый",
                "ая",
                "яя",
                "ое",
                "ее",
                "ые",
                "ие",
                "ого",
                "его",
                "ому",
                "ему",
                "ым",
                "им",
                "ых",
                "их",
                "ую",
                "юю",
            ]
        ),
    },
}
MIN_STEM = {"pl": 3, "cs": 3, "ru": 2}
LANGUAGE_NAMES = {
    "arabic": "ar", "czech": "cs", "danish": "da", "german": "de", "deutsch": "de", "english": "en",
    "esperanto": "eo", "spanish": "es", "español": "es", "persian": "fa", "farsi": "fa", "finnish": "fi",
    "filipino": "fil", "french": "fr", "français": "fr", "hindi": "hi", "hungarian": "hu", "italian": "it",
    "italiano": "it", "japanese": "ja", "kabyle": "kab", "korean": "ko", "dutch": "nl", "norwegian": "no",
    "polish": "pl", "polski": "pl", "portuguese": "pt", "português": "pt", "br": "pt", "russian": "ru",
    "swedish": "sv", "thai": "th", "klingon": "tlh", "turkish": "tr", "chinese": "zh",
}  # fmt: skip


def fold(text: str) -> str:
    """Case-folded, with ``ё`` as ``е`` and Turkish ``ı`` as ``i`` (upper case writes both alike):
    how labels and list entries are compared."""
    return text.casefold().replace("ё", "е").replace("ı", "i")


def words_of(text: str) -> list[str]:
    """The folded words of a text, in order."""
    return _WORDS.findall(fold(text))


def _plain(entry: str) -> bool:
    """An entry of letters, digits, spaces and word-joining marks; leetspeak ("$h!t") is for
    text filters, and split into words it would turn into innocent fragments ("sh")."""
    return all(c.isalnum() or c in " -'’." for c in entry)


class WordListError(Exception):
    """A word list that cannot be read: the message names the file (and line) and the problem."""


def read_entries(path: Path) -> list[str]:
    """One entry a line (a word or a phrase); blank lines and ``#`` comments are skipped."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise WordListError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise WordListError(f"{path}: is a folder, not a word list") from None
    except OSError as exc:
        raise WordListError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise WordListError(f"{path}:{line}: not valid UTF-8; save the word list as UTF-8") from None
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def word_class(word: str, code: str) -> str:
    """ "verb" when the word ends like an infinitive of its language, else "noun"."""
    return "verb" if any(word.endswith(end) for end in INFINITIVES[code]) else "noun"


def stem_of(word: str, code: str) -> tuple[str, str]:
    """(stem, class) of a listed word of an inflecting language."""
    kind = word_class(word, code)
    endings = ENDINGS[code][kind]
    for cut in range(min(len(word) - MIN_STEM[code], 4), 0, -1):
        if word[-cut:] in endings:
            return word[:-cut], kind
    return word, kind


@dataclass
class _Language:
    words: set[str] = field(default_factory=set)  # single words
    phrases: set[tuple[str, ...]] = field(default_factory=set)  # runs of words
    stems: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (stem, class) -> listed words

    def add(self, entry: str, code: str) -> None:
        if not _plain(entry):
            return
        parts = tuple(words_of(entry))
        if len(parts) > 1:
            self.phrases.add(parts)
        elif parts:
            self.words.add(parts[0])
            if code in ENDINGS:
                self.stems.setdefault(stem_of(parts[0], code), set()).add(parts[0])

    def remove(self, allowed: set[str]) -> None:
        """Let allowed words through: the words, their phrases, and stems that only they gave."""
        self.words -= allowed
        self.phrases = {p for p in self.phrases if " ".join(p) not in allowed}
        self.stems = {key: sources - allowed for key, sources in self.stems.items() if sources - allowed}


class RudeWords:
    """The rule above, for some lists: ``is_rude(label, group)`` and ``rows(labels, groups)``."""

    def __init__(
        self, lists: Mapping[str, Iterable[str]], *, extra: Iterable[str] = (), allowed: Iterable[str] = ()
    ) -> None:
        self.languages: dict[str, _Language] = {}
        for code, entries in lists.items():
            language = self.languages.setdefault(code, _Language())
            for entry in entries:
                language.add(entry, code)
        everywhere = self.languages.setdefault(EVERYWHERE, _Language())
        for entry in extra:  # the show's own words count in every language
            everywhere.add(entry, EVERYWHERE)
        self.allowed = {" ".join(words_of(a)) for a in allowed} - {""}
        for language in self.languages.values():
            language.remove(self.allowed)
        self._all = _Language()  # every list at once, for labels of no known language
        for language in self.languages.values():
            self._all.words |= language.words
            self._all.phrases |= language.phrases
        self._longest_phrase = max((len(p) for p in self._all.phrases), default=1)
        # stem -> the (language, class) pairs it is a stem of: one lookup per possible ending length
        self._stems: dict[str, list[tuple[str, str]]] = {}
        for code, language in self.languages.items():
            for stem, kind in language.stems:
                self._stems.setdefault(stem, []).append((code, kind))
        self._stem_starts = {stem[:2] for stem in self._stems}  # a quick "no" for most words
        self._longest_ending = max((len(e) for kinds in ENDINGS.values() for ends in kinds.values() for e in ends),
                                   default=0)  # fmt: skip
        self._languages: dict[str, str | None] = {}  # group -> language, as found
        self._scopes: dict[str | None, tuple[set[str], set[tuple[str, ...]]]] = {}

    @classmethod
    def bundled(cls, *, extra: Sequence[Path] = (), allowed: Sequence[Path] = ()) -> RudeWords:
        """The bundled lists and allowances, plus a show's own files of words to add and to let through."""
        lists = {p.stem.removeprefix("rude-"): read_entries(p) for p in sorted(WORDLISTS.glob("rude-*.txt"))}
        allow = read_entries(ALLOW_LIST) if ALLOW_LIST.is_file() else []
        return cls(
            lists,
            extra=[e for path in extra for e in read_entries(path)],
            allowed=allow + [a for path in allowed for a in read_entries(path)],
        )

    @property
    def codes(self) -> list[str]:
        """The languages covered, by code."""
        return sorted(code for code, language in self.languages.items() if language.words or language.phrases)

    def language_of(self, group: str | None) -> str | None:
        """The language a group names ("pl", "Polish"), when it names one we have a list for."""
        if group is None:
            return None
        if group not in self._languages:
            name = fold(group).strip()
            code = LANGUAGE_NAMES.get(name, name)
            self._languages[group] = code if code in self.languages else None
        return self._languages[group]

    def is_rude(self, label: str, group: str | None = None) -> bool:
        """True when the label must never be shown (see the module's rule)."""
        code = self.language_of(group)
        words_set, phrases = self._scope(code)
        text = label.lower()
        if "ß" in text or "ё" in text:
            return self._is_rude_slowly(text, code)
        folded = text.casefold()
        words = _WORDS.findall(folded.replace("ı", "i") if "ı" in folded else folded)
        if len(words) > 1 and " ".join(words) in self.allowed:
            return False
        for word in words:
            if word in words_set and word not in self.allowed:
                return True
            if word[:2] in self._stem_starts and word not in self.allowed and self._inflected(word, code):
                return True
        return len(words) > 1 and self._has_phrase(words, phrases)

    def _is_rude_slowly(self, text: str, code: str | None) -> bool:
        """The same rule, word by word, for text with ``ß`` or ``ё``."""
        words_set, phrases = self._scope(code)
        lowered = _WORDS.findall(text)
        words = [fold(w) for w in lowered]
        if " ".join(words) in self.allowed:
            return False
        for raw, word in zip(lowered, words, strict=True):
            if word in self.allowed:
                continue
            if "ß" in raw:  # German alone: folded, "aß" (ate) would read as English "ass"
                if "de" in self.languages and word in self.languages["de"].words:
                    return True
                continue
            if word in words_set or self._inflected(word, code):
                return True
        return len(words) > 1 and self._has_phrase(words, phrases)

    def _scope(self, code: str | None) -> tuple[set[str], set[tuple[str, ...]]]:
        """The words and phrases that count for a language (every list's, for None)."""
        scope = self._scopes.get(code)
        if scope is None:
            if code is None:
                scope = (self._all.words, self._all.phrases)
            else:
                mine, everywhere = self.languages[code], self.languages[EVERYWHERE]
                scope = (mine.words | everywhere.words, mine.phrases | everywhere.phrases)
            self._scopes[code] = scope
        return scope

    def _inflected(self, word: str, code: str | None) -> bool:
        """A listed word's stem with an ending of its language and class (any inflecting language when None)."""
        for cut in range(1, min(len(word) - 1, self._longest_ending) + 1):
            owners = self._stems.get(word[:-cut])
            if owners is None:
                continue
            ending = word[-cut:]
            for language, kind in owners:
                if (
                    (code is None or language == code)
                    and cut <= len(word) - MIN_STEM[language]
                    and ending in ENDINGS[language][kind]
                ):
                    return True
        return False

    def _has_phrase(self, words: list[str], phrases: set[tuple[str, ...]]) -> bool:
        for size in range(2, min(len(words), self._longest_phrase) + 1):
            for start in range(len(words) - size + 1):
                run = tuple(words[start : start + size])
                if run in phrases and " ".join(run) not in self.allowed:
                    return True
        return False

    def rows(self, labels: Iterable[object], groups: Iterable[object] | None = None) -> np.ndarray:
        """A bool per label: True where the label must never be shown."""
        if groups is None:
            return np.fromiter((self.is_rude(str(label)) for label in labels), dtype=bool)
        pairs = zip(labels, groups, strict=True)
        return np.fromiter((self.is_rude(str(label), str(group)) for label, group in pairs), dtype=bool)


@lru_cache(maxsize=1)
def bundled_rule() -> RudeWords:
    """The bundled lists and allowances alone, read once."""
    return RudeWords.bundled()


def rude_rows(labels: Iterable[object], groups: Iterable[object] | None = None) -> np.ndarray:
    """A bool per label, by the bundled rule: True where the label must never be shown."""
    return bundled_rule().rows(labels, groups)
