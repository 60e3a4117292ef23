import math

import pytest
import torch

from nasdemo import functions


@pytest.mark.parametrize("name", functions.names())
def test_optimum_value_at_every_minimizer(name):
    f = functions.get(name)
    vals = f(f.minimizers)
    assert torch.allclose(vals, torch.full_like(vals, f.f_opt), atol=1e-6)
    assert f.bounds.shape == (2, f.dim)
    assert ((f.minimizers >= f.bounds[0]) & (f.minimizers <= f.bounds[1])).all()


@pytest.mark.parametrize("name", functions.names())
def test_no_point_beats_the_optimum(name):
    f = functions.get(name)
    g = torch.Generator().manual_seed(0)
    U = torch.rand(20000, f.dim, generator=g, dtype=torch.float64)
    X = f.bounds[0] + U * (f.bounds[1] - f.bounds[0])
    assert f(X).min() >= f.f_opt - 1e-9


def test_known_values():
    # hand-computed values at non-optimal points
    assert functions.get("sphere", 3)(torch.tensor([1.0, 2.0, 3.0])).item() == 14.0
    assert functions.get("rosenbrock", 2)(torch.tensor([0.0, 0.0])).item() == 1.0
    assert functions.get("rastrigin", 1)(torch.tensor([0.5])).item() == pytest.approx(20.25)
    assert functions.get("himmelblau")(torch.tensor([0.0, 0.0])).item() == 170.0
    e = functions.get("ellipsoid", 3)(torch.tensor([1.0, 1.0, 1.0])).item()
    assert e == pytest.approx(1 + 1e3 + 1e6)
    assert functions.get("ackley", 2)(torch.tensor([1.0, 0.0])).item() == pytest.approx(
        -20 * math.exp(-0.2 * math.sqrt(0.5)) - math.exp(0.5 * (1 + 1)) + 20 + math.e)


def test_batch_and_single_point_agree():
    f = functions.get("hartmann6")
    X = torch.rand(5, 6, dtype=torch.float64)
    batch = f(X)
    assert batch.shape == (5,)
    assert torch.allclose(torch.stack([f(x) for x in X]), batch)


def test_float32_and_dim_defaults():
    f = functions.get("sphere")
    assert f.dim == 2
    assert f(torch.ones(3, 2, dtype=torch.float32)).dtype == torch.float32


def test_bad_input_errors():
    with pytest.raises(ValueError, match="unknown function"):
        functions.get("nope")
    with pytest.raises(ValueError, match="2 dimensions only"):
        functions.get("branin", 3)
    with pytest.raises(ValueError, match="rosenbrock.s dim must be an integer >= 2, got 1"):
        functions.get("rosenbrock", 1)
    with pytest.raises(ValueError, match=r"shape \[n, 3\]"):
        functions.get("sphere", 3)(torch.zeros(4, 2))
