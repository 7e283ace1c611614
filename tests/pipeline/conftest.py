"""A real Dask LocalCluster of two worker processes, started once for the pipeline's cluster tests."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from pipeline.cluster import Cluster, connect, keep_environment
from pipeline.report import Report


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    with connect("local:2", Report()) as running:
        yield running


@pytest.fixture(autouse=True)
def environment_kept() -> Iterator[None]:
    """A worker restarted by its nanny (a killed-worker test) sets variables here: they never outlive the test."""
    environment = dict(os.environ)
    yield
    keep_environment(environment)
