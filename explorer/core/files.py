"""The program's own files: written atomically, and found wherever Flythrough is installed (pure).

``assets/`` (fonts, colour maps, word lists, the wordsim list) and ``data/``
(the bundled worlds) sit at the top of a source checkout. A wheel carries them
inside the ``explorer`` package, under ``explorer/_bundled``. :func:`bundled`
is the one place that knows both, so no other module builds a path from
``__file__``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

_PACKAGE = Path(__file__).resolve().parent.parent  # explorer/
_INSTALLED = _PACKAGE / "_bundled"  # in a wheel
_CHECKOUT = _PACKAGE.parent  # in a source checkout: assets/ and data/ beside explorer/


def bundled(kind: str, *parts: str) -> Path:
    """The path of a file shipped with Flythrough: ``bundled("assets", "fonts", "X.ttf")``, ``bundled("data", …)``."""
    if kind not in ("assets", "data"):
        raise ValueError(f"bundled files are under 'assets' or 'data', not {kind!r}")
    root = _INSTALLED if (_INSTALLED / kind).is_dir() else _CHECKOUT
    return root.joinpath(kind, *parts)


def cache_home() -> Path:
    """Flythrough's own cache folder: ``$XDG_CACHE_HOME/flythrough`` (``~/.cache/flythrough`` by default)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "flythrough"


@contextmanager
def atomic_file(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """A binary file that appears at ``path`` only if the block finishes.

    It is written beside the target (same file system) and renamed over it, so a
    crash or Ctrl-C never leaves a half-written file under the real name.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"{path.parent}: output folder does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
