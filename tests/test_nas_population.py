"""PopulationNetwork: K networks in one model behave exactly like K standalone Networks."""

import pytest
import torch

from nasdemo.nas.cell import Cell
from nasdemo.nas.data import Splits, load_mnist1d
from nasdemo.nas.network import Network
from nasdemo.nas.table.population import PopulationNetwork, train_population
from nasdemo.nas.train import Recipe, train_cell



@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """These networks are tiny: a second thread only adds contention (on a shared 2-core
    machine, 10x slower), so run on one, as the table builder's workers do."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


CELLS = [
    # every edge a 3x3 conv
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|",
    # none edges, and a dead node-1 branch (1 -> 2 and 1 -> 3 read an all-zero node)
    "|none~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|nor_conv_3x3~1|nor_conv_1x1~2|",
    # disconnected: output never reached
    "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|none~0|none~1|none~2|",
    # mixed, shares ops with the first on some edges
    "|nor_conv_1x1~0|+|nor_conv_3x3~0|skip_connect~1|+|nor_conv_3x3~0|avg_pool_3x3~1|none~2|",
    # all none
    "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
]


def _nets(cells, channels=4, n_cells=1, stem_stride=2):
    nets = []
    for k, arch in enumerate(cells):
        torch.manual_seed(100 + k)
        net = Network(Cell.from_string(arch), channels, n_cells, stem_stride=stem_stride)
        for m in net.modules():  # non-trivial BN statistics and affine parameters
            if isinstance(m, torch.nn.BatchNorm1d):
                m.running_mean.uniform_(-1, 1)
                m.running_var.uniform_(0.5, 2)
                m.weight.data.uniform_(0.5, 1.5)
                m.bias.data.uniform_(-0.5, 0.5)
        nets.append(net)
    return nets


@pytest.mark.parametrize("n_cells,stem_stride", [(1, 2), (2, 1)])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_slots_match_standalone_networks(mode, n_cells, stem_stride):
    nets = _nets(CELLS, n_cells=n_cells, stem_stride=stem_stride)
    pop = PopulationNetwork.from_networks(nets)
    for m in [pop, *nets]:
        m.train(mode == "train")
    x = torch.randn(6, len(CELLS), 40)  # model k gets its own signals, channel k
    out = pop(x)
    assert out.shape == (6, len(CELLS), 10)
    for k, net in enumerate(nets):
        torch.testing.assert_close(out[:, k], net(x[:, k:k + 1]), atol=1e-5, rtol=1e-5)


def test_to_network_copies_a_slot_back():
    pop = PopulationNetwork.from_networks(_nets(CELLS)).eval()
    with torch.no_grad():  # make the population's weights differ from the nets it came from
        for p in pop.parameters():
            p.add_(0.1 * torch.randn_like(p))
    x = torch.randn(5, len(CELLS), 40)
    out = pop(x)
    for k in range(len(CELLS)):
        net = pop.to_network(k)
        assert isinstance(net, Network) and net.cell == Cell.from_string(CELLS[k])
        torch.testing.assert_close(out[:, k], net(x[:, k:k + 1]), atol=1e-5, rtol=1e-5)


def test_models_get_only_their_own_gradients():
    pop = PopulationNetwork.from_networks(_nets(CELLS[:4])).train()
    x = torch.randn(8, 4, 40)

    def grads(loss_weights):
        pop.zero_grad(set_to_none=False)
        (pop(x).logsumexp(2).mean(0) * loss_weights).sum().backward()
        return [[g.clone() for g in pop.slot_grads(k)] for k in range(4)]

    base = grads(torch.tensor([1.0, 1.0, 1.0, 1.0]))
    changed = grads(torch.tensor([1.0, 5.0, 1.0, 1.0]))  # only model 1's loss changes
    for k in (0, 2, 3):
        for a, b in zip(base[k], changed[k]):
            torch.testing.assert_close(a, b)
    assert any(not torch.allclose(a, b) for a, b in zip(base[1], changed[1]))
    # and model k's gradient is that of the standalone network on its own loss
    nets = [pop.to_network(k).train() for k in range(4)]
    for k, net in enumerate(nets):
        net.zero_grad()
        net(x[:, k:k + 1]).logsumexp(1).mean().backward()
        # (a disconnected model's stem gets no gradient alone, zeros in the population)
        want = [torch.zeros_like(p) if p.grad is None else p.grad for p in net.parameters()]
        for a, b in zip(base[k], want):
            torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-4)


def _small() -> Splits:
    d = load_mnist1d()
    return Splits(d.x_train[:256], d.y_train[:256], d.x_val[:100], d.y_val[:100],
                  d.x_test[:100], d.y_test[:100])


def test_population_training_is_reproducible_and_matches_train_cell():
    rec = Recipe(epochs=2, channels=4, batch_size=64)
    data = _small()
    state = torch.get_rng_state()
    a = train_population(CELLS, [0, 1, 2, 3, 4], rec, "cpu", data)
    assert torch.equal(state, torch.get_rng_state())
    b = train_population(CELLS, [0, 1, 2, 3, 4], rec, "cpu", data)
    assert [r.val_curve for r in a] == [r.val_curve for r in b]
    assert [r.test_acc for r in a] == [r.test_acc for r in b]
    # A model trains as if alone: the same as a population of one (train_cell), up to
    # float rounding, which a few hundred steps can amplify into a different prediction
    # on a sample or two.
    alone = train_cell(CELLS[0], 0, rec, "cpu", data)
    assert abs(alone.val_acc - a[0].val_acc) <= 2.0
    # Disconnected cells are not trained; the others share the population's time.
    assert a[2].seconds == 0.0 and a[4].seconds == 0.0
    assert a[0].seconds == a[1].seconds == a[3].seconds > 0
    assert a[0].params == alone.params and a[0].flops == alone.flops


def test_population_of_one_cell_type_and_mismatched_seeds():
    with pytest.raises(ValueError, match="seeds"):
        train_population(CELLS[:2], [0], Recipe(epochs=1, channels=2), "cpu", _small())
    with pytest.raises(ValueError, match="at least one"):
        PopulationNetwork([])
