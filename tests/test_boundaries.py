"""Import boundaries: the explorer starts fast and its core stays free of Qt and VTK."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ["umap", "numba", "torch", "cuml", "pipeline", "glove"]
GUI = ["PyQt6", "vtk", "vtkmodules", "pyvista", "pyvistaqt"]


def modules_after_import(module: str) -> set[str]:
    code = f"import sys, json, {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout))


def test_dataset_module_imports_no_gui_and_no_pipeline() -> None:
    loaded = modules_after_import("explorer.core.dataset")
    assert not {m.split(".")[0] for m in loaded} & set(HEAVY + GUI)


def test_pipeline_uses_only_the_shared_modules_of_the_explorer() -> None:
    # The dataset format, and the rude-word rule that both the pipeline and the kiosk apply.
    loaded = modules_after_import("pipeline.__main__") | modules_after_import("pipeline.build")
    explorer_modules = {m for m in loaded if m == "explorer" or m.startswith("explorer.")}
    assert explorer_modules == {"explorer", "explorer.core", "explorer.core.dataset", "explorer.core.files", "explorer.core.profanity"}


def test_pipeline_cli_defers_umap_and_torch_until_a_build_runs() -> None:
    # `info` and argument errors must answer without paying for numba's or torch's start-up.
    loaded = modules_after_import("pipeline.__main__") | modules_after_import("pipeline.build")
    assert not {m.split(".")[0] for m in loaded} & {"umap", "numba", "torch", "open_clip", "torchdr", "cuml"}


def test_explorer_start_up_imports_no_umap_torch_or_pipeline() -> None:
    loaded = modules_after_import("explorer.__main__, explorer.ui.window, explorer.benchmarks.flight")
    # matplotlib and pyvista would add about a second before the first frame.
    assert not {m.split(".")[0] for m in loaded} & set(HEAVY + ["matplotlib", "pyvista", "colorcet"])


def test_explorer_core_modules_import_neither_qt_nor_vtk() -> None:
    for module in ("explorer.core.dataset", "explorer.core.camera", "explorer.core.labels", "explorer.core.keyboard",
                   "explorer.core.colors", "explorer.core.tour", "explorer.core.profanity", "explorer.core.pad", "explorer.core.pad_menu",
                   "explorer.core.idle", "explorer.core.preview", "explorer.core.search", "explorer.core.picking", "explorer.core.neighbours",
                   "explorer.core.groups", "explorer.core.bookmarks", "explorer.core.thinning"):  # fmt: skip
        loaded = modules_after_import(module)
        assert not {m.split(".")[0] for m in loaded} & set(GUI), module
