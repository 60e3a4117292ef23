"""DARTS (Liu et al. 2019): mixed ops, the two supernets, derivation, the first- and
second-order architecture gradients, progressive cutting and the search loop. Tiny sizes."""

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from nasdemo.nas.cell import EDGES, OPS, Cell
from nasdemo.nas.darts import (DartsConfig, DartsGenotype, DartsSearch, DartsSupernet,
                               FactorizedReduce, MixedOp, NB201Supernet, darts_search_op,
                               derive_darts_cell, derive_nb201_cell, search)
from nasdemo.nas.data import Splits
from nasdemo.nas.nasnet import DARTS_OPS, NASNetCell

CPU = torch.device("cpu")


pytestmark = pytest.mark.usefixtures("one_thread")


def batch(n: int = 16, seed: int = 0, in_channels: int = 1, length: int = 40,
          dtype: torch.dtype = torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(n, in_channels, length, generator=g, dtype=dtype),
            torch.randint(0, 10, (n,), generator=g))


def tiny_splits(n: int = 32) -> Splits:
    x, y = batch(n, seed=1)
    return Splits(x, y, x[:4], y[:4], x[:4], y[:4])


def nb201(seed: int = 0, dtype: torch.dtype = torch.float32) -> NB201Supernet:
    torch.manual_seed(seed)
    return NB201Supernet(channels=4, device=CPU).to(dtype)


# ----------------------------------------------------------------- mixed op
@pytest.mark.parametrize("ops,stride", [(OPS, 1), (DARTS_OPS, 1), (DARTS_OPS, 2)])
def test_mixed_op_with_one_hot_weights_is_that_op(ops, stride):
    torch.manual_seed(0)
    if ops is OPS:
        mixed = MixedOp(4, ops)
    else:
        mixed = MixedOp(4, ops, lambda name, c: darts_search_op(name, c, stride), stride)
    x = torch.randn(8, 4, 11)
    for k, name in enumerate(ops):
        out = mixed(x, F.one_hot(torch.tensor(k), len(ops)).float())
        if name == "none":
            assert out.shape == (8, 4, 6 if stride == 2 else 11) and not out.any()
        else:
            torch.testing.assert_close(out, mixed.ops[name](x))
    # large logits through the softmax give the same op (up to rounding)
    logits = torch.zeros(len(ops))
    logits[-1] = 1e4
    torch.testing.assert_close(mixed(x, logits.softmax(0)), mixed.ops[ops[-1]](x))


def test_mixed_op_skips_inactive_ops_and_checks_weights():
    mixed = MixedOp(4, OPS)
    x = torch.randn(2, 4, 10)
    w = torch.full((5,), 0.2)
    only_skip = [name == "skip_connect" for name in OPS]
    torch.testing.assert_close(mixed(x, w, only_skip), 0.2 * x)
    assert not mixed(x, w, [name == "none" for name in OPS]).any()
    with pytest.raises(ValueError, match="weights must have shape"):
        mixed(x, torch.ones(4))
    with pytest.raises(ValueError, match="no module for NAS-Bench-201 op 'conv'"):
        MixedOp(4, ["skip_connect", "conv"])


# ----------------------------------------------------------------- shapes and devices
def test_supernet_shapes():
    x, _ = batch(8)
    torch.manual_seed(0)
    assert NB201Supernet(channels=4, device=CPU)(x).shape == (8, 10)
    assert DartsSupernet(channels=4, layers=5, device=CPU)(x).shape == (8, 10)
    cifar_like = torch.randn(4, 3, 32)
    assert NB201Supernet(channels=4, in_channels=3, device=CPU)(cifar_like).shape == (4, 10)
    darts = DartsSupernet(channels=4, layers=3, in_channels=3, device=CPU)
    assert darts(cifar_like).shape == (4, 10)
    assert darts(torch.randn(4, 3, 33)).shape == (4, 10)  # odd lengths reduce too


