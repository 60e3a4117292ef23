"""Tests for the GP (nasdemo.blackbox.gp) and Bayesian optimisation (nasdemo.blackbox.bayesopt)."""

from __future__ import annotations

import math

import pytest
import torch

from nasdemo.blackbox.base import minimize
from nasdemo.blackbox.bayesopt import (
    BayesOpt,
    acquisition_values,
    expected_improvement,
    log_expected_improvement,
    log_h,
    log_probability_of_improvement,
    probability_of_improvement,
    upper_confidence_bound,
)
from nasdemo.blackbox.gp import (
    GP,
    fit_gp,
    kernel_matrix,
    robust_cholesky,
    sample_prior,
)
from nasdemo.blackbox.lbfgsb import lbfgs_box
from nasdemo.blackbox.random_search import RandomSearch
from nasdemo.functions import get

f64 = torch.float64


def _rand(n: int, d: int, seed: int = 0) -> torch.Tensor:
    return torch.rand(n, d, generator=torch.Generator().manual_seed(seed), dtype=f64)


def _toy_data(n: int = 12, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    X = _rand(n, 1, seed) * 10.0
    return X, torch.sin(X[:, 0]) + 0.1 * X[:, 0]


# --- kernels and linear algebra --------------------------------------------------------------


@pytest.mark.parametrize("kernel", ["matern52", "rbf"])
def test_kernel_matrix_symmetric_psd(kernel: str) -> None:
    X = _rand(40, 3)
    ls = torch.tensor([0.2, 0.5, 1.5], dtype=f64)
    K = kernel_matrix(X, X, ls, 2.0, kernel)
    assert K.shape == (40, 40)
    torch.testing.assert_close(K, K.T)
    torch.testing.assert_close(K.diagonal(), torch.full((40,), 2.0, dtype=f64))
    eig = torch.linalg.eigvalsh(K)
    assert eig.min() > -1e-10 * eig.max()
    assert (K > 0).all() and (K <= 2.0 + 1e-12).all()
    # A batch of hyperparameters gives a batch of matrices, each equal to the single one.
    Kb = kernel_matrix(X, X, ls.expand(2, 3), torch.tensor([2.0, 2.0], dtype=f64), kernel)
    torch.testing.assert_close(Kb[1], K)


def test_kernel_values_at_known_distances() -> None:
    x0, x1 = torch.zeros(1, 1, dtype=f64), torch.ones(1, 1, dtype=f64)
    r = 1.0 / 0.5  # distance 1, lengthscale 0.5
    s = math.sqrt(5) * r
    expected = (1 + s + s * s / 3) * math.exp(-s)
    assert kernel_matrix(x0, x1, 0.5, 1.0, "matern52").item() == pytest.approx(expected)
    assert kernel_matrix(x0, x1, 0.5, 1.0, "rbf").item() == pytest.approx(math.exp(-0.5 * r * r))


def test_robust_cholesky_survives_duplicate_points() -> None:
    X = torch.cat([_rand(5, 2), _rand(5, 2)])  # every point twice: K is singular
    K = kernel_matrix(X, X, 0.3, 1.0, "rbf")
    L = robust_cholesky(K)
    assert torch.isfinite(L).all()
    torch.testing.assert_close(L @ L.T, K, atol=1e-6, rtol=0)


def test_lbfgs_box_solves_bounded_quadratics() -> None:
    # Two independent problems: minimum inside the box, and minimum outside it (clipped).
    target = torch.tensor([[0.3, 0.7], [1.5, -0.4]], dtype=f64)
    scale = torch.tensor([1.0, 30.0], dtype=f64)

    def f(x: torch.Tensor) -> torch.Tensor:
        return ((x - target) ** 2 * scale).sum(-1)

    x, fx = lbfgs_box(f, torch.full((2, 2), 0.5, dtype=f64), 0.0, 1.0, max_iter=50)
    torch.testing.assert_close(x, target.clamp(0, 1), atol=1e-6, rtol=0)
    assert fx[0] == pytest.approx(0.0, abs=1e-10)


# --- the GP ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kernel", ["matern52", "rbf"])
def test_posterior_interpolates_noise_free_data(kernel: str) -> None:
    X, y = _toy_data()
    gp = GP(X, y, kernel=kernel, bounds=[[0.0], [10.0]], lengthscale=0.2, noise_var=1e-10)
    mean, std = gp.posterior(X)
    torch.testing.assert_close(mean, y, atol=1e-5, rtol=0)
    assert std.max() < 1e-3
    # Far from the data the posterior reverts to the prior: mean -> mean(y), std -> prior std.
    far_mean, far_std = gp.posterior(torch.tensor([[60.0]], dtype=f64))
    assert far_mean.item() == pytest.approx(y.mean().item(), abs=1e-6)
    assert far_std.item() == pytest.approx(y.std().item(), rel=1e-6)


def test_posterior_full_covariance_matches_std() -> None:
    X, y = _toy_data()
    gp = fit_gp(X, y, bounds=[[0.0], [10.0]])
    Xt = torch.linspace(0, 10, 7, dtype=f64).unsqueeze(-1)
    mean, std = gp.posterior(Xt)
    mean2, cov = gp.posterior(Xt, full_cov=True)
    torch.testing.assert_close(mean, mean2)
    torch.testing.assert_close(cov.diagonal().clamp_min(0).sqrt(), std, atol=1e-6, rtol=1e-6)


def test_fit_increases_marginal_likelihood() -> None:
    X = _rand(25, 2, seed=1)
    y = torch.sin(12 * X[:, 0]) + 0.1 * X[:, 1]  # wiggly in x0, nearly flat in x1
    gp = GP(X, y, bounds=[[0, 0], [1, 1]], lengthscale=2.0, noise_var=0.1)
    before = gp.log_marginal_likelihood()
    gp.fit()
    assert gp.log_marginal_likelihood() > before + 5.0
    # ARD: the wiggly dimension gets the shorter lengthscale.
    assert gp.lengthscale[0] < gp.lengthscale[1]
    # fit_gp with a fixed noise keeps it.
    assert fit_gp(X, y, noise_var=1e-5).noise_var == pytest.approx(1e-5)


def test_samples_from_prior_and_posterior() -> None:
    g = torch.Generator().manual_seed(0)
    grid = torch.linspace(0, 1, 50, dtype=f64)
    prior = sample_prior(grid, n_samples=2000, kernel="rbf", lengthscale=0.2, generator=g)
    assert prior.shape == (2000, 50)
    assert prior.mean().abs() < 0.1 and prior.var(0).mean() == pytest.approx(1.0, rel=0.1)

    X, y = _toy_data()
    gp = GP(X, y, bounds=[[0.0], [10.0]], lengthscale=0.2, noise_var=1e-8)
    post = gp.sample_posterior(X, n_samples=5, generator=g)
    assert post.shape == (5, len(X))
    torch.testing.assert_close(post, y.expand(5, -1), atol=1e-2, rtol=0)  # pinned at the data
    assert gp.sample_prior(X, n_samples=3, generator=g).shape == (3, len(X))


# --- acquisitions ----------------------------------------------------------------------------


def test_ei_and_pi_match_monte_carlo() -> None:
    g = torch.Generator().manual_seed(0)
    mean = torch.tensor([0.0, 1.0, -0.5, 2.0], dtype=f64)
    std = torch.tensor([1.0, 0.5, 2.0, 0.3], dtype=f64)
    best = 0.2
    f = mean + std * torch.randn(400_000, 4, generator=g, dtype=f64)
    ei_mc = (best - f).clamp_min(0).mean(0)
    pi_mc = (f < best).double().mean(0)
    torch.testing.assert_close(expected_improvement(mean, std, best), ei_mc, atol=5e-3, rtol=0)
    torch.testing.assert_close(probability_of_improvement(mean, std, best), pi_mc, atol=3e-3,
                               rtol=0)
    # xi shifts the target
    torch.testing.assert_close(expected_improvement(mean, std, best, xi=0.1),
                               (best - 0.1 - f).clamp_min(0).mean(0), atol=5e-3, rtol=0)
    torch.testing.assert_close(log_probability_of_improvement(mean, std, best).exp(),
                               probability_of_improvement(mean, std, best))


def _h_direct(z: float) -> float:
    return math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi) + z * 0.5 * math.erfc(-z / math.sqrt(2))


