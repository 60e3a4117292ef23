"""Run several search strategies over many seeds on one benchmark and keep what a comparison
plot needs (AmoebaNet's Figure 3: best-so-far accuracy against models evaluated, mean with a
band, for evolution, RL and random search)."""

from __future__ import annotations

import copy
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

import numpy as np
from tqdm.auto import tqdm

from ..utils import check_int, few_threads
from .benchmark import Benchmark
from .result import SearchResult, check_budget

__all__ = ["compare", "Comparison"]

Strategy = Callable[..., SearchResult]  # fn(bench, budget, seed) -> SearchResult


@dataclass
class Comparison:
    """``runs[name]`` holds every run's ``SearchResult``; ``curves[name]`` their best-so-far
    curves as ``float64[n_seeds, budget]``. ``test[name]`` is the test accuracy of each run's
    returned cell (looked up without counting queries), when the table has test accuracies."""

    runs: dict[str, list[SearchResult]]
    curves: dict[str, np.ndarray]
    test: dict[str, np.ndarray]
    optimum: float

    def mean(self, name: str) -> np.ndarray:
        """Mean best-so-far curve over seeds."""
        return self.curves[name].mean(axis=0)

    def band(self, name: str, q: float = 0.25) -> tuple[np.ndarray, np.ndarray]:
        """The ``q`` and ``1 - q`` quantiles of the best-so-far curves over seeds."""
        return (np.quantile(self.curves[name], q, axis=0),
                np.quantile(self.curves[name], 1 - q, axis=0))

    def final(self, name: str) -> np.ndarray:
        """Each seed's best validation accuracy at the end of the budget."""
        return self.curves[name][:, -1]

    def regret(self, name: str) -> np.ndarray:
        """Each seed's final gap to the table's best mean validation accuracy (points)."""
        return self.optimum - self.final(name)

    def table(self) -> str:
        """A plain-text summary: mean +- SD of final validation, test and regret."""
        rows = [f"{'strategy':24s} {'runs':>5s} {'val (best)':>14s} {'test of best':>14s} "
                f"{'regret':>8s}"]
        for name, c in self.curves.items():
            t = self.test.get(name)
            ts = f"{t.mean():6.2f} ± {t.std():4.2f}" if t is not None else "-"
            rows.append(f"{name:24s} {len(c):5d} {c[:, -1].mean():6.2f} ± {c[:, -1].std():4.2f} "
                        f"{ts:>14s} {self.regret(name).mean():8.2f}")
        return "\n".join(rows)


def compare(bench: Benchmark, strategies: Mapping[str, Strategy], budget: int,
            seeds: int | Iterable[int] = 100, executor: Executor | Any | None = None,
            runs_per_task: int = 10, progress: bool = False) -> Comparison:
    """Run each strategy once per seed (``seeds`` = a count, meaning 0..n-1, or the seeds).
    Use ``functools.partial`` to pass a strategy options, e.g.
    ``{"evolution": partial(aging_evolution, population_size=20)}``.

    ``executor`` (a ``concurrent.futures.Executor`` such as ``ProcessPoolExecutor``, or a
    Dask ``distributed.Client``) runs the searches elsewhere: each task is up to
    ``runs_per_task`` seeds of one strategy on its own copy of ``bench`` (so no two tasks
    share its query counters, even in threads of one process), and the results are exactly the serial
    ones, since every strategy is deterministic per seed and resets the counters it starts
    from. Several runs share a task because the copy costs more than a run: unpickling the
    shipped table takes ~0.3 s, one 150-query search ~0.05 s. Strategies must then be
    picklable (module-level functions or ``functools.partial`` of them, not lambdas).
    ``progress`` shows a ``tqdm`` bar over the runs (the command line's)."""
    budget = check_budget(budget)
    seed_list = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    if not seed_list:
        raise ValueError("seeds must name at least one seed")
    if not strategies:
        raise ValueError("strategies is empty")
    has_test = True
    try:
        bench.best(test=True)
    except ValueError:
        has_test = False
    runs_per_task = check_int(runs_per_task, "runs_per_task", minimum=1)
    with tqdm(total=len(strategies) * len(seed_list), unit="run", desc=f"budget {budget}",
              disable=not progress) as bar:
        done = (_run_serial(bench, strategies, budget, seed_list, bar) if executor is None else
                _run_tasks(bench, strategies, budget, seed_list, executor, runs_per_task, bar))
    runs, curves, test = {}, {}, {}
    for name, rs in done.items():
        for r in rs:
            if len(r) != budget:
                raise RuntimeError(f"{name} made {len(r)} queries for a budget of {budget}")
        runs[name] = rs
        curves[name] = np.stack([r.curve() for r in rs])
        if has_test:
            test[name] = np.array([bench.lookup(r.best[0], test=True) for r in rs])
    bench.reset()
    return Comparison(runs, curves, test, bench.best()[1])


