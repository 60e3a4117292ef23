"""Run several search strategies over many seeds on one benchmark and keep what a comparison
plot needs (AmoebaNet's Figure 3: best-so-far accuracy against models evaluated, mean with a
band, for evolution, RL and random search)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

import numpy as np

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
            seeds: int | Iterable[int] = 100) -> Comparison:
    """Run each strategy once per seed (``seeds`` = a count, meaning 0..n-1, or the seeds).
    Use ``functools.partial`` to pass a strategy options, e.g.
    ``{"evolution": partial(aging_evolution, population_size=20)}``."""
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
    runs, curves, test = {}, {}, {}
    for name, fn in strategies.items():
        rs = [fn(bench, budget, seed=s) for s in seed_list]
        for r in rs:
            if len(r) != budget:
                raise RuntimeError(f"{name} made {len(r)} queries for a budget of {budget}")
        runs[name] = rs
        curves[name] = np.stack([r.curve() for r in rs])
        if has_test:
            test[name] = np.array([bench.lookup(r.best[0], test=True) for r in rs])
    bench.reset()
    return Comparison(runs, curves, test, bench.best()[1])