def test_log_ei_is_finite_and_consistent() -> None:
    # Where the direct formula is accurate, log_h agrees with it.
    zs = [-5.0, -2.0, -1.0, -0.999, 0.0, 0.5, 3.0]
    got = log_h(torch.tensor(zs, dtype=f64))
    for z, v in zip(zs, got.tolist()):
        assert v == pytest.approx(math.log(_h_direct(z)), rel=1e-10, abs=1e-12)
    # For very negative z, EI underflows but log EI follows the asymptotic series
    # h(z) = phi(z) / z^2 * (1 - 3/z^2 + 15/z^4 - ...).
    z = torch.tensor([-20.0, -40.0, -1e3, -1e5, -1e8, -1e12], dtype=f64, requires_grad=True)
    v = log_h(z)
    assert torch.isfinite(v).all()
    zz = z.detach()
    series = (-0.5 * zz**2 - 0.5 * math.log(2 * math.pi) - 2 * torch.log(-zz)
              + torch.log1p(-3 / zz**2 + 15 / zz**4 - 105 / zz**6))
    torch.testing.assert_close(v.detach(), series, rtol=1e-9, atol=0)
    assert (expected_improvement(torch.tensor(40.0, dtype=f64), torch.tensor(1.0, dtype=f64),
                                 0.0) == 0)  # plain EI underflows here...
    # ...and the gradient of log EI stays finite and points towards larger z.
    v.sum().backward()
    assert torch.isfinite(z.grad).all() and (z.grad > 0).all()
    # log EI = log sigma + log h(z); monotone in the mean.
    means = torch.linspace(-3, 30, 50, dtype=f64)
    lei = log_expected_improvement(means, torch.ones(50, dtype=f64), 0.0)
    assert torch.isfinite(lei).all() and (lei.diff() < 0).all()


