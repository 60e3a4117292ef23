"""CMA-ES: Table 1 constants (against the tutorial's formulas and pycma), invariants of a run,
convergence, reproducibility, bound handling, termination criteria and input validation."""

from __future__ import annotations

import math

import pytest
import torch

from nasdemo import functions
from nasdemo.blackbox.base import minimize
from nasdemo.blackbox.cmaes import CMAES, BoxTransform, default_parameters

BOX5 = [[-5.0] * 5, [5.0] * 5]


# -- strategy parameters -------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 3, 5, 10, 40])
def test_weights_and_mu_eff_follow_the_tutorial(n):
    opt = CMAES([[-1.0] * n, [1.0] * n])
    lam = 4 + math.floor(3 * math.log(n))  # (eq. 48)
    mu = lam // 2
    raw = [math.log((lam + 1) / 2) - math.log(i) for i in range(1, lam + 1)]  # (eq. 49)
    mu_eff = sum(raw[:mu]) ** 2 / sum(r * r for r in raw[:mu])
    mu_eff_m = sum(raw[mu:]) ** 2 / sum(r * r for r in raw[mu:])
    c1 = 2 / ((n + 1.3) ** 2 + mu_eff)
    cmu = min(1 - c1, 2 * (0.25 + mu_eff + 1 / mu_eff - 2) / ((n + 2) ** 2 + mu_eff))
    alpha = min(1 + c1 / cmu, 1 + 2 * mu_eff_m / (mu_eff + 2), (1 - c1 - cmu) / (n * cmu))
    pos = sum(r for r in raw if r > 0)
    neg = -sum(r for r in raw if r < 0)
    expected = [r / pos if r >= 0 else alpha * r / neg for r in raw]  # (eq. 53)

    assert (opt.popsize, opt.mu) == (lam, mu)
    assert opt.weights.tolist() == pytest.approx(expected, rel=1e-13)
    assert opt.mu_eff == pytest.approx(mu_eff, rel=1e-13)
    w = opt.weights
    assert float(w[:mu].sum()) == pytest.approx(1.0, rel=1e-13)
    assert float(w[mu:].sum()) == pytest.approx(-alpha, rel=1e-12)
    assert bool((w[:-1] >= w[1:]).all())  # decreasing
    # mu_eff = 1 / sum w_i^2 over the positive (normalised) weights
    assert opt.mu_eff == pytest.approx(1 / float((w[:mu] ** 2).sum()), rel=1e-12)
    assert opt.cs == pytest.approx((mu_eff + 2) / (n + mu_eff + 5))  # (eq. 55)
    assert opt.damps == pytest.approx(
        1 + 2 * max(0, math.sqrt((mu_eff - 1) / (n + 1)) - 1) + opt.cs)
    assert opt.cc == pytest.approx((4 + mu_eff / n) / (n + 4 + 2 * mu_eff / n))  # (eq. 56)
    assert (opt.c1, opt.cmu) == (pytest.approx(c1), pytest.approx(cmu))

    passive = CMAES([[-1.0] * n, [1.0] * n], active=False)
    assert float(passive.weights[mu:].abs().sum()) == 0.0
    assert passive.weights[:mu].tolist() == pytest.approx(expected[:mu], rel=1e-13)


@pytest.mark.parametrize("n, popsize", [(2, None), (3, None), (5, None), (10, None),
                                        (20, None), (10, 20), (5, 3)])
def test_constants_match_pycma_where_documented(n, popsize):
    cma = pytest.importorskip("cma")
    opts = {"verbose": -9, "seed": 1}
    if popsize:
        opts["popsize"] = popsize
    es = cma.CMAEvolutionStrategy(n * [0.0], 1.0, opts)
    opt = CMAES([[-1.0] * n, [1.0] * n], popsize=popsize)
    sp = es.sp
    # identical in the tutorial's Table 1 and pycma
    assert opt.popsize == sp.popsize and opt.mu == sp.weights.mu
    assert opt.weights.tolist() == pytest.approx(list(sp.weights), rel=1e-12, abs=1e-15)
    assert opt.mu_eff == pytest.approx(sp.weights.mueff, rel=1e-12)
    # c_1: pycma damps it by min(1, lambda / 6) for tiny populations (documented)
    assert opt.c1 * min(1, opt.popsize / 6) == pytest.approx(sp.c1, rel=1e-12)
    if opt.popsize >= 6:
        assert opt.cmu == pytest.approx(sp.cmu, rel=1e-12)  # both with the 1/4 offset
    assert opt.cc == pytest.approx(sp.cc, rel=1e-12)
    assert opt.chi_n == pytest.approx(n**0.5 * (1 - 1 / (4 * n) + 1 / (21 * n**2)))
    # documented difference: c_sigma (tutorial eq. 55 vs pycma) ...
    mu_eff = opt.mu_eff
    assert es.adapt_sigma.cs == pytest.approx(min(0.5, (mu_eff + 2) / (n + mu_eff + 3)))
    assert opt.cs == pytest.approx((mu_eff + 2) / (n + mu_eff + 5))
    assert opt.cs < es.adapt_sigma.cs
    # ... while d_sigma - c_sigma agrees at the default population size (both 1 here);
    # for larger populations pycma's d_sigma formula has extra terms and grows earlier
    if popsize is None:
        assert opt.damps - opt.cs == pytest.approx(es.adapt_sigma.damps - es.adapt_sigma.cs)
        assert opt.damps - opt.cs == 1.0
    else:
        assert opt.damps - opt.cs <= es.adapt_sigma.damps - es.adapt_sigma.cs + 1e-12
    # lazy eigendecomposition: every max(1, floor(1 / (10 n (c1 + cmu)))) generations
    assert opt.eigen_gap == max(1, math.floor(es.sm.lazy_update_gap))


