"""Flights as video: rendered frame by frame, encoded with imageio-ffmpeg, decoded again to check."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import imageio.v2 as imageio
import numpy as np
import pytest


def flythrough(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "explorer", *map(str, args)], capture_output=True, text=True,
                          timeout=180)  # fmt: skip


@pytest.fixture
def dataset(make_dataset, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    return make_dataset(tmp_path / "cloud.ds.tsv.gz", n=3000, groups=True)


def frames_of(path: Path) -> list[np.ndarray]:
    with imageio.get_reader(path) as reader:
        return [np.asarray(frame) for frame in reader]


def test_a_two_second_recording_has_every_frame_at_its_size(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "flight.mp4"
    result = flythrough("--record", out, "--seconds", "2", "--fps", "12", "--size", "320x180", dataset)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"wrote {out} (24 frames, 2.0 s)"
    frames = frames_of(out)
    assert len(frames) == 24 and frames[0].shape == (180, 320, 3)
    change = np.abs(frames[0].astype(int) - frames[-1].astype(int)).mean()
    assert change > 2  # the camera moved
    assert frames[0].max() > 100  # the cloud and its labels are there, not a black screen
    assert not list(tmp_path.glob(".flight*"))  # the partial file is gone


def test_the_same_flight_gives_the_same_frames(dataset: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a.gif", tmp_path / "b.gif"
    for out in (a, b):
        result = flythrough("--record", out, "--seconds", "1", "--fps", "6", "--size", "240x160", dataset)
        assert result.returncode == 0, result.stderr
    first, second = frames_of(a), frames_of(b)
    assert len(first) == 6 and all(np.array_equal(x, y) for x, y in zip(first, second, strict=True))


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["--record", "{tmp}/x.avi"], "x.avi: unknown video format; use .mp4, .webm, .gif"),
        (["--record", "{tmp}/x.mp4", "--views", "harbour"], "no saved view 'harbour' for"),
        (["--record", "{tmp}/nowhere/x.mp4"], "nowhere: output folder does not exist"),
    ],
)
def test_what_cannot_be_recorded_is_one_line(dataset: Path, tmp_path: Path, args: list[str], problem: str) -> None:
    result = flythrough(*[a.replace("{tmp}", str(tmp_path)) for a in args], "--size", "160x90", dataset)
    assert result.returncode == 2
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("flythrough: error: ") and problem in line
