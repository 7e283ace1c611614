"""The pipeline on a Dask LocalCluster of two worker processes: a reduction, its kNN, a killed worker, Ctrl-C."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from pipeline.cluster import ENV, Cluster, address_of, connect, local_workers
from pipeline.errors import PipelineError
from pipeline.evaluate import trustworthiness
from pipeline.reduce import ReduceSettings, reduce, sampled
from pipeline.report import Report


def blobs(n: int, seed: int = 0) -> np.ndarray:
    vectors, _ = make_blobs(n_samples=n, n_features=50, centers=20, cluster_std=2.0, random_state=seed)
    return vectors.astype(np.float32)


def test_the_address_comes_from_the_flag_or_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    assert address_of(None) is None and address_of("tcp://h:8786") == "tcp://h:8786"
    monkeypatch.setenv(ENV, "local:3")
    assert address_of(None) == "local:3" and address_of("local:2") == "local:2"
    assert local_workers("local:3") == 3 and local_workers("local") == (os.cpu_count() or 1)
    assert local_workers("tcp://h:8786") is None
    with pytest.raises(PipelineError, match=r"--dask local:x: expected local:N with N at least 1 worker, not 'x'"):
        local_workers("local:x")


def test_a_missing_extra_or_an_unreachable_scheduler_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pipeline.cluster.CONNECT_TIMEOUT_S", 2)
    with (
        pytest.raises(PipelineError, match=r"--dask tcp://127.0.0.1:9: cannot reach the scheduler"),
        connect("tcp://127.0.0.1:9", Report()),
    ):
        pass
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(PipelineError, match=r"pip install 'flythrough\[dask\]'"), connect("local:1", Report()):
        pass


def test_a_reduction_on_the_cluster_keeps_shape_format_and_neighbourhoods(cluster: Cluster) -> None:
    vectors = blobs(20_000)
    settings = ReduceSettings(fit_sample=4_000, knn=10, seed=7)
    reduction = reduce(vectors, settings, cluster=cluster)
    assert reduction.points.shape == (20_000, 3) and reduction.points.dtype == np.float32
    assert np.isfinite(reduction.points).all()
    assert reduction.fit_sample == 4_000 and reduction.workers == 2 and "fitted on 4,000 of 20,000" in reduction.reason
    assert set(reduction.seconds) == {"umap_fit", "umap_transform", "knn"}
    trust = trustworthiness(vectors, reduction.points, sample=2000, metric="cosine", seed=0)
    assert trust >= 0.8, trust
    # The sidecar's neighbours are the exact ones, self left out.
    assert reduction.knn is not None and reduction.knn.shape == (20_000, 10)
    rows = np.random.default_rng(2).choice(20_000, 30, replace=False)
    unit = vectors / np.linalg.norm(vectors, axis=1)[:, None]
    for row in rows:
        truth = np.argsort(1.0 - unit @ unit[row], kind="stable")
        truth = truth[truth != row][:10]
        assert len(set(truth.tolist()) & set(reduction.knn[row].tolist())) >= 9


@contextmanager
def killing_a_worker_once_placing_starts(cluster: Cluster) -> Iterator[list[int]]:
    """While the block runs: once UMAP's fit is done, kill a worker's process (its nanny starts another)."""
    killed: list[int] = []
    done = threading.Event()

    def killer() -> None:
        while not done.is_set():
            if (
                "umap fit" in cluster.report.seconds
                and cluster.client.processing()
                and any(cluster.client.processing().values())
            ):
                pid = next(iter(cluster.client.run(os.getpid).values()))
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                return
            time.sleep(0.05)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    try:
        yield killed
    finally:
        done.set()
        thread.join()


def test_a_worker_killed_mid_run_is_retried_and_the_output_is_whole(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    vectors = blobs(6_000, seed=3)
    settings = ReduceSettings(fit_sample=1_500, knn=0, seed=11)
    monkeypatch.setattr(sampled, "TRANSFORM_ROWS", 250)  # many tasks: the kill lands among them
    calm = reduce(vectors, settings, cluster=cluster)
    cluster.report.seconds.clear()
    with killing_a_worker_once_placing_starts(cluster) as killed:
        disturbed = reduce(vectors, settings, cluster=cluster)
    assert killed, "no worker was killed: the test did not test anything"
    assert np.array_equal(disturbed.points, calm.points)  # the lost tasks ran again, to the same result
    deadline = time.monotonic() + 60
    while cluster.workers < 2 and time.monotonic() < deadline:  # the nanny brings the worker back
        time.sleep(0.2)
    assert cluster.workers == 2


class Interrupting(Report):
    """A report whose bar, on its first advance, is interrupted as by Ctrl-C."""

    @contextmanager
    def stage(self, name: str, description: str, total: float | None = None) -> Iterator:  # type: ignore[override]
        def advance(n: float = 1.0) -> None:
            raise KeyboardInterrupt

        yield advance


def test_ctrl_c_cancels_the_stages_tasks(cluster: Cluster) -> None:
    interrupted = Cluster(cluster.client, cluster.address, Interrupting())
    with pytest.raises(KeyboardInterrupt):
        interrupted.run("sleep", "sleeping", time.sleep, [0.01] + [3.0] * 8)
    deadline = time.monotonic() + 5
    while any(cluster.client.processing().values()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(cluster.client.processing().values())  # nothing left running: the 3 s sleeps were cancelled
    assert time.monotonic() < deadline


def test_the_cli_builds_a_dataset_on_the_cluster(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import json

    from explorer.core.dataset import meta_path, read_dataset

    vectors = blobs(3_000, seed=5)
    path = tmp_path / "v.txt"
    path.write_text("".join(f"w{i} " + " ".join(f"{x:.4f}" for x in row) + "\n" for i, row in enumerate(vectors)))
    out = tmp_path / "v.ds.tsv.gz"
    done = cli("vectors", str(path), "-o", str(out), "--dask", "local:2", "--fit-sample", "1000", "--no-regions")
    assert done.returncode == 0, done.stderr
    assert "reading v.txt on the workers" in done.stderr  # a plain text file, read whole: in parts
    dataset = read_dataset(out)
    assert dataset.labels[:3].tolist() == ["w0", "w1", "w2"]
    assert dataset.points.shape == (3_000, 3) and dataset.knn is not None and dataset.knn.shape == (3_000, 10)
    reduction = json.loads(meta_path(out).read_text())["reduction"]
    assert reduction["fit_sample"] == 1_000 and reduction["dask_workers"] == 2
    assert "Dask cluster local:2 (2 workers)" in reduction["backend_reason"]


def test_a_local_cluster_leaves_this_process_environment_as_it_was() -> None:
    before = dict(os.environ)
    with connect("local:1", Report()) as running:
        assert running.workers == 1
        assert dict(os.environ) == before  # its nannies set OMP_NUM_THREADS and more for the workers only
    assert dict(os.environ) == before
