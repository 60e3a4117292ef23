"""benchmarks/research/nas_skeleton_probe.py: keyed initial weights, and the script end to end."""

import importlib.util
from pathlib import Path

import torch

from nasdemo.nas.cell import Cell
from nasdemo.nas.network import Network
import nasdemo.nas.table.population as population

_PATH = Path(__file__).parents[1] / "benchmarks" / "research" / "nas_skeleton_probe.py"
_SPEC = importlib.util.spec_from_file_location("nas_skeleton_probe", _PATH)
probe = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(probe)

A = "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|"
B = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|skip_connect~0|none~1|nor_conv_1x1~2|"


def _keyed(arch: str, seed: int) -> Network:
    net = Network(Cell.from_string(arch), 8, 1, stem_stride=2)
    probe.keyed_init(net, seed)
    return net


def _op_weight(net: Network, stage_block: int, edge: tuple[int, int]) -> torch.Tensor:
    cell = net.features[stage_block]
    return cell.ops[cell.edges.index(edge)][1].weight


def test_keyed_init_shares_weights_within_a_seed_only():
    a0, b0, a1 = _keyed(A, 0), _keyed(B, 0), _keyed(A, 1)
    # The skeleton (stem, reductions, classifier) is the same for every cell of a seed...
    assert torch.equal(a0.features[0].weight, b0.features[0].weight)
    assert torch.equal(a0.features[3].a[1].weight, b0.features[3].a[1].weight)
    assert torch.equal(a0.head[-1].weight, b0.head[-1].weight)
    # ... a shared op on an edge (conv 3x3 on 0->1, conv 1x1 on 1->2) starts the same ...
    for block in (2, 4, 6):
        assert torch.equal(_op_weight(a0, block, (0, 1)), _op_weight(b0, block, (0, 1)))
        assert torch.equal(_op_weight(a0, block, (1, 2)), _op_weight(b0, block, (1, 2)))
    # ... a different op on the same edge does not (A: conv 3x3 on 2->3, B: conv 1x1; compare
    # the 1x1 with the 3x3's centre tap), and nor does another seed.
    assert not torch.equal(_op_weight(a0, 2, (2, 3))[:, :, 1:2], _op_weight(b0, 2, (2, 3)))
    assert not torch.equal(a0.features[0].weight, a1.features[0].weight)
    assert not torch.equal(_op_weight(a0, 2, (0, 1)), _op_weight(a1, 2, (0, 1)))


def test_keyed_network_uses_the_seed_train_population_sets():
    torch.manual_seed(3)
    net = probe.KeyedNetwork(Cell.from_string(A), 8, 1, stem_stride=2)
    ref = _keyed(A, 3)
    assert all(torch.equal(p, q) for p, q in zip(net.parameters(), ref.parameters()))
    torch.seed()  # a 64-bit seed, as an unseeded process has: still a valid generator seed
    probe.KeyedNetwork(Cell.from_string(A), 8, 1, stem_stride=2)


def test_script_end_to_end(tmp_path, capsys, monkeypatch):
    threads = torch.get_num_threads()
    built_with = []
    real = population.train_population

    def spy(*args, **kwargs):
        built_with.append(population.Network)
        return real(*args, **kwargs)

    monkeypatch.setattr(population, "train_population", spy)
    for seed in (0, 1):
        probe.main(["run", "--seed", str(seed), "--cells", "8", "--epochs", "1", "--channels", "2",
                    "--init", "keyed", "--out", str(tmp_path / f"p.{seed}.jsonl")])
    assert built_with and all(n is probe.KeyedNetwork for n in built_with)
    assert population.Network is Network  # the keyed init is undone after the run
    assert torch.get_num_threads() == threads
    probe.main(["stats", str(tmp_path / "p")])
    out = capsys.readouterr().out
    assert "channels=2" in out and "tau_seed" in out and "mean |seed 0 - seed 1| over" in out
