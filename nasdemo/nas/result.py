"""What every architecture search returns, and what each search shares: its budget check and
its query of the benchmark.

A search on a tabular benchmark is a sequence of queries; ``SearchResult`` keeps them in
order (``history``) so the same run can be replayed as a best-so-far curve, a scatter of every
model, or a comparison over seeds. Accuracies are percent and higher is better.

Evaluation noise: by default a query returns the table's mean over training seeds. With
``noisy=True`` each query returns *one* seed's result, drawn at random, as NATS-Bench's
``simulate_train_eval(..., is_random=True)`` does: a search then sees what a real one sees, a
single training run, and can be fooled by a lucky one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..utils import check_int

from .benchmark import Benchmark
from .cell import Cell

__all__ = ["SearchResult", "check_budget", "evaluate"]


@dataclass
class SearchResult:
    """One search's record: ``history`` is ``[(cell, accuracy), ...]`` in query order
    (accuracy as the search saw it), ``seconds`` the simulated training time spent."""

    method: str
    history: list[tuple[Cell, float]]
    seed: int = 0
    seconds: float = 0.0
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def best(self) -> tuple[Cell, float]:
        """The highest-accuracy query (the first one on ties): what the search returns."""
        if not self.history:
            raise ValueError("the search made no queries")
        i = int(np.argmax([a for _, a in self.history]))
        return self.history[i]

    def curve(self) -> np.ndarray:
        """Best-so-far accuracy after each query, ``float64[len(history)]``."""
        return np.maximum.accumulate(np.array([a for _, a in self.history], dtype=float))

    def __len__(self) -> int:
        return len(self.history)

    def __repr__(self) -> str:
        cell, acc = self.best if self.history else (None, float("nan"))
        return (f"SearchResult({self.method!r}, seed={self.seed}, {len(self)} queries, "
                f"best {acc:.2f} {cell})")


def check_budget(budget: int, minimum: int = 1) -> int:
    """``budget`` (a number of queries) as an int, or a ValueError saying what is wrong."""
    return check_int(budget, "budget (a number of queries)", minimum=minimum)


def evaluate(bench: Benchmark, cell: Cell, rng: random.Random, noisy: bool) -> float:
    """One simulated training run of ``cell``, as every search makes it: the table's mean
    validation accuracy, or with ``noisy`` one seed's, drawn with ``rng`` (one counted
    query)."""
    if noisy:
        return bench.query(cell, seed=rng.randrange(bench.n_seeds))
    return bench.query(cell)
