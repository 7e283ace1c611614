"""Read UTF-8 text files, plain or gzipped, line by line with precise errors."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, cast

from pipeline.errors import located


def numbered_lines(path: Path, span: tuple[int, int] | None = None, first_line: int = 1) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, text)`` without the line ending; strict UTF-8.

    Files ending in ``.gz`` (or starting with the gzip magic) are decompressed.
    Every failure names the file, and the line where the line is known. A
    ``span`` (from :func:`line_spans`, plain files only) reads those bytes
    only, numbering its lines from ``first_line``.
    """
    lineno = first_line - 1
    try:
        with open_binary(path) if span is None else _span(path, span) as fh:
            for lineno, raw in enumerate(fh, first_line):
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


def line_spans(path: Path, parts: int) -> list[tuple[int, int]]:
    """A plain text file cut into about ``parts`` byte ranges, each from a line's start to a line's start."""
    size = path.stat().st_size
    cuts = [0]
    with open(path, "rb") as fh:
        for i in range(1, parts):
            fh.seek(max(size * i // parts - 1, cuts[-1]))
            cut = fh.tell() + len(fh.readline())  # just past the end of the line the nominal cut falls in
            if cuts[-1] < cut < size:
                cuts.append(cut)
    cuts.append(size)
    return list(zip(cuts[:-1], cuts[1:], strict=True))


def count_lines(path: Path, span: tuple[int, int]) -> int:
    """The line endings in these bytes of a plain file: the lines of a span that ends where a line ends."""
    count = 0
    with _span(path, span) as fh:
        while chunk := fh.read(1 << 24):
            count += chunk.count(b"\n")
    return count


def _span(path: Path, span: tuple[int, int]) -> IO[bytes]:
    """Bytes ``span[0]`` to ``span[1]`` of a plain file, as a file of their own."""
    import io

    with open(path, "rb") as fh:
        fh.seek(span[0])
        return io.BytesIO(fh.read(span[1] - span[0]))


def open_binary(path: Path) -> IO[bytes]:
    with open(path, "rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return cast(IO[bytes], gzip.open(path, "rb"))
    return open(path, "rb")
