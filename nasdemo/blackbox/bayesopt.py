"""Bayesian optimisation with a Gaussian-process surrogate (minimisation).

The loop (Shahriari et al. 2016, "Taking the human out of the loop", Algorithm 1):

1. evaluate an initial design: the first ``n_init`` points of a scrambled Sobol sequence;
2. fit a GP to everything seen so far (``gp.py``: Matérn-5/2 ARD kernel, unit-cube inputs,
   standardised outputs, hyperparameters by MAP: log marginal likelihood plus log priors);
3. propose the point that maximises an acquisition function (EI, UCB or PI below), found by
   multi-start L-BFGS from the best Sobol candidates and the best points seen so far;
4. evaluate it, add it to the data, go to 2.

Acquisitions, for minimisation, with posterior mean ``mu(x)``, standard deviation
``sigma(x)``, best value so far ``y*`` and ``z = (y* - xi - mu) / sigma``:

- EI  (Mockus 1978; Jones et al. 1998, eq. 15): ``E[max(y* - xi - f(x), 0)]
  = sigma * (z Phi(z) + phi(z))``. It is maximised in log form, ``log EI``, computed without
  underflow as in Ament et al. 2023 ("Unexpected improvements to expected improvement",
  eq. 9): far from the data EI underflows to 0 and its gradient vanishes, log EI does not.
- PI  (Kushner 1964): ``P[f(x) < y* - xi] = Phi(z)``, maximised as ``log Phi(z)``.
- UCB (GP-UCB, Srinivas et al. 2010) written for minimisation: ``-mu(x) + sqrt(beta) sigma(x)``,
  i.e. the negated lower confidence bound ``mu - sqrt(beta) sigma``.

Larger acquisition values are always better. The acquisitions work on the standardised
outputs inside the optimiser; :func:`acquisition_values` reports them in original units
(EI in units of y, PI a probability, UCB in units of y).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import torch
from torch import Tensor

from ..utils import check_int, check_number, check_positive, few_threads
from .base import Optimizer
from .gp import GP, check_kernel
from .lbfgsb import lbfgs_box

__all__ = [
    "ACQUISITIONS", "BayesOpt", "BOStep", "acquisition_values", "check_acquisition",
    "expected_improvement", "log_expected_improvement", "log_h", "probability_of_improvement",
    "log_probability_of_improvement", "upper_confidence_bound",
]

ACQUISITIONS = ("ei", "ucb", "pi")

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
_SQRT_HALF_PI = math.sqrt(0.5 * math.pi)
_INV_SQRT_EPS = 1.0 / math.sqrt(torch.finfo(torch.float64).eps)  # ~6.7e7


def check_acquisition(kind: str) -> str:
    """Return ``kind`` if it names a known acquisition, else raise a ``ValueError``."""
    if kind not in ACQUISITIONS:
        raise ValueError(f"unknown acquisition {kind!r}; choose one of {', '.join(ACQUISITIONS)}")
    return kind


# --- acquisition functions -----------------------------------------------------------------


def _log1mexp(x: Tensor) -> Tensor:
    """``log(1 - exp(x))`` for ``x < 0``, accurate at both ends (Maechler 2012)."""
    return torch.where(x > -math.log(2.0), torch.log(-torch.expm1(x)),
                       torch.log1p(-torch.exp(x)))


def log_h(z: Tensor) -> Tensor:
    """``log(phi(z) + z Phi(z))``, the log of EI for unit standard deviation.

    Three regimes (Ament et al. 2023, eq. 9), each evaluated on its own clamped copy of ``z``
    so no branch makes infs or NaNs in the gradient:

    - ``z > -1``: the direct formula; nothing cancels.
    - ``-1/sqrt(eps) < z <= -1``: writing ``Phi(z) = erfcx(-z/sqrt2) phi(z) sqrt(pi/2)`` gives
      ``h(z) = phi(z) (1 + sqrt(pi/2) z erfcx(-z/sqrt2))``; the bracket is ``1 - exp(w)`` with
      ``w = log(-z erfcx(-z/sqrt2)) + log sqrt(pi/2) < 0``, taken by ``log1mexp``.
    - ``z <= -1/sqrt(eps)``: the asymptote ``h(z) ~ phi(z) / z^2``.
    """
    z1 = z.clamp_min(-1.0)
    direct = torch.log(torch.exp(-0.5 * z1 * z1) / math.sqrt(2 * math.pi)
                       + z1 * torch.special.ndtr(z1))
    z2 = z.clamp(-_INV_SQRT_EPS, -1.0)
    w = torch.log(-z2 * torch.special.erfcx(-z2 / math.sqrt(2.0))) + math.log(_SQRT_HALF_PI)
    middle = -0.5 * z2 * z2 - _LOG_SQRT_2PI + _log1mexp(w)
    z3 = z.clamp_max(-_INV_SQRT_EPS)
    tail = -0.5 * z3 * z3 - _LOG_SQRT_2PI - 2.0 * torch.log(-z3)
    return torch.where(z > -1.0, direct, torch.where(z > -_INV_SQRT_EPS, middle, tail))


def log_expected_improvement(mean: Tensor, std: Tensor, best_y: Tensor | float,
                             xi: float = 0.0) -> Tensor:
    """``log EI = log sigma + log h(z)``, ``z = (best_y - xi - mean) / std`` (minimisation)."""
    z = (best_y - xi - mean) / std
    return torch.log(std) + log_h(z)


def expected_improvement(mean: Tensor, std: Tensor, best_y: Tensor | float,
                         xi: float = 0.0) -> Tensor:
    """``EI = sigma (z Phi(z) + phi(z))`` (Jones et al. 1998, eq. 15), via its log."""
    return log_expected_improvement(mean, std, best_y, xi).exp()


def log_probability_of_improvement(mean: Tensor, std: Tensor, best_y: Tensor | float,
                                   xi: float = 0.0) -> Tensor:
    """``log PI = log Phi(z)``, computed by ``log_ndtr`` (no underflow)."""
    return torch.special.log_ndtr((best_y - xi - mean) / std)


def probability_of_improvement(mean: Tensor, std: Tensor, best_y: Tensor | float,
                               xi: float = 0.0) -> Tensor:
    """``PI = Phi((best_y - xi - mean) / std)``: the chance of beating ``best_y - xi``."""
    return torch.special.ndtr((best_y - xi - mean) / std)


def upper_confidence_bound(mean: Tensor, std: Tensor, beta: float = 2.0) -> Tensor:
    """GP-UCB for minimisation: ``-mean + sqrt(beta) * std`` (larger is better)."""
    return -mean + math.sqrt(beta) * std


def acquisition_values(model: GP, X: Tensor, kind: str = "ei",
                       best_y: float | Tensor | None = None, beta: float = 2.0,
                       xi: float = 0.0, log: bool = False) -> Tensor:
    """The acquisition ``kind`` of ``model`` at the rows of ``X`` (original units), for plots.

    ``best_y`` defaults to the smallest y the model was fitted on; ``xi`` is in units of y.
    With ``log=True``, EI and PI come as logs (UCB has no log form and is returned as is).
    """
    check_acquisition(kind)
    mean, std = model.posterior(X)  # std >= 1e-6 y_std: the GP clamps the variance
    if best_y is None:
        best_y = model.y.min()
    if kind == "ucb":
        return upper_confidence_bound(mean, std, beta)
    if kind == "ei":
        v = log_expected_improvement(mean, std, best_y, xi)
    else:
        v = log_probability_of_improvement(mean, std, best_y, xi)
    return v if log else v.exp()


# --- the optimiser -------------------------------------------------------------------------


@dataclass
class BOStep:
    """One BO iteration: the model fitted to the first ``n_told`` points and its proposal."""

    n_told: int
    model: GP
    next_x: Tensor  # [1, d]
    acq_value: float  # the acquisition's (log for EI/PI) value at next_x, standardised units


class BayesOpt(Optimizer):
    """GP Bayesian optimisation speaking ask/tell; one point per ``ask``.

    ``BayesOpt(bounds, seed=0, acquisition="ei", n_init=None, kernel="matern52")``:

    - ``acquisition``: ``"ei"`` (log-EI), ``"ucb"`` or ``"pi"`` (log-PI).
    - ``n_init``: size of the Sobol initial design; default ``max(5, 2 d)``.
    - ``kernel``: ``"matern52"`` or ``"rbf"``.
    - ``beta`` (UCB, default 2) and ``xi`` (EI/PI, in standardised units): exploration
      knobs. ``xi=None`` means 0 for EI and 0.01 for PI: with ``xi = 0`` PI prefers a
      near-certain improvement of any size and creeps along next to the best point
      (Brochu, Cora & de Freitas 2010, sec. 2.3, recommend a small positive ``xi``).
    - ``noise_var``: ``None`` fits the noise, a number fixes it (standardised units).
    - ``fit_restarts``: hyperparameter restarts per fit (the first warm-starts from the last
      fit); ``n_candidates``: Sobol points scored before the local search; ``n_starts``:
      L-BFGS starts (the best Sobol candidates plus ``n_best_starts`` points near the best
      observations); ``max_iter``: L-BFGS iterations for the acquisition.
    - ``keep_models``: keep every fitted model in ``steps`` (for step-through plots).

    After each ``tell`` (once the initial design is in), ``model`` is the GP fitted to all
    data and ``next_x`` the point the next ``ask`` returns; both are computed on first use.
    ``X`` and ``y`` hold every point told, ``steps`` a :class:`BOStep` per BO iteration.
    The random choices of an iteration (restarts, Sobol candidates) depend only on ``seed``
    and the number of points told, so looking at ``model`` early changes nothing. On the
    CPU, each iteration runs torch on one thread (see ``nasdemo.utils.few_threads``).
    """

    def __init__(self, bounds: Tensor | Sequence[Sequence[float]], seed: int = 0,
                 acquisition: str = "ei", n_init: int | None = None,
                 kernel: str = "matern52", device: Any = None, *, beta: float = 2.0,
                 xi: float | None = None, noise_var: float | None = None, fit_restarts: int = 3,
                 n_candidates: int = 1024, n_starts: int = 8, n_best_starts: int = 2,
                 max_iter: int = 30, keep_models: bool = True) -> None:
        super().__init__(bounds, seed, device)
        self.acquisition = check_acquisition(acquisition)
        self.kernel = check_kernel(kernel)
        n_init = check_int(max(5, 2 * self.dim) if n_init is None else n_init, "n_init")
        beta = check_number(beta, "beta", minimum=0)
        xi = (0.01 if acquisition == "pi" else 0.0) if xi is None else check_number(xi, "xi")
        if noise_var is not None:
            noise_var = check_positive(noise_var, "noise_var")
        fit_restarts = check_int(fit_restarts, "fit_restarts")
        n_candidates = check_int(n_candidates, "n_candidates")
        n_starts = check_int(n_starts, "n_starts")
        n_best_starts = check_int(n_best_starts, "n_best_starts", minimum=0)
        max_iter = check_int(max_iter, "max_iter")
        self.n_init, self.beta, self.xi, self.noise_var = n_init, beta, xi, noise_var
        self.fit_restarts, self.n_candidates, self.max_iter = fit_restarts, n_candidates, max_iter
        self.n_starts, self.n_best_starts = n_starts, n_best_starts
        self.keep_models = keep_models
        # Initial design: the first n_init points of a scrambled Sobol sequence.
        self._sobol = torch.quasirandom.SobolEngine(self.dim, scramble=True, seed=self.seed)
        self._design = self._sobol.draw(n_init, dtype=torch.float64).to(self.device)
        self._n_design_asked = 0
        self.X = torch.empty(0, self.dim, dtype=torch.float64, device=self.device)
        self.y = torch.empty(0, dtype=torch.float64, device=self.device)
        self.steps: list[BOStep] = []
        self._last: BOStep | None = None  # the latest iteration (kept even without keep_models)

    # -- ask/tell ---------------------------------------------------------------------------
    def _ask(self) -> Tensor:
        if self.n_told < self.n_init:  # 1. the initial design
            if self._n_design_asked < self.n_init:
                u = self._design[self._n_design_asked : self._n_design_asked + 1]
            else:  # asked more often than told: keep walking the Sobol sequence
                u = self._sobol.draw(1, dtype=torch.float64).to(self.device)
            self._n_design_asked += 1
            return self.from_unit(u)
        return self._current_step().next_x.clone()  # 2-3. fit, maximise the acquisition

    def _tell(self, X: Tensor, y: Tensor) -> None:  # 4. add the evaluations to the data
        self.X = torch.cat([self.X, X])
        self.y = torch.cat([self.y, y])

    def _current_step(self) -> BOStep:
        """The BO iteration for the data told so far, run now if it has not run yet (a
        ``tell`` of many points, or several tells in a row, then costs one GP fit)."""
        if self._last is None or self._last.n_told != self.n_told:
            self._last = self._step()
            if self.keep_models:
                self.steps.append(self._last)
        return self._last

    # -- one BO iteration -------------------------------------------------------------------
    def _step(self) -> BOStep:
        """Steps 2 and 3 of the loop (module docstring) on all data told so far.

        The acquisition is maximised by multi-start L-BFGS in the unit cube. Starts: the
        ``n_starts - n_best_starts`` best of ``n_candidates`` Sobol points, and the best
        observed points nudged by N(0, 1e-3^2) (the acquisition's gradient at an observed point
        is degenerate). The batched :func:`lbfgs_box` runs them all (starts do not interact:
        each has its own memory and step length) within the unit cube.
        """
        dev, gen = self.device, self._generator(1)
        with few_threads(dev):
            # 2. fit a GP to everything seen so far
            model = self.fit_model()

            # 3. maximise the acquisition: score Sobol candidates ...
            seed = int(torch.randint(2**31 - 1, (1,), generator=gen, device=dev))
            cand = torch.quasirandom.SobolEngine(self.dim, scramble=True, seed=seed).draw(
                self.n_candidates, dtype=torch.float64).to(dev)
            with torch.no_grad():
                cand_val = self._acq_unit(model, cand)
            # ... start L-BFGS from the best of them and next to the best points seen ...
            n_best = min(self.n_best_starts, self.n_told)
            k = min(max(self.n_starts - n_best, 1), self.n_candidates)
            starts = [cand[cand_val.topk(k).indices]]
            if n_best:
                best_u = self.to_unit(self.X[self.y.topk(n_best, largest=False).indices])
                noise = 1e-3 * torch.randn(best_u.shape, generator=gen,
                                           dtype=torch.float64, device=dev)
                starts.append((best_u + noise).clamp(0.0, 1.0))
            U, _ = lbfgs_box(lambda U: -self._acq_unit(model, U), torch.cat(starts), 0.0,
                             1.0, max_iter=self.max_iter)
            # ... and keep the best end point (never worse than the best candidate)
            with torch.no_grad():
                val = self._acq_unit(model, U)
            val = torch.where(torch.isfinite(val), val, -torch.inf)
            i, j = int(torch.argmax(val)), int(torch.argmax(cand_val))
            if val[i] >= cand_val[j]:
                u, value = U[i : i + 1], float(val[i])
            else:
                u, value = cand[j : j + 1], float(cand_val[j])
        return BOStep(self.n_told, model, self.from_unit(u), value)

    def _generator(self, salt: int) -> torch.Generator:
        """A generator for this iteration: seeded by (seed, points told, purpose)."""
        g = torch.Generator(device=self.device)
        return g.manual_seed(((self.seed * 1_000_003 + self.n_told) * 4 + salt) % 2**62)

    def fit_model(self) -> GP:
        """Fit a GP to the data told so far (warm-started from the last fit) and return it.

        Usable at any time with at least one point, e.g. during the initial design.
        """
        if self.n_told == 0:
            raise ValueError("fit_model: no data yet; tell some points first")
        prev = self._last.model if self._last is not None else None
        gp = GP(self.X, self.y, kernel=self.kernel, bounds=self.bounds,
                lengthscale=prev.lengthscale if prev is not None else 1.0,
                signal_var=prev.signal_var if prev is not None else 1.0,
                noise_var=self.noise_var or (prev.noise_var if prev is not None else 1e-4))
        return gp.fit(restarts=self.fit_restarts, fit_noise=self.noise_var is None,
                      generator=self._generator(0))

    def _acq_unit(self, model: GP, U: Tensor) -> Tensor:
        """The acquisition at unit-cube points, standardised units (log form for EI/PI)."""
        mean, var = model.posterior_unit(U)
        std = var.sqrt()
        best = (model.y.min() - model.y_mean) / model.y_std
        if self.acquisition == "ei":
            return log_expected_improvement(mean, std, best, self.xi)
        if self.acquisition == "pi":
            return log_probability_of_improvement(mean, std, best, self.xi)
        return upper_confidence_bound(mean, std, self.beta)

    # -- for notebooks ------------------------------------------------------------------------
    @property
    def model(self) -> GP | None:
        """The GP fitted to all points told (None during the initial design)."""
        return None if self.n_told < self.n_init else self._current_step().model

    @property
    def next_x(self) -> Tensor:
        """The point the next ``ask`` returns, ``Tensor[1, d]``."""
        if self.n_told < self.n_init:
            i = min(self._n_design_asked, self.n_init - 1)
            return self.from_unit(self._design[i : i + 1])
        return self._current_step().next_x

    def acquisition_values(self, X: Tensor, model: GP | None = None,
                           log: bool = False) -> Tensor:
        """This optimiser's acquisition at ``X`` (original units) under ``model`` (default:
        the current one), with its ``beta``/``xi`` and the best y told so far."""
        model = model if model is not None else self.model
        if model is None:
            raise ValueError("no model yet: the initial design is still running")
        return acquisition_values(model, X, self.acquisition, best_y=float(model.y.min()),
                                  beta=self.beta, xi=self.xi * float(model.y_std), log=log)
