"""MNIST-1D splits, the NAS-Bench-201 skeleton in 1-D, and the training recipe."""

import random

import numpy as np
import pytest
import torch

from nasdemo.nas.cell import Cell
from nasdemo.nas.data import Splits, load_mnist1d
from nasdemo.nas.network import Network, count_flops, count_params
from nasdemo.nas.train import Recipe, chance_accuracy, train_cell

FULL = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"
EMPTY = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"


@pytest.fixture(scope="module")
def data() -> Splits:
    return load_mnist1d()


def test_splits_are_fixed_and_disjoint(data):
    assert data.sizes() == (3000, 1000, 1000)
    assert data.x_train.shape == (3000, 1, 40) and data.x_train.dtype == torch.float32
    assert set(data.y_train.unique().tolist()) == set(range(10))
    # cached and deterministic: same object, same first rows as ever
    assert load_mnist1d() is data
    assert not any(torch.equal(data.x_val[0], x) for x in data.x_train[:500])


def test_loading_leaves_global_rng_alone():
    load_mnist1d.cache_clear()
    random.seed(5)
    np.random.seed(5)
    load_mnist1d()
    a, b = random.random(), np.random.rand()
    random.seed(5)
    np.random.seed(5)
    assert (a, b) == (random.random(), np.random.rand())


@pytest.mark.parametrize("arch", [FULL, EMPTY, str(Cell.from_index(1234))])
def test_network_shapes(arch):
    net = Network(Cell.from_string(arch), channels=4, n_cells=2)
    assert net(torch.randn(5, 1, 40)).shape == (5, 10)
    assert Network(Cell.from_string(arch), 4, stem_stride=2)(torch.randn(3, 1, 40)).shape == (3, 10)


def test_params_flops_grow_with_ops_and_agree_for_isomorphic_cells():
    full, empty = Cell.from_string(FULL), Cell.from_string(EMPTY)
    assert count_params(Network(full, 8)) > count_params(Network(empty, 8))
    assert count_flops(Network(full, 8)) > count_flops(Network(empty, 8)) > 0
    a = Cell.from_string("|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|")
    b = Cell.from_string("|avg_pool_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|")
    assert a.canonical() == b.canonical()
    assert count_params(Network(a, 8)) == count_params(Network(b, 8))
    assert count_flops(Network(a, 8)) == count_flops(Network(b, 8))


def test_disconnected_cell_ignores_its_input():
    net = Network(Cell.from_string(EMPTY), 4).eval()
    out = net(torch.randn(6, 1, 40))
    assert torch.allclose(out, out[:1].expand_as(out))


def _small(data: Splits, n: int = 300) -> Splits:
    return Splits(data.x_train[:n], data.y_train[:n], data.x_val[:100], data.y_val[:100],
                  data.x_test[:100], data.y_test[:100])


def test_train_cell_records_everything_and_is_reproducible(data):
    rec = Recipe(epochs=2, channels=4, batch_size=100)
    small = _small(data, 200)
    state = torch.get_rng_state()
    r1 = train_cell(FULL, seed=3, recipe=rec, device="cpu", data=small)
    assert torch.equal(state, torch.get_rng_state())
    r2 = train_cell(Cell.from_string(FULL), seed=3, recipe=rec, device="cpu", data=small)
    assert r1.val_curve == r2.val_curve and r1.test_acc == r2.test_acc
    assert len(r1.val_curve) == 2 and r1.val_acc == r1.val_curve[-1]
    assert 0 <= r1.test_acc <= 100 and r1.params > 0 and r1.flops > 0 and r1.seconds > 0
    assert r1.recipe == rec.as_dict() and r1.cell == FULL


def test_disconnected_cells_get_chance_without_training(data):
    r = train_cell(EMPTY, seed=0, recipe=Recipe(epochs=3), device="cpu", data=data)
    val, test = chance_accuracy(data)
    assert r.seconds == 0.0 and r.val_curve == [val] * 3 and r.test_acc == test
    assert 5 < val < 15 and 5 < test < 15


def test_unknown_optimizer(data):
    with pytest.raises(ValueError, match="optimizer"):
        train_cell(FULL, recipe=Recipe(epochs=1, channels=4, optimizer="lbfgs"), device="cpu",
                   data=_small(data, 100))