def test_parameter_groups():
    net = nb201()
    assert net.arch_parameters() == [net.alpha] and net.alpha.shape == (6, 5)
    assert all(p is not net.alpha for p in net.weights())
    assert len(net.weights()) + 1 == len(list(net.parameters()))
    darts = DartsSupernet(channels=4, layers=3, device=CPU)
    assert [a.shape for a in darts.arch_parameters()] == [(14, 8), (14, 8)]
    assert len(darts.weights()) + 2 == len(list(darts.parameters()))
    assert 0 < net.alpha.abs().max() < 1e-2  # 1e-3 * N(0, 1)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_search_step_on_cuda():
    for net in (NB201Supernet(channels=4, device="cuda"),
                DartsSupernet(channels=4, layers=3, device="cuda")):
        x, y = batch()
        x, y = x.cuda(), y.cuda()
        DartsSearch(net, order=2, epochs=1).step(x, y, x, y)
        assert all(a.device.type == "cuda" for a in net.arch_parameters())


def cifar_shaped(n: int = 4, seed: int = 0) -> Splits:
    """Random tensors of CIFAR-10's shape (3 x 32 x 32), the GPU path's smoke test."""
    g = torch.Generator().manual_seed(seed)
    x, y = torch.randn(n, 3, 32, 32, generator=g), torch.randint(0, 10, (n,), generator=g)
    return Splits(x, y, x[:2], y[:2], x[:2], y[:2])


def image_supernets(device: str | torch.device) -> list:
    torch.manual_seed(0)
    return [NB201Supernet(channels=2, stem_stride=1, in_channels=3, dims=2, device=device),
            DartsSupernet(channels=2, layers=3, n_nodes=2, in_channels=3, dims=2,
                          device=device)]


@pytest.mark.parametrize("order", [1, 2])
def test_2d_search_on_cifar_shaped_tensors(order):
    for net in image_supernets(CPU):
        assert all(isinstance(m, nn.Conv2d) for m in net.modules()
                   if isinstance(m, (nn.Conv1d, nn.Conv2d)))
        res = search(net, cifar_shaped(), epochs=1, batch_size=2, order=order, device=CPU)
        assert len(res.train_loss) == 1 and all(map(math.isfinite, res.val_loss))
        assert not torch.equal(res.alphas[next(iter(res.alphas))][0],
                               res.alphas[next(iter(res.alphas))][-1])
    assert isinstance(res.architecture, DartsGenotype)


def test_2d_ops_match_their_1d_definition():
    torch.manual_seed(0)
    x = torch.randn(2, 4, 9, 9)
    mixed = MixedOp(4, DARTS_OPS, lambda n, c: darts_search_op(n, c, 2, dims=2), stride=2)
    for k, name in enumerate(DARTS_OPS):
        out = mixed(x, F.one_hot(torch.tensor(k), len(DARTS_OPS)).float())
        assert out.shape == (2, 4, 5, 5), name  # ceil(9 / 2) on both axes, none included
    # FactorizedReduce: the second half reads the input shifted one pixel down and right
    fr = FactorizedReduce(4, 4, dims=2).eval()
    z = torch.zeros(1, 4, 4, 4)
    z[..., 1, 1] = 1.0  # seen only by the shifted (odd) convolution at output (0, 0)
    out = fr(z) - fr(torch.zeros_like(z))
    assert out[0, :2].abs().max() == 0 and out[0, 2:, 0, 0].abs().max() > 0
    with pytest.raises(ValueError, match="dims must be 1 .* or 2"):
        darts_search_op("sep_conv_3x3", 4, dims=3)


def test_supernet_input_shape_errors():
    nb, darts = image_supernets(CPU)
    for net in (nb, darts):
        with pytest.raises(ValueError, match=r"takes \[batch, channels, height, width\] with 3"):
            net(torch.randn(2, 3, 32))
        with pytest.raises(ValueError, match=r"got shape \(2, 1, 32, 32\)"):
            net(torch.randn(2, 1, 32, 32))
    with pytest.raises(ValueError, match=r"takes \[batch, channels, length\]"):
        nb201()(torch.randn(2, 1, 8, 8))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_2d_search_on_cuda():
    for net in image_supernets("cuda"):
        res = search(net, cifar_shaped(8), epochs=1, batch_size=4, order=2, device="cuda")
        assert all(a.device.type == "cuda" for a in net.arch_parameters())
        assert all(map(math.isfinite, res.val_loss))


# ----------------------------------------------------------------- derivation
def test_nb201_derive_is_argmax_per_edge_none_included():
    choice = ["nor_conv_3x3", "none", "skip_connect", "avg_pool_3x3", "nor_conv_1x1", "none"]
    alpha = torch.randn(6, 5, generator=torch.Generator().manual_seed(0))
    for k, op in enumerate(choice):
        alpha[k, OPS.index(op)] = 5.0
    expected = Cell(choice)
    assert derive_nb201_cell(alpha) == expected
    net = nb201()
    with torch.no_grad():
        net.alpha.copy_(alpha)
    assert net.derive() == expected
    with pytest.raises(ValueError, match=r"alpha must have shape \(6, 5\).*\(6, 4\)"):
        derive_nb201_cell(torch.zeros(6, 4))


