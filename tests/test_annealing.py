"""SimulatedAnnealing: the formulas (acceptance, schedules, visiting distribution), the
neighbourhood moves, reheating, reproducibility, errors, and that it actually anneals."""

import math

import pytest
import torch

from nasdemo import functions
from nasdemo.blackbox.annealing import (SCHEDULES, SimulatedAnnealing, _acceptance_scalar,
                                        acceptance_probability, schedule_temperature,
                                        visiting_scale)
from nasdemo.blackbox.base import minimize
from nasdemo.problems import tsp


def is_perm(x):
    return torch.equal(torch.sort(x.long().flatten()).values, torch.arange(x.numel()))


# -- acceptance probability --------------------------------------------------------------------


def test_metropolis_formula():
    d = torch.tensor([-1.0, 0.0, 0.5, 1.0, 3.0])
    p = acceptance_probability(d, 2.0)
    expected = torch.tensor([1.0, 1.0, math.exp(-0.25), math.exp(-0.5), math.exp(-1.5)],
                            dtype=torch.float64)
    assert torch.allclose(p, expected, rtol=0, atol=1e-15)
    # hotter -> more likely; T = 0 -> never uphill, always downhill
    assert acceptance_probability(1.0, 10.0) > acceptance_probability(1.0, 1.0)
    assert acceptance_probability(1.0, 0.0) == 0 and acceptance_probability(-1.0, 0.0) == 1


def test_generalised_acceptance():
    # (G): [1 - (1 - qa) delta / T]^(1 / (1 - qa)); qa = -5 cuts off at delta >= T / 6
    T = 3.0
    d = torch.tensor([0.1, 0.4, 0.49, 0.5, 2.0])
    p = acceptance_probability(d, T, qa=-5.0)
    expected = [(1 - 6 * v / T) ** (1 / 6) if v < T / 6 else 0.0 for v in d.tolist()]
    assert torch.allclose(p, torch.tensor(expected, dtype=torch.float64), atol=1e-15)
    # qa -> 1 recovers Metropolis; qa > 1 has a heavier tail than Metropolis
    d = torch.linspace(0, 5, 11)
    assert torch.allclose(acceptance_probability(d, 1.3, qa=1 - 1e-7),
                          acceptance_probability(d, 1.3), atol=1e-6)
    assert (acceptance_probability(d[1:], 1.0, qa=1.5) > acceptance_probability(d[1:], 1.0)).all()
    # the float version used in tell() agrees with the tensor version
    for qa in (1.0, -5.0, 1.5):
        for delta in (1e-3, 0.2, 1.0, 7.0):
            for T in (0.0, 0.05, 1.0, 40.0):
                assert _acceptance_scalar(delta, T, qa) == pytest.approx(
                    float(acceptance_probability(delta, T, qa)), abs=1e-14)


@pytest.mark.parametrize("qa, delta", [(1.0, 0.4), (-5.0, 0.1)])
def test_empirical_acceptance_rate_matches_the_formula(qa, delta):
    """Every candidate is worse than the current point by exactly delta: the fraction of
    accepted moves must be p(delta, T)."""
    T, n = 1.0, 4000
    sa = SimulatedAnnealing([[0.0], [1.0]], seed=3, schedule="geometric", t0=T, qa=qa,
                            chain_length=10**9, record=True)  # one level: T stays T
    for i in range(n + 1):
        x = sa.ask()
        sa.tell(x, torch.tensor([0.0 if i == 0 else sa.fx + delta]))
    rate = sum(sa.log["accepted"][1:]) / n
    p = float(acceptance_probability(delta, T, qa))
    assert abs(rate - p) < 4 * math.sqrt(p * (1 - p) / n)


# -- cooling schedules -------------------------------------------------------------------------


