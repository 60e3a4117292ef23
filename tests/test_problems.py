"""nasdemo.problems: the seeded TSP and knapsack instances."""

import itertools
import math

import pytest
import torch

from nasdemo.problems import TSP, knapsack, tsp


def test_tsp_is_seeded_and_shaped():
    a, b, c = tsp(20, seed=3), tsp(20, seed=3), tsp(20, seed=4)
    assert torch.equal(a.coords, b.coords) and not torch.equal(a.coords, c.coords)
    assert a.coords.shape == (20, 2) and a.coords.dtype == torch.float64
    assert ((a.coords >= 0) & (a.coords <= 1)).all()
    assert a.dim == a.n_cities == 20
    assert a.bounds.tolist() == [[0.0] * 20, [19.0] * 20]
    assert torch.allclose(a.distances, torch.cdist(a.coords, a.coords), atol=1e-12)


def test_tour_length():
    square = torch.tensor([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]], dtype=torch.float64)
    P = TSP(square, seed=0)  # a unit square, by hand
    assert P(torch.tensor([0, 1, 2, 3])).item() == pytest.approx(4.0)
    assert P(torch.tensor([0, 2, 1, 3])).item() == pytest.approx(2 + 2 * math.sqrt(2))
    # batch, float input, and invariance under rotation and reversal of the tour
    batch = torch.tensor([[0, 1, 2, 3], [2, 3, 0, 1], [3, 2, 1, 0], [0, 2, 1, 3]])
    assert P(batch).tolist() == pytest.approx([4, 4, 4, 2 + 2 * math.sqrt(2)])
    assert P(batch.double()).tolist() == P(batch).tolist()
    xs, ys = P.tour_xy([0, 1, 2, 3])
    assert xs == [0, 1, 1, 0, 0] and ys == [0, 0, 1, 1, 0]


def test_tsp_errors():
    P = tsp(5, seed=0)
    with pytest.raises(ValueError, match="not a permutation"):
        P(torch.tensor([[0, 1, 2, 3, 4], [0, 1, 1, 3, 4]]))
    with pytest.raises(ValueError, match="shape"):
        P(torch.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match="integer"):
        P(torch.tensor([0.5, 1, 2, 3, 4]))
    with pytest.raises(ValueError, match="n_cities"):
        tsp(2)


def test_knapsack_instance_and_objective():
    kp = knapsack(10, seed=2)
    assert kp.dim == kp.n_items == 10 and kp.bounds.tolist() == [[0.0] * 10, [1.0] * 10]
    assert torch.equal(kp.values, knapsack(10, seed=2).values)
    assert ((kp.values >= 1) & (kp.values <= 100)).all() and torch.equal(kp.weights,
                                                                            kp.weights.round())
    assert kp.capacity == math.floor(0.5 * kp.weights.sum().item())
    B = torch.zeros(3, 10)
    B[1, :] = 1
    B[2, [0, 3]] = 1
    assert kp(B).tolist() == [0, kp.values.sum().item(), (kp.values[0] + kp.values[3]).item()]
    assert kp.weight(B)[2].item() == (kp.weights[0] + kp.weights[3]).item()
    assert kp.feasible(B).tolist() == [True, False, bool(kp.weight(B)[2] <= kp.capacity)]
    assert kp.excess(B)[1].item() == kp.weights.sum().item() - kp.capacity
    assert kp.excess(B)[0].item() == 0
    assert kp(B[1]).ndim == 0  # a single selection gives a scalar


def test_knapsack_optimum_is_exact():
    for seed in range(3):
        kp = knapsack(12, seed=seed, capacity_ratio=0.4)
        value, sel = kp.optimum()
        assert kp(sel).item() == value and bool(kp.feasible(sel))
        allB = torch.tensor(list(itertools.product([0, 1], repeat=12)), dtype=torch.float64)
        ok = kp.feasible(allB)
        assert value == kp(allB)[ok].max().item()


def test_knapsack_errors():
    kp = knapsack(4)
    with pytest.raises(ValueError, match="0 and 1"):
        kp(torch.tensor([0, 2, 1, 0]))
    with pytest.raises(ValueError, match="shape"):
        kp(torch.ones(3, 5))
    with pytest.raises(ValueError, match="capacity_ratio"):
        knapsack(5, capacity_ratio=1.5)
    with pytest.raises(ValueError, match="n_items"):
        knapsack(0)
