"""The cluster path on a real Dask cluster on this machine (``distributed.LocalCluster``, two
worker processes): a small table build and a small comparison give the serial results, and a
worker killed midway loses no finished run and writes none twice."""

import os
import signal
import threading
import time

import numpy as np
import pytest

distributed = pytest.importorskip(
    "distributed", reason='the cluster path needs Dask: pip install -r requirements-cluster.txt')

from nasdemo.nas import Benchmark, aging_evolution, compare, random_search  # noqa: E402
from nasdemo.nas.cell import Cell  # noqa: E402
from nasdemo.nas.table import build as bt  # noqa: E402
from nasdemo.nas.train import Recipe  # noqa: E402

TINY = Recipe(epochs=1, channels=2, batch_size=100)
RESULT = ("cell", "seed", "val_curve", "val_acc", "test_acc", "params", "flops", "recipe",
          "population")  # what a run records, less its timings


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as c:
        yield c


def results(path):
    return {(r["cell"], r["seed"]): {k: r[k] for k in RESULT} for r in bt.read_partial(path)}


def test_a_build_on_the_cluster_equals_the_serial_build(tmp_path, client):
    jobs = bt.plan(Cell.unique()[:6], range(1))
    bt.run_jobs(jobs, TINY, tmp_path / "serial.jsonl", workers=1, population=2)
    bt.run_jobs(jobs, TINY, tmp_path / "dask.jsonl", population=2, executor=client)
    serial = results(tmp_path / "serial.jsonl")
    assert sorted(serial) == sorted(jobs)
    assert results(tmp_path / "dask.jsonl") == serial


def test_a_comparison_on_the_cluster_equals_the_serial_one(client):
    bench = Benchmark.default()
    strategies = {"ae": aging_evolution, "rs": random_search}
    serial = compare(bench, strategies, 25, seeds=6)
    dask = compare(bench, strategies, 25, seeds=6, executor=client, runs_per_task=2)
    for name in strategies:
        assert [r.history for r in dask.runs[name]] == [r.history for r in serial.runs[name]]
        np.testing.assert_array_equal(dask.test[name], serial.test[name])


def test_a_worker_killed_midway_loses_no_run_and_writes_none_twice(tmp_path, client):
    jobs = bt.plan(Cell.unique()[:20], range(1))
    out = tmp_path / "runs.jsonl"
    build = threading.Thread(target=bt.run_jobs, args=(jobs, TINY, out),
                             kwargs={"population": 1, "executor": client})
    build.start()
    while build.is_alive() and not (out.exists() and out.read_text().count("\n")):
        time.sleep(0.01)
    written_before_kill = out.read_text().count("\n")
    pid = next(iter(client.run(os.getpid).values()))
    os.kill(pid, signal.SIGKILL)  # a worker dies outright; its nanny starts a new one
    build.join(timeout=120)
    assert not build.is_alive()
    assert 1 <= written_before_kill < len(jobs), "the kill came too late to test anything"
    assert sorted(results(out)) == sorted(jobs)  # read_partial also refuses a run written twice
    size = out.stat().st_size
    bt.run_jobs(jobs, TINY, out, population=1, executor=client)  # resuming: nothing left
    assert out.stat().st_size == size
