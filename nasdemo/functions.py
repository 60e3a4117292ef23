"""Toy objectives for black-box optimisation (all minimised), vectorised in torch.

``get(name, dim)`` returns an :class:`Objective`: call it on a ``Tensor[n, d]`` to get a
``Tensor[n]``. Each objective knows its search box (``bounds``, a ``Tensor[2, d]`` of lower
and upper corners), its optimum value ``f_opt`` and one optimum ``x_opt`` (``minimizers``
lists all known optima where there are several, e.g. Branin's three).

Definitions follow the Virtual Library of Simulation Experiments (Surjanovic & Bingham)
and, for the ellipsoid, Hansen's CMA-ES test suite (``cma.ff.elli``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import torch
from torch import Tensor

from .utils import check_int

__all__ = ["Objective", "get", "names"]


@dataclass(frozen=True)
class Objective:
    """A test function with its box, optimum and optimisers. Minimisation."""

    name: str
    dim: int
    bounds: Tensor  # [2, d]: row 0 lower, row 1 upper
    f_opt: float
    minimizers: Tensor  # [m, d]: every known global minimiser
    fn: Callable[[Tensor], Tensor] = field(repr=False)

    @property
    def x_opt(self) -> Tensor:
        """One global minimiser, ``Tensor[d]``."""
        return self.minimizers[0]

    def __call__(self, X: Tensor) -> Tensor:
        """Evaluate at the rows of ``X`` (``[n, d]`` -> ``[n]``; a single ``[d]`` -> scalar)."""
        if not isinstance(X, Tensor):
            X = torch.as_tensor(X, dtype=torch.float64)
        if X.ndim not in (1, 2) or X.shape[-1] != self.dim:
            raise ValueError(
                f"{self.name} is {self.dim}-dimensional: expected a tensor of shape "
                f"[n, {self.dim}] or [{self.dim}], got {list(X.shape)}"
            )
        if not X.is_floating_point():
            X = X.double()
        if X.ndim == 1:
            return self.fn(X.unsqueeze(0))[0]
        return self.fn(X)

    def regret(self, y: Tensor | float) -> Tensor | float:
        """Simple regret ``y - f_opt`` (non-negative up to rounding)."""
        return y - self.f_opt


# --- definitions ----------------------------------------------------------------------


def _forrester(X: Tensor) -> Tensor:
    # Forrester et al. (2008), "Engineering Design via Surrogate Modelling": a 1-D test
    # with a local and a global minimum, the classic picture of Bayesian optimisation.
    x = X[:, 0]
    return (6 * x - 2) ** 2 * torch.sin(12 * x - 4)


def _sphere(X: Tensor) -> Tensor:
    return (X**2).sum(-1)


def _ellipsoid(X: Tensor) -> Tensor:
    # f(x) = sum_i 10^(6 (i-1)/(n-1)) x_i^2, condition number 1e6 (Hansen's "elli").
    d = X.shape[-1]
    exps = torch.arange(d, dtype=X.dtype, device=X.device) / max(d - 1, 1)
    return ((1e6**exps) * X**2).sum(-1)


def _rosenbrock(X: Tensor) -> Tensor:
    return (100.0 * (X[:, 1:] - X[:, :-1] ** 2) ** 2 + (1.0 - X[:, :-1]) ** 2).sum(-1)


def _rastrigin(X: Tensor) -> Tensor:
    return 10.0 * X.shape[-1] + (X**2 - 10.0 * torch.cos(2 * math.pi * X)).sum(-1)


def _ackley(X: Tensor) -> Tensor:
    a, b, c = 20.0, 0.2, 2 * math.pi
    term1 = -a * torch.exp(-b * torch.sqrt((X**2).mean(-1)))
    term2 = -torch.exp(torch.cos(c * X).mean(-1))
    return term1 + term2 + a + math.e


def _branin(X: Tensor) -> Tensor:
    x1, x2 = X[:, 0], X[:, 1]
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6.0) ** 2 + 10.0 * (1 - t) * torch.cos(x1) + 10.0


def _himmelblau(X: Tensor) -> Tensor:
    x, y = X[:, 0], X[:, 1]
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


_H6_ALPHA = [1.0, 1.2, 3.0, 3.2]
_H6_A = [
    [10.0, 3.0, 17.0, 3.5, 1.7, 8.0],
    [0.05, 10.0, 17.0, 0.1, 8.0, 14.0],
    [3.0, 3.5, 1.7, 10.0, 17.0, 8.0],
    [17.0, 8.0, 0.05, 10.0, 0.1, 14.0],
]
_H6_P = [
    [1312, 1696, 5569, 124, 8283, 5886],
    [2329, 4135, 8307, 3736, 1004, 9991],
    [2348, 1451, 3522, 2883, 3047, 6650],
    [4047, 8828, 8732, 5743, 1091, 381],
]


def _hartmann6(X: Tensor) -> Tensor:
    alpha = torch.tensor(_H6_ALPHA, dtype=X.dtype, device=X.device)
    A = torch.tensor(_H6_A, dtype=X.dtype, device=X.device)
    P = 1e-4 * torch.tensor(_H6_P, dtype=X.dtype, device=X.device)
    inner = (A * (X[:, None, :] - P) ** 2).sum(-1)  # [n, 4]
    return -(alpha * torch.exp(-inner)).sum(-1)


def _styblinski_tang(X: Tensor) -> Tensor:
    return 0.5 * (X**4 - 16 * X**2 + 5 * X).sum(-1)


# --- registry ---------------------------------------------------------------------------

_ST_X = -2.903534027771178
_ST_F = -39.16616570377142
_BRANIN_MIN = [[-math.pi, 12.275], [math.pi, 2.275], [9.42477796076938, 2.475]]
_HIMMELBLAU_MIN = [
    [3.0, 2.0],
    [-2.805118086952745, 3.131312518250573],
    [-3.779310253377747, -3.283185991286170],
    [3.584428340330492, -1.848126526964404],
]
_H6_X = [0.20168952, 0.15001069, 0.47687398, 0.27533243, 0.31165162, 0.65730054]


@dataclass(frozen=True)
class _Spec:
    fn: Callable[[Tensor], Tensor]
    fixed_dim: int | None  # None: any dimension >= min_dim
    lower: float | list[float]
    upper: float | list[float]
    f_opt: Callable[[int], float]
    minimizers: Callable[[int], list[list[float]]]
    min_dim: int = 1


_SPECS: dict[str, _Spec] = {
    "sphere": _Spec(_sphere, None, -5.0, 5.0, lambda d: 0.0, lambda d: [[0.0] * d]),
    "ellipsoid": _Spec(_ellipsoid, None, -5.0, 5.0, lambda d: 0.0, lambda d: [[0.0] * d]),
    "rosenbrock": _Spec(
        _rosenbrock, None, -5.0, 10.0, lambda d: 0.0, lambda d: [[1.0] * d], min_dim=2
    ),
    "rastrigin": _Spec(_rastrigin, None, -5.12, 5.12, lambda d: 0.0, lambda d: [[0.0] * d]),
    "ackley": _Spec(_ackley, None, -32.768, 32.768, lambda d: 0.0, lambda d: [[0.0] * d]),
    "styblinski_tang": _Spec(
        _styblinski_tang, None, -5.0, 5.0, lambda d: _ST_F * d, lambda d: [[_ST_X] * d]
    ),
    "branin": _Spec(
        _branin, 2, [-5.0, 0.0], [10.0, 15.0], lambda d: 0.39788735772973816,
        lambda d: _BRANIN_MIN,
    ),
    "himmelblau": _Spec(_himmelblau, 2, -5.0, 5.0, lambda d: 0.0, lambda d: _HIMMELBLAU_MIN),
    "forrester": _Spec(
        _forrester, 1, 0.0, 1.0, lambda d: -6.0207400557670825, lambda d: [[0.7572487585233]]
    ),
    "hartmann6": _Spec(_hartmann6, 6, 0.0, 1.0, lambda d: -3.3223680114155147, lambda d: [_H6_X]),
}


def names() -> list[str]:
    """Names accepted by :func:`get`."""
    return sorted(_SPECS)


def get(name: str, dim: int | None = None) -> Objective:
    """The objective ``name`` in ``dim`` dimensions (scalable functions default to 2-D;
    fixed-dimension ones such as Branin and Hartmann6 accept only their own dimension)."""
    key = name.lower().replace("-", "_")
    if key not in _SPECS:
        raise ValueError(f"unknown function {name!r}; choose one of {', '.join(names())}")
    spec = _SPECS[key]
    if spec.fixed_dim is not None:
        if dim is not None and dim != spec.fixed_dim:
            raise ValueError(f"{key} is defined in {spec.fixed_dim} dimensions only, got dim={dim}")
        d = spec.fixed_dim
    else:
        d = 2 if dim is None else check_int(dim, f"{key}'s dim", minimum=spec.min_dim)

    def row(v: float | list[float]) -> Tensor:
        return torch.full((d,), float(v), dtype=torch.float64) if isinstance(v, float) \
            else torch.tensor(v, dtype=torch.float64)

    bounds = torch.stack([row(spec.lower), row(spec.upper)])
    minimizers = torch.tensor(spec.minimizers(d), dtype=torch.float64)
    return Objective(key, d, bounds, float(spec.f_opt(d)), minimizers, spec.fn)
