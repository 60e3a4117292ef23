"""Simulated annealing, classical and generalised, on boxes and on permutations.

Simulated annealing (Kirkpatrick, Gelatt & Vecchi, *Science* 220, 1983) walks from a current
point ``x`` to a random neighbour ``x'`` and decides with the **Metropolis rule** (Metropolis
et al., *J. Chem. Phys.* 21, 1953) whether to move::

    delta = f(x') - f(x)
    accept with probability  p = 1                 if delta <= 0
                             p = exp(-delta / T)   otherwise                       (M)

At a high temperature ``T`` almost every move is accepted, worse ones included (the walk
explores); as ``T`` falls, uphill moves become rare and the walk settles into a minimum (the
lecture's "high temperature: a bad point can be selected; low temperature: extensive
exploration near the local minimum"). The **cooling schedule** says how ``T`` falls.

One step (one ``ask`` then one ``tell``; ``k`` counts temperature levels, each held for a
*Markov chain* of ``chain_length`` steps, default ``2 * dim`` as in scipy)::

    ask   x' = move(x, T_k)                      (neighbourhood move, see below)
    tell  accept x' with probability p(f(x') - f(x), T_k)      (M), or (G) for "gsa"
          after chain_length steps: k <- k + 1, T_k from the schedule                  (S)
          optionally reheat / restart                                                   (R)

Cooling schedules (S), ``k = 0, 1, 2, ...``
-------------------------------------------
* ``"geometric"`` (Kirkpatrick et al. 1983): ``T_k = T_0 alpha^k``. ``alpha`` defaults to
  the value that reaches ``t_end`` at level ``K`` (below), or 0.95 without a ``horizon``.
* ``"linear"``: ``T_k = T_0 - (T_0 - t_end) min(k, K) / K``, reaching ``t_end`` at level
  ``K`` and staying there.
* ``"logarithmic"`` (Boltzmann annealing; Geman & Geman, *IEEE PAMI* 6, 1984):
  ``T_k = T_0 ln 2 / ln(k + 2)``. Cooling this slowly provably finds a global minimum with
  probability one (for ``T_0`` at least the depth of the deepest non-global well) -- and is
  far too slow for any realistic budget, which the notebook shows.
* ``"gsa"``, generalised simulated annealing (Tsallis & Stariolo, *Physica A* 233, 1996;
  Xiang et al., *J. Phys. Chem. A* 101, 1997), the annealing half of scipy's
  ``dual_annealing``::

      T_k = T_0 (2^(q_v - 1) - 1) / ((k + 2)^(q_v - 1) - 1)                      (TS eq. 12)

  It interpolates between the two classical schedules: ``q_v -> 1`` gives the logarithmic
  schedule above, ``q_v = 2`` fast annealing ``T_0 / (k + 1)`` (Szu & Hartley 1987).
  Defaults are scipy's: ``T_0 = 5230``, ``q_v = 2.62``, ``q_a = -5``, restart at
  ``T_k < 2e-5 T_0`` from a new random point.

``K`` is the last level that fits in ``horizon`` evaluations (so the last chain of a planned
run is at ``t_end``); without a ``horizon``, the number of levels the default geometric
schedule (``alpha = 0.95``) needs to reach ``t_end``.

Acceptance (M) or, for ``"gsa"``, the generalised Metropolis rule (G) of Tsallis & Stariolo::

    p = min(1, [1 - (1 - q_a) delta / T]^(1 / (1 - q_a)))   (0 where the bracket is <= 0)  (G)

``q_a -> 1`` recovers (M); ``q_a < 1`` (scipy: -5) cuts off uphill moves larger than
``T / (1 - q_a)`` entirely. As in scipy, ``"gsa"`` accepts at the temperature
``T_k / (k + 1)``, while its visiting distribution uses ``T_k``. ``qa`` can be set for any
schedule (default 1 = Metropolis except for ``"gsa"``).

Neighbourhood moves
-------------------
``encoding="real"`` (a box ``bounds``; points are float64 ``Tensor[1, d]``):

* ``"gaussian"`` (default except for ``"gsa"``): one coordinate per step, in turn
  (``i = j mod d`` at position ``j`` of the chain, as in Corana et al., *ACM TOMS* 13,
  1987): ``x'_i = x_i + sigma_k z``, ``z ~ N(0, 1)``, with ``sigma_k = step_size (ub_i - lb_i)
  sqrt(T_k / T_0)``: the step shrinks with the temperature as in Boltzmann annealing, whose
  generating distribution has variance ``T`` (Ingber, *Math. Comput. Modelling* 12, 1989).
  A coordinate leaving the box is reflected back. (Moving all coordinates at once freezes
  the walk early in higher dimensions: nearly every such move is uphill by more than ``T``.)
* ``"visiting"`` (default for ``"gsa"``): the Tsallis-Stariolo visiting distribution, a
  heavy-tailed jump ``delta = sigma_x(T) x / |y|^((q_v-1)/(3-q_v))`` with ``x, y ~ N(0, 1)``
  (a Mantegna-type sampler) and::

      sigma_x(T) = [ sqrt(pi) (q_v-1)^(4-q_v) T^(1/(q_v-1))
                     / (2^((2-q_v)/(q_v-1)) (3-q_v) Gamma(1/(q_v-1) - 1/2)) ]^((q_v-1)/(3-q_v))

  (TS p. 405, "Visita"; scipy's ``VisitingDistribution.visit_fn``, whose Gamma factor
  ``pi (1-c) / sin(pi (1-c)) / Gamma(2-c)`` equals ``Gamma(c)`` by Euler's reflection
  formula, the form used here). ``q_v = 2`` makes it a Cauchy jump of scale ``T``. As in
  scipy, the first ``d`` steps of each chain move all coordinates, the next ``d`` one
  coordinate each (``0, 1, ..., d-1``); jumps beyond ``1e8`` are redrawn uniformly below
  ``1e8``; coordinates are wrapped periodically into the box.

``encoding="permutation"`` (``bounds`` is the number of items ``n``, or ``[2, n]`` bounds of
0 and ``n-1`` such as ``nasdemo.problems.tsp(...).bounds``; points are ``long``
``Tensor[1, n]`` permutations of ``0..n-1``):

* ``"2opt"`` (default; Croes 1958): reverse the segment between two random positions -- for
  a symmetric TSP this replaces two edges of the tour by two others.
* ``"swap"``: exchange the cities at two random positions (changes four edges).

A **function** as ``move`` (either encoding): ``move(x) -> x'`` maps the current point
(``Tensor[d]``) to a neighbour inside the box; it brings its own randomness. This is how
annealing walks a space of its own, e.g. NAS cells as op tokens with ``Cell.mutate`` as the
move (``nasdemo.nas.simulated_annealing``). It needs an ``x0``, and ``reheat="random"``
(which draws a fresh uniform point from the box) is refused.

Initial temperature
-------------------
``t0="auto"`` (the default, except 5230 for ``"gsa"`` on a box) starts with ``n_calibrate`` moves at
infinite temperature (every move accepted: a random walk) and then sets
``T_0 = mean(uphill delta) / ln(1 / accept0)`` so that an average uphill move is first
accepted with probability ``accept0 = 0.8`` (Kirkpatrick et al.'s rule of thumb for a
"melted" start). ``t_end`` defaults to ``1e-3 T_0``.

Reheating and restarts (R)
--------------------------
``reheat="best"`` goes back to the best point found and restarts the schedule at ``T_0``
(classical reheating); ``reheat="random"`` restarts from a new random point (scipy's
re-annealing; one extra evaluation). A restart happens at the start of a chain whose
``T_k`` is below ``restart_ratio * T_0`` (scipy's rule; default 2e-5 for ``"gsa"``), or,
without a ``restart_ratio``, once level ``K`` has run (the planned schedule is over); and
whenever the best value has not improved for ``patience`` evaluations (off by default).
Default: no reheating, except ``"random"`` for ``"gsa"`` (``reheat=None`` turns it off).

Differences from scipy's ``dual_annealing(..., no_local_search=True)``
-----------------------------------------------------------------------
Same schedule, visiting distribution, chain structure, acceptance rule, defaults and
restart rule. Not reproduced: scipy's local search (off under ``no_local_search``), its
``maxiter`` count of temperature levels (our budget is set by ``minimize``), its wrap-around
``x += 1e-10`` nudge off the lower bound, and its random stream (ours is torch's).

For notebooks
-------------
``x``/``fx`` (current point and value), ``best_x``/``best_y``, ``temperature`` (``T_k``; inf
while calibrating), ``t0``, ``level`` (``k``), ``n_restarts``, and ``log``: a dict of lists
with one entry per evaluation: ``evals``, ``level`` and ``temperature`` (``k`` and ``T_k``
in effect when the point was judged), ``accepted``, ``acceptance_rate`` (over the last
``rate_window`` steps), ``candidate`` (f of the point tried), ``current`` and ``best``;
``restarts`` lists the evaluation counts at which (R) fired. ``record=False`` switches the
log off for long runs. One SA step costs a few torch calls on tiny tensors, so SA runs
fastest on the CPU; ``device`` is honoured for consistency with the other optimisers.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any, Callable, Sequence

import torch
from torch import Tensor

from ..utils import check_int, check_positive, is_int
from .base import Optimizer, check_in_box

__all__ = ["SimulatedAnnealing", "acceptance_probability", "schedule_temperature",
           "visiting_scale", "SCHEDULES"]

SCHEDULES = ("geometric", "linear", "logarithmic", "gsa")
_MOVES = {"real": ("gaussian", "visiting"), "permutation": ("2opt", "swap")}
_DEFAULT_ALPHA = 0.95
_TAIL_LIMIT = 1e8  # scipy's VisitingDistribution.TAIL_LIMIT
_LOG_KEYS = ("evals", "level", "temperature", "accepted", "acceptance_rate", "candidate",
             "current", "best")


# -- the formulas, as plain functions (the notebook and the tests use them) -----------------


def acceptance_probability(delta: Tensor | float, temperature: Tensor | float,
                           qa: float = 1.0) -> Tensor:
    """Probability of accepting a move that changes f by ``delta`` at ``temperature``.

    ``qa = 1``: Metropolis, ``min(1, exp(-delta / T))`` (M). Otherwise the generalised rule
    (G) ``min(1, [1 - (1 - qa) delta / T]^(1 / (1 - qa)))``, 0 where the bracket is <= 0.
    Downhill and level moves (``delta <= 0``) are always accepted; at ``T = 0`` nothing
    uphill is. Broadcasts over tensors; returns float64.
    """
    d = torch.as_tensor(delta, dtype=torch.float64)
    T = torch.as_tensor(temperature, dtype=torch.float64, device=d.device)
    if (T < 0).any() or torch.isnan(T).any():
        raise ValueError("temperature must be >= 0")
    if not math.isfinite(qa):
        raise ValueError(f"qa must be finite, got {qa}")
    up = d.clamp(min=0) / T  # >= 0; inf at T = 0, nan for 0/0 (a level move at T = 0)
    if qa == 1.0:
        p = torch.exp(-up)
    else:
        base = 1 - (1 - qa) * up
        p = torch.where(base > 0, base.clamp(min=1e-300) ** (1 / (1 - qa)),
                        torch.zeros_like(base))
    return torch.where(d <= 0, torch.ones_like(p), p.clamp(max=1.0))


def schedule_temperature(schedule: str, k: int | Tensor, t0: float, *,
                         alpha: float = _DEFAULT_ALPHA, n_levels: float | None = None,
                         t_end: float | None = None, qv: float = 2.62) -> float | Tensor:
    """Temperature ``T_k`` at level ``k`` (0, 1, ...) of ``schedule`` (see the module doc).

    ``alpha``: geometric factor. ``n_levels`` (``K``) and ``t_end``: the linear schedule
    falls from ``t0`` to ``t_end`` in ``K`` levels. ``qv``: the ``"gsa"`` visiting
    parameter. ``k`` may be an int or a tensor of levels.
    """
    if schedule == "geometric":
        return t0 * alpha ** k
    if schedule == "linear":
        if n_levels is None or t_end is None:
            raise ValueError("the linear schedule needs n_levels and t_end")
        frac = torch.clamp(k / n_levels, max=1.0) if isinstance(k, Tensor) \
            else min(k / n_levels, 1.0)
        return t0 - (t0 - t_end) * frac
    if schedule == "logarithmic":
        return t0 * math.log(2) / (torch.log(k + 2.0) if isinstance(k, Tensor)
                                   else math.log(k + 2))
    if schedule == "gsa":  # Tsallis & Stariolo (1996), eq. 12; scipy's dual_annealing
        t1 = 2.0 ** (qv - 1) - 1
        return t0 * t1 / ((k + 2.0) ** (qv - 1) - 1)
    raise ValueError(f"unknown schedule {schedule!r}; choose one of {', '.join(SCHEDULES)}")


def visiting_scale(qv: float, temperature: float) -> float:
    """``sigma_x(T)`` of the Tsallis-Stariolo visiting distribution (module doc, "Visita"):
    the scale of the normal numerator of ``delta = sigma_x x / |y|^((qv-1)/(3-qv))``."""
    if not 1 < qv < 3:
        raise ValueError(f"qv must be in (1, 3), got {qv}")
    c = 1 / (qv - 1) - 0.5  # > 0 on (1, 3)
    log_num = 0.5 * math.log(math.pi) + (4 - qv) * math.log(qv - 1) \
        + math.log(temperature) / (qv - 1)
    log_den = (2 - qv) / (qv - 1) * math.log(2) + math.log(3 - qv) + math.lgamma(c)
    return math.exp((qv - 1) / (3 - qv) * (log_num - log_den))


# -- the optimiser ----------------------------------------------------------------------------


class SimulatedAnnealing(Optimizer):
    """Simulated annealing speaking ask/tell (one point per ``ask``).

    ``SimulatedAnnealing(bounds, seed=0, schedule="geometric", encoding="real", **options)``.
    ``bounds``: a box ``[2, d]`` for ``encoding="real"``; for ``"permutation"`` the number of
    items ``n`` or ``[2, n]`` bounds of 0 and ``n-1`` (e.g. a TSP's ``.bounds``).

    Options (module docstring for the details): ``x0`` (start; default a uniform random point
    or permutation), ``t0`` (float or ``"auto"``; default ``"auto"``, 5230 for ``"gsa"`` with
    ``encoding="real"``),
    ``t_end`` (``1e-3 t0``), ``alpha`` (geometric factor), ``horizon`` (evaluations the run is
    planned for: sets ``alpha`` and the linear schedule's length), ``chain_length``
    (``2 * dim``), ``move`` (``"gaussian"``/``"visiting"`` or ``"2opt"``/``"swap"``, or a
    function ``x -> neighbour``),
    ``step_size`` (0.5 of the box at ``T_0``, for ``"gaussian"``), ``qv`` (2.62), ``qa``
    (1, or -5 for ``"gsa"``), ``accept0`` (0.8) and ``n_calibrate`` (50) for ``t0="auto"``,
    ``reheat`` (None/``"best"``/``"random"``; ``"random"`` for ``"gsa"``), ``restart_ratio``,
    ``patience``, ``rate_window`` (100), ``record`` (True), ``device``.

    ``tell`` must get back the point of the last ``ask`` with its value.
    """

    def __init__(self, bounds: Tensor | Sequence[Sequence[float]] | int, seed: int = 0,
                 schedule: str = "geometric", encoding: str = "real", *,
                 x0: Tensor | Sequence[float] | None = None,
                 t0: float | str | None = None, t_end: float | None = None,
                 alpha: float | None = None, horizon: int | None = None,
                 chain_length: int | None = None,
                 move: str | Callable[[Tensor], Tensor] | None = None,
                 step_size: float = 0.5, qv: float = 2.62, qa: float | None = None,
                 accept0: float = 0.8, n_calibrate: int = 50, reheat: str | None = "default",
                 restart_ratio: float | None = None, patience: int | None = None,
                 rate_window: int = 100, record: bool = True, device: Any = None) -> None:
        if encoding not in _MOVES:
            raise ValueError(f"encoding must be 'real' or 'permutation', got {encoding!r}")
        if schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {schedule!r}; choose one of "
                             f"{', '.join(SCHEDULES)}")
        if encoding == "permutation":
            bounds = _permutation_bounds(bounds)
        elif is_int(bounds):
            raise ValueError("an integer bounds (number of items) needs "
                             "encoding='permutation'; for a box pass a [2, d] tensor")
        super().__init__(bounds, seed, device)
        n = self.dim
        self.schedule, self.encoding = schedule, encoding
        gsa = schedule == "gsa"

        # --- moves
        self.move = move if move is not None else \
            ("visiting" if gsa else "gaussian") if encoding == "real" else "2opt"
        if callable(self.move):
            if x0 is None:
                raise ValueError("a move function needs an x0 (the start) in its space")
            if reheat == "random":
                raise ValueError("reheat='random' draws a uniform point from the box, which a "
                                 "move function's space need not contain; use 'best' or None")
        elif self.move not in _MOVES[encoding]:
            raise ValueError(f"move {self.move!r} does not fit encoding={encoding!r}; "
                             f"choose one of {_MOVES[encoding]}")
        if self.move == "2opt" and n < 3:
            raise ValueError("the 2opt move needs at least 3 items")
        self.step_size = check_positive(step_size, "step_size")
        if not 1 < qv < 3:
            raise ValueError(f"qv must be in (1, 3) (scipy's visit; default 2.62), got {qv}")
        self.qv = float(qv)
        self.qa = float(qa) if qa is not None else (-5.0 if gsa else 1.0)
        if not math.isfinite(self.qa):
            raise ValueError(f"qa must be finite, got {qa}")

        # --- temperatures
        if t0 is None:  # scipy's initial_temp is in units of f on a box; tours: calibrate
            t0 = 5230.0 if gsa and encoding == "real" else "auto"
        if isinstance(t0, str):
            if t0 != "auto":
                raise ValueError(f"t0 must be a positive number or 'auto', got {t0!r}")
            self.t0: float | None = None
        else:
            self.t0 = check_positive(t0, "t0")
        self.t_end_option = None if t_end is None else check_positive(t_end, "t_end")
        if self.t0 is not None and self.t_end_option is not None and \
                self.t_end_option >= self.t0:
            raise ValueError(f"t_end ({t_end}) must be below t0 ({self.t0})")
        if alpha is not None and not 0 < alpha < 1:
            raise ValueError(f"alpha must be in (0, 1), got {alpha}")
        self.alpha_option = alpha
        if horizon is not None:
            check_int(horizon, "horizon")
        self.horizon = horizon
        self.chain_length = 2 * n if chain_length is None else \
            check_int(chain_length, "chain_length")
        if not 0 < accept0 < 1:
            raise ValueError(f"accept0 must be in (0, 1), got {accept0}")
        self.accept0 = float(accept0)
        self.n_calibrate = check_int(n_calibrate, "n_calibrate")

        # --- reheating
        if reheat == "default":
            reheat = "random" if gsa else None
        if reheat not in (None, "best", "random"):
            raise ValueError(f"reheat must be None, 'best' or 'random', got {reheat!r}")
        self.reheat = reheat
        if restart_ratio is not None and not 0 < restart_ratio < 1:
            raise ValueError(f"restart_ratio must be in (0, 1), got {restart_ratio}")
        self.restart_ratio_option = restart_ratio
        self.patience = None if patience is None else check_int(patience, "patience")
        self.rate_window = check_int(rate_window, "rate_window")
        self.record = bool(record)

        # --- the start
        if x0 is not None:
            x0 = self._check_x0(x0)
        self.x0 = x0

        # --- state
        self.x: Tensor | None = None  # current point, Tensor[d] (long for permutations)
        self.fx = math.inf
        self.level = 0  # k: temperature level within the current cycle
        self._in_chain = 0  # position j in the current chain
        self.n_restarts = 0
        self.temperature = math.inf if self.t0 is None else self.t0
        self.alpha = self.alpha_option if self.alpha_option is not None else _DEFAULT_ALPHA
        self.t_end = math.nan
        self.n_levels = math.nan  # K of the linear schedule
        self.restart_ratio: float | None = None
        self._phase = "start"  # start -> (calibrate) -> anneal; "restart" for reheat="random"
        self._uphill: list[float] = []
        self._since_improvement = 0
        self._pending: Tensor | None = None
        self._rng = _RandomStream(self.generator, self.device)
        self._recent: deque[bool] = deque(maxlen=self.rate_window)
        self.log: dict[str, list] = {k: [] for k in _LOG_KEYS}
        self.restarts: list[int] = []
        self._prev_best = math.inf
        self._range = self.bounds[1] - self.bounds[0]
        self._lb_list, self._range_list = self.bounds[0].tolist(), self._range.tolist()
        if self.move == "visiting":
            self._visit_log_c = math.log(visiting_scale(self.qv, 1.0))  # sigma_x(1)
        if self.t0 is not None:
            self._set_schedule_constants(n_used=1)

    # -- set-up helpers ---------------------------------------------------------------------
    def _check_x0(self, x0: Any) -> Tensor:
        n = self.dim
        if self.encoding == "permutation":
            x = torch.as_tensor(x0, device=self.device)
            if x.ndim != 1 or x.shape[0] != n or x.is_floating_point() and \
                    not torch.equal(x, x.round()):
                raise ValueError(f"x0 must be a permutation of 0..{n - 1} (shape [{n}])")
            x = x.long()
            if not torch.equal(torch.sort(x).values, torch.arange(n, device=self.device)):
                raise ValueError(f"x0 must be a permutation of 0..{n - 1} (each once), got "
                                 f"{x.tolist()}")
            return x
        x = torch.as_tensor(x0, dtype=torch.float64, device=self.device)
        if x.ndim != 1 or x.shape[0] != n:
            raise ValueError(f"x0 must have shape [{n}], got {list(x.shape)}")
        return check_in_box(x[None], self.bounds, "x0")[0]

    def _set_schedule_constants(self, n_used: int) -> None:
        """Once T_0 is known: t_end, alpha, K and the restart threshold."""
        t0 = self.t0
        assert t0 is not None
        self.t_end = self.t_end_option if self.t_end_option is not None else 1e-3 * t0
        if self.t_end >= t0:
            raise ValueError(f"t_end ({self.t_end:g}) must be below t0 ({t0:g}); with "
                             "t0='auto' pass a smaller t_end or a fixed t0")
        if self.horizon is not None:  # the chains that fit; the last one runs at t_end
            levels = max(1.0, (self.horizon - n_used) / self.chain_length - 1)
        else:  # as many levels as the default geometric schedule needs to reach t_end
            levels = math.ceil(math.log(self.t_end / t0) / math.log(_DEFAULT_ALPHA))
        self.n_levels = levels
        if self.alpha_option is None and self.horizon is not None:
            self.alpha = (self.t_end / t0) ** (1 / levels)
        self.restart_ratio = self.restart_ratio_option
        if self.restart_ratio is None and self.schedule == "gsa":
            self.restart_ratio = 2e-5  # scipy's restart_temp_ratio

    def temperature_at(self, k: int | Tensor) -> float | Tensor:
        """The schedule's ``T_k`` with this run's constants (after ``T_0`` is known)."""
        if self.t0 is None:
            raise ValueError("T_0 is not known yet (t0='auto' calibrates during the first "
                             f"{self.n_calibrate + 1} evaluations)")
        return schedule_temperature(self.schedule, k, self.t0, alpha=self.alpha,
                                    n_levels=self.n_levels, t_end=self.t_end, qv=self.qv)

    @property
    def acceptance_temperature(self) -> float:
        """The temperature of the acceptance rule: ``T_k``, or ``T_k / (k + 1)`` for gsa."""
        return self.temperature / (self.level + 1) if self.schedule == "gsa" \
            else self.temperature

    # -- ask: a neighbour of the current point ---------------------------------------------
    def _ask(self) -> Tensor:
        if self._phase in ("start", "restart"):
            x = self.x0 if (self._phase == "start" and self.x0 is not None) \
                else self._random_point()
        elif callable(self.move):
            x = check_in_box(torch.as_tensor(self.move(self.x.clone()), dtype=self.x.dtype,
                                             device=self.device).reshape(1, -1),
                             self.bounds, "the point move(x) returned")[0]
        elif self.move == "gaussian":
            x = self._gaussian(self.x)
        elif self.move == "visiting":
            x = self._visiting(self.x)
        else:
            x = self._permutation_move(self.x)
        self._pending = x[None]
        return self._pending

    def _random_point(self) -> Tensor:
        if self.encoding == "permutation":
            return torch.randperm(self.dim, generator=self.generator, device=self.device)
        U = torch.rand(self.dim, generator=self.generator, dtype=torch.float64,
                       device=self.device)
        return self.from_unit(U)

    def _gaussian(self, x: Tensor) -> Tensor:
        # one coordinate per step, in turn (i = j mod d); Boltzmann-annealing step whose
        # standard deviation is proportional to sqrt(T_k / T_0)
        shrink = 1.0 if self.t0 is None else math.sqrt(min(self.temperature / self.t0, 1.0))
        i = self._in_chain % self.dim
        lo, r = self._lb_list[i], self._range_list[i]
        u = x[i].item() + self.step_size * shrink * r * self._rng.normal() - lo
        u = math.fmod(u, 2 * r)  # reflect into the box: fold into [0, 2r), mirror the top
        u = u + 2 * r if u < 0 else u
        y = x.clone()
        y[i] = lo + (2 * r - u if u > r else u)
        return y

    def _visiting(self, x: Tensor) -> Tensor:
        # Tsallis-Stariolo visiting distribution, as applied along scipy's strategy chain
        d, T, qv = self.dim, self.temperature, self.qv
        if math.isinf(T):  # calibrating at T = inf: infinitely wide jumps, wrapped = uniform
            return self._random_point()
        j = self._in_chain % (2 * d)
        m = d if j < d else 1  # all coordinates first, then one at a time
        # sigma_x(T) = sigma_x(1) * T^(1/(3-qv)) (from the closed form in the module doc)
        sigma_x = math.exp(self._visit_log_c + math.log(T) / (3 - qv))
        p = (qv - 1) / (3 - qv)
        if m == d:
            xy = self._rng.normals(2 * d).view(d, 2)
            step = sigma_x * xy[:, 0] / xy[:, 1].abs() ** p
            if not bool((step.abs() <= _TAIL_LIMIT).all()):  # redraw huge jumps below 1e8
                up, low = self._rng.uniform(), self._rng.uniform()
                step = torch.where(step > _TAIL_LIMIT, _TAIL_LIMIT * up, step)
                step = torch.where(step < -_TAIL_LIMIT, -_TAIL_LIMIT * low, step)
            lb = self.bounds[0]
            return lb + torch.remainder(x + step - lb, self._range)  # periodic wrap
        a, b = self._rng.normal(), self._rng.normal()
        s = sigma_x * a / abs(b) ** p if b != 0 else math.copysign(math.inf, a)
        if not abs(s) <= _TAIL_LIMIT:
            s = math.copysign(_TAIL_LIMIT * self._rng.uniform(), s)
        i = j - d  # one coordinate: wrap only that one (the others stay bit-identical)
        lo, r = self._lb_list[i], self._range_list[i]
        y = x.clone()
        y[i] = lo + math.fmod(math.fmod(x[i].item() + s - lo, r) + r, r)
        return y

    def _permutation_move(self, x: Tensor) -> Tensor:
        n = self.dim
        m = min(int(self._rng.uniform() * (n * (n - 1))), n * (n - 1) - 1)
        a, b = divmod(m, n - 1)  # two distinct positions, uniformly
        b += b >= a
        i, j = min(a, b), max(a, b)
        y = x.clone()
        if self.move == "2opt":  # reverse the segment i..j (two edges replaced)
            y[i:j + 1] = x[i:j + 1].flip(0)
        else:  # swap two cities
            y[i], y[j] = x[j], x[i]
        return y

    # -- tell: Metropolis / generalised acceptance, cooling, reheating ----------------------
    def _check_points(self, X: Tensor) -> Tensor:
        """``tell`` must get back the point of the last ``ask()`` (``minimize`` hands back the
        very tensor, which costs nothing to check)."""
        return self._expect_asked(X, self._pending)

    def _update_best(self, X: Tensor, values: list[float]) -> None:
        self._prev_best = self.best_y  # _tell needs to know whether this point improved it
        super()._update_best(X, values)

    def _tell(self, X: Tensor, y: Tensor) -> None:
        cand = X[0]
        self._pending = None
        f = y.item()
        improved_best = f < self._prev_best
        level, temperature = self.level, self.temperature  # in effect for this decision

        if self._phase in ("start", "restart"):
            accepted = True
            if self._phase == "start" and self.t0 is None:
                self._phase = "calibrate"
            else:
                self._phase = "anneal"
        elif self._phase == "calibrate":
            accepted = True  # infinite temperature: a random walk
            if f > self.fx:
                self._uphill.append(f - self.fx)
            if self.n_told - 1 >= self.n_calibrate:
                # T_0 such that an average uphill move is accepted with probability accept0
                mean_up = sum(self._uphill) / len(self._uphill) if self._uphill else 1.0
                self.t0 = mean_up / math.log(1 / self.accept0)
                self._set_schedule_constants(n_used=self.n_told)
                self.temperature = self.t0
                self._phase = "anneal"
        else:
            delta = f - self.fx
            if delta <= 0:
                accepted = True
            else:
                p = _acceptance_scalar(delta, self.acceptance_temperature, self.qa)
                accepted = self._rng.uniform() <= p
            self._in_chain += 1
            if self._in_chain == self.chain_length:  # end of the Markov chain: cool (S)
                self._in_chain = 0
                self.level += 1
                self.temperature = float(self.temperature_at(self.level))
        if accepted:
            self.x, self.fx = cand.clone(), f
        self._since_improvement = 0 if improved_best else self._since_improvement + 1
        if self.record:
            self._record(f, accepted, level, temperature)
        if self._phase == "anneal" and self.reheat is not None:
            self._maybe_restart()

    def _maybe_restart(self) -> None:
        if self._in_chain != 0:
            cold = False
        elif self.restart_ratio is not None:  # scipy's rule: T_k below a fraction of T_0
            cold = self.temperature < self.restart_ratio * self.t0
        else:  # the planned schedule is over (level K, at t_end, has run)
            cold = self.level > self.n_levels
        stuck = self.patience is not None and self._since_improvement >= self.patience
        if not (cold or stuck):
            return
        self.n_restarts += 1
        self.restarts.append(self.n_told)
        self.level, self._in_chain, self._since_improvement = 0, 0, 0
        self.temperature = self.t0
        if self.reheat == "best":  # reheating: back to the best point, no evaluation needed
            self.x, self.fx = self.best_x.clone(), self.best_y
        else:  # a fresh random point, evaluated by the next ask/tell
            self._phase = "restart"

    def _record(self, f: float, accepted: bool, level: int, temperature: float) -> None:
        self._recent.append(accepted)
        L = self.log
        L["evals"].append(self.n_told)
        L["level"].append(level)
        L["temperature"].append(temperature)
        L["accepted"].append(accepted)
        L["acceptance_rate"].append(sum(self._recent) / len(self._recent))
        L["candidate"].append(f)
        L["current"].append(self.fx)
        L["best"].append(self.best_y)

    def __repr__(self) -> str:
        return (f"SimulatedAnnealing(dim={self.dim}, schedule={self.schedule!r}, "
                f"encoding={self.encoding!r}, move={self.move!r}, seed={self.seed}, "
                f"T={self.temperature:.3g}, told={self.n_told})")


class _RandomStream:
    """Standard normal and uniform numbers from ``generator``, drawn in blocks.

    SA consumes two or three random numbers per step; one torch call per number would cost
    more than the step itself. The stream is a pure function of the seed, so runs stay
    reproducible (but differ from drawing the numbers one call at a time).
    """

    def __init__(self, generator: torch.Generator, device: torch.device,
                 block: int = 4096) -> None:
        self.g, self.device, self.block = generator, device, block
        self._n = torch.empty(0, dtype=torch.float64, device=device)
        self._n_list: list[float] = []
        self._n_pos = 0
        self._u: list[float] = []
        self._u_pos = 0

    def _refill_normals(self, k: int) -> None:
        rest = self._n[self._n_pos:]
        new = torch.randn(max(self.block, k), generator=self.g, dtype=torch.float64,
                          device=self.device)
        self._n = torch.cat([rest, new])
        self._n_list = self._n.tolist()
        self._n_pos = 0

    def normals(self, k: int) -> Tensor:
        """``k`` standard normals as a tensor (a view into the block: do not modify)."""
        if self._n_pos + k > len(self._n_list):
            self._refill_normals(k)
        out = self._n[self._n_pos:self._n_pos + k]
        self._n_pos += k
        return out

    def normal(self) -> float:
        if self._n_pos >= len(self._n_list):
            self._refill_normals(1)
        self._n_pos += 1
        return self._n_list[self._n_pos - 1]

    def uniform(self) -> float:
        """A uniform number in [0, 1)."""
        if self._u_pos >= len(self._u):
            self._u = torch.rand(self.block, generator=self.g, dtype=torch.float64,
                                 device=self.device).tolist()
            self._u_pos = 0
        self._u_pos += 1
        return self._u[self._u_pos - 1]


def _acceptance_scalar(delta: float, T: float, qa: float) -> float:
    """(M) / (G) for one uphill move (``delta > 0``) in plain floats: the hot path of ``tell``
    (``acceptance_probability`` is the tensor version; the tests check they agree)."""
    if T <= 0:
        return 0.0
    if qa == 1.0:
        return math.exp(-delta / T)
    base = 1 - (1 - qa) * delta / T
    return min(1.0, base ** (1 / (1 - qa))) if base > 0 else 0.0


def _permutation_bounds(bounds: Any) -> Tensor:
    """``n`` or ``[2, n]`` bounds of 0 and n-1 -> the ``[2, n]`` box of city indices."""
    if is_int(bounds):
        n = int(bounds)
    else:
        b = torch.as_tensor(bounds, dtype=torch.float64)
        n = b.shape[1] if b.ndim == 2 and b.shape[0] == 2 else -1
        if n < 2 or not (b[0] == 0).all() or not (b[1] == n - 1).all():
            raise ValueError("with encoding='permutation', bounds must be the number of items "
                             "n or a [2, n] tensor of 0 (row 0) and n-1 (row 1), e.g. "
                             f"tsp.bounds; got shape {list(b.shape)}")
    if n < 2:
        raise ValueError(f"a permutation needs at least 2 items, got {n}")
    return torch.tensor([[0.0] * n, [float(n - 1)] * n], dtype=torch.float64)