def test_ucb_formula_and_acquisition_values() -> None:
    mean = torch.tensor([0.0, 1.0, -2.0], dtype=f64)
    std = torch.tensor([1.0, 0.5, 0.1], dtype=f64)
    torch.testing.assert_close(upper_confidence_bound(mean, std, beta=4.0), -mean + 2.0 * std)

    X, y = _toy_data()
    gp = fit_gp(X, y, bounds=[[0.0], [10.0]])
    grid = torch.linspace(0, 10, 101, dtype=f64).unsqueeze(-1)
    m, s = gp.posterior(grid)
    torch.testing.assert_close(acquisition_values(gp, grid, "ucb", beta=2.0),
                               -(m - math.sqrt(2.0) * s))
    ei = acquisition_values(gp, grid, "ei")
    torch.testing.assert_close(ei, expected_improvement(m, s, y.min()))
    pi = acquisition_values(gp, grid, "pi")
    assert ei.shape == pi.shape == (101,) and (ei >= 0).all() and ((pi >= 0) & (pi <= 1)).all()
    assert torch.isfinite(acquisition_values(gp, grid, "ei", log=True)).all()


# --- the optimiser ---------------------------------------------------------------------------


def test_bayesopt_beats_random_search_on_branin() -> None:
    f = get("branin")
    for seed in (0, 1):
        bo = minimize(f, BayesOpt(f.bounds, seed=seed), 20)
        rs = minimize(f, RandomSearch(f.bounds, seed=seed), 20)
        assert bo.best_y - f.f_opt < 0.1
        assert bo.best_y < rs.best_y


def test_ask_tell_protocol_and_notebook_api() -> None:
    f = get("branin")
    opt = BayesOpt(f.bounds, seed=3, n_init=4, acquisition="ucb", kernel="rbf")
    sobol = torch.quasirandom.SobolEngine(2, scramble=True, seed=3).draw(4, dtype=f64)
    for i in range(6):
        X = opt.ask()
        assert X.shape == (1, 2) and X.dtype == f64
        assert ((X >= f.bounds[0]) & (X <= f.bounds[1])).all()
        if i < 4:  # the initial design is the scrambled Sobol sequence
            torch.testing.assert_close(X, opt.from_unit(sobol[i : i + 1]))
            assert opt.model is None
        opt.tell(X, f(X))
    assert opt.model is not None and opt.model.n == 6
    nxt = opt.next_x
    torch.testing.assert_close(opt.ask(), nxt)
    grid = torch.rand(50, 2, dtype=f64) * (f.bounds[1] - f.bounds[0]) + f.bounds[0]
    mean, std = opt.model.posterior(grid)
    assert mean.shape == std.shape == (50,)
    assert opt.acquisition_values(grid).shape == (50,)
    assert [s.n_told for s in opt.steps] == [4, 5, 6]
    torch.testing.assert_close(opt.steps[-1].next_x, nxt)
    assert opt.X.shape == (6, 2) and opt.y.shape == (6,)


@pytest.mark.parametrize("acquisition", ["ei", "pi"])
def test_reproducible_under_a_seed(acquisition: str) -> None:
    f = get("hartmann6")
    runs = [minimize(f, BayesOpt(f.bounds, seed=s, n_init=6, acquisition=acquisition), 9)
            for s in (7, 7, 8)]
    torch.testing.assert_close(runs[0].X, runs[1].X, rtol=0, atol=0)
    assert not torch.equal(runs[0].X, runs[2].X)


def test_value_errors() -> None:
    b = [[0.0, 0.0], [1.0, 1.0]]
    with pytest.raises(ValueError, match="acquisition"):
        BayesOpt(b, acquisition="thompson")
    with pytest.raises(ValueError, match="kernel"):
        BayesOpt(b, kernel="matern32")
    for bad in (0, -3, 2.5, True, "4"):
        with pytest.raises(ValueError, match="n_init"):
            BayesOpt(b, n_init=bad)
    with pytest.raises(ValueError, match="kernel"):
        kernel_matrix(torch.zeros(1, 1), torch.zeros(1, 1), 1.0, 1.0, "linear")
    with pytest.raises(ValueError, match="acquisition"):
        acquisition_values(GP(*_toy_data()), torch.zeros(2, 1, dtype=f64), "ucb2")
    with pytest.raises(ValueError):
        GP(torch.zeros(3, 2), torch.zeros(4))
    with pytest.raises(ValueError, match="no data"):
        BayesOpt(b).fit_model()
    with pytest.raises(TypeError):
        BayesOpt(b, not_an_option=1)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_runs_on_cuda() -> None:
    f = get("branin")
    opt = BayesOpt(f.bounds, seed=0, device="cuda")
    res = minimize(lambda X: f(X.cpu()).to(X.device), opt, 12)
    assert opt.next_x.device.type == "cuda"
    assert res.best_y - f.f_opt < 1.0
