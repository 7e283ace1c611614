"""The kiosk's supervisor: a child that dies is started again, one that quits ends both."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from explorer.ui.kiosk.supervisor import FIRST_WAITS_S, LONGEST_WAIT_S, Supervisor, how_it_ended, wait_before


def test_the_first_restart_is_at_once_and_the_wait_grows_to_a_minute() -> None:
    assert wait_before(0) == 0.0 and wait_before(1) < wait_before(4) <= 10.0
    waits = [wait_before(i) for i in range(12)]
    assert waits == sorted(waits) and waits[-1] == LONGEST_WAIT_S and waits[: len(FIRST_WAITS_S)] == list(FIRST_WAITS_S)


def test_how_a_child_ended_is_said_in_words() -> None:
    assert how_it_ended(-signal.SIGKILL) == "killed by SIGKILL"
    assert how_it_ended(-signal.SIGSEGV) == "killed by SIGSEGV"
    assert how_it_ended(3) == "exited with status 3"


def test_a_child_that_keeps_dying_is_restarted_with_waits_until_it_quits(tmp_path: Path) -> None:
    counter = tmp_path / "runs"
    # Dies twice (a crash, then a signal), then quits on purpose.
    script = (
        "import os, signal, sys, pathlib; p = pathlib.Path(sys.argv[1]); n = int(p.read_text() or 0) + 1 "
        "if p.exists() else 1; p.write_text(str(n)); "
        "sys.exit(7) if n == 1 else os.kill(os.getpid(), signal.SIGKILL) if n == 2 else sys.exit(0)"
    )
    waits: list[float] = []
    supervisor = Supervisor([sys.executable, "-c", script, str(counter)], sleep=waits.append)
    assert supervisor.run() == 0
    assert supervisor.starts == 3 and counter.read_text() == "3"
    assert waits == [wait_before(0), wait_before(1)]
    assert os.environ.get("FLYTHROUGH_KIOSK_CHILD") is None  # only the child's environment has it


def child_pids(log: Path) -> list[int]:
    text = log.read_text(encoding="utf-8") if log.exists() else ""
    return [int(pid) for pid in re.findall(r"kiosk started \(pid (\d+)", text)]


def wait_for(check, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@pytest.mark.slow
def test_a_killed_kiosk_is_back_at_the_picker_within_ten_seconds(make_dataset, tmp_path: Path) -> None:
    world = make_dataset(tmp_path / "w.ds.tsv.gz", n=500)
    log = tmp_path / "kiosk.log"
    env = {k: v for k, v in os.environ.items() if k != "FLYTHROUGH_KIOSK_CHILD"}
    env["HOME"] = str(tmp_path)  # the kiosk's settings, not the user's
    supervisor = subprocess.Popen([sys.executable, "-m", "explorer", "--kiosk", str(world), "--log", str(log)],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    try:
        wait_for(lambda: "picker" in log.read_text(encoding="utf-8") if log.exists() else False, 60)
        first = child_pids(log)[0]
        os.kill(first, signal.SIGKILL)  # a crash no Python code can catch
        killed = time.monotonic()
        wait_for(lambda: len(child_pids(log)) >= 2, 10)
        second = child_pids(log)[1]
        assert second != first and time.monotonic() - killed < 10
        assert "kiosk killed by SIGKILL" in log.read_text(encoding="utf-8")
        wait_for(lambda: log.read_text(encoding="utf-8").count("picker") >= 2, 30)  # back at the picker
        assert supervisor.poll() is None
    finally:
        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(20) == 0
    with pytest.raises(ProcessLookupError):
        os.kill(second, 0)  # the child went with it
