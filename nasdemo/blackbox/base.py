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

from ..utils import check_int, check_seed, get_device

__all__ = ["Optimizer", "Result", "check_bounds", "check_in_box", "check_values", "minimize"]


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


def check_in_box(X: Tensor, bounds: Tensor, what: str, slack: float = 0.0) -> Tensor:
    """``X`` (``Tensor[k, d]``) if it is finite and inside ``bounds``, allowing ``slack``
    times the box width on either side (``from_unit(1)`` may land an ulp beyond the upper
    bound); else a ``ValueError`` that starts with ``what`` and names the first bad entry."""
    if not torch.isfinite(X).all():
        raise ValueError(f"{what} must be finite (got NaN or inf)")
    lb, ub = bounds
    margin = slack * (ub - lb)
    outside = ((X < lb - margin) | (X > ub + margin)).nonzero()
    if len(outside):
        r, i = outside[0].tolist()
        row = f"[{r}]" if X.shape[0] > 1 else ""
        raise ValueError(f"{what}{row} is outside the bounds in dimension {i}: "
                         f"{X[r, i].item():g} not in [{lb[i].item():g}, {ub[i].item():g}]")
    return X


def check_values(y: Any, k: int, who: str,
                 device: Any = None) -> tuple[Tensor, list[float]]:
    """``y`` as a float64 ``Tensor[k]`` on ``device`` and as a list of floats, if it holds
    ``k`` finite numbers; else a ``TypeError`` (not numbers at all, e.g. ``None``) or
    ``ValueError`` that starts with ``who`` ("tell", or "objective 'name'" in ``minimize``).

    One ``tolist`` and plain Python keep this cheap for the one-point batches of simulated
    annealing, where torch's per-call overhead would dominate a step."""
    if y is None:
        raise TypeError(f"{who}: got None instead of a Tensor[{k}] of values")
    ready = isinstance(y, Tensor) and y.dtype == torch.float64 and y.ndim == 1 \
        and (device is None or y.device == device)  # the usual case: nothing to convert
    if not ready:
        try:
            y = torch.as_tensor(y, dtype=torch.float64, device=device).reshape(-1)
        except (TypeError, ValueError, RuntimeError) as err:
            raise TypeError(f"{who}: got a {type(y).__name__}, not numbers ({err})") from None
    values = y.tolist()
    if len(values) != k:
        raise ValueError(f"{who}: got {k} point{'s' * (k != 1)} but {len(values)} "
                         f"value{'s' * (len(values) != 1)}")
    if not all(map(math.isfinite, values)):
        bad = next(i for i, v in enumerate(values) if not math.isfinite(v))
        raise ValueError(f"{who}: objective values must be finite (got {values[bad]} for "
                         f"point {bad})")
    return y, values


