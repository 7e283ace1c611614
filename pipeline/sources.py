"""Offline text for the bundled datasets, from Debian's dictionary and fortune packages.

``python -m pipeline.sources CACHE`` downloads the packages with ``apt-get
download`` (no root, no dictd server), unpacks them with ``dpkg-deb -x`` into
CACHE and writes clean UTF-8 corpora to ``CACHE/corpora``:

- ``english/*.txt``: dictionaries, WordNet glosses and English fortunes;
- ``languages/<code>.txt``: fortunes in one language each, for ``--group-by-file``.

Nothing is downloaded twice; each corpus is written atomically.
"""

from __future__ import annotations

import argparse
import gzip
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from explorer.core.files import atomic_file

ENGLISH_PACKAGES = [
    "dict-gcide",
    "wordnet-base",
    "dict-foldoc",
    "dict-jargon",
    "dict-vera",
    "dict-devil",
    "fortunes",
    "fortunes-min",
]
LANGUAGE_PACKAGES = [
    "fortunes-de",
    "fortunes-ru",
    "fortunes-pl",
    "fortunes-it",
    "fortunes-cs",
    "fortunes-es",
    "fortunes-br",
]
# Folder under /usr/share/games/fortunes -> language code used as the group.
FORTUNE_LANGUAGES = {"de": "de", "ru": "ru", "pl": "pl", "it": "it", "cs": "cs", "es": "es"}
DICTIONARIES = ["gcide", "foldoc", "jargon", "vera", "devil"]

_PRONUNCIATION = re.compile(r"\\[^\\\n]{1,80}\\")  # GCIDE: \Ab`di*ca"tion\
_EDITORIAL = re.compile(r"\[(?:1913 Webster|WordNet 1\.5|PJC|[A-Z][a-z]?\.?|Obs\.|R\.)[^\]]{0,30}\]")
_DICTD_HEADER = re.compile(r"^00-?database", re.IGNORECASE)


def fetch(cache: Path, packages: Iterable[str]) -> Path:
    """Download and unpack the packages under ``cache``; returns the unpacked root."""
    debs, root = cache / "debs", cache / "root"
    debs.mkdir(parents=True, exist_ok=True)
    root.mkdir(parents=True, exist_ok=True)
    missing = [p for p in packages if not any(debs.glob(f"{p}_*.deb"))]
    if missing:
        subprocess.run(["apt-get", "download", *missing], cwd=debs, check=True)
    for deb in sorted(debs.glob("*.deb")):
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    return root


def dictionary_text(path: Path) -> Iterator[str]:
    """Lines of a dictd ``.dict.dz`` (gzip-compatible), markup removed."""
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if _DICTD_HEADER.match(line):
                continue
            line = _PRONUNCIATION.sub(" ", line)
            yield _EDITORIAL.sub(" ", line)


def wordnet_glosses(folder: Path) -> Iterator[str]:
    """The gloss of each synset in WordNet's ``data.*`` files, one per line."""
    for part in ("noun", "verb", "adj", "adv"):
        with open(folder / f"data.{part}", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("  ") or " | " not in line:
                    continue  # licence header
                yield line.split(" | ", 1)[1].strip() + "\n\n"


def fortune_files(folder: Path) -> list[Path]:
    """Fortune text files in a folder (not the ``.dat`` indexes, not ``.u8`` links)."""
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.is_symlink() and p.suffix not in (".dat", ".u8"))


def fortune_text(files: Iterable[Path]) -> Iterator[str]:
    for path in files:
        with open(path, encoding="utf-8", errors="replace") as fh:
            yield from fh
        yield "\n"


def write_corpus(path: Path, lines: Iterable[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path) as fh:
        for line in lines:
            fh.write(line.encode("utf-8"))


def prepare(cache: Path) -> Path:
    """Fetch everything and write the corpora; returns ``cache/corpora``."""
    root = fetch(cache, ENGLISH_PACKAGES + LANGUAGE_PACKAGES)
    share = root / "usr" / "share"
    corpora = cache / "corpora"
    for name in DICTIONARIES:
        write_corpus(corpora / "english" / f"{name}.txt", dictionary_text(share / "dictd" / f"{name}.dict.dz"))
    write_corpus(corpora / "english" / "wordnet.txt", wordnet_glosses(share / "wordnet"))
    fortunes = share / "games" / "fortunes"
    english_fortunes = fortune_files(fortunes)
    brazilian = [p for p in english_fortunes if p.name == "brasil"]
    english_fortunes = [p for p in english_fortunes if p.name != "brasil"]
    write_corpus(corpora / "english" / "fortunes.txt", fortune_text(english_fortunes))
    write_corpus(corpora / "languages" / "en.txt", fortune_text(english_fortunes))
    write_corpus(corpora / "languages" / "pt.txt", fortune_text(brazilian))
    for folder, code in FORTUNE_LANGUAGES.items():
        write_corpus(corpora / "languages" / f"{code}.txt", fortune_text(fortune_files(fortunes / folder)))
    return corpora


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m pipeline.sources", description=__doc__.split("\n")[0])
    p.add_argument("cache", type=Path, metavar="CACHE_FOLDER", help="where the packages and corpora go")
    corpora = prepare(p.parse_args(argv).cache)
    for path in sorted(corpora.rglob("*.txt")):
        print(f"{path}  {path.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
