"""Refresh the bundled rude-word lists from their packages: ``python -m pipeline.wordlists [ASSETS_WORDLISTS]``.

The lists are LDNOOBW's "List of Dirty, Naughty, Obscene and Otherwise Bad
Words" in 28 languages (the npm package ``naughty-words``, CC-BY-4.0), with
better-profanity's English list (PyPI, MIT) added to the English one. Each
language becomes ``rude-<code>.txt``: one entry a line, case-folded, sorted;
an entry of several words is a phrase. Regional variants join their language
(``fr-CA-u-sd-caqc`` into ``fr``). The packages are fetched with the registries'
own clients (``npm pack``, ``pip download``); every file is written atomically.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

from explorer.core.files import atomic_file, bundled

NAUGHTY_WORDS = "naughty-words@1.2.0"
BETTER_PROFANITY = "better-profanity==0.7.0"
NOT_LISTS = {"package", "package-lock", "bower"}


def ldnoobw_lists(tarball: bytes) -> dict[str, set[str]]:
    """Language code -> entries, from the ``naughty-words`` npm tarball."""
    lists: dict[str, set[str]] = {}
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as tar:
        for member in tar.getmembers():
            name = Path(member.name)
            if len(name.parts) != 2 or name.suffix != ".json" or name.stem in NOT_LISTS:
                continue
            handle = tar.extractfile(member)
            if handle is None:
                continue
            words = json.loads(handle.read().decode("utf-8"))
            code = name.stem.split("-")[0]  # fr-CA-u-sd-caqc: a variant of fr
            lists.setdefault(code, set()).update(str(w) for w in words)
    return lists


def better_profanity_list(wheel: bytes) -> set[str]:
    """The English entries of the better-profanity wheel."""
    with zipfile.ZipFile(io.BytesIO(wheel)) as archive:
        text = archive.read("better_profanity/profanity_wordlist.txt").decode("utf-8")
    return {line for line in text.splitlines() if line.strip()}


def cleaned(entries: Iterable[str]) -> list[str]:
    """Case-folded, single-spaced, sorted, once each."""
    return sorted({" ".join(e.casefold().split()) for e in entries} - {""})


def write_lists(folder: Path, lists: dict[str, set[str]]) -> list[Path]:
    written = []
    for code, entries in sorted(lists.items()):
        path = folder / f"rude-{code}.txt"
        with atomic_file(path) as fh:
            fh.write(("\n".join(cleaned(entries)) + "\n").encode("utf-8"))
        written.append(path)
    return written


def fetch(command: list[str], folder: Path, suffix: str) -> bytes:
    subprocess.run(command, cwd=folder, check=True, stdout=subprocess.DEVNULL)
    found = sorted(folder.glob(f"*{suffix}"))
    if not found:
        raise RuntimeError(f"{' '.join(command)} left no {suffix} file")
    return found[-1].read_bytes()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m pipeline.wordlists", description=__doc__.split("\n")[0])
    p.add_argument("folder", type=Path, nargs="?", default=bundled("assets", "wordlists"), help="default: the bundled")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        npm, pip = Path(tmp, "npm"), Path(tmp, "pip")
        npm.mkdir()
        pip.mkdir()
        lists = ldnoobw_lists(fetch(["npm", "pack", "--silent", NAUGHTY_WORDS], npm, ".tgz"))
        wheel = fetch([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", ".", BETTER_PROFANITY],
                      pip, ".whl")  # fmt: skip
        lists.setdefault("en", set()).update(better_profanity_list(wheel))
    for path in write_lists(args.folder, lists):
        print(f"{path}  {len(path.read_text(encoding='utf-8').splitlines()):,} entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
