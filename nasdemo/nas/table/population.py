"""K independent NAS-Bench-201 networks, each with its own cell, run as one PyTorch model.

Why: a network of the tabular benchmark is tiny (a few thousand parameters on signals of
length 40), so on a CPU one training step costs mostly Python and framework overhead per op,
not arithmetic. Stacking K networks along the channel axis pays that overhead once for K.

How (model k owns channels ``[k*C, (k+1)*C)`` of every layer):

- the stem, the residual reductions and the classifier are the single network's layers with
  ``groups=K`` convolutions: group k only ever reads model k's channels. The classifier is a
  grouped 1x1 convolution (one ``Linear`` per model). Channel-wise BatchNorm is per-model
  BatchNorm, since its statistics are per channel.
- in a cell, edge i -> j of model k runs model k's own op. For each edge and each op the
  models that use it there are gathered (``index_select`` on their channels of node i), run
  through the op at once (a conv op: one grouped ReLU-conv-BN with a group per *using*
  model), and summed into node j (one ``index_add`` per node). So a conv's weights exist only
  for the models that use it, each model's compute is its own, and ``none`` (or a dead edge,
  see ``Cell.live_edges``) adds nothing, exactly as in ``Network``. (Computing every op for
  every model and masking, the obvious alternative, does ~5x the arithmetic.)
- input is ``Tensor[batch, K * in_channels, length]``: model k sees its own batch (its own
  data order), output is ``Tensor[batch, K, n_classes]``.

Nothing couples the models: the loss is the *sum* of the K per-model losses, so each model's
gradient is the gradient of its own loss. With an elementwise optimiser (SGD, Adam, AdamW;
no global gradient clipping) every model trains exactly as it would alone, up to
floating-point rounding. ``from_networks`` / ``to_network`` copy weights (and BN running
statistics) between slot k and a standalone ``Network``: the equivalence tests compare the
two, and training starts from K standalone networks made with their own seeds.

``train_population`` trains K cells so, with the table's ``Recipe``: it is how the table is
built (``nasdemo.nas.table.build``), and ``nasdemo.nas.train_cell`` is a population of one.
"""

from __future__ import annotations

import math
import time
from typing import Iterator, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ...utils import get_device
from ..cell import EDGES, N_NODES, Cell
from ..data import Splits, load_mnist1d
from ..network import (AvgPool3, CellModule, HalvingPool, Network, ResidualReduction,
                       count_flops, count_params)
from ..train import Recipe, RunResult, chance_accuracy

__all__ = ["PopulationNetwork", "train_population", "evaluate_population"]

_CONV_KERNELS = {"nor_conv_1x1": 1, "nor_conv_3x3": 3}


class GroupedReLUConvBN(nn.Sequential):
    """``groups`` independent ReLU -> Conv1d -> BatchNorm1d blocks (``ReLUConvBN``) as one
    grouped convolution; group g reads channels ``[g*c_in, (g+1)*c_in)``."""

    def __init__(self, groups: int, c_in: int, c_out: int, kernel: int, stride: int = 1) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv1d(groups * c_in, groups * c_out, kernel, stride=stride,
                      padding=kernel // 2, groups=groups, bias=False),
            nn.BatchNorm1d(groups * c_out),
        )


class GroupedResidualReduction(nn.Module):
    """K copies of ``ResidualReduction`` (same attribute names, so weights map one-to-one)."""

    def __init__(self, k: int, c_in: int, c_out: int) -> None:
        super().__init__()
        self.a = GroupedReLUConvBN(k, c_in, c_out, 3, stride=2)
        self.b = GroupedReLUConvBN(k, c_out, c_out, 3)
        self.shortcut = nn.Sequential(HalvingPool(),
                                      nn.Conv1d(k * c_in, k * c_out, 1, groups=k, bias=False))

    def forward(self, x: Tensor) -> Tensor:
        return self.b(self.a(x)) + self.shortcut(x)


def _channels_of(models: Sequence[int], channels: int) -> Tensor:
    """The channel indices ``[m*C, (m+1)*C)`` of each model m, concatenated."""
    m = torch.as_tensor(list(models), dtype=torch.long)
    return (m[:, None] * channels + torch.arange(channels)).reshape(-1)