def test_schedule_formulas():
    t0 = 10.0
    assert schedule_temperature("geometric", 3, t0, alpha=0.9) == pytest.approx(10 * 0.9**3)
    lin = [schedule_temperature("linear", k, t0, n_levels=4, t_end=2.0) for k in (0, 2, 4, 9)]
    assert lin == pytest.approx([10.0, 6.0, 2.0, 2.0])
    assert schedule_temperature("logarithmic", 0, t0) == pytest.approx(t0)
    assert schedule_temperature("logarithmic", 7, t0) == pytest.approx(
        t0 * math.log(2) / math.log(9))
    # gsa: scipy's dual_annealing loop, T = T0 (2^(qv-1) - 1) / ((i + 2)^(qv-1) - 1)
    for i in (0, 1, 10, 999):
        qv = 2.62
        ref = 5230.0 * (math.exp((qv - 1) * math.log(2.0)) - 1.0) / (
            math.exp((qv - 1) * math.log(i + 2.0)) - 1.0)
        assert schedule_temperature("gsa", i, 5230.0, qv=qv) == pytest.approx(ref, rel=1e-12)
    # gsa interpolates: qv = 2 is fast annealing T0 / (k + 1), qv -> 1 the logarithmic one
    k = torch.arange(50, dtype=torch.float64)
    assert torch.allclose(schedule_temperature("gsa", k, t0, qv=2.0), t0 / (k + 1))
    assert torch.allclose(schedule_temperature("gsa", k, t0, qv=1 + 1e-7),
                          schedule_temperature("logarithmic", k, t0), rtol=1e-5)
    # the tensor and int forms agree, and every schedule starts at t0
    for s in SCHEDULES:
        kw = dict(n_levels=20, t_end=0.1)
        assert schedule_temperature(s, 0, t0, **kw) == pytest.approx(t0)
        assert float(schedule_temperature(s, torch.tensor(5.0), t0, **kw)) == pytest.approx(
            schedule_temperature(s, 5, t0, **kw))
    with pytest.raises(ValueError, match="unknown schedule"):
        schedule_temperature("exponential", 1, t0)


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_logged_temperatures_follow_the_schedule(schedule):
    f = functions.get("sphere", 2)
    sa = SimulatedAnnealing(f.bounds, seed=0, schedule=schedule, t0=50.0, chain_length=3,
                            horizon=301, reheat=None)
    minimize(f, sa, 301)
    levels, temps = sa.log["level"], sa.log["temperature"]
    assert levels[-1] == 99  # 1 start + 100 chains of 3: levels 0..99
    for lev, T in zip(levels, temps):
        assert T == pytest.approx(float(sa.temperature_at(lev)), rel=1e-12)
    if schedule in ("geometric", "linear"):  # horizon: t_end (1e-3 t0) reached at the end
        assert temps[-1] == pytest.approx(0.05, rel=1e-9)


def test_auto_t0_calibration():
    """t0='auto': a random walk of n_calibrate moves, then T0 = mean(uphill) / ln(1/0.8)."""
    f = functions.get("rastrigin", 2)
    sa = SimulatedAnnealing(f.bounds, seed=1, n_calibrate=40)
    assert sa.t0 is None
    minimize(f, sa, 60)
    vals = sa.log["candidate"][:41]
    assert all(sa.log["accepted"][:41]) and all(math.isinf(t) for t in sa.log["temperature"][:41])
    ups = [b - a for a, b in zip(vals, vals[1:]) if b > a]
    assert sa.t0 == pytest.approx(sum(ups) / len(ups) / math.log(1 / 0.8))
    assert sa.log["temperature"][41] == pytest.approx(sa.t0)
    assert sa.t_end == pytest.approx(1e-3 * sa.t0)


# -- visiting distribution (scipy's dual_annealing) --------------------------------------------


def test_visiting_scale_matches_scipy():
    da = pytest.importorskip("scipy.optimize._dual_annealing")
    import numpy as np
    for qv in (1.5, 2.0, 2.62, 2.9):
        vd = da.VisitingDistribution(np.zeros(1), np.ones(1), qv, np.random.default_rng(0))
        for T in (0.01, 1.0, 5230.0):
            factor4 = vd._factor4_p * math.exp(math.log(T) / (qv - 1))
            ref = math.exp(-(qv - 1) * math.log(vd._factor6 / factor4) / (3 - qv))
            assert visiting_scale(qv, T) == pytest.approx(ref, rel=1e-10)
    # qv = 2: the ratio of normals is a Cauchy jump of scale T
    assert visiting_scale(2.0, 3.7) == pytest.approx(3.7)
    with pytest.raises(ValueError):
        visiting_scale(3.0, 1.0)


