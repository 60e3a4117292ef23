"""Aging evolution (regularised evolution), Real, Aggarwal, Huang & Le, "Regularized Evolution
for Image Classifier Architecture Search", AAAI 2019 -- the search behind AmoebaNet.

Algorithm 1 of the paper, line by line::

    population <- empty queue; history <- {}
    while |population| < P:                       # random initial population
        model <- random architecture, trained; push right; add to history
    while |history| < C:                          # C cycles = the query budget
        sample <- S models drawn at random from the population (each stays in it)
        parent <- the highest-accuracy model in sample
        child  <- mutate(parent), trained; push right; add to history
        remove the *oldest* model from the left    # aging: age, not fitness, decides who dies
    return the highest-accuracy model in history

The non-aging variant (``aging=False``) removes the *worst* model instead: classic tournament
selection. The paper's evidence that it is worse does not come from the large runs of its
Figure 3 (20,000 models each, comparing aging evolution with RL and random search only) but
from small-compute experiments: searches run on CPU, with small models, on gray-scale
CIFAR-10, aging against non-aging for several P and S, where most settings favoured aging,
repeated on other datasets and search spaces (arXiv version, Figure 7 and Supplement B), and a
toy search space whose only difficulty is a noisy evaluation (Supplement C). Their explanation:
under non-aging a model that got lucky in one noisy evaluation can survive forever, while
aging keeps only architectures that keep re-training well ("regularisation"). Notebook 06
tests this on the MNIST-1D table, where non-aging comes out ahead.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from .benchmark import Benchmark
from .cell import Cell, as_rng
from .result import SearchResult, check_budget, evaluate

__all__ = ["aging_evolution", "Cycle"]


@dataclass(frozen=True)
class Cycle:
    """One evolution cycle, for replaying the queue: models are numbered by their position in
    the history. ``population`` is the queue *before* the child joins (left = oldest)."""

    population: tuple[int, ...]
    sample: tuple[int, ...]
    parent: int
    child: int
    dead: int


def aging_evolution(bench: Benchmark, budget: int, seed: int = 0, *, population_size: int = 10,
                    sample_size: int = 3, aging: bool = True, noisy: bool = False,
                    record: bool = False) -> SearchResult:
    """Algorithm 1 with ``P = population_size``, ``S = sample_size``, ``C = budget`` models.

    Defaults P=10, S=3 are NAS-Bench-201's REA setting (the paper's own large runs used
    P=100, S=25 over 20,000 models). ``noisy`` makes each training a single random seed's
    result (see ``nasdemo.nas.result``). ``record`` keeps a ``Cycle`` per cycle in
    ``result.info["cycles"]``. The mutation is ``Cell.mutate``: one edge's op replaced by a
    different op (on this cell that covers both of the paper's kinds, see ``Cell.mutate``).
    """
    budget = check_budget(budget)
    if not 2 <= population_size <= budget:
        raise ValueError(f"population_size must be in 2..budget ({budget}), got {population_size}")
    if not 1 <= sample_size <= population_size:
        raise ValueError(f"sample_size must be in 1..population_size ({population_size}), "
                         f"got {sample_size}")
    if noisy and bench.n_seeds == 0:
        raise ValueError(f"noisy=True needs per-seed results; table {bench.name!r} has none")
    rng = as_rng(seed)
    bench.reset()
    history: list[tuple[Cell, float]] = []
    population: deque[int] = deque()  # indices into history; left = oldest
    cycles: list[Cycle] = []

    def train(cell: Cell) -> int:
        history.append((cell, evaluate(bench, cell, rng, noisy)))
        return len(history) - 1

    while len(population) < population_size:  # the random initial population
        population.append(train(Cell.random(rng)))
    while len(history) < budget:
        sample = [population[rng.randrange(len(population))] for _ in range(sample_size)]
        parent = max(sample, key=lambda m: history[m][1])
        before = tuple(population) if record else ()
        child = train(history[parent][0].mutate(rng))
        population.append(child)
        if aging:
            dead = population.popleft()  # the oldest
        else:
            dead = min(population, key=lambda m: history[m][1])  # the worst (ties: oldest)
            population.remove(dead)
        if record:
            cycles.append(Cycle(before, tuple(sample), parent, child, dead))
    info = {"population_size": population_size, "sample_size": sample_size, "aging": aging,
            "final_population": list(population)}
    if record:
        info["cycles"] = cycles
    name = "aging evolution" if aging else "non-aging evolution"
    return SearchResult(name, history, seed, bench.seconds, info)
