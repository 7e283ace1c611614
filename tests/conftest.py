"""Shared fixtures: small real texts, small datasets, the command line and a fixed seed."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
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


@pytest.fixture(scope="session")
def seed() -> int:
    return SEED


def run_cli(*args: str | os.PathLike[str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run ``python -m pipeline`` as a user would, in a fresh process."""
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


WORDS = [
    "football",
    "baseball",
    "cricket",
    "tennis",
    "hockey",
    "rugby",
    "golf",
    "chess",
    "team",
    "player",
    "coach",
    "league",
    "goal",
    "match",
    "river",
    "lake",
    "ocean",
    "sea",
    "valley",
    "mountain",
    "hill",
    "forest",
    "desert",
    "island",
    "coast",
    "bay",
    "stream",
    "king",
    "queen",
    "prince",
    "princess",
    "duke",
    "lord",
    "crown",
    "throne",
    "castle",
    "palace",
    "empire",
    "kingdom",
    "computer",
    "software",
    "hardware",
    "program",
    "code",
    "unix",
    "kernel",
    "memory",
    "disk",
    "network",
    "server",
    "bug",
]


def write_small_dataset(path: Path, n: int = 3000, groups: bool = False, seed: int = SEED) -> Path:
    """A clustered cloud of real words (repeated with numbers), written with the real writer."""
    import numpy as np

    from explorer.core.dataset import Dataset, write_dataset

    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(6, 3)) * 4
    which = rng.integers(0, 6, n)
    points = (centres[which] + rng.normal(size=(n, 3))).astype(np.float32)
    labels = np.array([f"{WORDS[i % len(WORDS)]}{i // len(WORDS) or ''}" for i in range(n)], dtype=object)
    group = np.array([f"g{w}" for w in which], dtype=object) if groups else None
    write_dataset(path, Dataset(labels=labels, points=points, groups=group))
    return path


@pytest.fixture(scope="session")
def cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """``cli(*args)`` runs ``python -m pipeline`` as a user would, in a fresh process."""
    return run_cli


@pytest.fixture(scope="session")
def make_dataset() -> Callable[..., Path]:
    """``make_dataset(path, n=3000, groups=False)`` writes a clustered cloud of real words."""
    return write_small_dataset


@pytest.fixture
def small_dataset(tmp_path: Path) -> Path:
    return write_small_dataset(tmp_path / "small.ds.tsv.gz")


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Computed regions go to a cache of the test's own, never the user's (and child processes inherit it)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """QSettings (recent files) and $HOME in a temporary folder, never the user's."""
    from PyQt6.QtCore import QSettings

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # saved views
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    return tmp_path / "settings"