def test_visiting_moves_follow_the_strategy_chain():
    d = 4
    bounds = torch.tensor([[-1.0] * d, [2.0] * d], dtype=torch.float64)
    sa = SimulatedAnnealing(bounds, seed=0, schedule="gsa", t0=2.0)
    f = lambda X: (X**2).sum(1)  # noqa: E731
    x = sa.ask()
    sa.tell(x, f(x))
    for chain in range(3):
        for j in range(2 * d):
            before = sa.x.clone()
            x = sa.ask()
            assert ((x >= bounds[0]) & (x <= bounds[1])).all()
            changed = (x[0] != before).nonzero().flatten().tolist()
            if j < d:
                assert len(changed) == d  # the first d moves change every coordinate
            else:
                assert changed == [j - d]  # then coordinate 0, 1, ..., d-1 in turn
            sa.tell(x, f(x))
        assert sa.level == chain + 1


def test_gaussian_moves_one_coordinate_in_turn_and_stay_in_the_box():
    d = 3
    bounds = torch.tensor([[0.0, -1.0, 5.0], [1.0, 1.0, 6.0]], dtype=torch.float64)
    sa = SimulatedAnnealing(bounds, seed=0, t0=1.0, step_size=2.0)  # big steps: reflections
    f = lambda X: (X**2).sum(1)  # noqa: E731
    x = sa.ask()
    sa.tell(x, f(x))
    for j in range(60):
        before = sa.x.clone()
        x = sa.ask()
        assert ((x >= bounds[0]) & (x <= bounds[1])).all()
        assert (x[0] != before).nonzero().flatten().tolist() == [j % d]
        sa.tell(x, f(x))


# -- permutations --------------------------------------------------------------------------------


@pytest.mark.parametrize("move", ["2opt", "swap"])
def test_permutation_moves_keep_valid_permutations(move):
    n = 9
    sa = SimulatedAnnealing(n, seed=2, encoding="permutation", move=move, t0=1e9)
    f = lambda X: X.double() @ torch.arange(n, dtype=torch.float64)  # noqa: E731
    x = sa.ask()
    assert x.dtype == torch.long and x.shape == (1, n) and is_perm(x)
    sa.tell(x, f(x))
    for _ in range(300):
        before = sa.x.clone()
        x = sa.ask()
        assert is_perm(x)
        diff = (x[0] != before).nonzero().flatten()
        if move == "swap":
            assert len(diff) == 2 and x[0, diff[0]] == before[diff[1]]
        else:  # 2-opt: positions i..j reversed
            i, j = int(diff[0]), int(diff[-1])
            assert torch.equal(x[0, i:j + 1], before[i:j + 1].flip(0))
        sa.tell(x, f(x))
        assert torch.equal(sa.x, x[0])  # t0 = 1e9: everything accepted


def test_tsp_improves_and_minimize_returns_a_tour():
    P = tsp(30, seed=1)
    g = torch.Generator().manual_seed(0)
    random_len = P(torch.stack([torch.randperm(30, generator=g) for _ in range(200)])).mean()
    sa = SimulatedAnnealing(P.bounds, seed=0, encoding="permutation", horizon=12_000)
    res = minimize(P, sa, 12_000)
    assert res.best_x.dtype == torch.long and is_perm(res.best_x)
    assert P(res.best_x).item() == pytest.approx(res.best_y) == pytest.approx(sa.best_y)
    assert torch.equal(sa.best_x, res.best_x)
    assert res.best_y < 0.35 * random_len  # random tours ~15.5, good ones ~4.4
    # the 2-opt local optimum check: no single reversal improves the best tour much
    assert res.best_y < 4.7


# -- reheating -----------------------------------------------------------------------------------


def test_reheat_best_after_patience():
    f = functions.get("rastrigin", 2)
    sa = SimulatedAnnealing(f.bounds, seed=0, t0=20.0, reheat="best", patience=150)
    minimize(f, sa, 3000)
    assert sa.n_restarts >= 1 and len(sa.restarts) == sa.n_restarts
    k = sa.restarts[0]  # evaluations told when it fired
    assert sa.log["level"][k] == 0 and sa.log["temperature"][k] == pytest.approx(20.0)
    assert sa.log["best"][k - 1] == sa.log["best"][k - 151]  # 150 steps without improvement


