"""The pipeline on a Dask cluster: connecting to one, and running tasks on it with progress and Ctrl-C.

``--dask ADDRESS`` on any build command (or the ``FLYTHROUGH_DASK``
variable) runs its heavy stages on a cluster: ``tcp://host:8786`` for a
running scheduler, ``local`` or ``local:N`` for a LocalCluster of N worker
processes on this machine. dask and distributed come with the ``dask`` extra
and are imported here only, and only then: without ``--dask`` nothing changes.

What the cluster does for each stage lives with the stage (``pipeline.clip``,
``pipeline.reduce.sampled``); this module only runs tasks. The progress bar of
a stage advances as its tasks finish. A task whose worker dies is run again by
Dask on another. Ctrl-C cancels the stage's tasks. Results come back to this
process, which alone writes the output, atomically, once every task has
answered: a lost worker never leaves a half-written dataset.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from pipeline.errors import PipelineError, missing_extra
from pipeline.report import Report

ENV = "FLYTHROUGH_DASK"
LOCAL = "local"
CONNECT_TIMEOUT_S = 20


def address_of(flag: str | None) -> str | None:
    """The cluster to run on: ``--dask``, else ``FLYTHROUGH_DASK``, else None (this process alone)."""
    return flag or os.environ.get(ENV) or None


def local_workers(address: str) -> int | None:
    """N for ``local:N`` (the cores for ``local``); None for the address of a running scheduler."""
    if address == LOCAL:
        return os.cpu_count() or 1
    if not address.startswith(LOCAL + ":"):
        return None
    count = address[len(LOCAL) + 1 :]
    if not count.isdigit() or int(count) < 1:
        raise PipelineError(f"--dask {address}: expected local:N with N at least 1 worker, not {count!r}")
    return int(count)


class Cluster:
    """A connected Dask client, and the stages this run sends it."""

    def __init__(self, client: Any, address: str, report: Report) -> None:
        self.client = client
        self.address = address
        self.report = report

    @property
    def workers(self) -> int:
        return len(self.client.scheduler_info()["workers"])

    def describe(self) -> str:
        return f"Dask cluster {self.address} ({self.workers} workers)"

    def share(self, value: Any) -> Any:
        """Send ``value`` to every worker once; pass what this returns to :meth:`run` instead of the value."""
        return self.client.scatter(value, broadcast=True, hash=False)

    def run(
        self, name: str, description: str, task: Callable[..., Any], items: Sequence[Any], **shared: Any
    ) -> list[Any]:
        """``task(item, **shared)`` for every item across the workers; the results in the items' order.

        The stage's bar advances as tasks finish. A task's error is raised here
        as the task raised it; Ctrl-C cancels every task of the stage.
        """
        from distributed import as_completed

        with warnings.catch_warnings():
            # The items travel inside the task graph, not scattered: the scheduler keeps them, so the tasks of
            # a worker that dies can run again elsewhere (scattered data would die with its worker).
            warnings.filterwarnings("ignore", message="Sending large graph")
            futures = self.client.map(task, list(items), pure=False, **shared)
        try:
            with self.report.stage(name, description, total=len(futures)) as advance:
                for _ in as_completed(futures):
                    advance(1)
            results: list[Any] = self.client.gather(futures)
        except BaseException:
            self.client.cancel(futures)
            raise
        return results

    def run_one(self, name: str, description: str, task: Callable[..., Any], *args: Any) -> Any:
        """``task(*args)`` on one worker (a stage that does not split), with the same care as :meth:`run`."""
        return self.run(name, description, _call, [args], target=task)[0]


def _call(args: tuple[Any, ...], target: Callable[..., Any]) -> Any:
    return target(*args)


@contextmanager
def connect(address: str, report: Report) -> Iterator[Cluster]:
    """A client of the cluster at ``address`` (a LocalCluster for ``local:N``), closed afterwards."""
    try:
        import distributed
    except ImportError:
        raise missing_extra("distributed", "dask") from None
    workers = local_workers(address)
    local = None
    environment = dict(os.environ)
    try:
        if workers is not None:
            local = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                             dashboard_address=None, silence_logs=logging.ERROR)  # fmt: skip
            client = distributed.Client(local)
        else:
            client = distributed.Client(address, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError, ValueError) as exc:
        if local is not None:
            local.close()
        raise PipelineError(f"--dask {address}: cannot reach the scheduler ({exc})") from None
    finally:
        keep_environment(environment)
    try:
        cluster = Cluster(client, address, report)
        report.note(f"on the {cluster.describe()}")
        yield cluster
    finally:
        client.close()
        if local is not None:
            local.close()
        keep_environment(environment)


def keep_environment(environment: dict[str, str]) -> None:
    """Put this process's variables back as they were.

    A LocalCluster's nannies set theirs for the worker processes they start
    (one BLAS thread each, one hash seed) in this process's environment, and
    leave them there; every process this one starts afterwards would inherit them.
    """
    for name in set(os.environ) - set(environment):
        del os.environ[name]
    os.environ.update(environment)
