"""A crash costs one visitor, not the day: the kiosk's window runs in a child process, watched (no Qt).

``flythrough --kiosk`` starts this supervisor, which starts the kiosk again
as a child (the same arguments, ``FLYTHROUGH_KIOSK_CHILD=1`` set). When the
child ends with status 0 (Ctrl+Alt+Q, the admin's quit), so does the
supervisor. When it dies any other way (a signal, a crash in a driver or in C
code, an error), the supervisor logs how it ended and starts it again, back
at the picker: at once the first time, then waiting longer each time it dies
again soon after starting, up to a minute. A child that ran for a while
resets the wait. SIGTERM or SIGINT to the supervisor ends the child, then
the supervisor.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

CHILD_ENV = "FLYTHROUGH_KIOSK_CHILD"
FIRST_WAITS_S = (0.0, 1.0, 2.0, 4.0, 8.0)  # the first restart is at once: well within 10 s
LONGEST_WAIT_S = 60.0
STEADY_S = 120.0  # a child that ran this long was not crashing: the next restart is at once again
STOP_GRACE_S = 5.0

log = logging.getLogger("flythrough.supervisor")


def is_child() -> bool:
    return os.environ.get(CHILD_ENV) == "1"


def how_it_ended(status: int) -> str:
    """A child's exit status in words: ``killed by SIGKILL``, ``exited with status 3``."""
    if status < 0:
        try:
            return f"killed by {signal.Signals(-status).name}"
        except ValueError:
            return f"killed by signal {-status}"
    return f"exited with status {status}"


def wait_before(restart: int) -> float:
    """Seconds to wait before the ``restart``-th restart in a row (0 is the first)."""
    if restart < len(FIRST_WAITS_S):
        return FIRST_WAITS_S[restart]
    return min(FIRST_WAITS_S[-1] * 2 ** (restart - len(FIRST_WAITS_S) + 1), LONGEST_WAIT_S)


class Supervisor:
    """Runs ``command`` until it ends with status 0, restarting it whenever it dies."""

    def __init__(self, command: Sequence[str], *, sleep: Callable[[float], None] = time.sleep) -> None:
        self.command = list(command)
        self.sleep = sleep
        self.child: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self._stopping = False

    def start_child(self) -> subprocess.Popen[bytes]:
        env = {**os.environ, CHILD_ENV: "1"}
        self.child = subprocess.Popen(self.command, env=env)
        self.starts += 1
        log.info("kiosk started (pid %d, start %d)", self.child.pid, self.starts)
        return self.child

    def run(self) -> int:
        """Until the child quits on purpose (status 0) or the supervisor is told to stop."""
        restart = 0
        while not self._stopping:
            started = time.monotonic()
            status = self.start_child().wait()
            if self._stopping:
                break
            if status == 0:
                log.info("kiosk quit (status 0): the supervisor ends too")
                return 0
            ran = time.monotonic() - started
            restart = 0 if ran >= STEADY_S else restart
            wait = wait_before(restart)
            log.error("kiosk %s after %.0f s; starting it again in %.0f s", how_it_ended(status), ran, wait)
            restart += 1
            self.sleep(wait)
        return 0

    def stop(self, *_: object) -> None:
        """End the child (politely, then not), and the supervisor with it."""
        self._stopping = True
        log.info("the supervisor was told to stop: ending the kiosk")
        child = self.child
        if child is None or child.poll() is not None:
            return
        child.terminate()
        try:
            child.wait(STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            child.kill()


def supervise(argv: Sequence[str], log_path: Path) -> int:
    """Run ``flythrough`` with ``argv`` as a watched child; log to the kiosk's log."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.WatchedFileHandler(log_path, encoding="utf-8")  # follows the child's rotation
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    supervisor = Supervisor([sys.executable, "-m", "explorer", *argv])
    signal.signal(signal.SIGTERM, supervisor.stop)
    signal.signal(signal.SIGINT, supervisor.stop)
    print(f"flythrough: kiosk mode; Ctrl+Alt+Q quits, Ctrl+Alt+A is the admin menu; log: {log_path}")
    return supervisor.run()
