"""Which UMAP backend runs, and why: cuML on a GPU, else TorchDR on a GPU, else UMAP in parallel on the CPU."""

from __future__ import annotations

import glob
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.errors import PipelineError, missing_extra
from pipeline.reduce.settings import BACKENDS, CPU_BACKENDS


@dataclass(frozen=True)
class Machine:
    """What this machine offers the reducers; tests pass their own instead of probing."""

    cuml: bool = False  # RAPIDS cuML is installed
    cuda_devices: int = 0  # CUDA devices that cuML (through CuPy) can use
    torchdr: bool = False  # TorchDR (and so torch) is installed
    torch_cuda: bool = False  # torch sees a CUDA device


def nvidia_driver() -> bool:
    """Whether an NVIDIA driver is loaded; where none is (Linux), no CUDA library needs importing to know it.

    Importing torch only to hear "no CUDA" costs about 400 MB of memory and a
    second or two, on every CPU-only run that has the torchdr extra.
    """
    if not sys.platform.startswith("linux"):
        return True  # no cheap answer elsewhere: ask the libraries
    return os.path.exists("/proc/driver/nvidia/version") or bool(glob.glob("/dev/nvidia[0-9]*"))


def probe_machine() -> Machine:
    """Ask the installed libraries; a failure to ask counts as "not there".

    ``import cuml`` succeeds on machines without a GPU (only fitting fails),
    so the device count comes from CuPy, not from the import.
    """
    from importlib.util import find_spec

    cuml = find_spec("cuml") is not None
    torchdr = find_spec("torchdr") is not None and find_spec("torch") is not None
    if not nvidia_driver():
        return Machine(cuml=cuml, torchdr=torchdr)
    devices = 0
    if cuml:
        try:
            import cupy

            devices = int(cupy.cuda.runtime.getDeviceCount())
        except Exception:
            devices = 0
    torch_cuda = False
    if torchdr:
        try:
            import torch

            torch_cuda = bool(torch.cuda.is_available())
        except Exception:
            torch_cuda = False
    return Machine(cuml=cuml, cuda_devices=devices, torchdr=torchdr, torch_cuda=torch_cuda)


def choose_backend(requested: str, machine: Callable[[], Machine] = probe_machine) -> tuple[str, str]:
    """The backend to run and why: cuML on a GPU, else TorchDR on a GPU, else umap-parallel on the CPU."""
    if requested not in BACKENDS:
        raise PipelineError(f"unknown --backend {requested!r}; choose one of {', '.join(BACKENDS)}")
    if requested in CPU_BACKENDS:
        return requested, f"asked for with --backend {requested}"
    m = machine()
    if requested == "cuml":
        if not m.cuml:
            raise missing_extra("cuml", "gpu")
        if m.cuda_devices == 0:
            raise PipelineError("--backend cuml needs an NVIDIA GPU, and CUDA sees none here")
        return "cuml", "asked for with --backend cuml"
    if requested == "torchdr":
        if not m.torchdr:
            raise missing_extra("torchdr", "torchdr")
        return "torchdr", f"asked for with --backend torchdr ({'CUDA' if m.torch_cuda else 'CPU'})"
    if m.cuml and m.cuda_devices > 0:
        return "cuml", f"auto: cuML is installed and CUDA sees {m.cuda_devices} GPU(s)"
    if m.torchdr and m.torch_cuda:
        return "torchdr", "auto: no cuML with a GPU; TorchDR is installed and torch sees a CUDA GPU"
    missing = "no GPU" if not (m.torch_cuda or m.cuda_devices) else "no GPU backend installed"
    return "umap-parallel", f"auto: {missing}, so UMAP on the CPU (umap-learn's graph, laid out in parallel)"
