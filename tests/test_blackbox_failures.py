"""Issue 14, section 4 (black-box side): nothing lost, nothing silently wrong.

Each test here failed on the commit before the fix: ``minimize`` checks its last, cut-short
batch like a full one, keeps the history when the objective raises, names an objective that
returns None and accepts NumPy integer budgets; ``tell`` rejects points that are NaN or outside
the box; BayesOpt rejects non-finite exploration knobs.
"""

import dataclasses
import math

import numpy as np
import pytest
import torch

from nasdemo import functions
from nasdemo.blackbox import (CMAES, BayesOpt, GeneticAlgorithm, Optimizer, RandomSearch,
                              SimulatedAnnealing, minimize)

SPHERE = functions.get("sphere", 2)


def _on_last_batch(change):
    """Sphere, but ``change(y)`` is applied on the cut-short last batch (2 of 7 points)."""

    def objective(X):
        y = SPHERE(X)
        return change(y) if X.shape[0] == 2 else y

    return objective


@pytest.mark.parametrize("bad", [math.nan, -math.inf, math.inf])
def test_non_finite_value_in_the_last_short_batch_is_an_error(bad):
    def change(y):
        y = y.clone()
        y[1] = bad
        return y

    opt = RandomSearch(SPHERE.bounds, seed=0, batch_size=7)
    with pytest.raises(ValueError, match="finite") as err:
        minimize(_on_last_batch(change), opt, budget=30)
    partial = err.value.result  # what was evaluated before the bad batch
    assert partial.n_evals == 28 and math.isfinite(partial.best_y)
    assert torch.isfinite(partial.history).all()


def test_short_y_in_the_last_short_batch_is_an_error():
    opt = RandomSearch(SPHERE.bounds, seed=0, batch_size=7)
    with pytest.raises(ValueError, match="2 points but 1 value"):
        minimize(_on_last_batch(lambda y: y[:1]), opt, budget=30)


def test_long_y_in_the_last_short_batch_is_a_clear_error():
    opt = RandomSearch(SPHERE.bounds, seed=0, batch_size=7)
    with pytest.raises(ValueError, match="2 points but 3 values"):
        minimize(_on_last_batch(lambda y: torch.cat([y, y[:1]])), opt, budget=30)


def test_wrong_length_in_a_full_batch_names_the_objective():
    opt = RandomSearch(SPHERE.bounds, seed=0, batch_size=4)
    with pytest.raises(ValueError, match="objective 'sphere': got 4 points but 3 values"):
        minimize(dataclasses.replace(SPHERE, fn=lambda X: X[:3, 0]), opt, 10)


def test_objective_that_raises_keeps_the_history():
    calls = []

    def flaky(X):
        calls.append(1)
        if len(calls) == 4:
            raise RuntimeError("the simulator crashed")
        return SPHERE(X)

    opt = RandomSearch(SPHERE.bounds, seed=0, batch_size=5)
    with pytest.raises(RuntimeError, match="the simulator crashed") as err:
        minimize(flaky, opt, budget=100)
    partial = err.value.result
    assert partial.n_evals == 15 and partial.history.shape == (15,)
    assert partial.X.shape == (15, 2) and partial.stop_reason == "error"
    assert partial.best_y == partial.history.min().item()
    assert torch.equal(SPHERE(partial.X), partial.history)
    assert "15 evaluations" in "".join(getattr(err.value, "__notes__", []))


def test_objective_that_raises_on_the_first_call_gives_an_empty_result():
    def broken(X):
        raise KeyError("no such column")

    with pytest.raises(KeyError) as err:
        minimize(broken, RandomSearch(SPHERE.bounds), budget=10)
    partial = err.value.result
    assert partial.n_evals == 0 and partial.best_x is None and partial.best_y == math.inf


def test_an_interrupted_run_keeps_the_history():
    calls = []

    def slow(X):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # the lecturer pressed stop
        return SPHERE(X)

    with pytest.raises(KeyboardInterrupt) as err:
        minimize(slow, RandomSearch(SPHERE.bounds, seed=0, batch_size=4), budget=100)
    assert err.value.result.n_evals == 8


def test_objective_returning_none_names_the_objective():
    def my_simulation(X):
        SPHERE(X)  # forgot the return

    with pytest.raises(TypeError, match="objective 'my_simulation': got None instead of a Tensor"):
        minimize(my_simulation, RandomSearch(SPHERE.bounds), budget=5)


@pytest.mark.parametrize("budget", [np.int64(12), np.int32(12), 12])
def test_minimize_accepts_any_integer_budget(budget):
    r = minimize(SPHERE, RandomSearch(SPHERE.bounds, seed=0, batch_size=5), budget)
    assert r.n_evals == 12 and type(r.n_evals) is int


@pytest.mark.parametrize("budget", [True, 12.0, np.float64(12), 0, -3, np.int64(0), "12"])
def test_minimize_rejects_non_integer_or_non_positive_budgets(budget):
    with pytest.raises(ValueError, match="budget must be a positive integer"):
        minimize(SPHERE, RandomSearch(SPHERE.bounds), budget)


@pytest.mark.parametrize("cls", [RandomSearch, BayesOpt])
def test_tell_rejects_nan_and_out_of_box_points(cls):
    opt = cls(SPHERE.bounds, seed=0)
    with pytest.raises(ValueError, match="X must be finite"):
        opt.tell(torch.tensor([[math.nan, 0.0]]), torch.tensor([1.0]))
    with pytest.raises(ValueError, match=r"outside the bounds in dimension 1: 7\.5 not in"):
        opt.tell(torch.tensor([[0.0, 7.5]]), torch.tensor([1.0]))
    assert opt.n_told == 0 and opt.best_x is None
    X = opt.ask()
    opt.tell(X, SPHERE(X))  # still usable
    assert opt.n_told == 1


def test_bayesopt_keeps_asking_after_a_rejected_tell():
    opt = BayesOpt(SPHERE.bounds, seed=0, n_init=3)
    for _ in range(3):
        X = opt.ask()
        opt.tell(X, SPHERE(X))
    with pytest.raises(ValueError):
        opt.tell(torch.tensor([[math.nan, 0.0]]), torch.tensor([1.0]))
    X = opt.ask()
    assert torch.isfinite(X).all()


@pytest.mark.parametrize("option", [
    {"xi": math.nan}, {"xi": math.inf}, {"beta": math.inf}, {"beta": math.nan},
    {"beta": -1.0}, {"noise_var": math.nan}, {"noise_var": math.inf}, {"xi": "0.1"},
])
def test_bayesopt_rejects_non_finite_exploration_knobs(option):
    name = next(iter(option))
    with pytest.raises(ValueError, match=name):
        BayesOpt(SPHERE.bounds, **option)


def test_tell_of_every_optimiser_is_the_base_tell():
    """The base class owns the checks: no optimiser re-implements ``tell``."""
    for cls in (RandomSearch, BayesOpt, CMAES, SimulatedAnnealing, GeneticAlgorithm):
        assert cls.tell is Optimizer.tell, cls.__name__
