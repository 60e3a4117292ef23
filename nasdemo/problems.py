"""Seeded combinatorial problems for the annealing and genetic-algorithm notebooks.

Two classics, each a small frozen object built by a seeded factory:

``tsp(n_cities=50, seed=0)`` -> :class:`TSP`
    A Euclidean travelling-salesman instance: ``n_cities`` points drawn uniformly in the unit
    square. Calling it on a ``Tensor[k, n]`` of tours (each row a permutation of
    ``0 .. n-1``, integer or integral float dtype; a single ``[n]`` tour gives a scalar)
    returns the closed tour lengths ``Tensor[k]`` (float64), to be **minimised**. It has
    ``.coords`` (``[n, 2]``), ``.distances`` (``[n, n]``), ``.dim`` (= n) and ``.bounds``
    (``[2, n]``: 0 and n-1 in every position), so ``minimize(problem, optimizer, budget)``
    accepts it like a toy function; ``tour_xy(tour)`` gives the closed polyline to plot.

``knapsack(n_items=50, seed=0)`` -> :class:`Knapsack`
    A 0/1 knapsack instance with integer values and weights drawn uniformly from
    ``1 .. 100`` (Pisinger's "uncorrelated" class) and ``capacity = floor(capacity_ratio *
    total weight)``. Calling it on a ``Tensor[k, n]`` of 0/1 selections returns the total
    **value** (to be **maximised**; it ignores the capacity). The constraint is separate:
    ``weight(B)``, ``excess(B)`` (``max(0, weight - capacity)``) and ``feasible(B)``, so
    penalty, rejection and repair can all be written on top. ``optimum()`` solves the
    instance exactly by dynamic programming over the integer capacity.

Both check their input and raise ``ValueError`` saying what is wrong (a repeated city, a
bit that is not 0 or 1, a wrong length). Everything is float64 torch on the CPU unless a
``device`` is given; the same seed gives the same instance on every machine (the points are
drawn by a CPU ``torch.Generator`` and then moved).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import torch
from torch import Tensor

from .utils import check_int, check_number, check_seed

__all__ = ["TSP", "tsp", "Knapsack", "knapsack"]


def _as_rows(X: Any, n: int, what: str, device: torch.device) -> tuple[Tensor, bool]:
    """``X`` as a 2-D tensor ``[k, n]`` on ``device`` and whether it was a single row."""
    X = torch.as_tensor(X, device=device)
    if X.ndim not in (1, 2) or X.shape[-1] != n:
        raise ValueError(f"{what}: expected a tensor of shape [k, {n}] or [{n}], "
                         f"got {list(X.shape)}")
    single = X.ndim == 1
    return (X.unsqueeze(0) if single else X), single


# -- travelling salesman ---------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class TSP:
    """A Euclidean TSP instance (minimise the closed tour length). Build it with :func:`tsp`."""

    coords: Tensor  # [n, 2] city coordinates in the unit square
    seed: int
    name: str = "tsp"
    bounds: Tensor = field(init=False, repr=False)  # [2, n]: 0 and n-1 (city indices)

    def __post_init__(self) -> None:
        n = self.coords.shape[0]
        b = torch.tensor([[0.0] * n, [float(n - 1)] * n], dtype=torch.float64,
                         device=self.coords.device)
        object.__setattr__(self, "bounds", b)

    @property
    def n_cities(self) -> int:
        return self.coords.shape[0]

    @property
    def dim(self) -> int:
        """Length of a tour (= number of cities): the width of the tensors it is called on."""
        return self.coords.shape[0]

    @cached_property
    def distances(self) -> Tensor:
        """Euclidean distance matrix ``[n, n]`` (exact differences, not cdist's matmul form)."""
        return torch.linalg.vector_norm(self.coords[:, None] - self.coords[None], dim=-1)

    @cached_property
    def _identity(self) -> Tensor:
        return torch.arange(self.n_cities, device=self.coords.device)

    def check(self, tours: Any) -> Tensor:
        """``tours`` as a ``long`` tensor ``[k, n]``; ``ValueError`` unless every row is a
        permutation of ``0 .. n-1``."""
        P, _ = _as_rows(tours, self.n_cities, f"{self.name} with {self.n_cities} cities",
                        self.coords.device)
        if P.is_floating_point():
            if not torch.isfinite(P).all() or not torch.equal(P, P.round()):
                raise ValueError(f"{self.name}: tours must hold integer city indices")
        P = P.long()
        S = torch.sort(P, dim=1).values
        if not torch.equal(S, self._identity.expand_as(S)):
            bad = (S != self._identity).any(1).nonzero().flatten().tolist()
            raise ValueError(f"{self.name}: row {bad[0]} is not a permutation of "
                             f"0..{self.n_cities - 1} (each city exactly once): "
                             f"{P[bad[0]].tolist()}")
        return P

    def __call__(self, tours: Any) -> Tensor:
        """Closed tour lengths: ``[k, n]`` -> ``[k]`` (a single ``[n]`` tour -> a scalar)."""
        single = torch.as_tensor(tours).ndim == 1
        P = self.check(tours)
        lengths = self.distances[P, P.roll(-1, dims=1)].sum(1)  # edges i -> i+1, last -> first
        return lengths[0] if single else lengths

    tour_length = __call__

    def tour_xy(self, tour: Any) -> tuple[list[float], list[float]]:
        """x and y of the closed polyline through ``tour`` (first city repeated at the end)."""
        P = self.check(tour)[0]
        pts = self.coords[torch.cat([P, P[:1]])].cpu()
        return pts[:, 0].tolist(), pts[:, 1].tolist()

    def __repr__(self) -> str:
        return f"TSP(n_cities={self.n_cities}, seed={self.seed})"


def tsp(n_cities: int = 50, seed: int = 0, device: Any = None) -> TSP:
    """A seeded Euclidean TSP: ``n_cities`` (>= 3) points uniform in the unit square."""
    n_cities = check_int(n_cities, "n_cities", minimum=3)
    seed = check_seed(seed)
    g = torch.Generator().manual_seed(seed)
    coords = torch.rand(n_cities, 2, generator=g, dtype=torch.float64)
    return TSP(coords.to(device) if device is not None else coords, seed)


# -- 0/1 knapsack ----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Knapsack:
    """A 0/1 knapsack instance (maximise value subject to weight <= capacity).
    Build it with :func:`knapsack`."""

    values: Tensor  # [n] float64 holding integers
    weights: Tensor  # [n] float64 holding positive integers
    capacity: float
    seed: int
    name: str = "knapsack"
    bounds: Tensor = field(init=False, repr=False)  # [2, n]: 0 and 1

    def __post_init__(self) -> None:
        n = self.values.shape[0]
        b = torch.tensor([[0.0] * n, [1.0] * n], dtype=torch.float64, device=self.values.device)
        object.__setattr__(self, "bounds", b)

    @property
    def n_items(self) -> int:
        return self.values.shape[0]

    @property
    def dim(self) -> int:
        return self.values.shape[0]

    def check(self, selections: Any) -> Tensor:
        """``selections`` as a float64 0/1 tensor ``[k, n]``; ``ValueError`` otherwise."""
        B, _ = _as_rows(selections, self.n_items, f"{self.name} with {self.n_items} items",
                        self.values.device)
        B = B.to(torch.float64)
        if not ((B == 0) | (B == 1)).all():
            raise ValueError(f"{self.name}: selections must hold only 0 and 1 "
                             "(1 = item packed)")
        return B

    def _apply(self, selections: Any, per_item: Tensor) -> Tensor:
        single = torch.as_tensor(selections).ndim == 1
        out = self.check(selections) @ per_item
        return out[0] if single else out

    def __call__(self, selections: Any) -> Tensor:
        """Total value of each selection, ``[k, n]`` -> ``[k]`` (capacity not applied)."""
        return self._apply(selections, self.values)

    def weight(self, selections: Any) -> Tensor:
        """Total weight of each selection."""
        return self._apply(selections, self.weights)

    def excess(self, selections: Any) -> Tensor:
        """How far each selection is over the capacity, ``max(0, weight - capacity)``."""
        return (self.weight(selections) - self.capacity).clamp(min=0)

    def feasible(self, selections: Any) -> Tensor:
        """Boolean: weight <= capacity."""
        return self.weight(selections) <= self.capacity

    def optimum(self) -> tuple[float, Tensor]:
        """The best feasible value and one selection achieving it (exact dynamic programme
        over capacities ``0 .. capacity``; O(n * capacity); computed once)."""
        value, selection = self._optimum
        return value, selection.clone()

    @cached_property
    def _optimum(self) -> tuple[float, Tensor]:
        n, C = self.n_items, int(self.capacity)
        w = [int(v) for v in self.weights.tolist()]
        v = self.values.cpu()
        best = torch.zeros(C + 1, dtype=torch.float64)  # best[c]: best value within weight c
        take = torch.zeros(n, C + 1, dtype=torch.bool)
        for i in range(n):
            if w[i] > C:
                continue
            cand = best[: C + 1 - w[i]] + v[i]  # add item i to the best of capacity c - w_i
            better = cand > best[w[i]:]
            take[i, w[i]:] = better
            best[w[i]:] = torch.where(better, cand, best[w[i]:])
        sel, c = torch.zeros(n, dtype=torch.float64), C
        for i in range(n - 1, -1, -1):  # backtrack
            if take[i, c]:
                sel[i], c = 1.0, c - w[i]
        return float(best[C]), sel.to(self.values.device)

    def __repr__(self) -> str:
        return (f"Knapsack(n_items={self.n_items}, capacity={self.capacity:g}, "
                f"seed={self.seed})")


def knapsack(n_items: int = 50, seed: int = 0, capacity_ratio: float = 0.5,
             device: Any = None) -> Knapsack:
    """A seeded 0/1 knapsack: integer values and weights uniform in 1..100, capacity
    ``floor(capacity_ratio * sum(weights))`` (0 < ``capacity_ratio`` < 1)."""
    n_items = check_int(n_items, "n_items")
    seed = check_seed(seed)
    if not 0 < check_number(capacity_ratio, "capacity_ratio") < 1:
        raise ValueError(f"capacity_ratio must be in (0, 1), got {capacity_ratio!r}")
    g = torch.Generator().manual_seed(seed)
    values = torch.randint(1, 101, (n_items,), generator=g).to(torch.float64)
    weights = torch.randint(1, 101, (n_items,), generator=g).to(torch.float64)
    capacity = float(math.floor(capacity_ratio * weights.sum().item()))
    if device is not None:
        values, weights = values.to(device), weights.to(device)
    return Knapsack(values, weights, capacity, seed)
