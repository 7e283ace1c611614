"""The one kind of error a user can fix: bad input, bad options, missing extras."""

from __future__ import annotations

import os
from pathlib import Path


class PipelineError(Exception):
    """A problem with the user's input, shown as one line and exit status 2."""


def located(path: str | os.PathLike[str], line: int | None, problem: str) -> PipelineError:
    """An error in the ``FILE:LINE: problem`` form."""
    where = f"{Path(path)}:{line}" if line is not None else f"{Path(path)}"
    return PipelineError(f"{where}: {problem}")


def missing_extra(module: str, extra: str) -> PipelineError:
    return PipelineError(f"this needs the '{module}' package: install it with  pip install 'flythrough[{extra}]'")