def test_darts_derive_top2_inputs_ignoring_none():
    none = DARTS_OPS.index("none")
    alpha = torch.zeros(14, 8)
    # node 2 (rows 0-1): sep_conv_3x3 from 1 beats max_pool from 0
    alpha[0, 1], alpha[1, 4] = 1.0, 2.0
    # node 3 (rows 2-4): none is strongest on input 0, but input 0's best real op is weak
    alpha[2, none], alpha[2, 3] = 9.0, 1.0
    alpha[3, 5], alpha[4, 6] = 2.0, 3.0
    # node 4 (rows 5-8): ties everywhere -> earlier inputs; only row 8 has a clear winner
    alpha[8, 7] = 1.0
    # node 5 (rows 9-13): none dominates every edge; the real ops still rank the edges
    alpha[9:14, none] = 20.0
    alpha[11, 2], alpha[13, 3] = 3.0, 2.0
    normal = derive_darts_cell(alpha)
    assert normal == NASNetCell.from_darts([("sep_conv_3x3", 1), ("max_pool_3x3", 0),
                                            ("dil_conv_3x3", 2), ("sep_conv_5x5", 1),
                                            ("dil_conv_5x5", 3), ("max_pool_3x3", 0),
                                            ("avg_pool_3x3", 2), ("skip_connect", 4)])
    assert all(op != "none" for op, _ in normal.to_darts())
    net = DartsSupernet(channels=4, layers=3, device=CPU)
    with torch.no_grad():
        net.alpha_normal.copy_(alpha)
        net.alpha_reduce.copy_(alpha.flip(0))
    g = net.derive()
    assert isinstance(g, DartsGenotype) and g.normal == normal and g.reduce.n_nodes == 4
    with pytest.raises(ValueError, match=r"alpha must have shape \(14, 8\).*\(9, 8\)"):
        derive_darts_cell(torch.zeros(9, 8))
    assert derive_darts_cell(torch.zeros(9, 8), n_nodes=3).n_nodes == 3
    with pytest.raises(ValueError, match="n_nodes must be at least 1"):
        derive_darts_cell(torch.zeros(0, 8), n_nodes=0)


# ----------------------------------------------------------------- architecture gradients
def exact_unrolled_gradient(net: NB201Supernet, searcher: DartsSearch, xt, yt, xv, yv,
                            xi: float, through_step: bool = True) -> torch.Tensor:
    """d/d alpha L_val(w'(alpha), alpha), w' = w - xi (mu b + grad_w L_train(w, alpha) +
    lambda w), by autograd through the virtual step (or, with ``through_step=False``, with
    w' held fixed: the first term of eq. 7 alone)."""
    cfg = searcher.config
    named = [(n, p) for n, p in net.named_parameters() if p is not net.alpha]
    g = torch.autograd.grad(F.cross_entropy(net(xt), yt), [p for _, p in named],
                            create_graph=through_step)
    unrolled = {}
    for (n, p), gp in zip(named, g):
        buf = searcher.w_opt.state[p]["momentum_buffer"]
        unrolled[n] = p - xi * (cfg.momentum * buf + gp + cfg.w_weight_decay * p)
    loss = F.cross_entropy(torch.func.functional_call(net, unrolled, (xv,)), yv)
    return torch.autograd.grad(loss, net.alpha)[0]