def _run_serial(bench: Benchmark, strategies: Mapping[str, Strategy], budget: int,
                seed_list: list[int], bar: tqdm) -> dict[str, list[SearchResult]]:
    """Every strategy once per seed, here, on ``bench`` itself."""
    done: dict[str, list[SearchResult]] = {}
    for name, fn in strategies.items():
        done[name] = []
        for s in seed_list:
            done[name].append(fn(bench, budget, seed=s))
            bar.update()
    return done


def _run_chunk(bench: Benchmark, fn: Strategy, budget: int,
               seeds: list[int]) -> list[SearchResult]:
    """One task of ``_run_tasks``: ``fn`` once per seed on this task's own copy of the table
    (a shallow copy: its own query counters over the shared, read-only columns; tasks in
    threads of one worker, or a Dask worker's one scattered table, must not count into the
    same ones), on one torch thread (a worker process starts with one per core, which the
    searches' tiny ops only fight over: REINFORCE ran 25x slower that way on a busy 2-core
    machine)."""
    own = copy.copy(bench)
    own.reset()
    with few_threads():
        return [fn(own, budget, seed=s) for s in seeds]


def as_executor(executor: Executor | Any) -> Executor:
    """``executor`` as a ``concurrent.futures.Executor``: itself, or for a Dask
    ``distributed.Client`` its ``get_executor`` (whose futures ``as_completed`` can wait
    on; ``pure=False``: every task runs, none is taken for a repeat of another), so that
    the caller needs no Dask import."""
    if isinstance(executor, Executor):
        return executor
    if callable(getattr(executor, "get_executor", None)):
        return executor.get_executor(pure=False)
    raise TypeError(f"executor must be a concurrent.futures.Executor or a Dask "
                    f"distributed.Client, got {type(executor).__name__}")


def _run_tasks(bench: Benchmark, strategies: Mapping[str, Strategy], budget: int,
               seed_list: list[int], executor: Executor | Any, runs_per_task: int,
               bar: tqdm) -> dict[str, list[SearchResult]]:
    """Every strategy once per seed on ``executor``, ``runs_per_task`` seeds per task; the
    results put back in seed order whatever order the tasks end in."""
    pool = as_executor(executor)
    if callable(getattr(executor, "scatter", None)):  # a Dask Client: send the table once
        bench = executor.scatter(bench, broadcast=True, hash=False)  # per worker, not per task
    chunks = [seed_list[k:k + runs_per_task] for k in range(0, len(seed_list), runs_per_task)]
    futures = {pool.submit(_run_chunk, bench, fn, budget, chunk): (name, k)
               for name, fn in strategies.items() for k, chunk in enumerate(chunks)}
    parts: dict[tuple[str, int], list[SearchResult]] = {}
    for future in as_completed(futures):
        key = futures[future]
        parts[key] = future.result()
        bar.update(len(parts[key]))
    return {name: [r for k in range(len(chunks)) for r in parts[name, k]]
            for name in strategies}
