"""Read UTF-8 text files, plain or gzipped, line by line with precise errors."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, cast

from pipeline.errors import located


def numbered_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, text)`` without the line ending; strict UTF-8.

    Files ending in ``.gz`` (or starting with the gzip magic) are decompressed.
    Every failure names the file, and the line where the line is known.
    """
    lineno = 0
    try:
        with open_binary(path) as fh:
            for lineno, raw in enumerate(fh, 1):
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    bad = raw[exc.start : exc.start + 4]
                    raise located(path, lineno, f"not valid UTF-8 (bytes {bad!r}); convert the file to UTF-8") from None
                yield lineno, text.rstrip("\r\n")
    except FileNotFoundError:
        raise located(path, None, "no such file") from None
    except IsADirectoryError:
        raise located(path, None, "is a folder, not a file") from None
    except PermissionError:
        raise located(path, None, "permission denied") from None
    except EOFError:
        raise located(path, lineno + 1, "gzip data ends early (truncated file)") from None
    except (gzip.BadGzipFile, zlib.error) as exc:
        raise located(path, lineno + 1, f"corrupt gzip data ({exc})") from None


def open_binary(path: Path) -> IO[bytes]:
    with open(path, "rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return cast(IO[bytes], gzip.open(path, "rb"))
    return open(path, "rb")
