"""``compare`` on a ``concurrent.futures`` executor gives exactly the serial results."""

from concurrent.futures import ProcessPoolExecutor
from functools import partial

import numpy as np
import pytest

from nasdemo.nas import Benchmark, aging_evolution, compare, random_search


def same(a, b):
    """Two comparisons agree run for run: every query, curve, returned cell and test score."""
    assert list(a.runs) == list(b.runs)
    for name in a.runs:
        assert [(r.seed, r.history, r.seconds) for r in a.runs[name]] == \
               [(r.seed, r.history, r.seconds) for r in b.runs[name]]
        np.testing.assert_array_equal(a.curves[name], b.curves[name])
        np.testing.assert_array_equal(a.test[name], b.test[name])
    assert a.optimum == b.optimum


def test_process_pool_gives_the_serial_results():
    bench = Benchmark.default()
    strategies = {"ae": partial(aging_evolution, population_size=5, sample_size=2, noisy=True),
                  "rs": random_search}
    serial = compare(bench, strategies, 30, seeds=[3, 1, 4, 1, 5, 9, 2])
    with ProcessPoolExecutor(2) as pool:
        parallel = compare(bench, strategies, 30, seeds=[3, 1, 4, 1, 5, 9, 2], executor=pool,
                           runs_per_task=3)
    same(serial, parallel)
    assert bench.n_queries == 0  # the tasks worked on copies; the caller's table is untouched


def test_tasks_in_threads_count_their_queries_apart():
    """Threads share one table object (as tasks on one Dask worker share its scattered
    copy): each task must still count its own queries and simulated seconds."""
    from concurrent.futures import ThreadPoolExecutor

    bench = Benchmark.default()
    strategies = {"ae": aging_evolution, "rs": random_search}
    serial = compare(bench, strategies, 600, seeds=6)
    with ThreadPoolExecutor(4) as pool:  # 600 queries: long enough for threads to switch
        threaded = compare(bench, strategies, 600, seeds=6, executor=pool, runs_per_task=1)
    same(serial, threaded)


def test_a_bad_executor_or_chunk_is_refused():
    bench = Benchmark.default()
    with pytest.raises(TypeError, match="executor must be a concurrent.futures.Executor"):
        compare(bench, {"rs": random_search}, 5, seeds=2, executor=object())
    with pytest.raises(ValueError, match="runs_per_task"):
        compare(bench, {"rs": random_search}, 5, seeds=2, runs_per_task=0)


def test_a_cell_pickled_to_another_process_hashes_as_that_process_does():
    """String hashes differ between processes; a cell must not carry its old one along, or
    a table sent to a spawned (or remote) worker misses every cell looked up there."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    bench = Benchmark.default()
    with ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as pool:
        serial = compare(bench, {"rs": random_search}, 10, seeds=2)
        spawned = compare(bench, {"rs": random_search}, 10, seeds=2, executor=pool)
    same(serial, spawned)
