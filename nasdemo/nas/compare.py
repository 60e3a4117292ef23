"""Run several search strategies over many seeds on one benchmark and keep what a comparison
plot needs (AmoebaNet's Figure 3: best-so-far accuracy against models evaluated, mean with a
band, for evolution, RL and random search)."""

from __future__ import annotations

import copy
import math
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

import numpy as np
from scipy import stats
from tqdm.auto import tqdm

from ..utils import check_int, few_threads
from .benchmark import Benchmark
from .cell import Cell
from .result import SearchResult, check_budget

__all__ = ["compare", "Comparison", "mean_ci", "record_rows", "ranking_text", "kendall_tau"]

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

    @classmethod
    def combine(cls, parts: Iterable["Comparison"]) -> "Comparison":
        """One comparison from several made on the same benchmark (e.g. one strategy at a
        time, to time each); a strategy name may appear in only one part."""
        parts = list(parts)
        if not parts:
            raise ValueError("combine needs at least one Comparison")
        out = cls({}, {}, {}, parts[0].optimum)
        for c in parts:
            if c.optimum != out.optimum:
                raise ValueError("combine: the parts ran on different tables (optima "
                                 f"{out.optimum} and {c.optimum})")
            twice = set(c.runs) & set(out.runs)
            if twice:
                raise ValueError(f"combine: {sorted(twice)} appear in more than one part")
            out.runs.update(c.runs)
            out.curves.update(c.curves)
            out.test.update(c.test)
        return out

    # -- the showdown's ranking: spread, confidence intervals, a test against a baseline ----
    def quality(self, name: str) -> tuple[np.ndarray, str]:
        """Each run's score for ranking, and what it is: the test accuracy of the returned
        cell where the table has test accuracies ("test"), else its validation accuracy
        ("val"), which the search itself saw and so flatters it."""
        if name in self.test:
            return self.test[name], "test"
        return self.final(name), "val"

    def summary(self, bench: Benchmark, baseline: str | None = "random_search",
                level: float = 0.95) -> list[dict[str, Any]]:
        """One row per strategy, best first (by mean quality, then mean rank): the returned
        cell's accuracy (``quality``) and its rank in ``bench`` (``bench.rank``: 1 = the
        table's best validation accuracy), each as mean, SD and a ``level`` confidence
        interval for the mean (:func:`mean_ci`); queries and simulated training seconds per
        run (mean, SD); and a one-sided Mann-Whitney U test (scipy) of "this strategy's
        returned cells are more accurate than ``baseline``'s" (``p`` is None for the
        baseline itself, or when ``baseline`` is None or absent).

        Keys: ``method, runs, metric, acc_mean, acc_sd, acc_lo, acc_hi, rank_mean, rank_sd,
        rank_lo, rank_hi, rank_median, queries, seconds_mean, seconds_sd, p, place``.
        """
        if not 0 < level < 1:
            raise ValueError(f"level must be in (0, 1), got {level!r}")
        if baseline is not None and baseline not in self.runs:
            baseline = None
        base = self.quality(baseline)[0] if baseline is not None else None
        rows = []
        for name, rs in self.runs.items():
            acc, metric = self.quality(name)
            rank = np.array([bench.rank(r.best[0]) for r in rs], dtype=float)
            secs = np.array([r.seconds for r in rs], dtype=float)
            a_lo, a_hi = mean_ci(acc, level)
            r_lo, r_hi = mean_ci(rank, level)
            p = None
            if base is not None and name != baseline:
                p = float(stats.mannwhitneyu(acc, base, alternative="greater").pvalue)
            rows.append(dict(method=name, runs=len(rs), metric=metric,
                             acc_mean=float(acc.mean()), acc_sd=_sd(acc),
                             acc_lo=a_lo, acc_hi=a_hi,
                             rank_mean=float(rank.mean()), rank_sd=_sd(rank),
                             rank_lo=r_lo, rank_hi=r_hi, rank_median=float(np.median(rank)),
                             queries=float(np.mean([len(r) for r in rs])),
                             seconds_mean=float(secs.mean()), seconds_sd=_sd(secs), p=p))
        rows.sort(key=lambda r: (-r["acc_mean"], r["rank_mean"]))
        for place, row in enumerate(rows, start=1):
            row["place"] = place
        return rows

    def ranking(self, bench: Benchmark, baseline: str | None = "random_search",
                level: float = 0.95) -> str:
        """``summary`` as a plain-text table, best first (:func:`ranking_text`)."""
        return ranking_text(self.summary(bench, baseline, level), level, baseline)

    def incumbent(self, name: str, bench: Benchmark) -> np.ndarray:
        """``float64[runs, budget]``: after each query, the accuracy of the cell the run would
        return then (the best validation accuracy so far; the first on ties): its test
        accuracy where the table has them, else its validation accuracy."""
        test = name in self.test
        out = []
        for r in self.runs[name]:
            acc = np.array([a for _, a in r.history])
            idx = _running_argmax(acc)
            score = np.array([bench.lookup(c, test=True) for c, _ in r.history]) if test else acc
            out.append(score[idx])
        return np.stack(out)

    def elapsed(self, name: str, bench: Benchmark) -> np.ndarray:
        """``float64[runs, budget]``: the simulated training seconds spent after each query
        (the table's training time of every cell queried so far)."""
        return np.stack([np.cumsum([bench.training_seconds(c) for c, _ in r.history])
                         for r in self.runs[name]])