def test_second_order_matches_autograd_through_the_unrolled_step():
    # A central difference assumes a smooth loss; with ReLUs, a kink crossed within +-eps
    # makes the alpha-gradient jump and the difference blow up (here: 67 % relative error,
    # float64). Softplus keeps the check about eqs. 7-8, not about ReLU kinks.
    net = nb201(dtype=torch.float64)
    for module in list(net.modules()):
        for name, child in module.named_children():
            if isinstance(child, nn.ReLU):
                setattr(module, name, nn.Softplus())
    xt, yt = batch(16, seed=1, dtype=torch.float64)
    xv, yv = batch(16, seed=2, dtype=torch.float64)
    xi = 0.01
    searcher = DartsSearch(net, order=2, epochs=1, config=DartsConfig(xi=xi))
    searcher.step(xt, yt, xv, yv)  # fills SGD's momentum buffers: w' uses them
    net.train()
    exact = exact_unrolled_gradient(net, searcher, xt, yt, xv, yv, xi)
    before = [p.detach().clone() for p in net.parameters()]
    (approx,), _ = searcher.arch_gradient(xt, yt, xv, yv)
    assert all(torch.equal(a, b) for a, b in zip(before, net.parameters()))  # w restored
    assert (approx - exact).norm() / exact.norm() < 1e-4
    # The second-order term matters: without it (grad_alpha L_val at a fixed w') the error is
    # over 1 % and far larger than the finite difference's.
    without = exact_unrolled_gradient(net, searcher, xt, yt, xv, yv, xi, through_step=False)
    assert (without - exact).norm() / exact.norm() > 1e-2
    assert (without - exact).norm() > 100 * (approx - exact).norm()


def test_first_order_is_the_plain_validation_gradient():
    net = nb201()
    xt, yt = batch(16, seed=1)
    xv, yv = batch(16, seed=2)
    net.train()
    expected = torch.autograd.grad(F.cross_entropy(net(xv), yv), net.alpha)[0]
    (first,), _ = DartsSearch(net, order=1).arch_gradient(xt, yt, xv, yv)
    torch.testing.assert_close(first, expected)
    (xi0,), _ = DartsSearch(net, order=2, config=DartsConfig(xi=0.0)).arch_gradient(
        xt, yt, xv, yv)
    torch.testing.assert_close(xi0, expected)


def test_step_moves_alpha_and_weights_and_records_history():
    torch.manual_seed(0)
    net = DartsSupernet(channels=4, layers=3, n_nodes=2, device=CPU)
    searcher = DartsSearch(net, order=2, epochs=1)
    a0 = [a.detach().clone() for a in net.arch_parameters()]
    w0 = [w.detach().clone() for w in net.weights()]
    x, y = batch(16)
    searcher.step(x, y, x, y)
    assert all(not torch.equal(a, b) for a, b in zip(a0, net.arch_parameters()))
    assert any(not torch.equal(a, b) for a, b in zip(w0, net.weights()))
    assert len(searcher.alphas) == 2 and set(searcher.alphas[0]) == {"normal", "reduce"}
    assert len(searcher.train_loss) == len(searcher.val_loss) == 1


# ----------------------------------------------------------------- search loop
def fresh(cls, global_seed: int):
    """A tiny supernet built under some global random state (not the search's seed)."""
    torch.manual_seed(global_seed)
    torch.randn(global_seed + 1)  # and a few draws further on, for good measure
    if cls is NB201Supernet:
        return NB201Supernet(channels=4, device=CPU)
    return DartsSupernet(channels=4, layers=3, n_nodes=2, device=CPU)


@pytest.mark.parametrize("cls", [NB201Supernet, DartsSupernet])
def test_same_seed_same_run_without_global_seeding(cls):
    def run(seed, global_seed):
        net = fresh(cls, global_seed)
        before = torch.random.get_rng_state()
        res = search(net, tiny_splits(), epochs=1, batch_size=8, order=2, seed=seed,
                     device=CPU)
        assert torch.equal(torch.random.get_rng_state(), before)  # no global draws
        return res

    a, b, c = run(3, global_seed=10), run(3, global_seed=11), run(4, global_seed=10)
    assert a.steps_per_epoch == 2
    for name in a.alphas:
        assert a.alphas[name].shape[0] == 3
        torch.testing.assert_close(a.alphas[name], b.alphas[name], rtol=0, atol=0)
        assert not torch.equal(a.alphas[name], c.alphas[name])
    assert a.train_loss == b.train_loss and a.val_loss == b.val_loss
    assert a.architecture == b.architecture and a.derived == [a.architecture]
    assert isinstance(a.architecture, Cell if cls is NB201Supernet else DartsGenotype)


