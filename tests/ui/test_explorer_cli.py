"""``flythrough`` from a fresh process: screenshot, benchmark, and a bad file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from explorer.core.lod import GPU_FRAME_MS, SOFTWARE_FRAME_MS, is_software


def flythrough(*args: str | Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "explorer", *map(str, args)], capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture
def dataset(make_dataset, tmp_path: Path) -> Path:
    return make_dataset(tmp_path / "cloud.ds.tsv.gz", n=4000, groups=True)


def test_screenshot_renders_the_overview_and_exits(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "shot.png"
    result = flythrough("--screenshot", out, dataset, "--size", "640x480")
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from vtkmodules.util.numpy_support import vtk_to_numpy
    from vtkmodules.vtkIOImage import vtkPNGReader

    reader = vtkPNGReader()
    reader.SetFileName(str(out))
    reader.Update()
    pixels = vtk_to_numpy(reader.GetOutput().GetPointData().GetScalars())
    assert (pixels[:, :3].astype(int).sum(axis=1) > 120).mean() > 0.01  # the cloud is there


def test_benchmark_writes_the_promised_fields(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    result = flythrough("--benchmark", dataset, "--frames", "40", "--labels", "50", "--json", out, "--size", "640x480")
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text())
    for key in ("points", "frames", "load_s", "first_frame_s", "frame_ms_median", "frame_ms_p95",
                "label_update_ms_median", "label_update_ms_p95", "labels_shown_median",
                "rss_mb_after_warmup", "rss_mb_end", "renderer", "window"):  # fmt: skip
        assert key in data, key
    assert data["points"] == 4000 and data["frames"] == 40
    assert 0 < data["labels_shown_median"] <= 50
    assert data["first_frame_s"] > data["load_s"] > 0
    assert np.isfinite(data["frame_ms_median"]) and data["window"][0] == 640


def test_a_bad_dataset_on_the_command_line_is_one_clear_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ds.tsv"
    bad.write_text("w\t1\t2\t3\nv\t1\t2\tinf\n", encoding="utf-8")
    result = flythrough("--screenshot", tmp_path / "x.png", bad)
    assert result.returncode == 2
    assert result.stderr.strip() == f"flythrough: error: {bad}:2: z is not finite: 'inf'"
    assert not (tmp_path / "x.png").exists()


def test_kiosk_soak_tours_unattended_and_writes_its_figures(dataset: Path, tmp_path: Path) -> None:
    out, log = tmp_path / "soak.json", tmp_path / "kiosk.log"
    result = flythrough("--kiosk-soak", "0.1", "--json", out, "--log", log, "--size", "640x480", dataset)
    assert result.returncode == 0, result.stderr
    soak = json.loads(out.read_text(encoding="utf-8"))
    assert soak["points"] == 4000 and soak["frames"] > 20 and soak["loop_errors"] == 0
    assert soak["frame_ms_median_after_warmup"] > 0 and len(soak["rss_curve"]) >= 2
    assert {"rss_growth_mb_after_first_minute", "frames_over_3x_median_after_warmup"} <= soak.keys()
    cpu = soak["frame_cpu_ms_median_after_warmup"]
    assert 0 < cpu["ui_thread"] <= cpu["process"]  # the process's CPU includes the UI thread's
    assert "flying -> tour" in log.read_text(encoding="utf-8")  # it toured on its own
    target = SOFTWARE_FRAME_MS if is_software(soak["renderer"]) else GPU_FRAME_MS
    assert soak["point_budget"] == "adaptive" and soak["frame_target_ms"] == target  # chosen by the renderer


def test_the_kiosk_takes_a_point_budget(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "soak.json"
    result = flythrough(
        "--kiosk-soak", "0.05", "--point-budget", "500", "--json", out, "--log", tmp_path / "k.log", dataset
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["point_budget"] == 500


def test_a_soak_that_cannot_write_its_figures_says_so_and_ends(dataset: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    result = flythrough("--kiosk-soak", "0.05", "--json", blocker / "soak.json", "--log", tmp_path / "k.log", dataset)
    assert result.returncode == 1
    assert "could not write the soak's figures" in result.stderr


def test_a_negative_point_budget_is_refused(dataset: Path) -> None:
    result = flythrough("--kiosk", "--point-budget", "-5", dataset)
    assert result.returncode == 2
    assert "argument --point-budget: must be 0 or more, not -5" in result.stderr


def test_several_datasets_are_only_for_the_kiosk(dataset: Path) -> None:
    result = flythrough(dataset, dataset)
    assert result.returncode == 2
    assert result.stderr.strip() == "flythrough: error: several datasets are for --kiosk; open one at a time"


def test_pad_benchmark_runs_a_few_trials(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "pad.json"
    result = subprocess.run(
        [sys.executable, "-m", "explorer.benchmarks.pad_latency", str(dataset), "--trials", "5", "--json", str(out)],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["trials"] == 5 and sum(figures["frames_to_respond_counts"].values()) == 5
    assert figures["event_to_camera_ms_median"] > 0


def test_research_benchmark_reports_every_figure(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "research.json"
    result = subprocess.run(
        [sys.executable, "-m", "explorer.benchmarks.research", str(dataset), "--frames", "3", "--pairs", "2",
         "--size", "480x320", "--json", str(out)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["search_keystroke_ms"]["n"] == sum(len(w) for w in figures["search_words"])
    assert figures["clicks_that_hit"] == figures["click_ms"]["n"] > 0
    assert figures["group_to_next_frame_ms"]["n"] == 20 and figures["groups"] > 1
    assert len(figures["flight_ratio_by_pair"]) == 2 and figures["flight_ratio_median"] > 0


def test_a_kiosk_word_list_that_cannot_be_read_is_one_clear_line(dataset: Path, tmp_path: Path) -> None:
    bad = tmp_path / "more.txt"
    bad.write_bytes(b"ok\n\xff\n")
    result = flythrough("--kiosk", dataset, "--rude-words", bad, "--log", tmp_path / "k.log")
    assert result.returncode == 2
    assert result.stderr.strip() == f"flythrough: error: {bad}:2: not valid UTF-8; save the word list as UTF-8"
    result = flythrough("--kiosk", dataset, "--allow-words", tmp_path / "none.txt", "--log", tmp_path / "k.log")
    assert result.returncode == 2 and result.stderr.strip().endswith("none.txt: no such file")