def test_switching_active_off_matches_pycma():
    cma = pytest.importorskip("cma")
    es = cma.CMAEvolutionStrategy(6 * [0.0], 1.0, {"verbose": -9, "seed": 1,
                                                   "CMA_active": False})
    opt = CMAES([[-1.0] * 6, [1.0] * 6], active=False)
    assert opt.weights.tolist() == pytest.approx(list(es.sp.weights), abs=1e-15)
    assert default_parameters(6, active=False)["weights"] == pytest.approx(opt.weights.tolist())


def test_constants_can_be_overridden():
    opt = CMAES(BOX5, cs=0.4, cmu=0.0)
    assert opt.cs == 0.4 and opt.cmu == 0.0
    assert opt.damps == pytest.approx(1 + 0.4)  # recomputed from the new c_sigma
    # a larger c_mu tightens the positive-definiteness limit on the negative weights (eq. 52)
    opt = CMAES(BOX5, cmu=0.5)
    alpha_posdef = (1 - opt.c1 - 0.5) / (5 * 0.5)
    assert float(opt.weights[opt.mu:].sum()) == pytest.approx(-alpha_posdef)
    assert opt.params["alpha_posdef"] == pytest.approx(alpha_posdef)


# -- behaviour of a run ----------------------------------------------------------------------


def test_covariance_stays_symmetric_positive_definite():
    f = functions.get("ellipsoid", 5)
    opt = CMAES(f.bounds, seed=3)
    mins = []

    def check(o, X, y):
        assert torch.equal(o.C, o.C.T)
        ev = torch.linalg.eigvalsh(o.C)
        mins.append(float(ev[0]))
        assert float(ev[0]) > 0
        assert o.eigenvalues.shape == (5,) and bool((o.eigenvalues > 0).all())

    res = minimize(f, opt, 3000, callback=check, target=1e-10)
    assert len(mins) > 100 and opt.n_eigen_repairs == 0
    assert res.best_y <= 1e-10
    # the adapted C approximates the inverse Hessian: eigenvalue spread ~ condition 1e6
    ev = torch.linalg.eigvalsh(opt.C)
    assert 1e4 < float(ev[-1] / ev[0]) < 1e8


def test_sphere_5d_reaches_1e_8():
    f = functions.get("sphere", 5)
    res = minimize(f, CMAES(f.bounds, seed=0), 3000, target=1e-8)
    assert res.best_y < 1e-8
    assert res.stop_reason == "target"
    assert res.n_evals < 1500  # about 800 with the defaults


def test_reproducible_under_a_seed():
    f = functions.get("rosenbrock", 4)

    def run(seed):
        opt = CMAES(f.bounds, seed=seed)
        asked = []
        for _ in range(15):
            X = opt.ask()
            asked.append(X)
            opt.tell(X, f(X))
        return torch.cat(asked), opt

    X1, o1 = run(7)
    X2, o2 = run(7)
    X3, o3 = run(8)
    assert torch.equal(X1, X2) and torch.equal(o1.C, o2.C) and torch.equal(o1.m, o2.m)
    assert o1.sigma == o2.sigma
    assert not torch.equal(X1, X3) and not torch.equal(o1.m, o3.m)


