"""This process's memory and age, from /proc and glibc; the one reader of ``/proc/self/status`` (pure).

Elsewhere than Linux with glibc, each figure falls back or reads as unknown
(-1), and trimming the heap does nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import mmap
import os
import time

import numpy as np

STATUS = "/proc/self/status"


def status_kb(*keys: str) -> dict[str, float]:
    """Fields of ``/proc/self/status`` in kB (``"VmRSS"``, ``"RssAnon"`` …); a key not found is left out."""
    wanted, found = set(keys), {}
    try:
        with open(STATUS, encoding="ascii") as fh:
            for line in fh:
                key = line.split(":", 1)[0]
                if key in wanted:
                    found[key] = float(line.split()[1])
    except OSError:
        pass
    return found


def rss_mb() -> float:
    """Resident set size of this process, in MB (the peak, where /proc is missing)."""
    rss = status_kb("VmRSS").get("VmRSS")
    if rss is not None:
        return rss / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_parts_mb() -> tuple[float, float]:
    """(anonymous, file-backed + shared) resident memory in MB; -1 where unknown."""
    parts = status_kb("RssAnon", "RssFile", "RssShmem")
    anon = parts.get("RssAnon", -1024.0)
    file = parts.get("RssFile", -1024.0) + parts.get("RssShmem", 0.0) if "RssFile" in parts else -1024.0
    return anon / 1024, file / 1024


def resident_by_mapping_kb() -> dict[str, int]:
    """Resident kB of each mapped file (``/proc/self/smaps``), anonymous memory as ``"[anon]"``; {} where unknown.

    A long run's growth outside malloc's heap (a driver's code cache, a file's
    pages touched for the first time) shows up here as the mapping that grew.
    """
    sizes: dict[str, int] = {}
    name = "[anon]"
    try:
        with open("/proc/self/smaps", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                head = line.split(None, 1)[0]
                if head == "Rss:":
                    sizes[name] = sizes.get(name, 0) + int(line.split()[1])
                elif "-" in head and not head.endswith(":"):  # a mapping's first line: range, perms, ..., path
                    fields = line.split(None, 5)
                    name = fields[5].strip() if len(fields) > 5 and fields[5].strip() else "[anon]"
    except (OSError, ValueError, IndexError):
        return {}
    return sizes


PAGEMAP = "/proc/self/pagemap"


def resident_bytes(array: np.ndarray) -> int:
    """Bytes of an array's pages that are mapped in this process now (``/proc/self/pagemap``); -1 where unknown.

    For an array over a memory-mapped file this is what of it counts in the
    resident size: the pages this process has touched, not the whole file.
    """
    if array.nbytes == 0:
        return 0
    page = mmap.PAGESIZE
    address = int(array.__array_interface__["data"][0])
    first, last = address // page, (address + array.nbytes - 1) // page
    try:
        with open(PAGEMAP, "rb") as fh:
            fh.seek(first * 8)
            entries = np.frombuffer(fh.read((last - first + 1) * 8), dtype="<u8")
    except (OSError, ValueError):
        return -1
    return int(((entries >> np.uint64(63)) & np.uint64(1)).sum()) * page


def process_age_s(fallback_start: float) -> float:
    """Seconds since this process started (interpreter start-up included)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as fh:
            start_ticks = int(fh.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime", encoding="ascii") as fh:
            uptime = float(fh.read().split()[0])
        return uptime - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.perf_counter() - fallback_start


def release_free_heap() -> None:
    """Give freed heap pages back to the system (glibc's malloc_trim).

    Over a day, allocations of varying sizes leave free holes inside the heap
    that still count as resident; trimming every few seconds keeps the resident
    size at what is really in use.
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter numbers (malloc.h)
MMAP_THRESHOLD_BYTES = 256 * 1024


def steady_heap() -> bool:
    """Fix malloc's mmap threshold, so that large blocks always come from and go back to the system.

    By default glibc raises the threshold each time a mapped block is freed (up to
    32 MB), after which the arrays of a world switch (labels, coordinates, colours,
    all between 256 kB and 32 MB) are carved out of the heap instead, and the
    holes they leave fragment it for good. A fixed threshold keeps every such
    array in its own mapping, returned whole when it is freed: a day of world
    switches then leaves no residue. Returns whether the setting took.
    """
    try:
        return bool(ctypes.CDLL(None).mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))
    except (OSError, AttributeError):
        return False


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                     "keepcost")
    ]  # fmt: skip


def heap_in_use_mb() -> float:
    """Bytes malloc has handed out and not had back (glibc's mallinfo2), or -1 where unknown."""
    try:
        libc = ctypes.CDLL(None)
        libc.mallinfo2.restype = _MallInfo2
        info = libc.mallinfo2()
    except (OSError, AttributeError):
        return -1.0
    return float(info.uordblks + info.hblkhd) / 2**20
