"""Shared fixtures: small real texts and a fixed seed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
SEED = 42


@pytest.fixture(scope="session")
def devil_text() -> Path:
    return DATA / "devils-dictionary.txt.gz"


@pytest.fixture(scope="session")
def jargon_text() -> Path:
    return DATA / "jargon-file.txt.gz"


def run_cli(*args: str | os.PathLike[str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run ``python -m pipeline`` as a user would, in a fresh process."""
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