class PopulationCell(nn.Module):
    """One cell position of K networks, model k running ``cells[k]`` on its channels.

    For every (edge, op) that some model uses on a live edge, the users' channels of the
    edge's source are gathered and run through the op (one grouped conv for all users of a
    conv op); node j is then assembled in one ``index_add`` of all its edges' results.
    """

    def __init__(self, cells: Sequence[Cell], channels: int) -> None:
        super().__init__()
        self.channels = channels
        live = [set(c.live_edges()) for c in cells]
        #: ``users[(e, op)]``: the models whose live edge ``EDGES[e]`` runs ``op``.
        self.users: dict[tuple[int, str], list[int]] = {}
        for e, (i, j) in enumerate(EDGES):
            for m, cell in enumerate(cells):
                if (i, j) in live[m]:
                    self.users.setdefault((e, cell.op(i, j)), []).append(m)
        self.convs = nn.ModuleDict()
        self.pool = AvgPool3()
        #: per target node j: the (source node, op, key) of each (edge, op) feeding it.
        self._into: dict[int, list[tuple[int, str, str]]] = {}
        for (e, op), models in sorted(self.users.items()):
            i, j = EDGES[e]
            key = f"e{e}_{op}"
            if op in _CONV_KERNELS:
                self.convs[key] = GroupedReLUConvBN(len(models), channels, channels,
                                                    _CONV_KERNELS[op])
            self.register_buffer(f"idx_{key}", _channels_of(models, channels), persistent=False)
            self._into.setdefault(j, []).append((i, op, key))

    def forward(self, x: Tensor) -> Tensor:
        nodes: dict[int, Tensor] = {0: x}
        for j in range(1, N_NODES):
            if j not in self._into:
                continue  # no model has a live edge into node j: it is zero (and unused)
            idxs, outs = [], []
            for i, op, key in self._into[j]:
                idx = getattr(self, f"idx_{key}")
                src = nodes[i].index_select(1, idx)  # the users' channels of node i
                if op in _CONV_KERNELS:
                    src = self.convs[key](src)
                elif op == "avg_pool_3x3":
                    src = self.pool(src)
                idxs.append(idx)
                outs.append(src)
            # node j = sum over its edges; index_add adds where several edges hit a channel.
            nodes[j] = x.new_zeros(x.shape).index_add(1, torch.cat(idxs), torch.cat(outs, 1))
        return nodes.get(N_NODES - 1, torch.zeros_like(x))


