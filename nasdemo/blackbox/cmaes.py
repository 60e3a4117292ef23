"""CMA-ES: the (mu/mu_w, lambda)-CMA-ES with active covariance update, in torch.

This module follows N. Hansen, *The CMA Evolution Strategy: A Tutorial*, arXiv:1604.00772
(v2, 2016/2023), and reads top to bottom like its Appendix A, "Algorithm Summary".
Equation numbers in comments, "(eq. 43)" and so on, refer to that tutorial; "Table 1" is
its table of default strategy parameters (eqs. 48-56).

One generation (``ask`` then ``tell``)::

    sample    z_k ~ N(0, I),  y_k = B D z_k ~ N(0, C),  x_k = m + sigma y_k      (eqs. 38-40)
    select    sort by f; <y>_w = sum_{i<=mu} w_i y_{i:lambda}                     (eq. 41)
    move      m <- m + c_m sigma <y>_w                                            (eq. 42)
    CSA       p_sigma <- (1-c_s) p_sigma + sqrt(c_s(2-c_s) mu_eff) C^-1/2 <y>_w   (eq. 43)
              sigma <- sigma exp(c_s/d_s (|p_sigma| / E|N(0,I)| - 1))             (eq. 44)
    paths     p_c <- (1-c_c) p_c + h_sigma sqrt(c_c(2-c_c) mu_eff) <y>_w          (eq. 45)
    active    w°_i = w_i, or w_i n / |C^-1/2 y_i|^2 where w_i < 0                 (eq. 46)
    C         C <- (1 + c_1 delta(h_s) - c_1 - c_mu sum w) C
                   + c_1 p_c p_c^T + c_mu sum_i w°_i y_i y_i^T                    (eq. 47)

Strategy parameters: tutorial or pycma?
---------------------------------------
All defaults are the tutorial's Table 1. Cross-checked against pycma 4.5 (``cma.CMAOptions`` /
``es.sp``, see ``tests/test_cmaes.py``):

* lambda, mu, the log weights (eq. 49), mu_eff, c_1, c_c: identical in both, except that
  pycma multiplies c_1 by ``min(1, lambda/6)`` (smaller rank-one rate for populations below 6,
  which the default lambda never is for n >= 2).
* c_mu: the tutorial's Table 1 uses ``alpha_cov (1/4 + mu_eff + 1/mu_eff - 2)``; pycma uses the
  same 1/4 offset (``rankmu_offset``), so the values agree. (The 2011 version of the tutorial,
  and several other libraries, have no 1/4; we follow the current tutorial and pycma.)
* active negative weights (eqs. 50-53): both scale the negative raw weights so that their sum
  is ``-min(1 + c_1/c_mu, 1 + 2 mu_eff^-/(mu_eff + 2), (1 - c_1 - c_mu)/(n c_mu))``; pycma
  applies the three limits one after the other, which gives the same minimum. Both rescale
  the vectors with negative weight by ``n / |C^-1/2 y|^2`` (eq. 46). ``active=False`` sets the
  negative weights to zero (pycma's ``CMA_active=False``).
* c_sigma **differs**: the tutorial (eq. 55) takes ``(mu_eff + 2) / (n + mu_eff + 5)``, pycma
  ``(mu_eff + 2) / (n + mu_eff + 3)`` (capped at 1/2), a slightly shorter memory. We keep the
  tutorial's value because this module is the tutorial's algorithm, for teaching; the
  difference costs little (see ``benchmarks/cmaes_vs_pycma.py``). Pass ``cs=`` to change it.
* d_sigma: ``1 + 2 max(0, sqrt((mu_eff-1)/(n+1)) - 1) + c_sigma`` (eq. 55). pycma's formula
  reduces to the same ``1 + c_sigma`` at the default population size, hence different values
  only because c_sigma differs; its extra terms (mirrored sampling, large populations) make
  its d_sigma larger for larger populations.
* h_sigma: the tutorial's test ``|p_sigma| / sqrt(1 - (1-c_s)^(2(g+1))) < (1.4 + 2/(n+1))
  E|N(0,I)|``; pycma uses the squared-norm variant ``|p_sigma|^2 / (...) / n < 2 + 4/(n+1)``.
* pycma clips ``|log(sigma change)|`` at 1 per generation; the tutorial (and we) do not.

Any constant can be overridden by name: ``cs``, ``damps``, ``cc``, ``c1``, ``cmu``.

Eigendecomposition is lazy (Appendix B.2): B and D are recomputed every
``max(1, floor(1 / (10 n (c_1 + c_mu))))`` generations (pycma's ``lazy_update_gap``), which is
every generation for n <= ~100 with the default population. C itself is updated every
generation and re-symmetrised after each update.

Bounds: pycma-style boundary transformation
-------------------------------------------
The Gaussian lives in an unbounded *genotype* space; every sampled genotype is mapped into the
box by pycma's ``BoundTransform`` (``cma.transformations.BoxConstraintsLinQuadTransformation``):
per coordinate, the identity on ``[lb + al, ub - au]``, quadratic in margins of width
``al = min((ub-lb)/2, 0.05 max(|lb|, 1))`` (``au`` likewise with ``ub``), and periodic
(reflecting) beyond. Asked points are therefore always inside the box, no evaluation is
wasted, and the algorithm's update is untouched (it uses the genotypes). The attribute ``m``
is the genotype mean; ``mean`` is its image in the box (identical away from the borders).

Defaults for the start
----------------------
``x0``: the centre of the box. ``sigma0``: ``0.3 * (ub - lb)`` per coordinate, so that the
initial population covers most of the box (the usual advice is 1/4 to 1/3 of the range).
A per-coordinate ``sigma0`` (``Tensor[d]``) becomes ``sigma = max_i sigma0_i`` and
``C = diag((sigma0_i / sigma)^2)``; a scalar gives ``C = I``.

Termination (``stop()``: Appendix B.3, with pycma's option names)
-----------------------------------------------------------------
Thresholds are pycma's defaults except ``tolx`` and the ``tolstagnation`` window, which
follow the tutorial (pycma: absolute 1e-11, and ``100 + 100 n^1.5 / lambda``):
``tolfun`` (1e-11), ``tolfunhist`` (1e-12), ``tolx`` (1e-12 * max sigma0), ``tolstagnation``
(window of ``120 + 30 n / lambda`` generations), ``tolconditioncov`` (1e14), ``noeffectaxis``,
``noeffectcoord``, ``tolfacupx`` (1e3), ``tolupsigma`` (1e20), ``tolflatfitness`` (1),
``maxiter`` (``100 + 150 (n+3)^2 / sqrt(lambda)``), ``maxfevals`` (inf), ``ftarget`` (-inf).
A value of ``None``/``0`` where documented switches a criterion off.

For notebooks
-------------
``m``, ``sigma``, ``C``, ``B``, ``D``, ``eigenvalues`` (of C, ascending), ``p_sigma``, ``p_c``,
``generation``, ``popsize``, ``mu``, ``weights``, ``mu_eff``, ``params`` (all constants), and
``log``: one dict per generation (entry 0 is the start) with ``generation``, ``evals``,
``sigma``, ``eigenvalues``, ``best_f`` (this generation), ``best_so_far``, ``mean`` (genotype
mean ``m``), ``x_mean`` (``mean``) and, where ``record_cov`` (default: ``dim <= 10``), ``C``.
All tensors in ``log`` are CPU copies.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any, Sequence

import torch
from torch import Tensor

from ..utils import check_int
from .base import Optimizer, check_in_box

__all__ = ["CMAES", "BoxTransform", "default_parameters"]


# -- Table 1: default strategy parameters -------------------------------------------------


def default_parameters(n: int, popsize: int | None = None, active: bool = True,
                       c1: float | None = None, cmu: float | None = None) -> dict[str, Any]:
    """The tutorial's default strategy parameters (Table 1, eqs. 48-56) for dimension ``n``.

    ``c1`` / ``cmu`` replace the default learning rates; the negative weights are then
    limited with the given rates (eqs. 50-52).

    Returns a dict with ``lambda, mu, weights`` (a list of all lambda weights, negative ones
    zero when ``active`` is False), ``mu_eff, mu_eff_minus, c1, cmu, cs, damps, cc, cm, chi_n``
    and ``alpha_mu, alpha_mueff, alpha_posdef`` (the three limits of eqs. 50-52).
    """
    n = check_int(n, "dimension")
    lam = 4 + math.floor(3 * math.log(n)) if popsize is None \
        else check_int(popsize, "popsize", minimum=2)  # (eq. 48)
    mu = lam // 2
    # (eq. 49) raw weights w'_i = ln((lambda+1)/2) - ln i, i = 1..lambda
    w_raw = [math.log((lam + 1) / 2) - math.log(i) for i in range(1, lam + 1)]
    pos, neg = w_raw[:mu], w_raw[mu:]
    mu_eff = sum(pos) ** 2 / sum(w * w for w in pos)
    mu_eff_minus = sum(neg) ** 2 / sum(w * w for w in neg) if any(neg) else 0.0
    # c_1 and c_mu (Table 1, alpha_cov = 2)
    alpha_cov = 2.0
    if c1 is None:
        c1 = alpha_cov / ((n + 1.3) ** 2 + mu_eff)
    if cmu is None:
        cmu = min(1 - c1, alpha_cov * (0.25 + mu_eff + 1 / mu_eff - 2)
                  / ((n + 2) ** 2 + alpha_cov * mu_eff / 2))
    # (eqs. 50-52) limits on the sum of the negative weights
    alpha_mu = 1 + c1 / cmu if cmu > 0 else math.inf
    alpha_mueff = 1 + 2 * mu_eff_minus / (mu_eff + 2)
    alpha_posdef = (1 - c1 - cmu) / (n * cmu) if cmu > 0 else math.inf
    # (eq. 53) positive weights sum to one, negative ones to -min(alphas)
    sum_pos = sum(w for w in w_raw if w > 0)
    sum_neg = -sum(w for w in w_raw if w < 0)
    neg_scale = min(alpha_mu, alpha_mueff, alpha_posdef) / sum_neg if sum_neg > 0 else 0.0
    if not active:
        neg_scale = 0.0
    weights = [w / sum_pos if w >= 0 else w * neg_scale for w in w_raw]
    cm = 1.0  # (eq. 54)
    cs = (mu_eff + 2) / (n + mu_eff + 5)  # (eq. 55)
    damps = 1 + 2 * max(0.0, math.sqrt((mu_eff - 1) / (n + 1)) - 1) + cs  # (eq. 55)
    cc = (4 + mu_eff / n) / (n + 4 + 2 * mu_eff / n)  # (eq. 56)
    chi_n = math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n))  # E|N(0,I)|, p. 29
    return dict(lambda_=lam, mu=mu, weights=weights, mu_eff=mu_eff, mu_eff_minus=mu_eff_minus,
                c1=c1, cmu=cmu, cs=cs, damps=damps, cc=cc, cm=cm, chi_n=chi_n,
                alpha_mu=alpha_mu, alpha_mueff=alpha_mueff, alpha_posdef=alpha_posdef)


# -- bound handling ------------------------------------------------------------------------


class BoxTransform:
    """pycma's piecewise linear-quadratic periodic map from R^d onto the box ``bounds``.

    ``transform`` is the identity on ``[lb + al, ub - au]``, quadratic (C^1) on the margins
    ``[lb - al, lb + al]`` and ``[ub - au, ub + au]``, and continues periodically by
    reflection outside ``[lb - al, ub + au]``. ``inverse`` maps the box back onto
    ``[lb - al, ub + au]``.
    """

    def __init__(self, bounds: Tensor) -> None:
        lb, ub = bounds[0], bounds[1]
        half = (ub - lb) / 2
        self.lb, self.ub = lb, ub
        self.al = torch.minimum(half, 0.05 * torch.clamp(lb.abs(), min=1.0))
        self.au = torch.minimum(half, 0.05 * torch.clamp(ub.abs(), min=1.0))
        self.lo, self.hi = lb - self.al, ub + self.au

    def transform(self, X: Tensor) -> Tensor:
        lb, ub, al, au, lo, hi = self.lb, self.ub, self.al, self.au, self.lo, self.hi
        # shift by whole periods and reflect into [lo, hi] (only where outside: keeps the
        # identity region exact)
        outside = (X < lo) | (X > hi)
        if bool(outside.any()):
            Xs = lo + torch.remainder(X - lo, 2 * (hi - lo))
            Xs = torch.where(Xs > hi, 2 * hi - Xs, Xs)
            X = torch.where(outside, Xs, X)
        X = torch.where(X < lb + al, lb + (X - lo) ** 2 / (4 * al), X)
        X = torch.where(X > ub - au, ub - (X - hi) ** 2 / (4 * au), X)
        return torch.minimum(torch.maximum(X, lb), ub)  # guard against rounding

    __call__ = transform

    def inverse(self, X: Tensor) -> Tensor:
        """Genotype in ``[lb - al, ub + au]`` whose transform is ``X`` (``X`` in the box)."""
        lb, ub, al, au = self.lb, self.ub, self.al, self.au
        X = torch.where(X < lb + al, self.lo + 2 * torch.sqrt(al * (X - lb).clamp(min=0)), X)
        X = torch.where(X > ub - au, self.hi - 2 * torch.sqrt(au * (ub - X).clamp(min=0)), X)
        return X


# -- the optimiser -------------------------------------------------------------------------

_OPTIONS: dict[str, Any] = dict(
    active=True,          # active CMA: negative weights (eqs. 46, 50-53)
    cs=None, damps=None, cc=None, c1=None, cmu=None,  # override Table 1
    tolfun=1e-11, tolfunhist=1e-12, tolx=None, tolstagnation=None, tolconditioncov=1e14,
    tolfacupx=1e3, tolupsigma=1e20, tolflatfitness=1, maxiter=None, maxfevals=math.inf,
    ftarget=-math.inf, noeffectaxis=True, noeffectcoord=True,
    record=True, record_cov=None,
)


class CMAES(Optimizer):
    """Covariance matrix adaptation evolution strategy (Hansen's tutorial, active CMA).

    ``CMAES(bounds, seed=0, x0=None, sigma0=None, popsize=None, device=None, **options)``.
    See the module docstring for the algorithm, defaults, bound handling, termination
    criteria and the attributes a notebook can plot. Options: ``active`` (True),
    ``cs, damps, cc, c1, cmu`` (override Table 1), the termination thresholds ``tolfun,
    tolfunhist, tolx, tolstagnation, tolconditioncov, tolfacupx, tolupsigma, tolflatfitness,
    maxiter, maxfevals, ftarget, noeffectaxis, noeffectcoord``, and ``record`` /
    ``record_cov`` for ``self.log``.

    ``ask()`` returns the whole population (``popsize`` points); ``tell`` must get back
    exactly those points, in the same order, with their values.
    """

    def __init__(self, bounds: Tensor | Sequence[Sequence[float]], seed: int = 0,
                 x0: Tensor | Sequence[float] | None = None,
                 sigma0: float | Tensor | Sequence[float] | None = None,
                 popsize: int | None = None, device: Any = None, **options: Any) -> None:
        super().__init__(bounds, seed, device)
        unknown = sorted(set(options) - set(_OPTIONS))
        if unknown:
            raise ValueError(f"unknown CMAES option(s) {unknown}; known: {sorted(_OPTIONS)}")
        self.options = {**_OPTIONS, **options}
        n, dev, f64 = self.dim, self.device, torch.float64
        lb, ub = self.bounds
        self.box = BoxTransform(self.bounds)

        # --- x0 and sigma0 (checked before anything else uses them)
        if x0 is None:
            x0 = (lb + ub) / 2
        x0 = torch.as_tensor(x0, dtype=f64, device=dev)
        if x0.ndim != 1 or x0.shape[0] != n:
            raise ValueError(f"x0 must have shape [{n}] (one value per dimension of the "
                             f"bounds), got {list(x0.shape)}")
        check_in_box(x0[None], self.bounds, "x0")
        s0 = 0.3 * (ub - lb) if sigma0 is None else torch.as_tensor(sigma0, dtype=f64, device=dev)
        if s0.ndim > 1 or (s0.ndim == 1 and s0.shape[0] != n):
            raise ValueError(f"sigma0 must be a number or have shape [{n}], got {list(s0.shape)}")
        if not torch.isfinite(s0).all() or (s0 <= 0).any():
            raise ValueError(f"sigma0 must be positive and finite, got {s0.tolist()}")
        s0 = s0.expand(n).clone()

        # --- strategy parameters (Table 1), possibly overridden
        o = self.options
        p = default_parameters(n, popsize, active=bool(o["active"]),
                               c1=None if o["c1"] is None else float(o["c1"]),
                               cmu=None if o["cmu"] is None else float(o["cmu"]))
        for key in ("cs", "damps", "cc"):
            if self.options[key] is not None:
                p[key] = float(self.options[key])
        if o["cs"] is not None and o["damps"] is None:  # (eq. 55) with the given c_sigma
            p["damps"] = 1 + 2 * max(0.0, math.sqrt((p["mu_eff"] - 1) / (n + 1)) - 1) + p["cs"]
        if not (0 < p["cs"] < 1 and 0 < p["cc"] <= 1 and p["damps"] > 0 and p["c1"] >= 0
                and p["cmu"] >= 0 and p["c1"] + p["cmu"] <= 1):
            got = {k: p[k] for k in ("cs", "cc", "damps", "c1", "cmu")}
            raise ValueError("need 0 < cs < 1, 0 < cc <= 1, damps > 0, c1, cmu >= 0 and "
                             f"c1 + cmu <= 1; got {got}")
        self.params = p
        self.popsize, self.mu = p["lambda_"], p["mu"]
        self.weights = torch.tensor(p["weights"], dtype=f64, device=dev)
        self.mu_eff = p["mu_eff"]
        self._w_sum = sum(p["weights"])  # sum of all lambda weights, < 1 with active CMA
        self.cs, self.damps, self.cc = p["cs"], p["damps"], p["cc"]
        self.c1, self.cmu, self.cm, self.chi_n = p["c1"], p["cmu"], p["cm"], p["chi_n"]
        # lazy eigendecomposition gap in generations (Appendix B.2)
        self.eigen_gap = max(1, math.floor(1 / (10 * n * (self.c1 + self.cmu)))) \
            if self.c1 + self.cmu > 0 else 1 << 30

        # --- state: mean, step size, covariance, paths
        self.sigma0 = s0  # initial per-coordinate standard deviations, Tensor[d]
        self.sigma = float(s0.max())
        self.C = torch.diag((s0 / self.sigma) ** 2)
        self.B = torch.eye(n, dtype=f64, device=dev)
        self.D = s0 / self.sigma  # sqrt of the eigenvalues of C
        self.m = self.box.inverse(x0)  # genotype mean; transform(m) == x0
        self.p_sigma = torch.zeros(n, dtype=f64, device=dev)
        self.p_c = torch.zeros(n, dtype=f64, device=dev)
        self.generation = 0
        self._eigen_generation = 0
        self.n_eigen_repairs = 0
        self._pending: tuple[Tensor, Tensor, Tensor] | None = None  # (X asked, Z, Y)

        # --- termination bookkeeping (Appendix B.3)
        lam = self.popsize
        self.tolx = o["tolx"] if o["tolx"] is not None else 1e-12 * float(s0.max())
        self.maxiter = o["maxiter"] if o["maxiter"] is not None else \
            math.floor(100 + 150 * (n + 3) ** 2 / math.sqrt(lam))
        # tolstagnation: None = default, 0 or False = off
        self.tolstagnation = math.ceil(120 + 30 * n / lam) if o["tolstagnation"] is None \
            else (int(o["tolstagnation"]) or None)
        self._hist_best: deque[float] = deque(maxlen=10 + math.ceil(30 * n / lam))
        self._stag_best: deque[float] = deque(maxlen=20000)
        self._stag_median: deque[float] = deque(maxlen=20000)
        self._flat_iterations = 0
        self._last_range = math.inf
        self.record_cov = o["record_cov"] if o["record_cov"] is not None else n <= 10
        self.log: list[dict[str, Any]] = []
        self._record(best_f=math.nan)

    # -- read-only views for notebooks ------------------------------------------------------
    @property
    def eigenvalues(self) -> Tensor:
        """Eigenvalues of C (ascending) from the latest eigendecomposition."""
        return self.D**2

    @property
    def mean(self) -> Tensor:
        """The distribution mean mapped into the box (equals ``m`` away from the borders)."""
        return self.box.transform(self.m)

    # -- ask: sample lambda offspring (eqs. 38-40) ----------------------------------------
    def _ask(self) -> Tensor:
        if self.generation - self._eigen_generation >= self.eigen_gap:
            self._eigendecompose()
        Z = torch.randn(self.popsize, self.dim, generator=self.generator,
                        dtype=torch.float64, device=self.device)  # z_k ~ N(0, I)  (eq. 38)
        Y = (Z * self.D) @ self.B.T  # y_k = B D z_k ~ N(0, C)                 (eq. 39)
        X = self.box.transform(self.m + self.sigma * Y)  # x_k = m + sigma y_k  (eq. 40)
        self._pending = (X, Z, Y)
        return X.clone()

    def _check_points(self, X: Tensor) -> Tensor:
        """``tell`` must get back the population of the last ``ask()``: all of it, in order."""
        return self._expect_asked(X, None if self._pending is None else self._pending[0])

    # -- tell: selection, recombination and adaptation (eqs. 41-47) -----------------------
    def _tell(self, X: Tensor, y: Tensor) -> None:
        _, Z, Y = self._pending
        self._pending = None
        n, lam, mu, w = self.dim, self.popsize, self.mu, self.weights
        cs, cc, c1, cmu = self.cs, self.cc, self.c1, self.cmu

        order = torch.argsort(y, stable=True)  # f(x_{1:lambda}) <= f(x_{2:lambda}) <= ...
        y_sorted, Y, Z = y[order], Y[order], Z[order]

        # Selection and recombination: move the mean (eqs. 41-42)
        y_w = w[:mu] @ Y[:mu]  # <y>_w                                    (eq. 41)
        self.m = self.m + self.cm * self.sigma * y_w  #                    (eq. 42)

        # Step-size control (eqs. 43-44). C^-1/2 y_k = B D^-1 B^T B D z_k = B z_k for the
        # decomposition used at sampling (the tutorial allows a stale one, Appendix B.2).
        C_invsqrt_yw = self.B @ (w[:mu] @ Z[:mu])
        self.p_sigma = (1 - cs) * self.p_sigma \
            + math.sqrt(cs * (2 - cs) * self.mu_eff) * C_invsqrt_yw  #   (eq. 43)
        ps_norm = float(torch.linalg.vector_norm(self.p_sigma))
        self.sigma *= math.exp(cs / self.damps * (ps_norm / self.chi_n - 1))  # (eq. 44)

        # Covariance matrix adaptation (eqs. 45-47)
        g = self.generation  # generation counter g starting at 0
        h_sigma = ps_norm / math.sqrt(1 - (1 - cs) ** (2 * (g + 1))) \
            < (1.4 + 2 / (n + 1)) * self.chi_n  # stall the rank-one update (p. 28)
        self.p_c = (1 - cc) * self.p_c \
            + (math.sqrt(cc * (2 - cc) * self.mu_eff) * y_w if h_sigma else 0.0)  # (eq. 45)
        # (eq. 46) negative weights act on y_i rescaled to Mahalanobis length sqrt(n)
        w_circ = torch.where(w >= 0, w, w * n / (Z * Z).sum(1).clamp(min=1e-300))
        delta_h = (1 - float(h_sigma)) * cc * (2 - cc)  # delta(h_sigma) <= 1 (p. 28)
        rank_one = torch.outer(self.p_c, self.p_c)
        rank_mu = (w_circ[:, None] * Y).T @ Y  # sum_i w°_i y_i y_i^T over all lambda
        decay = 1 + c1 * delta_h - c1 - cmu * self._w_sum
        C = decay * self.C + c1 * rank_one + cmu * rank_mu  # (eq. 47)
        self.C = (C + C.T) / 2  # keep C exactly symmetric

        # Flat fitness (Appendix B.4): if f(x_1:lambda) == f(x_ceil(0.7 lambda):lambda),
        # increase sigma to escape the plateau
        flat = bool(y_sorted[0] == y_sorted[math.ceil(0.7 * lam) - 1])
        if flat:
            self.sigma *= math.exp(0.2 + cs / self.damps)
        self._flat_iterations = self._flat_iterations + 1 if flat else 0

        self.generation += 1
        # histories for the termination criteria
        best_f = float(y_sorted[0])
        self._last_range = float(y_sorted[-1] - y_sorted[0])
        self._hist_best.append(best_f)
        self._stag_best.append(best_f)
        self._stag_median.append(float(y_sorted[(lam - 1) // 2]))
        self._record(best_f)

    # -- eigendecomposition (Appendix B.2) -----------------------------------------------
    def _eigendecompose(self) -> None:
        self.C = (self.C + self.C.T) / 2
        evals, B = torch.linalg.eigh(self.C)
        if float(evals[0]) <= 0:  # numerical loss of positive definiteness: repair
            shift = -float(evals[0]) + 1e-14 * max(float(evals[-1]), 1e-300)
            self.C = self.C + shift * torch.eye(self.dim, dtype=self.C.dtype, device=self.device)
            evals = evals + shift
            self.n_eigen_repairs += 1
        self.B, self.D = B, torch.sqrt(evals)
        self._eigen_generation = self.generation

    def _record(self, best_f: float) -> None:
        if not self.options["record"]:
            return
        cpu = torch.device("cpu")
        entry = dict(generation=self.generation, evals=self.n_told, sigma=self.sigma,
                     eigenvalues=self.eigenvalues.to(cpu, copy=True), best_f=best_f,
                     best_so_far=self.best_y if self.n_told else math.nan,
                     mean=self.m.to(cpu, copy=True), x_mean=self.mean.to(cpu, copy=True))
        if self.record_cov:
            entry["C"] = self.C.to(cpu, copy=True)
        self.log.append(entry)

    # -- termination criteria (Appendix B.3; pycma's names) --------------------------------
    def stop(self) -> dict[str, Any]:
        """The termination criteria that fired, ``{name: threshold}`` (empty: go on)."""
        o, s = self.options, {}
        if self.best_y <= o["ftarget"]:
            s["ftarget"] = o["ftarget"]
        if self.n_told >= o["maxfevals"]:
            s["maxfevals"] = o["maxfevals"]
        if self.generation >= self.maxiter:
            s["maxiter"] = self.maxiter
        if self.generation == 0:
            return s
        hist = self._hist_best
        full = len(hist) == hist.maxlen
        hist_range = max(hist) - min(hist)
        # tolfun: range of this generation's f and of the recent best f below tolfun
        if o["tolfun"] and full and self._last_range < o["tolfun"] and hist_range < o["tolfun"]:
            s["tolfun"] = o["tolfun"]
        if o["tolfunhist"] and full and hist_range < o["tolfunhist"]:
            s["tolfunhist"] = o["tolfunhist"]
        # tolx: all standard deviations and sigma * p_c below tolx
        std = self.sigma * torch.sqrt(torch.diagonal(self.C))
        if self.tolx and bool((std < self.tolx).all()) and \
                bool((self.sigma * self.p_c.abs() < self.tolx).all()):
            s["tolx"] = self.tolx
        # tolfacupx: sigma increased a lot in some coordinate (sigma0 far too small)
        if o["tolfacupx"] and bool((std > o["tolfacupx"] * self.sigma0).any()):
            s["tolfacupx"] = o["tolfacupx"]
        # tolupsigma: sigma grows while the distribution does not ("creeping")
        if o["tolupsigma"] and self.sigma / float(self.sigma0.max()) > \
                o["tolupsigma"] * float(self.D.max()):
            s["tolupsigma"] = o["tolupsigma"]
        # tolconditioncov: condition number of C
        if o["tolconditioncov"] and float(self.D.max() / self.D.min()) ** 2 > o["tolconditioncov"]:
            s["tolconditioncov"] = o["tolconditioncov"]
        # noeffectaxis: a 0.1-sigma step along principal axis i = g mod n leaves m unchanged
        if o["noeffectaxis"]:
            i = self.generation % self.dim
            if bool((self.m == self.m + 0.1 * self.sigma * self.D[i] * self.B[:, i]).all()):
                s["noeffectaxis"] = True
        # noeffectcoord: a 0.2-sigma step in some coordinate leaves m unchanged
        if o["noeffectcoord"] and bool((self.m == self.m + 0.2 * std).any()):
            s["noeffectcoord"] = True
        # tolflatfitness: too many generations with flat fitness (B.4)
        if o["tolflatfitness"] is not None and self._flat_iterations > o["tolflatfitness"]:
            s["tolflatfitness"] = o["tolflatfitness"]
        # tolstagnation: median of the last 30% of the best and of the median f in a window
        # of the last 20% of generations (at least tolstagnation, at most 20000) no better
        # than the median of the first 30%
        if self.tolstagnation and self.generation >= self.tolstagnation:
            L = min(max(math.ceil(0.2 * self.generation), self.tolstagnation),
                    len(self._stag_best))
            k = max(1, math.ceil(0.3 * L))

            def stalled(h: deque[float]) -> bool:
                recent = list(h)[-L:]
                return _median(recent[-k:]) >= _median(recent[:k])

            if stalled(self._stag_best) and stalled(self._stag_median):
                s["tolstagnation"] = self.tolstagnation
        return s

    def __repr__(self) -> str:
        return (f"CMAES(dim={self.dim}, popsize={self.popsize}, seed={self.seed}, "
                f"generation={self.generation}, sigma={self.sigma:.3g}, told={self.n_told})")


def _median(v: list[float]) -> float:
    v = sorted(v)
    k = len(v)
    return v[k // 2] if k % 2 else (v[k // 2 - 1] + v[k // 2]) / 2
