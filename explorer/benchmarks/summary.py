"""Put the explorer benchmark runs side by side: ``python -m explorer.benchmarks.summary DIR``.

Runs with and without labels are interleaved pairs from one session; the
figures are medians over the pairs, since single runs on a shared machine
vary by more than the effect measured.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any


def _runs(folder: Path, pattern: str) -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob(pattern))]


def _pairs(folder: Path, size: str) -> dict[str, Any]:
    labelled = _runs(folder, f"explorer-{size}-labels-*.json")
    plain = _runs(folder, f"explorer-{size}-nolabels-*.json")
    ratios = [a["frame_ms_median"] / b["frame_ms_median"] for a, b in zip(labelled, plain, strict=True)]
    return {
        "pairs": len(ratios),
        "label_cost_ratio_median": round(statistics.median(ratios), 3),
        "label_cost_ratios": [round(r, 3) for r in ratios],
        "frame_ms_median_labels": [a["frame_ms_median"] for a in labelled],
        "frame_ms_median_no_labels": [b["frame_ms_median"] for b in plain],
        "frame_ms_p95_labels": [a["frame_ms_p95"] for a in labelled],
        "label_update_ms_median": round(statistics.median(a["label_update_ms_median"] for a in labelled), 3),
        "label_update_ms_p95": round(statistics.median(a["label_update_ms_p95"] for a in labelled), 3),
        "labels_shown_median": statistics.median(a["labels_shown_median"] for a in labelled),
        "first_frame_s_median": round(statistics.median(a["first_frame_s"] for a in labelled + plain), 3),
        "load_s_median": round(statistics.median(a["load_s"] for a in labelled + plain), 3),
    }


def _round(folder: Path) -> dict[str, Any]:
    """Round points against GL's squares at 140k points, in pairs."""
    round_ = _runs(folder, "explorer-140k-round-*.json")
    square = _runs(folder, "explorer-140k-square-*.json")
    ratios = [a["frame_ms_median"] / b["frame_ms_median"] for a, b in zip(round_, square, strict=True)]
    if not ratios:
        return {}
    return {
        "pairs": len(ratios),
        "frame_ratio_median": round(statistics.median(ratios), 3),
        "frame_ratios": [round(r, 3) for r in ratios],
        "frame_ms_median_round": [a["frame_ms_median"] for a in round_],
        "frame_ms_median_square": [b["frame_ms_median"] for b in square],
    }


def _names(folder: Path) -> dict[str, Any]:
    """Region names at 1M points: the same cloud with its regions sidecars against without, in pairs."""
    named = _runs(folder, "explorer-1m-names-*.json")
    plain = _runs(folder, "explorer-1m-nonames-*.json")
    if not named:
        return {}
    frames = [a["frame_ms_median"] / b["frame_ms_median"] for a, b in zip(named, plain, strict=True)]
    updates = [a["label_update_ms_median"] - b["label_update_ms_median"] for a, b in zip(named, plain, strict=True)]
    return {
        "pairs": len(frames),
        "frame_ratio_median": round(statistics.median(frames), 3),
        "frame_ratios": [round(r, 3) for r in frames],
        "label_update_added_ms_median": round(statistics.median(updates), 3),
        "label_update_added_ms": [round(u, 3) for u in updates],
        "label_update_ms_median_names": [a["label_update_ms_median"] for a in named],
        "label_update_ms_median_no_names": [b["label_update_ms_median"] for b in plain],
    }


def summary(folder: Path) -> dict[str, Any]:
    long_run = json.loads((folder / "explorer-140k-10k-frames.json").read_text(encoding="utf-8"))
    first = _runs(folder, "explorer-140k-labels-*.json")[0]
    return {
        "renderer": first["renderer"],
        "window": first["window"],
        "140k": _pairs(folder, "140k"),
        "1m": _pairs(folder, "1m"),
        "1m_region_names": _names(folder),
        "140k_round_points": _round(folder),
        "rss_growth_mb_frame300_to_10000": round(long_run["rss_mb_end"] - long_run["rss_mb_after_warmup"], 1),
        "rss_mb_after_warmup": long_run["rss_mb_after_warmup"],
        "rss_mb_end": long_run["rss_mb_end"],
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m explorer.benchmarks.summary", description=__doc__.split("\n")[0])
    p.add_argument("folder", type=Path, nargs="?", default=Path("bench-results"), help="default bench-results")
    folder = p.parse_args(argv).folder
    result = summary(folder)
    (folder / "explorer-summary.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