def test_log_records_each_generation():
    f = functions.get("sphere", 2)
    opt = CMAES(f.bounds, seed=0)
    minimize(f, opt, 60)  # 10 generations of 6
    assert [e["generation"] for e in opt.log] == list(range(11))
    assert [e["evals"] for e in opt.log] == [6 * g for g in range(11)]
    last = opt.log[-1]
    assert set(last) >= {"generation", "evals", "sigma", "eigenvalues", "best_f",
                         "best_so_far", "mean", "x_mean", "C"}
    assert last["sigma"] == opt.sigma and last["C"].shape == (2, 2)
    assert torch.equal(last["mean"], opt.m) and last["eigenvalues"].shape == (2,)
    assert opt.log[0]["sigma"] == pytest.approx(3.0)  # 0.3 * range
    assert math.isnan(opt.log[0]["best_f"])
    assert "C" not in CMAES([[-1.0] * 11, [1.0] * 11]).log[0]
    assert CMAES(f.bounds, record=False).log == []


def test_defaults_x0_and_sigma0():
    opt = CMAES([[-5.0, 0.0], [10.0, 15.0]])
    assert opt.m.tolist() == [2.5, 7.5] and opt.mean.tolist() == [2.5, 7.5]
    assert opt.sigma == pytest.approx(4.5) and torch.equal(opt.C, torch.eye(2, dtype=torch.float64))
    opt = CMAES([[0.0, 0.0], [1.0, 4.0]], sigma0=[0.5, 1.0])
    assert opt.sigma == 1.0
    std = opt.sigma * torch.sqrt(torch.diagonal(opt.C))
    assert std.tolist() == pytest.approx([0.5, 1.0])


# -- bound handling --------------------------------------------------------------------------


def test_box_transform_properties():
    bounds = torch.tensor([[-5.0, 1.0, 0.0], [5.0, 2.0, 100.0]], dtype=torch.float64)
    t = BoxTransform(bounds)
    g = torch.Generator().manual_seed(0)
    Y = 40 * torch.randn(2000, 3, generator=g, dtype=torch.float64)
    X = t(Y)
    assert bool((X >= bounds[0]).all() and (X <= bounds[1]).all())
    inner = torch.tensor([[0.3, 1.5, 50.0], [-4.7, 1.9, 5.1]], dtype=torch.float64)
    assert torch.equal(t(inner), inner)  # identity inside, exactly
    Xin = bounds[0] + torch.rand(500, 3, generator=g, dtype=torch.float64) * (bounds[1] - bounds[0])
    assert torch.allclose(t(t.inverse(Xin)), Xin, atol=1e-12)
    # continuous across the margins and periodic with period 2 (ub - lb + al + au)
    x = torch.linspace(-20, 20, 40001, dtype=torch.float64)[:, None].expand(-1, 3)
    assert float((t(x)[1:] - t(x)[:-1]).abs().max()) < 2e-3
    period = 2 * (t.hi - t.lo)
    assert torch.allclose(t(Y + period), t(Y), atol=1e-9)


def test_asked_points_stay_inside_the_box_and_find_the_corner():
    bounds = torch.tensor([[-5.0] * 3, [5.0] * 3], dtype=torch.float64)

    def f(X):  # optimum (8, 8, 8) outside the box: the best feasible point is the corner 5
        return ((X - 8.0) ** 2).sum(-1)

    f.dim = 3
    opt = CMAES(bounds, seed=1, sigma0=4.0)
    res = minimize(f, opt, 1500)
    assert bool((res.X >= bounds[0]).all() and (res.X <= bounds[1]).all())
    assert res.best_y == pytest.approx(27.0, abs=1e-6)
    assert res.best_x.tolist() == pytest.approx([5.0] * 3, abs=1e-6)


def test_x0_on_the_boundary_is_allowed():
    opt = CMAES(BOX5, x0=[5.0, -5.0, 0.0, 1.0, 2.0])
    assert opt.mean.tolist() == pytest.approx([5.0, -5.0, 0.0, 1.0, 2.0])
    X = opt.ask()
    assert bool((X.abs() <= 5).all())


# -- termination criteria --------------------------------------------------------------------


def test_sphere_run_stops_on_its_own():
    f = functions.get("sphere", 3)
    opt = CMAES(f.bounds, seed=0)
    res = minimize(f, opt, 20000)
    stops = opt.stop()
    assert res.stop_reason != "budget" and stops
    assert set(stops) & {"tolfun", "tolfunhist", "tolx"}
    assert res.best_y < 1e-12


def test_maxiter_maxfevals_and_ftarget_fire():
    f = functions.get("sphere", 4)
    opt = CMAES(f.bounds, maxiter=5)
    res = minimize(f, opt, 10000)
    assert res.stop_reason == "maxiter" and res.n_evals == 5 * opt.popsize
    assert opt.maxiter == 5
    opt = CMAES(f.bounds, maxfevals=20)
    minimize(f, opt, 10000)
    assert "maxfevals" in opt.stop() and opt.n_told == 24  # 3 generations of 8
    opt = CMAES(f.bounds, ftarget=1.0)
    res = minimize(f, opt, 10000)
    assert res.stop_reason == "ftarget" and res.best_y <= 1.0
    assert CMAES(f.bounds).maxiter == math.floor(100 + 150 * 49 / math.sqrt(8))


