"""The ask/tell protocol shared by every black-box optimiser, and the ``minimize`` driver.

An optimiser proposes points with ``ask()`` and learns their values with ``tell(X, y)``;
it never calls the objective itself. This is the interface of pycma and Optuna, and it lets
a notebook step an algorithm one generation at a time, draw it, and go on.

All optimisers minimise. Points are ``float64`` tensors on the optimiser's device
(CPU unless one is given) inside the box ``bounds`` (``Tensor[2, d]``: lower, upper).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import torch
from torch import Tensor

__all__ = ["Optimizer", "Result", "check_bounds", "minimize"]


def check_bounds(bounds: Tensor | Sequence[Sequence[float]], device: Any = None) -> Tensor:
    """Validate and return ``bounds`` as a ``float64`` ``Tensor[2, d]``.

    Raises ``ValueError`` naming the problem: wrong shape, non-finite entries, or a lower
    bound not strictly below its upper bound.
    """
    b = torch.as_tensor(bounds, dtype=torch.float64, device=device)
    if b.ndim != 2 or b.shape[0] != 2 or b.shape[1] < 1:
        raise ValueError(
            f"bounds must have shape [2, d] (row 0 lower, row 1 upper), got {list(b.shape)}"
        )
    if not torch.isfinite(b).all():
        raise ValueError("bounds must be finite")
    bad = (b[0] >= b[1]).nonzero().flatten().tolist()
    if bad:
        i = bad[0]
        raise ValueError(
            f"bounds are inverted or empty in dimension {i}: lower {b[0, i].item()} "
            f">= upper {b[1, i].item()}"
        )
    return b


class Optimizer(ABC):
    """Base class: bounds, seed, device, and the best point told so far.

    Subclasses implement ``_ask`` and ``_tell``; the public ``ask``/``tell`` check shapes
    so a mistake in a notebook gets an error that says what was wrong.
    """

    def __init__(self, bounds: Tensor | Sequence[Sequence[float]], seed: int = 0,
                 device: Any = None) -> None:
        self.device = torch.device(device) if device is not None else torch.device("cpu")
        self.bounds = check_bounds(bounds, device=self.device)
        self.dim = self.bounds.shape[1]
        self.seed = seed
        self.generator = torch.Generator(device=self.device).manual_seed(seed)
        self.n_told = 0
        self.best_x: Tensor | None = None
        self.best_y = math.inf

    # -- protocol ---------------------------------------------------------------------------
    def ask(self) -> Tensor:
        """The next points to evaluate, ``Tensor[k, d]``."""
        X = self._ask()
        assert X.ndim == 2 and X.shape[1] == self.dim
        return X

    def tell(self, X: Tensor, y: Tensor) -> None:
        """Report the objective values ``y`` (``Tensor[k]``) at the points ``X`` asked."""
        X = torch.as_tensor(X, dtype=torch.float64, device=self.device)
        y = torch.as_tensor(y, dtype=torch.float64, device=self.device).reshape(-1)
        if X.ndim != 2 or X.shape[1] != self.dim:
            raise ValueError(f"tell: X must have shape [k, {self.dim}], got {list(X.shape)}")
        if y.shape[0] != X.shape[0]:
            raise ValueError(f"tell: got {X.shape[0]} points but {y.shape[0]} values")
        if not torch.isfinite(y).all():
            raise ValueError("tell: objective values must be finite (got NaN or inf)")
        i = int(torch.argmin(y))
        if y[i].item() < self.best_y:
            self.best_y, self.best_x = y[i].item(), X[i].clone()
        self.n_told += X.shape[0]
        self._tell(X, y)

    def stop(self) -> dict[str, Any]:
        """Termination criteria that fired (empty when the optimiser wants to go on)."""
        return {}

    @abstractmethod
    def _ask(self) -> Tensor: ...

    @abstractmethod
    def _tell(self, X: Tensor, y: Tensor) -> None: ...

    # -- helpers for subclasses ----------------------------------------------------------
    def to_unit(self, X: Tensor) -> Tensor:
        """Map points from the box to the unit cube."""
        return (X - self.bounds[0]) / (self.bounds[1] - self.bounds[0])

    def from_unit(self, U: Tensor) -> Tensor:
        """Map points from the unit cube to the box."""
        return self.bounds[0] + U * (self.bounds[1] - self.bounds[0])

    def __repr__(self) -> str:
        return f"{type(self).__name__}(dim={self.dim}, seed={self.seed}, told={self.n_told})"


@dataclass
class Result:
    """What ``minimize`` returns. ``history`` holds every y in evaluation order."""

    best_x: Tensor
    best_y: float
    n_evals: int
    history: Tensor  # [n_evals]
    X: Tensor  # [n_evals, d], every point evaluated
    stop_reason: str
    info: dict[str, Any] = field(default_factory=dict)

    def best_so_far(self) -> Tensor:
        """Best y after each evaluation (the usual convergence curve)."""
        return torch.cummin(self.history, dim=0).values

    def evals_to(self, target: float) -> int | None:
        """Evaluations needed to first reach ``y <= target`` (None if never)."""
        hit = (self.history <= target).nonzero()
        return int(hit[0]) + 1 if len(hit) else None


def minimize(
    objective: Callable[[Tensor], Tensor],
    optimizer: Optimizer,
    budget: int,
    callback: Callable[[Optimizer, Tensor, Tensor], bool | None] | None = None,
    target: float | None = None,
) -> Result:
    """Run ``optimizer`` on ``objective`` for at most ``budget`` evaluations.

    Stops early when the optimiser's own termination criteria fire, when ``target`` is
    reached (``best_y <= target``), or when ``callback(optimizer, X, y)``, called after
    each ``tell``, returns True. If the last batch asked would overrun the budget, only the
    points that fit are evaluated and that partial batch is not told.
    """
    if not isinstance(budget, int) or isinstance(budget, bool) or budget <= 0:
        raise ValueError(f"budget must be a positive integer, got {budget!r}")
    obj_dim = getattr(objective, "dim", optimizer.dim)
    if obj_dim != optimizer.dim:
        raise ValueError(
            f"the objective is {obj_dim}-dimensional but the optimiser's bounds are "
            f"{optimizer.dim}-dimensional"
        )
    ys: list[Tensor] = []
    xs: list[Tensor] = []
    n = 0
    reason = "budget"
    while n < budget:
        X = optimizer.ask()
        if n + X.shape[0] > budget:
            X = X[: budget - n]
            y = torch.as_tensor(objective(X), dtype=torch.float64).reshape(-1)
            xs.append(X)
            ys.append(y.to(X.device))
            n += X.shape[0]
            break
        y = torch.as_tensor(objective(X), dtype=torch.float64).reshape(-1).to(X.device)
        optimizer.tell(X, y)
        xs.append(X)
        ys.append(y)
        n += X.shape[0]
        if callback is not None and callback(optimizer, X, y):
            reason = "callback"
            break
        if target is not None and optimizer.best_y <= target:
            reason = "target"
            break
        stops = optimizer.stop()
        if stops:
            reason = ", ".join(stops)
            break
    history = torch.cat(ys)
    allX = torch.cat(xs)
    i = int(torch.argmin(history))
    return Result(allX[i].clone(), history[i].item(), n, history, allX, reason)
