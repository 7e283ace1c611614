"""A festival day, short: the scripted visitor through the real pad parser, and world switches that leak nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtGui import QImage

from explorer.benchmarks.visitor import DayPlan, day_script


def test_the_visitor_script_is_repeatable_and_shaped_like_a_day() -> None:
    plan = DayPlan(minutes=60, seed=3)
    steps = day_script(plan)
    assert steps == day_script(plan) and steps != day_script(DayPlan(minutes=60, seed=4))
    assert [s.at_s for s in steps] == sorted(s.at_s for s in steps) and steps[-1].at_s < 3600
    switches = [s.at_s for s in steps if s.kind == "switch"]
    assert len(switches) >= 20 and max(np.diff(switches)) <= plan.picker_after_s + 150  # every two minutes
    unplugs = [s.at_s for s in steps if s.kind == "unplug"]
    assert len(unplugs) == 5 and all(0 <= u - 600 * (i + 1) < 10 for i, u in enumerate(unplugs))  # every ten minutes
    assert all(not -3 <= u - t <= 5 for u in unplugs for t in switches)  # never in the middle of a switch
    assert len([s for s in steps if s.kind == "plug"]) == 5 and any(s.kind == "menu" for s in steps)
    sends = [s.at_s for s in steps if s.kind == "send"]
    pauses = np.diff(sends)
    assert (pauses > plan.tour_after_s).sum() >= 3  # long enough for the tour, now and then
    assert pauses.max() > plan.picker_after_s  # and once, long enough for the picker


@pytest.mark.slow
def test_a_short_day_through_the_real_parser(make_dataset, tmp_path: Path) -> None:
    worlds = [make_dataset(tmp_path / "a.ds.tsv.gz", n=3000), make_dataset(tmp_path / "b.ds.tsv.gz", n=2000)]
    out = tmp_path / "day.json"
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    result = subprocess.run(
        [sys.executable, "-m", "explorer", "--kiosk-day", "1", "--switch-seconds", "9", "--replug-minutes", "0.23",
         "--idle-seconds", "2", "--picker-minutes", "0.1", "--size", "640x360", "--json", str(out),
         "--log", str(tmp_path / "kiosk.log"), *map(str, worlds)],
        capture_output=True, text=True, timeout=180, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    for key in ("minutes", "frames", "frame_ms_median", "frames_over_3x_median", "load_stall_ms_max",
                "rss_mb_after_trim", "rss_growth_mb", "dataset_switches", "replugs", "loop_errors", "threads_start",
                "threads_end", "fds_start", "fds_end"):  # fmt: skip
        assert key in result, key
    assert result["minutes"] == 1.0 and result["frames"] > 200 and result["frame_ms_median"] > 0
    assert result["dataset_switches"] >= 4 and result["switches_asked"] >= 4 and result["menus_opened"] >= 2
    plan = DayPlan(1.0, switch_every_s=9, replug_every_s=0.23 * 60, tour_after_s=2, picker_after_s=6)
    assert result["replugs"] == len([s for s in day_script(plan) if s.kind == "plug"]) >= 3
    assert result["loop_errors"] == 0
    assert result["threads_end"] == result["threads_start"] and result["fds_end"] == result["fds_start"]
    assert result["world_at_start_and_end"] in (0, 1)  # both counted with the same world shown
    assert len(result["rss_mb_after_trim"]) >= 1
    assert len(result["python_blocks_after_trim"]) == len(result["rss_mb_after_trim"])
    assert min(result["python_blocks_after_trim"]) > 10_000  # the interpreter's own objects, at least
    medians = result["frame_ms_median_by_world"]  # each world shown in flight, judged by its own median
    assert set(medians) <= {"a.ds.tsv.gz", "b.ds.tsv.gz"} and medians and min(medians.values()) > 0
    assert 0 <= result["frames_over_3x_world_median"] <= result["frames_counted"]
    picture = QImage(str(out.with_suffix(".png")))
    assert picture.width() == 1200 and picture.height() == 700  # the exhibitor's memory graph
    log = (tmp_path / "kiosk.log").read_text(encoding="utf-8")
    assert "gamepad disconnected" in log and "tour" in log


@pytest.mark.slow
def test_fifty_world_switches_leave_memory_flat(make_dataset, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    worlds = [make_dataset(tmp_path / "a.ds.tsv.gz", n=30_000), make_dataset(tmp_path / "b.ds.tsv.gz", n=20_000)]
    # In a process of its own, as the kiosk runs: late in the suite this one holds 2 GB of other tests' heap.
    result = subprocess.run([sys.executable, "-m", "explorer.testing.switches", *map(str, worlds), "50"],
                            capture_output=True, text=True, timeout=600)  # fmt: skip
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    rss = figures["rss_mb_after_trim"]
    assert figures["switches"] == 50 and len(rss) == 51
    early, late = float(np.median(rss[8:18])), float(np.median(rss[-10:]))
    assert late - early <= 3.0, f"RSS after trim {early:.1f} MB after ten switches, {late:.1f} MB after fifty"