def _running_argmax(a: np.ndarray) -> np.ndarray:
    """``idx[t]`` = the index of the first maximum of ``a[:t + 1]``."""
    idx = np.zeros(len(a), dtype=int)
    for t in range(1, len(a)):
        idx[t] = t if a[t] > a[idx[t - 1]] else idx[t - 1]
    return idx


def record_rows(records: Iterable[Mapping[str, Any]], bench: Benchmark,
                baseline: np.ndarray | None = None,
                level: float = 0.95) -> list[dict[str, Any]]:
    """Rows shaped like ``Comparison.summary``'s for searches that ran outside the table
    (DARTS: a supernet trained for real), from records with ``method``, ``cell`` (an
    architecture string) and ``wall_s`` (the search's measured seconds), one per run. Each
    derived cell is looked up in ``bench`` (no query counted): test accuracy where the table
    has it, and rank. ``seconds`` are the wall seconds; ``queries`` is NaN (none were made);
    ``p`` tests against ``baseline`` (e.g. random search's accuracies) when given. ``place``
    is left for the caller, who ranks these rows among others."""
    has_test = True
    try:
        bench.best(test=True)
    except ValueError:
        has_test = False
    by: dict[str, list[Mapping[str, Any]]] = {}
    for r in records:
        missing = {"method", "cell", "wall_s"} - set(r)
        if missing:
            raise ValueError(f"a record lacks {sorted(missing)}: {dict(r)}")
        by.setdefault(str(r["method"]), []).append(r)
    rows = []
    for name, rs in by.items():
        cells = [Cell.from_string(r["cell"]) for r in rs]
        acc = np.array([bench.lookup(c, test=has_test) for c in cells])
        rank = np.array([bench.rank(c) for c in cells], dtype=float)
        secs = np.array([float(r["wall_s"]) for r in rs])
        a_lo, a_hi = mean_ci(acc, level)
        r_lo, r_hi = mean_ci(rank, level)
        p = None if baseline is None else \
            float(stats.mannwhitneyu(acc, baseline, alternative="greater").pvalue)
        rows.append(dict(method=name, runs=len(rs), metric="test" if has_test else "val",
                         acc_mean=float(acc.mean()), acc_sd=_sd(acc), acc_lo=a_lo, acc_hi=a_hi,
                         rank_mean=float(rank.mean()), rank_sd=_sd(rank), rank_lo=r_lo,
                         rank_hi=r_hi, rank_median=float(np.median(rank)), queries=math.nan,
                         seconds_mean=float(secs.mean()), seconds_sd=_sd(secs), p=p))
    return rows


