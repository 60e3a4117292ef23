import pytest
import torch

from nasdemo import functions
from nasdemo.blackbox import RandomSearch, check_bounds, minimize


def test_check_bounds_errors():
    with pytest.raises(ValueError, match="shape"):
        check_bounds([0.0, 1.0])
    with pytest.raises(ValueError, match="inverted or empty in dimension 1"):
        check_bounds([[0.0, 2.0], [1.0, 1.0]])
    with pytest.raises(ValueError, match="finite"):
        check_bounds([[0.0], [float("inf")]])


def test_random_search_stays_in_box_and_is_reproducible():
    f = functions.get("branin")
    r1 = minimize(f, RandomSearch(f.bounds, seed=3, batch_size=4), budget=40)
    r2 = minimize(f, RandomSearch(f.bounds, seed=3, batch_size=4), budget=40)
    r3 = minimize(f, RandomSearch(f.bounds, seed=4, batch_size=4), budget=40)
    assert torch.equal(r1.history, r2.history)
    assert not torch.equal(r1.history, r3.history)
    assert ((r1.X >= f.bounds[0]) & (r1.X <= f.bounds[1])).all()
    assert r1.best_y == r1.history.min().item()
    assert torch.allclose(f(r1.best_x), torch.tensor(r1.best_y, dtype=torch.float64))


def test_sobol_random_search():
    f = functions.get("sphere", 3)
    r = minimize(f, RandomSearch(f.bounds, seed=0, sobol=True, batch_size=8), budget=64)
    assert r.n_evals == 64


def test_budget_is_exact_with_partial_last_batch():
    f = functions.get("sphere", 2)
    opt = RandomSearch(f.bounds, seed=0, batch_size=7)
    r = minimize(f, opt, budget=30)
    assert r.n_evals == 30 and len(r.history) == 30 and r.X.shape == (30, 2)
    assert opt.n_told == 28  # the partial last batch (2 of 7) is evaluated, not told


def test_best_so_far_and_evals_to():
    f = functions.get("sphere", 2)
    r = minimize(f, RandomSearch(f.bounds, seed=0), budget=50)
    curve = r.best_so_far()
    assert (curve[1:] <= curve[:-1]).all() and curve[-1] == r.best_y
    assert r.evals_to(r.history[0].item()) == 1
    assert r.evals_to(-1.0) is None


def test_stops_at_target_and_on_callback():
    f = functions.get("sphere", 2)
    r = minimize(f, RandomSearch(f.bounds, seed=0), budget=1000, target=1.0)
    assert r.stop_reason == "target" and r.best_y <= 1.0 and r.n_evals < 1000
    calls = []
    r = minimize(f, RandomSearch(f.bounds, seed=0), budget=100,
                 callback=lambda opt, X, y: calls.append(1) or len(calls) == 5)
    assert r.stop_reason == "callback" and r.n_evals == 5


def test_minimize_input_errors():
    f = functions.get("sphere", 3)
    opt = RandomSearch(functions.get("sphere", 2).bounds)
    with pytest.raises(ValueError, match="3-dimensional"):
        minimize(f, opt, 10)
    for bad in (0, -5, 2.5, True):
        with pytest.raises(ValueError, match="budget must be a positive integer"):
            minimize(functions.get("sphere", 2), opt, bad)


def test_tell_errors():
    opt = RandomSearch([[0.0, 0.0], [1.0, 1.0]])
    X = opt.ask()
    with pytest.raises(ValueError, match=r"shape \[k, 2\]"):
        opt.tell(torch.zeros(1, 3), torch.zeros(1))
    with pytest.raises(ValueError, match="1 point but 2 values"):
        opt.tell(X, torch.zeros(2))
    with pytest.raises(ValueError, match="finite"):
        opt.tell(X, torch.tensor([float("nan")]))
