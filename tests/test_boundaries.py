"""What the import contracts (``make lint``) cannot say: what a start-up really loads, measured in a subprocess.

The layers, the pure core, the pipeline's three explorer modules and the
absence of circles are import-linter contracts in pyproject.toml. Those read
the source; these run it, so a lazy import that runs at start-up shows too.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ["umap", "numba", "torch", "cuml", "torchdr", "open_clip", "pipeline", "glove"]


def modules_after_import(module: str) -> set[str]:
    code = f"import sys, json, {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return {m.split(".")[0] for m in json.loads(out.stdout)}


def test_explorer_start_up_imports_no_umap_torch_or_pipeline() -> None:
    loaded = modules_after_import("explorer.__main__, explorer.ui.window, explorer.ui.kiosk.mode")
    # matplotlib and pyvista would add about a second before the first frame.
    assert not loaded & set(HEAVY + ["matplotlib", "pyvista", "colorcet"])


def test_pipeline_cli_defers_umap_and_torch_until_a_build_runs() -> None:
    # `info` and argument errors must answer without paying for numba's or torch's start-up.
    loaded = modules_after_import("pipeline.cli") | modules_after_import("pipeline.stages")
    assert not loaded & {"umap", "numba", "torch", "open_clip", "torchdr", "cuml"}