class PopulationNetwork(nn.Module):
    """K NAS-Bench-201 networks (``Network``), model k with cell ``cells[k]``, in one module.

    Input ``Tensor[batch, K * in_channels, length]`` (model k's signals in channels
    ``[k*in_channels, (k+1)*in_channels)``), output logits ``Tensor[batch, K, n_classes]``.
    Build it empty with the ``Network`` arguments, or from K networks with
    ``from_networks``.
    """

    def __init__(self, cells: Sequence[Cell], channels: int = 16, n_cells: int = 1,
                 n_classes: int = 10, in_channels: int = 1, stem_stride: int = 1) -> None:
        super().__init__()
        self.cells = list(cells)
        k = self.k = len(self.cells)
        if k == 0:
            raise ValueError("a population needs at least one cell")
        self.channels, self.n_cells, self.n_classes = channels, n_cells, n_classes
        self.in_channels, self.stem_stride = in_channels, stem_stride
        c = channels
        # Same layer list and names as Network.features / Network.head.
        layers: list[nn.Module] = [
            nn.Conv1d(k * in_channels, k * c, 3, stride=stem_stride, padding=1, groups=k,
                      bias=False),
            nn.BatchNorm1d(k * c)]
        for stage in range(3):
            if stage > 0:
                layers.append(GroupedResidualReduction(k, c, 2 * c))
                c *= 2
            layers.extend(PopulationCell(self.cells, c) for _ in range(n_cells))
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.BatchNorm1d(k * c), nn.ReLU(inplace=False),
                                  nn.AdaptiveAvgPool1d(1),
                                  nn.Conv1d(k * c, k * n_classes, 1, groups=k))

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(x)).view(x.shape[0], self.k, self.n_classes)

    # ----------------------------------------------------------------- weights <-> Network
    @classmethod
    def from_networks(cls, nets: Sequence[Network]) -> "PopulationNetwork":
        """A population whose slot k holds a copy of ``nets[k]``'s weights and BN statistics
        (all nets built with the same widths, depth, stem and device). Does not draw from
        the global torch generator (the default init it overwrites runs on a forked one)."""
        first = nets[0]
        with torch.random.fork_rng(devices=[]):
            pop = cls([n.cell for n in nets], first.channels, first.n_cells, first.n_classes,
                      first.in_channels, first.stem_stride)
        pop.to(next(first.parameters()).device)
        for k, net in enumerate(nets):
            pop.load_slot(k, net)
        return pop

    def to_network(self, k: int) -> Network:
        """A standalone ``Network`` holding a copy of slot k (same device, eval/train mode)."""
        net = Network(self.cells[k], self.channels, self.n_cells, self.n_classes,
                      self.in_channels, self.stem_stride)
        net.to(next(self.parameters()).device).train(self.training)
        self._copy(k, net, to_slot=False)
        return net

    def slot_grads(self, k: int) -> list[Tensor | None]:
        """Model k's parameter gradients, in ``Network(cells[k]).parameters()`` order (views
        into the population's ``.grad`` tensors; ``None`` where there is no gradient)."""
        net = self.to_network(k)
        out: list[Tensor | None] = []
        for single, grouped, groups, slot in self._leaf_pairs(k, net):
            for name, p in single.named_parameters(recurse=False):
                g = getattr(grouped, name).grad
                out.append(None if g is None else g.view(groups, *p.shape)[slot])
        return out

    def load_slot(self, k: int, net: Network) -> None:
        """Copy ``net``'s weights and BN running statistics into slot k."""
        if net.cell != self.cells[k]:
            raise ValueError(f"slot {k} holds cell {self.cells[k]}, not {net.cell}")
        self._copy(k, net, to_slot=True)

    @torch.no_grad()
    def _copy(self, k: int, net: Network, to_slot: bool) -> None:
        for single, grouped, groups, slot in self._leaf_pairs(k, net):
            tensors = dict(grouped.named_parameters(recurse=False))
            tensors.update(grouped.named_buffers(recurse=False))
            own = dict(single.named_parameters(recurse=False))
            own.update(single.named_buffers(recurse=False))
            for name, t in own.items():
                if t.dim() == 0:  # num_batches_tracked: shared by the group, left alone
                    continue
                view = tensors[name].view(groups, *t.shape)[slot]
                (view if to_slot else t).copy_(t if to_slot else view)

    def _leaf_pairs(self, k: int, net: Network) -> Iterator[tuple[nn.Module, nn.Module, int, int]]:
        """(module of ``net``, the population module holding its copy, its group count,
        model k's group in it) for every ``net`` module that owns weights or buffers."""
        mine = dict(self.named_modules())
        for name, mod in net.named_modules():
            if isinstance(mod, CellModule):
                cell_pop = mine[name]
                assert isinstance(cell_pop, PopulationCell)
                for (i, j), op_mod in zip(mod.edges, mod.ops):
                    op = mod.cell.op(i, j)
                    if op not in _CONV_KERNELS:
                        continue
                    users = cell_pop.users[(EDGES.index((i, j)), op)]
                    grouped = cell_pop.convs[f"e{EDGES.index((i, j))}_{op}"]
                    for sub_name, sub in op_mod.named_modules():
                        if _owns_tensors(sub):
                            yield sub, grouped.get_submodule(sub_name), len(users), users.index(k)
            elif _owns_tensors(mod) and not _inside_cell(name, net):
                yield mod, mine[_head_name(name, net)], self.k, k


def _owns_tensors(m: nn.Module) -> bool:
    return any(True for _ in m.parameters(recurse=False)) or \
        any(True for _ in m.buffers(recurse=False))


def _inside_cell(name: str, net: Network) -> bool:
    parts = name.split(".")
    return any(isinstance(net.get_submodule(".".join(parts[:n])), CellModule)
               for n in range(1, len(parts)))


def _head_name(name: str, net: Network) -> str:
    """The population's module name for ``net``'s module ``name``: the same, except the
    classifier, ``head.4`` (a Linear) here ``head.3`` (a grouped 1x1 conv; no Flatten)."""
    return "head.3" if name == f"head.{len(net.head) - 1}" else name


# Keep ResidualReduction's attribute names and GroupedResidualReduction's in step.
assert {n for n, _ in ResidualReduction(1, 1).named_children()} == \
    {n for n, _ in GroupedResidualReduction(1, 1, 1).named_children()}