def test_restart_random_when_cold():
    f = functions.get("sphere", 2)
    sa = SimulatedAnnealing(f.bounds, seed=0, schedule="linear", t0=5.0, chain_length=4,
                            horizon=201, reheat="random")
    minimize(f, sa, 500)
    # linear: T reaches t_end after (201 - 1) / 4 = 50 levels, then the schedule restarts
    assert sa.restarts[0] == 201 and sa.n_restarts == 2
    assert sa.log["temperature"][201] == pytest.approx(5.0)  # the new random point, at T0
    assert sa.log["accepted"][201]
    # gsa restarts by default, like scipy (2e-5 T0 is reached after ~1250 levels)
    assert SimulatedAnnealing(f.bounds, schedule="gsa").reheat == "random"


# -- reproducibility, bookkeeping and errors -------------------------------------------------


@pytest.mark.parametrize("kw", [dict(schedule="gsa"), dict(schedule="logarithmic"),
                                dict(encoding="permutation", move="swap")])
def test_reproducible(kw):
    if kw.get("encoding") == "permutation":
        f = tsp(12, seed=0)
    else:
        f = functions.get("ackley", 3)

    def run(seed):
        sa = SimulatedAnnealing(f.bounds, seed=seed, **kw)
        return minimize(f, sa, 400), sa

    (a, sa), (b, _), (c, _) = run(5), run(5), run(6)
    assert torch.equal(a.history, b.history) and torch.equal(a.X, b.X)
    assert not torch.equal(a.history, c.history)
    # the log has one entry per evaluation and is consistent
    L = sa.log
    assert all(len(v) == 400 for v in L.values())
    assert L["evals"] == list(range(1, 401))
    assert all(0 <= r <= 1 for r in L["acceptance_rate"])
    assert L["best"] == torch.cummin(a.history, 0).values.tolist()
    assert L["current"][-1] == sa.fx


def test_x0_is_the_first_point():
    f = functions.get("sphere", 3)
    sa = SimulatedAnnealing(f.bounds, x0=[1.0, 2.0, -3.0])
    assert sa.ask().tolist() == [[1.0, 2.0, -3.0]]
    perm = SimulatedAnnealing(5, encoding="permutation", x0=[4, 3, 2, 1, 0])
    assert perm.ask().tolist() == [[4, 3, 2, 1, 0]]


def test_errors():
    b = functions.get("sphere", 2).bounds
    bad = [
        dict(schedule="exponential"), dict(encoding="binary"), dict(move="2opt"),
        dict(t0=-1.0), dict(t0="hot"), dict(t0=1.0, t_end=2.0), dict(alpha=1.0),
        dict(qv=3.0), dict(qv=1.0), dict(qa=math.nan), dict(reheat="always"),
        dict(chain_length=0), dict(horizon=0), dict(x0=[0.0, 9.0]), dict(x0=[0.0]),
        dict(step_size=0.0), dict(accept0=1.0), dict(restart_ratio=2.0), dict(patience=0),
    ]
    for kw in bad:
        with pytest.raises(ValueError):
            SimulatedAnnealing(b, **kw)
    with pytest.raises(ValueError, match="permutation"):
        SimulatedAnnealing(5)  # an item count needs encoding='permutation'
    with pytest.raises(ValueError, match="0 .row 0. and n-1"):
        SimulatedAnnealing(b, encoding="permutation")  # a box is not a permutation space
    with pytest.raises(ValueError, match="permutation"):
        SimulatedAnnealing(4, encoding="permutation", x0=[0, 1, 1, 2])
    with pytest.raises(ValueError, match="does not fit"):
        SimulatedAnnealing(4, encoding="permutation", move="gaussian")
    sa = SimulatedAnnealing(b, seed=0)
    with pytest.raises(ValueError, match="ask"):
        sa.tell(torch.zeros(1, 2), torch.zeros(1))
    x = sa.ask()
    with pytest.raises(ValueError, match="last ask"):
        sa.tell(x + 1, torch.zeros(1))
    with pytest.raises(ValueError, match="finite"):
        sa.tell(x, torch.tensor([math.nan]))
    with pytest.raises(ValueError, match="1 point but 2"):
        sa.tell(x, torch.zeros(2))
    with pytest.raises(ValueError, match="T_0 is not known"):
        sa.temperature_at(3)