class Optimizer(ABC):
    """Base class: bounds, seed, device, the checks of ``tell`` and the best point told.

    Subclasses implement ``_ask`` and ``_tell``. The public ``ask``/``tell`` check what goes
    in, so a mistake in a notebook gets an error that says what was wrong, and keep
    ``n_told``, ``best_x`` and ``best_y``. Two small hooks let a subclass change a rule
    without re-implementing ``tell``: ``_check_points`` (default: any points inside the box;
    optimisers that only learn from their own proposals demand exactly the points of the last
    ``ask``, see ``_expect_asked``), ``_update_best`` (default: the lowest value; the GA keeps
    the best *feasible* one).

    ``device`` defaults to the CPU, not to ``nasdemo.utils.get_device()``: the optimisers
    work on tensors of a few dozen numbers, where a GPU's per-call latency costs more than
    it saves. Pass ``device="cuda"`` to run one there.
    """

    def __init__(self, bounds: Tensor | Sequence[Sequence[float]], seed: int = 0,
                 device: Any = None) -> None:
        self.device = get_device(device) if device is not None else torch.device("cpu")
        self.bounds = check_bounds(bounds, device=self.device)
        self.dim = self.bounds.shape[1]
        self.seed = check_seed(seed)
        self.generator = torch.Generator(device=self.device).manual_seed(self.seed)
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
        """Report the objective values ``y`` (``Tensor[k]``) at the points ``X`` asked.

        Raises ``ValueError`` (and changes nothing) for points of the wrong shape, outside the
        box or not asked (see ``_check_points``), or values that are too few, too many or not
        finite.
        """
        X = self._check_points(X)
        y, values = check_values(y, X.shape[0], "tell", self.device)
        self._update_best(X, values)
        self.n_told += len(values)
        self._tell(X, y)

    def _check_points(self, X: Tensor) -> Tensor:
        """``X`` as a float64 ``Tensor[k, d]`` on the device, finite and inside the box (up to
        rounding: ``from_unit(1)`` may land an ulp beyond the upper bound)."""
        X = torch.as_tensor(X, dtype=torch.float64, device=self.device)
        if X.ndim != 2 or X.shape[1] != self.dim:
            raise ValueError(f"tell: X must have shape [k, {self.dim}], got {list(X.shape)}")
        return check_in_box(X, self.bounds, "tell: X", slack=1e-9)

    def _expect_asked(self, X: Tensor, asked: Tensor | None) -> Tensor:
        """For ``_check_points`` of optimisers that learn only from their own proposals:
        ``asked`` (the points of the last ``ask``) if ``X`` is exactly them, in order.
        Being asked implies the shape and box checks, and ``X is asked`` costs nothing."""
        name = type(self).__name__
        if asked is None:
            raise ValueError(f"{name}.tell: call ask() first (tell expects the points it "
                             "returned)")
        if X is asked:
            return asked
        X = torch.as_tensor(X, device=self.device)
        if X.shape != asked.shape or not torch.equal(X.to(asked.dtype), asked):
            k = asked.shape[0]
            raise ValueError(f"{name}.tell expects exactly the {k} point{'s' * (k != 1)} of "
                             f"the last ask(), in the same order; got a tensor of shape "
                             f"{list(X.shape)} that differs")
        return asked

    def _update_best(self, X: Tensor, values: list[float]) -> None:
        """Keep ``best_x`` / ``best_y``: the lowest value told so far."""
        i = min(range(len(values)), key=values.__getitem__)
        if values[i] < self.best_y:
            self.best_y, self.best_x = values[i], X[i].clone()

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

    best_x: Tensor | None  # None only for a run that failed before its first evaluation
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
    points that fit are evaluated and that partial batch is not told (its values are checked
    like every other batch's, and are in the result).

    ``budget`` is a positive integer (a NumPy integer too). The objective must return one
    finite value per point; anything else is an error naming the objective. **Nothing is
    lost on an error**: when the objective, the optimiser or the callback raises (or the run
    is interrupted: Ctrl-C, a notebook's stop button), the exception propagates with the run
    so far attached as ``err.result`` (a :class:`Result`
    of every evaluation before the failing batch, ``stop_reason="error"``; ``best_x`` is
    None if there was none), and a note saying so.
    """
    budget = check_int(budget, "budget", minimum=1)
    obj_dim = getattr(objective, "dim", optimizer.dim)
    if obj_dim != optimizer.dim:
        raise ValueError(
            f"the objective is {obj_dim}-dimensional but the optimiser's bounds are "
            f"{optimizer.dim}-dimensional"
        )
    name = getattr(objective, "name", None) or getattr(objective, "__name__", None) \
        or type(objective).__name__
    who = f"objective {name!r}"
    ys: list[Tensor] = []
    xs: list[Tensor] = []
    n = 0
    reason = "budget"
    try:
        while n < budget:
            X = optimizer.ask()
            cut_short = n + X.shape[0] > budget
            if cut_short:  # evaluate only the points that fit; do not tell a partial batch
                X = X[: budget - n]
            y, _ = check_values(objective(X), X.shape[0], who, X.device)
            if not cut_short:
                optimizer.tell(X, y)
            xs.append(X)
            ys.append(y)
            n += X.shape[0]
            if cut_short:
                break
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
    except BaseException as err:  # KeyboardInterrupt too: keep what was evaluated
        err.result = _result(xs, ys, optimizer.dim, optimizer.device, "error")
        err.add_note(f"minimize: the {sum(len(v) for v in ys)} evaluations before this error "
                     "are in err.result")
        raise
    return _result(xs, ys, optimizer.dim, optimizer.device, reason)


def _result(xs: list[Tensor], ys: list[Tensor], dim: int, device: torch.device,
            reason: str) -> Result:
    """The :class:`Result` of the batches ``xs`` evaluated to ``ys``."""
    if not ys:
        empty = torch.empty(0, dtype=torch.float64, device=device)
        return Result(None, math.inf, 0, empty, empty.reshape(0, dim), reason)
    history, allX = torch.cat(ys), torch.cat(xs)
    i = int(torch.argmin(history))
    return Result(allX[i].clone(), history[i].item(), len(history), history, allX, reason)
