"""Put the explorer benchmark runs side by side: ``python -m explorer.bench_summary DIR``."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def summary(folder: Path) -> dict[str, object]:
    def load(name: str) -> dict:
        return json.loads((folder / name).read_text(encoding="utf-8"))

    with_labels, without = load("explorer-140k.json"), load("explorer-140k-nolabels.json")
    long_run = load("explorer-140k-10k-frames.json")
    big, big_plain = load("explorer-1m.json"), load("explorer-1m-nolabels.json")
    return {
        "label_cost_ratio_140k": round(with_labels["frame_ms_median"] / without["frame_ms_median"], 3),
        "label_update_ms_median_1m": big["label_update_ms_median"],
        "label_cost_ratio_1m": round(big["frame_ms_median"] / big_plain["frame_ms_median"], 3),
        "rss_growth_mb_frame300_to_10000": round(long_run["rss_mb_end"] - long_run["rss_mb_after_warmup"], 1),
        "first_frame_s_140k": with_labels["first_frame_s"],
        "frame_ms_median_140k": with_labels["frame_ms_median"],
        "frame_ms_median_1m": big["frame_ms_median"],
        "renderer": with_labels["renderer"],
    }


def main() -> int:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "bench-results")
    result = summary(folder)
    (folder / "explorer-summary.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