def test_flat_fitness_fires_and_increases_sigma():
    def flat(X):
        return torch.zeros(X.shape[0], dtype=torch.float64)

    flat.dim = 3
    opt = CMAES([[-1.0] * 3, [1.0] * 3], seed=0)
    s0 = opt.sigma
    res = minimize(flat, opt, 1000)
    assert "tolflatfitness" in res.stop_reason and opt.generation == 2
    assert opt.sigma > s0


def test_conditioncov_fires_on_an_ill_conditioned_problem():
    f = functions.get("ellipsoid", 4)
    opt = CMAES(f.bounds, seed=0, tolconditioncov=1e3)
    res = minimize(f, opt, 5000)
    assert "tolconditioncov" in res.stop_reason
    assert float(opt.eigenvalues.max() / opt.eigenvalues.min()) > 1e3


def test_stagnation_fires_on_pure_noise():
    g = torch.Generator().manual_seed(0)

    def noise(X):
        return torch.rand(X.shape[0], generator=g, dtype=torch.float64)

    noise.dim = 4
    opt = CMAES([[-1.0] * 4, [1.0] * 4], seed=0, tolstagnation=30)
    res = minimize(noise, opt, 20000)
    assert "tolstagnation" in res.stop_reason
    assert opt.generation >= 30


def test_no_effect_and_sigma_criteria_fire():
    f = functions.get("sphere", 3)
    opt = CMAES(f.bounds, x0=[1.0, 2.0, 3.0], seed=0)
    X = opt.ask()
    opt.tell(X, f(X))
    assert not opt.stop()
    opt.sigma = 1e-300  # steps of 0.1 / 0.2 sigma no longer change the mean
    stops = opt.stop()
    assert {"noeffectaxis", "noeffectcoord", "tolx"} <= set(stops)
    opt.sigma = 1e6  # far larger than sigma0: sigma diverges
    assert "tolfacupx" in opt.stop()


# -- device ----------------------------------------------------------------------------------


@pytest.mark.parametrize("device", ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(
    not torch.cuda.is_available(), reason="no CUDA device"))])
def test_runs_on_a_device(device):
    f = functions.get("sphere", 4)
    opt = CMAES(f.bounds, seed=0, device=device)
    X = opt.ask()
    assert X.device.type == device and X.dtype == torch.float64
    res = minimize(lambda X: f(X.cpu()).to(X.device), opt, 2000, target=1e-8)
    assert res.best_y < 1e-8
    assert opt.C.device.type == device and opt.log[-1]["C"].device.type == "cpu"


# -- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, match", [
    (dict(x0=[0.0] * 4), "x0 must have shape"),
    (dict(x0=[[0.0] * 5]), "x0 must have shape"),
    (dict(x0=[0.0, 0.0, 6.0, 0.0, 0.0]), "outside the bounds in dimension 2"),
    (dict(sigma0=0.0), "sigma0 must be positive"),
    (dict(sigma0=-1.0), "sigma0 must be positive"),
    (dict(sigma0=[1.0, 1.0, 0.0, 1.0, 1.0]), "sigma0 must be positive"),
    (dict(sigma0=[1.0, 1.0]), "sigma0 must be a number or have shape"),
    (dict(popsize=1), "popsize must be an integer >= 2"),
    (dict(popsize=0), "popsize must be an integer >= 2"),
    (dict(popsize=4.5), "popsize must be an integer >= 2"),
    (dict(sigma=1.0), "unknown CMAES option"),
    (dict(cs=1.5), "need 0 < cs < 1"),
])
def test_invalid_arguments_raise_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        CMAES(BOX5, **kwargs)


def test_popsize_two_works():
    f = functions.get("sphere", 2)
    opt = CMAES(f.bounds, popsize=2, seed=0)
    assert opt.ask().shape == (2, 2)
    res = minimize(f, CMAES(f.bounds, popsize=2, seed=0), 600)
    assert res.best_y < 1e-3


def test_tell_must_get_the_asked_population():
    f = functions.get("sphere", 5)
    opt = CMAES(f.bounds)
    with pytest.raises(ValueError, match="call ask"):
        opt.tell(torch.zeros(opt.popsize, 5), torch.zeros(opt.popsize))
    X = opt.ask()
    with pytest.raises(ValueError, match="exactly the"):
        opt.tell(X[:-1], f(X[:-1]))
    with pytest.raises(ValueError, match="exactly the"):
        opt.tell(X.flip(0), f(X.flip(0)))
    assert opt.n_told == 0  # nothing was counted
    opt.tell(X, f(X))
    assert opt.n_told == opt.popsize and opt.generation == 1
