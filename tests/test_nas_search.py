"""Search strategies on a synthetic full-space table: random search, aging evolution (Real et
al. 2019, Algorithm 1), REINFORCE, and the comparison helper."""

import random
from functools import partial

import numpy as np
import pytest
import torch

from nasdemo.nas import (Benchmark, Cell, aging_evolution, compare, random_search,
                         reinforce)
from nasdemo.nas.reinforce import LSTMPolicy, SoftmaxPolicy

SCORE = {"none": 0.0, "skip_connect": 1.0, "nor_conv_1x1": 2.0, "nor_conv_3x3": 3.0,
         "avg_pool_3x3": 0.5}


def synthetic(noise: float = 1.0) -> Benchmark:
    """All 15,625 cells; accuracy grows with the ops on live edges (plus two noisy seeds)."""
    cells = Cell.all()
    rng = np.random.default_rng(0)
    val, per_seed, test = [], [], []
    for c in cells:
        base = 10.0 if c.is_disconnected else 40.0 + 3.0 * sum(SCORE[c.op(i, j)]
                                                               for i, j in c.live_edges())
        s = [base + noise * rng.standard_normal(), base + noise * rng.standard_normal()]
        per_seed.append(s)
        val.append(sum(s) / 2)
        test.append(base + 0.5 * noise * rng.standard_normal())
    return Benchmark(cells, val, test=test, seconds=[1.0] * len(cells), val_per_seed=per_seed,
                     test_per_seed=[[t, t] for t in test], name="synthetic")


@pytest.fixture(scope="module")
def bench():
    return synthetic()


# ---------------------------------------------------------------------------- random search
def test_random_search_records_every_query(bench):
    r = random_search(bench, 50, seed=1)
    assert len(r) == 50 and bench.n_queries == 50 and r.seconds == 50.0
    assert all(bench.lookup(c) == a for c, a in r.history)
    assert r.best[1] == max(a for _, a in r.history)
    c = r.curve()
    assert c.shape == (50,) and np.all(np.diff(c) >= 0) and c[-1] == r.best[1]


def test_searches_are_reproducible(bench):
    for fn in (random_search, aging_evolution, reinforce):
        a, b, c = fn(bench, 40, seed=3), fn(bench, 40, seed=3), fn(bench, 40, seed=4)
        assert a.history == b.history, fn.__name__
        assert a.history != c.history, fn.__name__


@pytest.mark.parametrize("fn", [random_search, aging_evolution, reinforce])
def test_bad_budget_is_rejected(bench, fn):
    with pytest.raises(ValueError, match="budget"):
        fn(bench, 0)
    with pytest.raises(ValueError, match="budget"):
        fn(bench, 10.5)


# ---------------------------------------------------------------------------- aging evolution
def test_aging_removes_the_oldest_not_the_worst(bench):
    r = aging_evolution(bench, 200, seed=0, population_size=10, sample_size=3, record=True)
    cycles = r.info["cycles"]
    assert len(cycles) == 190 and len(r) == 200
    saw_non_worst_death = False
    for k, cy in enumerate(cycles):
        # Algorithm 1: the queue before the child joins is the 10 most recent models...
        assert cy.population == tuple(range(k, k + 10))
        assert cy.child == 10 + k
        assert cy.dead == cy.population[0]  # ...and the one that dies is the oldest
        accs = [r.history[m][1] for m in cy.population + (cy.child,)]
        saw_non_worst_death |= r.history[cy.dead][1] > min(accs)
        # the parent is the best of the sample, the sample comes from the population
        assert set(cy.sample) <= set(cy.population)
        assert cy.parent in cy.sample
        assert r.history[cy.parent][1] == max(r.history[m][1] for m in cy.sample)
        # the child is a one-edge mutation of the parent
        parent, child = r.history[cy.parent][0], r.history[cy.child][0]
        assert sum(a != b for a, b in zip(parent.ops, child.ops)) == 1
    assert saw_non_worst_death  # aging really is not selection by fitness
    assert r.info["final_population"] == list(range(190, 200))


def test_non_aging_removes_the_worst(bench):
    r = aging_evolution(bench, 150, seed=0, population_size=10, aging=False, record=True)
    for cy in r.info["cycles"]:
        members = cy.population + (cy.child,)
        assert r.history[cy.dead][1] == min(r.history[m][1] for m in members)


def test_sample_is_drawn_with_replacement(bench):
    # S > P is impossible, but with S = P = 4 a without-replacement sample would always be the
    # whole population; Algorithm 1 draws each candidate independently, so repeats occur.
    r = aging_evolution(bench, 200, seed=0, population_size=4, sample_size=4, record=True)
    repeats = [len(set(cy.sample)) < 4 for cy in r.info["cycles"]]
    assert 0 < sum(repeats) < len(repeats)


