"""Gaussian-process regression, the surrogate model of Bayesian optimisation.

A GP is a prior over functions: any finite set of function values is jointly Gaussian,
``f(X) ~ N(0, K(X, X))``, with the covariance given by a kernel. Conditioning on
observations ``y = f(X) + noise`` gives a Gaussian posterior at new points. Everything here
follows Rasmussen & Williams, *Gaussian Processes for Machine Learning* (2006), "R&W" below:

- kernels: squared exponential (R&W eq. 4.9) and Matérn nu=5/2 (R&W eq. 4.17), each with one
  lengthscale per input dimension ("automatic relevance determination", R&W sec. 5.1);
- posterior mean and variance (R&W eq. 2.25-2.26) and the log marginal likelihood
  (R&W eq. 2.30), computed through a Cholesky factor as in R&W Algorithm 2.1;
- hyperparameters fitted by maximising the log marginal likelihood plus a log prior
  (a MAP estimate, R&W sec. 5.4.1), with gradients from autograd and L-BFGS.

Two normalisations make one set of default priors and bounds work for every problem:
inputs are mapped to the unit cube (with ``bounds``), and outputs are standardised to mean 0
and standard deviation 1. The hyperparameters ``lengthscale``, ``signal_var`` and
``noise_var`` live in those normalised units; ``posterior`` and the samplers answer in the
original units.

Everything is ``float64`` torch, on the device of the data.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import torch
from torch import Tensor

from ..utils import check_int, check_seed, few_threads
from .lbfgsb import lbfgs_box

__all__ = [
    "KERNELS", "GP", "fit_gp", "kernel_matrix", "robust_cholesky",
    "sample_prior",
    "LENGTHSCALE_BOUNDS", "SIGNAL_VAR_BOUNDS", "NOISE_VAR_BOUNDS",
]

KERNELS = ("matern52", "rbf")

# Box for each hyperparameter (normalised units); the fit works on their logs.
LENGTHSCALE_BOUNDS = (5e-3, 20.0)  # unit-cube units; 20 makes a dimension practically flat
SIGNAL_VAR_BOUNDS = (1e-2, 1e2)  # standardised y has variance 1
NOISE_VAR_BOUNDS = (1e-6, 1.0)  # 1e-6 as in Optuna's GPSampler: near-interpolation, but safe


def check_kernel(kernel: str) -> str:
    """Return ``kernel`` if it names a known kernel, else raise a ``ValueError``."""
    if kernel not in KERNELS:
        raise ValueError(f"unknown kernel {kernel!r}; choose one of {', '.join(KERNELS)}")
    return kernel


# --- kernels -----------------------------------------------------------------------------


def kernel_matrix(X1: Tensor, X2: Tensor, lengthscale: Tensor | float,
                  signal_var: Tensor | float = 1.0, kernel: str = "matern52") -> Tensor:
    """Covariance matrix ``K[i, j] = k(X1[i], X2[j])``, shape ``[..., n1, n2]``.

    ``lengthscale`` is a scalar or ``Tensor[..., d]`` (one per dimension, ARD); a leading
    batch dimension in ``lengthscale``/``signal_var`` gives a batch of matrices (used to fit
    several restarts at once). With ``r`` the scaled distance
    ``r^2 = sum_k (x_k - x'_k)^2 / l_k^2``:

    - ``"rbf"``:      ``k = s^2 exp(-r^2 / 2)``                            (R&W eq. 4.9)
    - ``"matern52"``: ``k = s^2 (1 + sqrt5 r + 5 r^2 / 3) exp(-sqrt5 r)``  (R&W eq. 4.17)
    """
    check_kernel(kernel)
    ls = torch.as_tensor(lengthscale, dtype=X1.dtype, device=X1.device)
    sv = torch.as_tensor(signal_var, dtype=X1.dtype, device=X1.device)
    diff = X1.unsqueeze(-2) - X2.unsqueeze(-3)  # [n1, n2, d]
    inv_sq = ls.pow(-2)
    if inv_sq.ndim > 0:  # [..., d] -> [..., 1, 1, d] to broadcast over the pairs
        inv_sq = inv_sq.unsqueeze(-2).unsqueeze(-2)
    r2 = (diff.pow(2) * inv_sq).sum(-1)
    if sv.ndim > 0:  # [...] -> [..., 1, 1]
        sv = sv.unsqueeze(-1).unsqueeze(-1)
    return sv * _correlation(r2, kernel)


def _correlation(r2: Tensor, kernel: str) -> Tensor:
    """The kernel as a function of the squared scaled distance, with ``k(0) = 1``."""
    if kernel == "rbf":
        return torch.exp(-0.5 * r2)
    # sqrt is not differentiable at 0 (the diagonal); clamping there gives a zero gradient,
    # which is right: the diagonal does not depend on the lengthscales.
    s = torch.sqrt(5.0 * r2.clamp_min(1e-30))
    return (1.0 + s + s * s / 3.0) * torch.exp(-s)


def robust_cholesky(K: Tensor, max_tries: int = 6) -> Tensor:
    """Lower Cholesky factor of ``K`` (or a batch of them), adding jitter if needed.

    Kernel matrices are positive definite in exact arithmetic, but nearby points make them
    numerically singular. We retry with ``jitter * I`` added, starting at 1e-9 times the mean
    diagonal (at least 1e-12) and growing tenfold, and raise ``torch.linalg.LinAlgError``
    if that fails.
    """
    L, info = torch.linalg.cholesky_ex(K)
    if not bool((info > 0).any()):
        return L
    eye = torch.eye(K.shape[-1], dtype=K.dtype, device=K.device)
    diag = K.diagonal(dim1=-2, dim2=-1).abs().mean(-1, keepdim=True).unsqueeze(-1)
    jitter = (1e-9 * diag).clamp_min(1e-12)
    for _ in range(max_tries):
        L, info = torch.linalg.cholesky_ex(K + jitter * eye)
        if not bool((info > 0).any()):
            return L
        jitter = jitter * 10.0
    raise torch.linalg.LinAlgError("kernel matrix is not positive definite even with jitter")


def _gaussian_samples(mean: Tensor, cov: Tensor, n_samples: int,
                      generator: torch.Generator | None) -> Tensor:
    """``n_samples`` draws from ``N(mean, cov)``: ``mean + L eps`` with ``L L^T = cov``."""
    L = robust_cholesky(cov)
    eps = torch.randn(mean.shape[0], n_samples, generator=generator, dtype=mean.dtype,
                      device=mean.device)
    return (mean.unsqueeze(-1) + L @ eps).T  # [n_samples, m]


def sample_prior(X: Tensor, n_samples: int = 1, kernel: str = "matern52",
                 lengthscale: Tensor | float = 0.2, signal_var: float = 1.0,
                 generator: torch.Generator | None = None) -> Tensor:
    """Functions drawn from the zero-mean GP prior, evaluated at the rows of ``X``.

    Returns ``Tensor[n_samples, m]``. ``X`` is used as given (no scaling), so
    ``lengthscale`` is in the units of ``X``. On a dense grid the kernel matrix is
    numerically singular; :func:`robust_cholesky` adds the little jitter that needs.
    """
    X = torch.as_tensor(X, dtype=torch.float64)
    if X.ndim == 1:
        X = X.unsqueeze(-1)
    K = kernel_matrix(X, X, lengthscale, signal_var, kernel)
    return _gaussian_samples(torch.zeros(X.shape[0], dtype=X.dtype, device=X.device), K,
                             n_samples, generator)


# --- the model ---------------------------------------------------------------------------


def _log_gamma_pdf(x: Tensor, concentration: float, rate: float) -> Tensor:
    """Log density of a Gamma(concentration, rate) prior, up to a constant."""
    return (concentration - 1.0) * torch.log(x) - rate * x


class GP:
    """Exact GP regression with a constant mean, standardised outputs and unit-cube inputs.

    ``GP(X, y, kernel="matern52", bounds=None)`` builds the model with the given (or default)
    hyperparameters; call :meth:`fit` to fit them, or use :func:`fit_gp` for both at once.

    - ``X``: ``Tensor[n, d]`` in original units; ``y``: ``Tensor[n]``.
    - ``bounds``: ``Tensor[2, d]`` box that defines the unit-cube scaling; defaults to the
      bounding box of ``X``.
    - ``lengthscale`` (scalar or ``Tensor[d]``, unit-cube units), ``signal_var`` and
      ``noise_var`` (standardised-y units): the hyperparameters.

    Attributes: ``X``, ``y``, ``bounds``, ``kernel``, ``lengthscale`` (``Tensor[d]``),
    ``signal_var``, ``noise_var`` (floats), ``y_mean``, ``y_std``, ``dim``, ``n``.
    """

    def __init__(self, X: Tensor, y: Tensor, kernel: str = "matern52",
                 bounds: Tensor | Sequence[Sequence[float]] | None = None,
                 lengthscale: Tensor | float = 1.0, signal_var: float = 1.0,
                 noise_var: float = 1e-4) -> None:
        self.kernel = check_kernel(kernel)
        X = torch.as_tensor(X, dtype=torch.float64)
        if X.ndim == 1:
            X = X.unsqueeze(-1)
        y = torch.as_tensor(y, dtype=torch.float64, device=X.device).reshape(-1)
        if X.ndim != 2 or X.shape[0] < 1 or X.shape[0] != y.shape[0]:
            raise ValueError(f"GP needs X of shape [n, d] with n >= 1 and y of shape [n]; "
                             f"got X {list(X.shape)} and y {list(y.shape)}")
        if not (torch.isfinite(X).all() and torch.isfinite(y).all()):
            raise ValueError("GP: X and y must be finite")
        self.X, self.y = X, y
        self.n, self.dim = X.shape
        if bounds is None:
            lo, hi = X.min(0).values, X.max(0).values
            hi = torch.where(hi > lo, hi, lo + 1.0)  # a constant column: any width will do
            bounds = torch.stack([lo, hi])
        self.bounds = torch.as_tensor(bounds, dtype=torch.float64, device=X.device)
        if self.bounds.shape != (2, self.dim) or not (self.bounds[1] > self.bounds[0]).all():
            raise ValueError(f"GP: bounds must be a [2, {self.dim}] box with lower < upper")
        # Standardise the outputs: the prior mean is then 0 and the signal variance about 1.
        self.y_mean = y.mean()
        self.y_std = y.std() if self.n > 1 and y.std() > 0 else torch.ones((), dtype=y.dtype,
                                                                             device=y.device)
        self._U = self.to_unit(X)
        self._z = (y - self.y_mean) / self.y_std
        self.lengthscale = torch.as_tensor(lengthscale, dtype=torch.float64,
                                           device=X.device).expand(self.dim).clone()
        self.signal_var = float(signal_var)
        self.noise_var = float(noise_var)
        self._condition()

    # -- scaling ---------------------------------------------------------------------------
    def to_unit(self, X: Tensor) -> Tensor:
        """Map points from original units to the unit cube of ``bounds``."""
        return (X - self.bounds[0]) / (self.bounds[1] - self.bounds[0])

    # -- conditioning on the data (R&W Algorithm 2.1, lines 2-3) -----------------------------
    def _condition(self) -> None:
        K = kernel_matrix(self._U, self._U, self.lengthscale, self.signal_var, self.kernel)
        K = K + self.noise_var * torch.eye(self.n, dtype=K.dtype, device=K.device)
        self._L = robust_cholesky(K)  # L L^T = K + s_n^2 I
        # alpha = (K + s_n^2 I)^-1 z = L^T \ (L \ z)
        self._alpha = torch.cholesky_solve(self._z.unsqueeze(-1), self._L).squeeze(-1)

    def set_hyperparameters(self, lengthscale: Tensor | float | None = None,
                            signal_var: float | None = None,
                            noise_var: float | None = None) -> "GP":
        """Change hyperparameters by hand (e.g. from a notebook slider) and re-condition."""
        if lengthscale is not None:
            self.lengthscale = torch.as_tensor(lengthscale, dtype=torch.float64,
                                               device=self.X.device).expand(self.dim).clone()
        if signal_var is not None:
            self.signal_var = float(signal_var)
        if noise_var is not None:
            self.noise_var = float(noise_var)
        self._condition()
        return self

    # -- predictions -----------------------------------------------------------------------
    def posterior_unit(self, U: Tensor) -> tuple[Tensor, Tensor]:
        """Posterior mean and variance of the latent f at unit-cube points, standardised units.

        R&W eq. 2.25: ``mean = k*^T alpha``; eq. 2.26: ``var = k(x*, x*) - v^T v`` with
        ``v = L \\ k*``. Differentiable in ``U`` (the acquisition optimiser needs that).
        """
        Ks = kernel_matrix(self._U, U, self.lengthscale, self.signal_var, self.kernel)  # [n, m]
        mean = Ks.T @ self._alpha
        v = torch.linalg.solve_triangular(self._L, Ks, upper=False)
        var = (self.signal_var - v.pow(2).sum(0)).clamp_min(1e-12)
        return mean, var

    def posterior(self, X: Tensor, full_cov: bool = False) -> tuple[Tensor, Tensor]:
        """Posterior of the latent f at the rows of ``X`` (original units).

        Returns ``(mean, std)``, each ``Tensor[m]``, in the units of y; with
        ``full_cov=True`` returns ``(mean, cov)`` with ``cov`` a ``Tensor[m, m]``.
        The noise variance is not included: this is the belief about f itself.
        """
        X = self._as_points(X)
        U = self.to_unit(X)
        mean, var = self.posterior_unit(U)
        mean = self.y_mean + self.y_std * mean
        if not full_cov:
            return mean, self.y_std * var.sqrt()
        Ks = kernel_matrix(self._U, U, self.lengthscale, self.signal_var, self.kernel)
        v = torch.linalg.solve_triangular(self._L, Ks, upper=False)
        cov = kernel_matrix(U, U, self.lengthscale, self.signal_var, self.kernel) - v.T @ v
        return mean, self.y_std**2 * cov  # R&W eq. 2.24 (covariance)

    def sample_posterior(self, X: Tensor, n_samples: int = 1,
                         generator: torch.Generator | None = None) -> Tensor:
        """Functions drawn from the posterior at the rows of ``X``: ``Tensor[n_samples, m]``."""
        mean, cov = self.posterior(X, full_cov=True)
        return _gaussian_samples(mean, cov, n_samples, generator)

    def sample_prior(self, X: Tensor, n_samples: int = 1,
                     generator: torch.Generator | None = None) -> Tensor:
        """Functions drawn from this model's prior (same kernel and hyperparameters, no data),
        in original units: ``y_mean + y_std * f`` with ``f ~ GP(0, k)``."""
        U = self.to_unit(self._as_points(X))
        f = sample_prior(U, n_samples, self.kernel, self.lengthscale, self.signal_var,
                         generator)
        return self.y_mean + self.y_std * f

    def _as_points(self, X: Tensor) -> Tensor:
        X = torch.as_tensor(X, dtype=torch.float64, device=self.X.device)
        if X.ndim == 1 and self.dim == 1:
            X = X.unsqueeze(-1)
        if X.ndim != 2 or X.shape[1] != self.dim:
            raise ValueError(f"expected points of shape [m, {self.dim}], got {list(X.shape)}")
        return X

    # -- the log marginal likelihood and its fit ------------------------------------------
    def log_marginal_likelihood(self) -> float:
        """log p(z | X, theta) of the standardised data under the current hyperparameters
        (R&W eq. 2.30): ``-z^T alpha / 2 - sum_i log L_ii - n/2 log 2 pi``."""
        return float(-0.5 * self._z @ self._alpha - self._L.diagonal().log().sum()
                     - 0.5 * self.n * math.log(2 * math.pi))

    def _batched_lml(self, ls: Tensor, sv: Tensor, nv: Tensor) -> Tensor:
        """R&W eq. 2.30 for a batch of hyperparameters (``ls [R, d]``, ``sv, nv [R]``)."""
        K = kernel_matrix(self._U, self._U, ls, sv, self.kernel)
        K = K + nv[:, None, None] * torch.eye(self.n, dtype=K.dtype, device=K.device)
        L = robust_cholesky(K)
        a = torch.linalg.solve_triangular(L, self._z.expand(len(sv), -1).unsqueeze(-1),
                                          upper=False).squeeze(-1)  # L^-1 z
        return (-0.5 * a.pow(2).sum(-1) - L.diagonal(dim1=-2, dim2=-1).log().sum(-1)
                - 0.5 * self.n * math.log(2 * math.pi))

    @staticmethod
    def log_prior(ls: Tensor, sv: Tensor, nv: Tensor) -> Tensor:
        """Log density (up to a constant) of the hyperparameter priors, batched.

        - lengthscale: ``log p(l) = -0.1 (l^2 + 1 / l^2)`` per dimension (unit-cube units),
          the weak prior of Optuna's GPSampler. Nearly flat between 0.3 and 3, it only
          rules out the extremes. (The informative Gamma(3, 6) that BoTorch used for years
          holds lengthscales near 1/3; in 6-D that made most of the cube look unexplored,
          and BO spent its evaluations on corners.)
        - signal variance ~ Gamma(2, 1) (also Optuna's): around 1, the variance of
          standardised y.
        - noise variance: ``p(s_n^2) ~ 1 / s_n^2`` on ``NOISE_VAR_BOUNDS``, i.e. uniform in
          ``log s_n^2`` (scale-free). On noise-free data, where the likelihood is flat in the
          noise once it is small, this settles at the lower bound (the GP interpolates); on
          noisy data the likelihood outweighs it. (A prior that favours a noise level, e.g.
          Optuna's Gamma(1.1, 30), keeps about 3e-3 on few points: a blur of 5% of the
          output range, which cost precision near the optimum in our benchmark.)
        """
        return (-0.1 * (ls.pow(2) + ls.pow(-2)).sum(-1) + _log_gamma_pdf(sv, 2.0, 1.0)
                - torch.log(nv))

    def fit(self, restarts: int = 3, max_iter: int = 50, fit_noise: bool = True,
            generator: torch.Generator | None = None) -> "GP":
        """Fit the hyperparameters by maximising ``log p(z | theta) + log p(theta)`` (MAP).

        The parameters are the logs of (lengthscales, signal variance, noise variance), kept
        in the boxes ``*_BOUNDS``. All ``restarts`` starting points are optimised together
        by the batched :func:`lbfgs_box`, gradients by autograd: the current hyperparameters,
        then random lengthscales (log-uniform in [0.1, 2]). The best one is kept.
        ``fit_noise=False`` keeps ``noise_var`` fixed. Returns ``self``.
        """
        restarts = check_int(restarts, "restarts")
        dev, d = self.X.device, self.dim
        box = torch.tensor([LENGTHSCALE_BOUNDS] * d + [SIGNAL_VAR_BOUNDS, NOISE_VAR_BOUNDS],
                           dtype=torch.float64, device=dev).log()
        if not fit_noise:  # pin the noise by giving it an empty interval
            box[d + 1] = math.log(self.noise_var)
        start = torch.cat([self.lengthscale, torch.tensor([self.signal_var, self.noise_var],
                                                          dtype=torch.float64, device=dev)])
        theta0 = start.log().expand(restarts, -1).clone()
        if restarts > 1:
            if generator is None:
                generator = torch.Generator(device=dev).manual_seed(0)
            r = torch.rand(restarts - 1, d, generator=generator, dtype=torch.float64,
                           device=dev)
            theta0[1:, :d] = math.log(0.1) + r * math.log(2 / 0.1)
            theta0[1:, d] = 0.0  # signal variance 1
            if fit_noise:
                theta0[1:, d + 1] = math.log(1e-3)

        def neg_log_posterior(theta: Tensor) -> Tensor:  # per restart, per data point
            p = theta.exp()
            ls, sv, nv = p[:, :d], p[:, d], p[:, d + 1]
            return -(self._batched_lml(ls, sv, nv) + self.log_prior(ls, sv, nv)) / self.n

        with few_threads(dev):
            try:
                theta, loss = lbfgs_box(neg_log_posterior, theta0, box[:, 0], box[:, 1],
                                        max_iter=max_iter, gtol=1e-5)
            except torch.linalg.LinAlgError:  # hopeless data: keep the starting values
                return self
        loss = torch.where(torch.isfinite(loss), loss, torch.inf)
        best = int(torch.argmin(loss))
        if torch.isfinite(loss[best]):
            p = theta[best].exp()
            self.set_hyperparameters(p[:d], float(p[d]), float(p[d + 1]))
        return self

    def __repr__(self) -> str:
        ls = ", ".join(f"{v:.3g}" for v in self.lengthscale.tolist())
        return (f"GP(kernel={self.kernel!r}, n={self.n}, dim={self.dim}, lengthscale=[{ls}], "
                f"signal_var={self.signal_var:.3g}, noise_var={self.noise_var:.3g})")


def fit_gp(X: Tensor, y: Tensor, kernel: str = "matern52",
           bounds: Tensor | Sequence[Sequence[float]] | None = None, restarts: int = 3,
           noise_var: float | None = None, seed: int = 0, **gp_kwargs: Any) -> GP:
    """Build a :class:`GP` on ``(X, y)`` and fit its hyperparameters (MAP, see ``GP.fit``).

    ``noise_var=None`` fits the noise; a number fixes it (in standardised-y units).
    """
    gp = GP(X, y, kernel=kernel, bounds=bounds,
            noise_var=1e-4 if noise_var is None else noise_var, **gp_kwargs)
    gen = torch.Generator(device=gp.X.device).manual_seed(check_seed(seed))
    return gp.fit(restarts=restarts, fit_noise=noise_var is None, generator=gen)