def test_reset_is_construction_after_manual_seed_and_lifts_cuts():
    """reset(seed) draws what the constructor draws right after torch.manual_seed(seed), so
    runs recorded as `torch.manual_seed(s); search(Supernet(), seed=s)` are today's
    `search(Supernet(), seed=s)`."""
    for cls in (NB201Supernet, DartsSupernet):
        torch.manual_seed(5)
        built = cls(channels=4, device=CPU)
        reset = fresh(cls, 0)
        if cls is DartsSupernet:
            reset = DartsSupernet(channels=4, device=CPU)
        reset.reset(5)
        want = built.state_dict()
        assert all(torch.equal(want[k], v) for k, v in reset.state_dict().items())
    net = fresh(NB201Supernet, 1)
    net.prune_weakest()
    with torch.no_grad():
        net.alpha.add_(1.0)
    net.reset(0)
    assert net.edge_mask.all() and 0 < net.alpha.abs().max() < 1e-2


def test_seed_must_be_a_non_negative_integer():
    net = fresh(NB201Supernet, 0)
    for bad in (None, 1.5, "0", True, torch.tensor(1), -1, 2**63):
        with pytest.raises(ValueError, match=r"seed must be a non-negative integer below 2\*\*63"):
            search(net, tiny_splits(), epochs=1, seed=bad, device=CPU)
    with pytest.raises(ValueError, match="seed must be"):
        net.reset(0.5)
    res = search(net, tiny_splits(), epochs=1, batch_size=16, seed=np.int64(2), device=CPU)
    assert res.seed == 2 and type(res.seed) is int


def test_progressive_cutting_one_op_per_edge_per_cut():
    net = nb201()
    left = []
    res = search(net, tiny_splits(), epochs=5, batch_size=16, seed=0, device=CPU,
                 prune_every=1,
                 callback=lambda e, s: left.append(s.supernet.edge_mask.sum(1).tolist()))
    assert left == [[4] * 6, [3] * 6, [2] * 6, [1] * 6, [1] * 6]
    assert len(res.pruned) == 4 * len(EDGES)
    assert [e for e, _, _ in res.pruned] == [1] * 6 + [2] * 6 + [3] * 6 + [4] * 6
    # the derived cell is the one op left on each edge, and cut ops have weight 0
    assert list(res.architecture.ops) == [OPS[int(k)] for k in net.edge_mask.int().argmax(1)]
    assert (res.alphas["alpha"][-1] == net.edge_mask.float()).all()
    for k, (i, j) in enumerate(EDGES):
        assert all(op != res.architecture.op(i, j) for _, e, op in res.pruned if e == (i, j))


def test_darts_space_search_runs():
    torch.manual_seed(0)
    net = DartsSupernet(channels=4, layers=3, n_nodes=2, device=CPU)
    res = search(net, tiny_splits(16), epochs=1, batch_size=8, device=CPU)
    assert isinstance(res.architecture, DartsGenotype) and res.architecture.normal.n_nodes == 2
    assert res.alphas["normal"].shape == (2, 5, 8)


def test_bad_inputs():
    net = nb201()
    with pytest.raises(ValueError, match="order must be 1"):
        DartsSearch(net, order=3)
    with pytest.raises(ValueError, match="order must be 1"):
        search(net, tiny_splits(), order=0, device=CPU)
    with pytest.raises(ValueError, match="xi"):
        DartsSearch(net, order=1, config=DartsConfig(xi=0.1))
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ValueError, match="prune_every"):
            search(net, tiny_splits(), prune_every=bad, device=CPU)
    with pytest.raises(ValueError, match="prune_every needs an NB201Supernet"):
        search(DartsSupernet(channels=4, layers=3, n_nodes=1, device=CPU), tiny_splits(),
               prune_every=1, device=CPU)
    with pytest.raises(ValueError, match="epochs"):
        search(net, tiny_splits(), epochs=0, device=CPU)
    with pytest.raises(ValueError, match="channels must be at least 1"):
        NB201Supernet(channels=0, device=CPU)
    with pytest.raises(ValueError, match="layers must be at least 1"):
        DartsSupernet(layers=0, device=CPU)


def test_cifar_script_smoke(capsys):
    """benchmarks/darts_cifar10.py end to end on random CIFAR-shaped images."""
    path = Path(__file__).parents[1] / "benchmarks" / "darts_cifar10.py"
    spec = importlib.util.spec_from_file_location("darts_cifar10", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    script.main(["--random", "8", "--epochs", "1", "--channels", "2", "--layers", "1",
                 "--batch-size", "4", "--space", "nb201", "--device", "cpu"])
    out = capsys.readouterr().out
    assert "nb201 supernet on cpu" in out and "epoch   1" in out
    assert Cell.from_string(out.split("derived: ")[1].splitlines()[0])  # a valid cell string