def test_evolution_beats_random_search_on_an_easy_table(bench):
    res = compare(bench, {"ae": aging_evolution, "rs": random_search}, 150, seeds=20)
    assert res.final("ae").mean() > res.final("rs").mean() + 1.0


def test_evolution_options_are_checked(bench):
    with pytest.raises(ValueError, match="population_size"):
        aging_evolution(bench, 20, population_size=30)
    with pytest.raises(ValueError, match="sample_size"):
        aging_evolution(bench, 20, population_size=5, sample_size=6)


def test_noisy_queries_return_one_seed(bench):
    r = aging_evolution(bench, 60, seed=2, noisy=True)
    idx = {c: i for i, c in enumerate(bench.cells())}
    for c, a in r.history:
        assert a in bench._val_per_seed[idx[c]]
    flat = Benchmark(bench.cells(), bench.accuracies(), name="flat")
    with pytest.raises(ValueError, match="per-seed"):
        random_search(flat, 5, noisy=True)


# ---------------------------------------------------------------------------- REINFORCE
@pytest.mark.parametrize("policy_cls", [SoftmaxPolicy, LSTMPolicy])
@pytest.mark.parametrize("advantage", [1.0, -1.0])
def test_reinforce_step_has_the_right_sign(policy_cls, advantage):
    """One step on -(R - b) log pi(a): a positive advantage makes the sampled cell more
    likely, a negative one less likely."""
    torch.manual_seed(0)
    policy = policy_cls()
    gen = torch.Generator().manual_seed(0)
    tokens, logp = policy.sample(gen)

    def logprob(a):
        if isinstance(policy, SoftmaxPolicy):
            lp = torch.log_softmax(policy.theta, -1)
            return float(lp[torch.arange(6), torch.tensor(a)].sum().detach())
        _, lp = policy._logits(a, None)
        return float(lp[torch.arange(6), torch.tensor(a)].sum().detach())

    before = logprob(tokens)
    assert before == pytest.approx(float(logp.detach()), abs=1e-6)
    opt = torch.optim.SGD(policy.parameters(), lr=0.1)
    (-advantage * logp).backward()
    opt.step()
    after = logprob(tokens)
    assert (after - before) * advantage > 0


def test_reinforce_learns_the_easy_table(bench):
    r = reinforce(bench, 300, seed=0, lr=0.05, record=True)
    p = r.info["probs"]
    assert p.shape == (300, 6, 5)
    # the best op on this table is nor_conv_3x3 on every edge: its probability grew
    assert float(p[-1, :, 3].mean()) > 0.4 > float(p[0, :, 3].mean())
    late = np.mean([a for _, a in r.history[-50:]])
    early = np.mean([a for _, a in r.history[:50]])
    assert late > early + 5


def test_reinforce_lstm_controller_runs(bench):
    r = reinforce(bench, 30, seed=0, controller="lstm")
    assert len(r) == 30 and r.method == "REINFORCE (lstm)"
    assert r.info["final_probs"].shape == (6, 5)
    torch.testing.assert_close(r.info["final_probs"].sum(-1), torch.ones(6))


def test_reinforce_options_are_checked(bench):
    with pytest.raises(ValueError, match="controller"):
        reinforce(bench, 5, controller="gru")
    with pytest.raises(ValueError, match="baseline_decay"):
        reinforce(bench, 5, baseline_decay=1.0)


# ---------------------------------------------------------------------------- compare
def test_compare_shapes_and_table(bench):
    res = compare(bench, {"rs": random_search,
                          "ae": partial(aging_evolution, population_size=5)}, 30, seeds=[0, 1, 2])
    assert res.curves["rs"].shape == (3, 30)
    assert len(res.runs["ae"]) == 3 and res.test["ae"].shape == (3,)
    lo, hi = res.band("ae")
    assert np.all(lo <= res.mean("ae") + 1e-9) and np.all(res.mean("ae") <= hi + 1e-9)
    assert np.all(res.regret("rs") >= 0)
    text = res.table()
    assert "rs" in text and "ae" in text
    with pytest.raises(ValueError, match="seeds"):
        compare(bench, {"rs": random_search}, 10, seeds=[])


def test_lookup_does_not_count(bench):
    bench.reset()
    c = Cell.random(random.Random(0))
    bench.lookup(c)
    bench.lookup(c, test=True)
    assert bench.n_queries == 0