def ranking_text(rows: list[dict[str, Any]], level: float = 0.95,
                 baseline: str | None = "random_search") -> str:
    """Summary rows (``Comparison.summary``, ``record_rows``) as a plain-text table, in the
    order given; ``place`` is numbered afresh from 1. ``hours`` is the simulated training
    time of the queries (a recorded search's measured wall time for ``record_rows``)."""
    if not rows:
        return ""
    pct = f"{100 * level:g}%"
    metric = "test acc" if rows[0]["metric"] == "test" else "val acc"
    lines = [f"{'#':>2s} {'method':24s} {'runs':>4s} {metric + ' (mean ± SD)':>20s} "
             f"{pct + ' CI':>15s} {'rank (mean)':>11s} {pct + ' CI':>15s} "
             f"{'median':>6s} {'queries':>7s} {'hours':>10s} p vs {baseline or '-'}"]
    for place, r in enumerate(rows, start=1):
        p = "-" if r["p"] is None else (f"{r['p']:.1e}" if r["p"] < 1e-3 else f"{r['p']:.3f}")
        q = "-" if math.isnan(r["queries"]) else f"{r['queries']:.0f}"
        lines.append(
            f"{place:2d} {r['method'][:24]:24s} {r['runs']:4d} "
            f"{r['acc_mean']:10.2f} ± {r['acc_sd']:5.2f}   "
            f"[{r['acc_lo']:5.2f}, {r['acc_hi']:5.2f}] {r['rank_mean']:11.1f} "
            f"[{r['rank_lo']:5.1f}, {r['rank_hi']:5.1f}] {r['rank_median']:6.0f} "
            f"{q:>7s} {r['seconds_mean'] / 3600:10.3f} {p}")
    return "\n".join(lines)


def _sd(x: np.ndarray) -> float:
    """The sample standard deviation (n - 1), 0 for a single value."""
    return float(x.std(ddof=1)) if len(x) > 1 else 0.0


def kendall_tau(x: Any, y: Any) -> float:
    """Kendall's rank correlation (tau-b, ties handled; scipy's) of two equal-length
    sequences (lists, arrays or tensors): how well a predictor *orders* cells, which is all
    NAO's seeds and the Neural Predictor's top K need of it."""
    a = np.asarray(x.detach().cpu() if hasattr(x, "detach") else x, dtype=float).ravel()
    b = np.asarray(y.detach().cpu() if hasattr(y, "detach") else y, dtype=float).ravel()
    if a.size != b.size or a.size < 2:
        raise ValueError(f"kendall_tau needs two sequences of equal length >= 2, got "
                         f"{a.size} and {b.size}")
    return float(stats.kendalltau(a, b).statistic)


def mean_ci(x: np.ndarray | list[float], level: float = 0.95, n_boot: int = 10_000,
            seed: int = 0) -> tuple[float, float]:
    """A ``level`` confidence interval for the mean of ``x``: the percentile bootstrap
    (Efron & Tibshirani, *An Introduction to the Bootstrap*, 1993, sec. 13.3): the
    ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles of the means of ``n_boot``
    resamples drawn with replacement (fixed ``seed``: the same data give the same interval).
    Ranks are skewed (most runs near the top, a few far down), where Student's
    ``mean -+ t sd / sqrt(n)`` would reach below rank 1; the bootstrap interval stays within
    the data's range. One value, or equal values, give ``(mean, mean)``."""
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or len(x) == 0:
        raise ValueError(f"mean_ci needs a 1-D sample of at least one value, got shape {x.shape}")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    if np.all(x == x[0]):
        m = float(x.mean())  # x[0] up to rounding
        return m, m
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, len(x), size=(n_boot, len(x)))].mean(axis=1)
    lo, hi = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


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