# ----------------------------------------------------------------- training K cells at once
def train_population(cells: Sequence[Cell | str], seeds: Sequence[int],
                     recipe: Recipe = Recipe(), device: str | torch.device | None = None,
                     data: Splits | None = None) -> list[RunResult]:
    """Train ``cells[k]`` with seed ``seeds[k]``, for every k, as one ``PopulationNetwork``.

    Model k starts from the weights ``Network(cells[k])`` gets under ``torch.manual_seed(
    seeds[k])`` and draws its own batch order from a generator seeded with ``seeds[k]``; the
    loss is the sum of the models' mean cross-entropies and the optimiser is elementwise, so
    each model trains as it would alone (up to float rounding), whatever else is in the
    population. Disconnected cells are left out of it and get chance accuracy and 0 s.

    ``params`` and ``flops`` are the standalone network's. ``seconds`` and ``cpu_seconds``
    are the population's wall and process-CPU training time divided by the number of models
    trained: the cost per run of building the table this way (every model gets the same).
    Leaves the caller's global torch RNG state untouched.
    """
    cells = [Cell.from_string(c) if isinstance(c, str) else c for c in cells]
    seeds = list(seeds)
    if len(seeds) != len(cells):
        raise ValueError(f"got {len(cells)} cells but {len(seeds)} seeds")
    dev = get_device(device)
    data = (data or load_mnist1d()).to(dev)
    nets = []
    for cell, seed in zip(cells, seeds):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            nets.append(Network(cell, recipe.channels, recipe.n_cells,
                                stem_stride=recipe.stem_stride).to(dev))
    sizes = [(count_params(n), count_flops(n)) for n in nets]
    live = [k for k, c in enumerate(cells) if not c.is_disconnected]

    curves: dict[int, list[float]] = {}
    tests: dict[int, float] = {}
    seconds = cpu = 0.0
    if live:
        start, cpu_start = time.perf_counter(), time.process_time()
        pop = PopulationNetwork.from_networks([nets[k] for k in live])
        gens = [torch.Generator().manual_seed(seeds[k]) for k in live]
        live_curves = _fit(pop, gens, recipe, data)
        live_tests = evaluate_population(pop, data.x_test, data.y_test)
        seconds = (time.perf_counter() - start) / len(live)
        cpu = (time.process_time() - cpu_start) / len(live)
        for m, k in enumerate(live):
            curves[k] = [c[m] for c in live_curves]
            tests[k] = live_tests[m]

    chance_val, chance_test = chance_accuracy(data)
    results = []
    for k, (cell, seed) in enumerate(zip(cells, seeds)):
        curve = curves.get(k, [chance_val] * recipe.epochs)
        results.append(RunResult(str(cell), seed, curve, curve[-1], tests.get(k, chance_test),
                                 *sizes[k], seconds if k in curves else 0.0,
                                 cpu if k in curves else 0.0, recipe.as_dict()))
    return results


def _fit(pop: PopulationNetwork, gens: list[torch.Generator], recipe: Recipe,
         data: Splits) -> list[list[float]]:
    """Train ``pop`` in place with ``recipe``, model k's batches drawn with ``gens[k]``;
    returns the validation accuracies after each epoch, ``[epoch][model]``."""
    if recipe.optimizer == "sgd":
        opt: torch.optim.Optimizer = torch.optim.SGD(
            pop.parameters(), lr=recipe.lr, momentum=recipe.momentum, nesterov=True,
            weight_decay=recipe.weight_decay)
    else:
        opt = torch.optim.AdamW(pop.parameters(), lr=recipe.lr,
                                weight_decay=recipe.weight_decay)
    n = len(data.y_train)
    total = recipe.epochs * math.ceil(n / recipe.batch_size)
    # Cosine decay to zero over all steps (NAS-Bench-201, Section 2.3).
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda t: 0.5 * (1.0 + math.cos(math.pi * t / total)))
    dev = data.x_train.device
    curve = []
    for _ in range(recipe.epochs):
        pop.train()
        # perms[:, i]: the i-th sample of this epoch for each model, Tensor[n, K].
        perms = torch.stack([torch.randperm(n, generator=g) for g in gens], dim=1).to(dev)
        for s in range(0, n, recipe.batch_size):
            idx = perms[s:s + recipe.batch_size]
            x = data.x_train[idx].flatten(1, 2)  # [b, K, C_in, L] -> [b, K*C_in, L]
            logits = pop(x)  # [b, K, classes]
            # Sum over models of each model's mean loss: model k's gradient is its own.
            loss = F.cross_entropy(logits.flatten(0, 1), data.y_train[idx].flatten(),
                                   reduction="sum") / len(idx)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
        curve.append(evaluate_population(pop, data.x_val, data.y_val))
    return curve


@torch.no_grad()
def evaluate_population(pop: PopulationNetwork, x: Tensor, y: Tensor,
                        batch_size: int = 500) -> list[float]:
    """Accuracy in percent of each model of ``pop`` on the same ``(x, y)`` (eval mode)."""
    pop.eval()
    correct = torch.zeros(pop.k, dtype=torch.long, device=x.device)
    for s in range(0, len(y), batch_size):
        xb = x[s:s + batch_size].repeat(1, pop.k, 1)  # every model sees the same signals
        correct += (pop(xb).argmax(2) == y[s:s + batch_size, None]).sum(0)
    return (100.0 * correct / len(y)).tolist()
