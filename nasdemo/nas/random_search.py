"""Random search: the simplest architecture search, and the baseline every NAS method must beat
(Li & Talwalkar 2019; Real et al. 2019, Figure 3)."""

from __future__ import annotations

from .benchmark import Benchmark
from .cell import Cell, as_rng
from .result import SearchResult, check_budget, evaluate

__all__ = ["random_search"]


def random_search(bench: Benchmark, budget: int, seed: int = 0, *,
                  noisy: bool = False) -> SearchResult:
    """Sample ``budget`` cells uniformly from the 15,625 (with replacement, as a real random
    search would) and keep the best. The baseline every NAS method must beat (Li & Talwalkar
    2019; Real et al. 2019, Figure 3)."""
    budget = check_budget(budget)
    if noisy and bench.n_seeds == 0:
        raise ValueError(f"noisy=True needs per-seed results; table {bench.name!r} has none")
    rng = as_rng(seed)
    bench.reset()
    history = []
    for _ in range(budget):
        cell = Cell.random(rng)
        history.append((cell, evaluate(bench, cell, rng, noisy)))
    return SearchResult("random search", history, seed, bench.seconds)
