"""Every search strategy by name: what ``compare``, notebook 10 and ``python -m nasdemo search``
choose from. Each entry is ``fn(bench, budget, seed=0, **options) -> SearchResult``,
deterministic per seed and never over budget."""

from __future__ import annotations

from typing import Callable

from .blackbox_search import bayesopt, cmaes, genetic_algorithm, simulated_annealing
from .evolution import aging_evolution
from .nao import nao
from .neural_predictor import neural_predictor
from .random_search import random_search
from .reinforce import reinforce
from .result import SearchResult

__all__ = ["METHODS", "get_method"]

Strategy = Callable[..., SearchResult]

METHODS: dict[str, Strategy] = {
    "random_search": random_search,
    "aging_evolution": aging_evolution,
    "reinforce": reinforce,
    "bayesopt": bayesopt,
    "cmaes": cmaes,
    "simulated_annealing": simulated_annealing,
    "genetic_algorithm": genetic_algorithm,
    "nao": nao,
    "neural_predictor": neural_predictor,
}


def get_method(name: str) -> Strategy:
    """The strategy called ``name``, or a ValueError listing the names there are."""
    try:
        return METHODS[name]
    except KeyError:
        raise ValueError(f"unknown search method {name!r}; choose one of "
                         f"{', '.join(sorted(METHODS))}") from None
