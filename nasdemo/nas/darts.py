"""DARTS: differentiable architecture search (Liu, Simonyan & Yang, ICLR 2019).

Instead of picking one op per edge, every edge (i, j) of a cell computes a *mixed op*, the
softmax-weighted sum of all candidate ops (eq. 2)::

    o_bar(x) = sum_o  exp(alpha_o) / sum_o' exp(alpha_o')  *  o(x)

so the choice of architecture becomes a continuous variable alpha, learned by gradient
descent together with the network weights w. The problem is bilevel (eqs. 3-4)::

    min_alpha  L_val(w*(alpha), alpha)   s.t.   w*(alpha) = argmin_w L_train(w, alpha)

and Algorithm 1 alternates two steps: (a) move alpha down the gradient of the validation
loss after one virtual training step, L_val(w - xi * grad_w L_train(w, alpha), alpha) (eq. 6;
``order=1`` sets xi = 0, ``order=2`` expands it as eqs. 7-8, with a finite difference in place
of the Hessian-vector product), then (b) move w down grad_w L_train(w, alpha). At the end a
discrete cell is derived from alpha (Section 2.4).

This module has two search spaces, both on 1-D signals ``Tensor[batch, channels, length]``
(MNIST-1D, CPU-first) or, with ``dims=2``, on images ``Tensor[batch, channels, height, width]``
(CIFAR-10 on a GPU, as in both papers); the code is the same, only the layer classes change:

- ``NB201Supernet``: the NAS-Bench-201 skeleton (``network.Network``) with every cell a
  4-node DAG of mixed ops over ``cell.OPS``; one ``alpha[6, 5]`` shared by all cells, as in
  NAS-Bench-201's own DARTS baselines (Dong & Yang 2020). Derive: arg-max per edge.
  It also supports *progressive cutting* (``prune_every`` in ``search``).
- ``DartsSupernet``: the paper's own space (Section 3.1.1): NASNet-style cells with two
  inputs, ``n_nodes`` intermediate nodes and the 8 ``nasnet.DARTS_OPS``; normal and reduction
  cells with their own ``alpha_normal`` / ``alpha_reduce``. Derive: top-2 inputs per node,
  as a ``DartsGenotype`` (a pair of ``nasnet.NASNetCell``).

A search is a function of its ``seed``: ``search`` re-draws the supernet's weights and alpha
from it (``Supernet.reset``) before the first step, and draws the batch order from it, so two
searches with one seed are the same run whatever the global random state.

As in the paper's search (Appendix A.1.1), the candidate ops' batch normalisations have no
learnable affine parameters, so an op cannot rescale its output to undo its alpha weight.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from functools import partial
from typing import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..utils import check_int, check_seed, get_device
from .cell import EDGES, N_NODES, OPS, Cell
from .data import N_CLASSES, Splits
from .nasnet import DARTS_OPS, NASNetCell
from .network import AvgPool3, ReLUConvBN, ResidualReduction, make_op
from .network import layers as layer_classes  # `layers` is DartsSupernet's depth argument

__all__ = ["MixedOp", "nb201_search_op", "darts_search_op", "FactorizedReduce",
           "Supernet", "NB201Supernet", "DartsSupernet", "DartsGenotype",
           "derive_nb201_cell", "derive_darts_cell", "DartsConfig", "DartsSearch",
           "DartsResult", "search"]

_NONE = "none"


# --------------------------------------------------------------------------- candidate ops
def _relu_dw_pw_bn(channels: int, kernel: int, stride: int, dilation: int,
                   dims: int = 1) -> list[nn.Module]:
    """ReLU -> depthwise (dilated) conv -> pointwise 1x1 conv -> BN: one separable block; the
    padding keeps the size (stride 1) or gives ceil(size / 2) (stride 2)."""
    nd = layer_classes(dims)
    return [nn.ReLU(inplace=False),
            nd["conv"](channels, channels, kernel, stride=stride,
                       padding=dilation * (kernel - 1) // 2, dilation=dilation,
                       groups=channels, bias=False),
            nd["conv"](channels, channels, 1, bias=False),
            nd["bn"](channels, affine=False)]


class FactorizedReduce(nn.Module):
    """Halve the length (each side of an image) with no information dropped (DARTS's
    ``FactorizedReduce``): ReLU, then two stride-2 1x1 convs, one on the input and one on it
    shifted by one sample (one pixel down and right), whose outputs are concatenated along
    channels, then BN. The shifted copy is zero-padded at the end so both halves have
    ceil(size / 2) samples for odd sizes too."""

    def __init__(self, c_in: int, c_out: int, dims: int = 1) -> None:
        super().__init__()
        nd = layer_classes(dims)
        self.dims = dims
        self.relu = nn.ReLU(inplace=False)
        self.even = nd["conv"](c_in, c_out // 2, 1, stride=2, bias=False)
        self.odd = nd["conv"](c_in, c_out - c_out // 2, 1, stride=2, bias=False)
        self.bn = nd["bn"](c_out, affine=False)

    def forward(self, x: Tensor) -> Tensor:
        x = self.relu(x)
        shifted = x[..., 1:] if self.dims == 1 else x[..., 1:, 1:]
        shifted = F.pad(shifted, (0, 1) * self.dims)
        return self.bn(torch.cat([self.even(x), self.odd(shifted)], dim=1))


def nb201_search_op(name: str, channels: int, dims: int = 1) -> nn.Module:
    """A NAS-Bench-201 op (``cell.OPS``, not ``none``) for the supernet: ``network.make_op``'s
    op, except that ``nor_conv_kxk``'s BN has no affine parameters during search."""
    if name not in OPS or name == _NONE:
        raise ValueError(f"no module for NAS-Bench-201 op {name!r}; the ops with a module are "
                         f"{', '.join(op for op in OPS if op != _NONE)}")
    if name == "nor_conv_1x1":
        return ReLUConvBN(channels, channels, 1, dims=dims, affine=False)
    if name == "nor_conv_3x3":
        return ReLUConvBN(channels, channels, 3, dims=dims, affine=False)
    return make_op(name, channels, dims)  # skip_connect, avg_pool_3x3: nothing to learn


def darts_search_op(name: str, channels: int, stride: int = 1, dims: int = 1) -> nn.Module:
    """One of ``DARTS_OPS`` (not ``none``), as searched (Section 3.1.1 and the
    paper's code): pools are followed by an affine-free BN; ``sep_conv_kxk`` is two stacked
    ReLU-depthwise-pointwise-BN blocks; ``dil_conv_kxk`` one such block with dilation 2;
    ``skip_connect`` is the identity, or a ``FactorizedReduce`` when ``stride`` is 2."""
    if name not in DARTS_OPS or name == _NONE:
        raise ValueError(f"no module for DARTS op {name!r}; the ops with a module are "
                         f"{', '.join(op for op in DARTS_OPS if op != _NONE)}")
    if stride not in (1, 2):
        raise ValueError(f"stride must be 1 or 2, got {stride!r}")
    nd = layer_classes(dims)
    if name == "max_pool_3x3":
        return nn.Sequential(nd["max_pool"](3, stride=stride, padding=1),
                             nd["bn"](channels, affine=False))
    if name == "avg_pool_3x3":
        pool = (AvgPool3() if stride == 1 and dims == 1 else
                nd["avg_pool"](3, stride=stride, padding=1, count_include_pad=False))
        return nn.Sequential(pool, nd["bn"](channels, affine=False))
    if name == "skip_connect":
        return nn.Identity() if stride == 1 else FactorizedReduce(channels, channels, dims)
    kernel = int(name[-1])  # sep_conv_3x3 -> 3
    if name.startswith("sep_conv"):
        return nn.Sequential(*_relu_dw_pw_bn(channels, kernel, stride, 1, dims),
                             *_relu_dw_pw_bn(channels, kernel, 1, 1, dims))
    return nn.Sequential(*_relu_dw_pw_bn(channels, kernel, stride, 2, dims))  # dil_conv


class MixedOp(nn.Module):
    """The continuous relaxation of one edge, eq. (2): o_bar(x) = sum_o w_o * o(x), with the
    weights w = softmax(alpha) given to ``forward`` by the supernet that owns alpha.

    ``none`` is the zero op: it has no module and adds nothing, but keeps its place (and its
    weight) in the softmax, so it can draw weight away from the other ops. ``build(name,
    channels)`` makes each other op (NAS-Bench-201's by default; pass
    ``partial(darts_search_op, stride=2)`` for DARTS's reduction edges); ``stride`` only
    sizes the zero output of an edge that computes nothing (on every spatial axis).
    """

    def __init__(self, channels: int, ops: Sequence[str] = OPS,
                 build: Callable[[str, int], nn.Module] = nb201_search_op,
                 stride: int = 1) -> None:
        super().__init__()
        ops = tuple(ops)
        if not ops:
            raise ValueError("a mixed op needs at least one candidate op, got none")
        if len(set(ops)) != len(ops):
            raise ValueError(f"the candidate ops must be distinct, got {ops}")
        if channels < 1:
            raise ValueError(f"channels must be at least 1, got {channels}")
        self.names = ops
        self.stride = stride
        self.ops = nn.ModuleDict({name: build(name, channels) for name in ops if name != _NONE})

    def forward(self, x: Tensor, weights: Tensor,
                active: Sequence[bool] | None = None) -> Tensor:
        """sum_o weights[o] * o(x) over the ops that are not ``none`` and, when ``active`` is
        given, are marked active (a cut op is not computed at all)."""
        if weights.shape != (len(self.names),):
            raise ValueError(f"weights must have shape ({len(self.names)},), one per op in "
                             f"{self.names}, got {tuple(weights.shape)}")
        out: Tensor | None = None
        for k, name in enumerate(self.names):
            if name == _NONE or (active is not None and not active[k]):
                continue
            y = weights[k] * self.ops[name](x)
            out = y if out is None else out + y
        if out is None:  # only `none` left: the edge carries zeros
            out = x.new_zeros(*x.shape[:2], *(-(-n // self.stride) for n in x.shape[2:]))
        return out


# --------------------------------------------------------------------------- supernets
class Supernet(nn.Module):
    """What ``DartsSearch`` needs from a supernet: its weights w, its architecture
    parameters alpha, their softmax weights for plotting, and the derived architecture; and
    ``reset(seed)``, which makes a search's starting point a function of its seed."""

    def reset(self, seed: int) -> None:
        """Re-draw every weight and alpha from ``seed`` alone, clear the batch-norm
        statistics and lift any cuts: afterwards the supernet is exactly what its constructor
        builds right after ``torch.manual_seed(seed)`` (each module's own initialisation,
        ``reset_parameters``, in construction order, then alpha = 1e-3 * N(0, 1); bit for bit
        in the default float32).

        The values are drawn on the CPU, so they do not depend on the device the supernet
        lives on, and the global random state is left as it was."""
        seed = check_seed(seed)
        device = next(self.parameters()).device
        self.to("cpu")
        with torch.random.fork_rng(devices=[]):  # restores the global CPU generator after
            torch.random.default_generator.manual_seed(seed)
            for module in self.modules():  # registration order = construction order
                if module is not self and hasattr(module, "reset_parameters"):
                    module.reset_parameters()
            self._init_arch()
        self.to(device)

    @torch.no_grad()
    def _init_arch(self) -> None:
        """Draw alpha = 1e-3 * N(0, 1) (the DARTS code's initialisation) from the global
        generator, in ``arch_parameters()`` order (the constructor's last draws)."""
        for alpha in self.arch_parameters():
            alpha.copy_(1e-3 * torch.randn(alpha.shape))

    def weights(self) -> list[nn.Parameter]:
        """The network weights w: every parameter except the architecture parameters."""
        arch = {id(p) for p in self.arch_parameters()}
        return [p for p in self.parameters() if id(p) not in arch]

    def arch_parameters(self) -> list[nn.Parameter]:
        """The architecture parameters alpha."""
        raise NotImplementedError

    def alpha_probs(self) -> dict[str, Tensor]:
        """Each alpha's softmax weights per edge (detached, on the CPU), keyed by name."""
        raise NotImplementedError

    def derive(self) -> Cell | DartsGenotype:
        """The discrete architecture that alpha currently encodes."""
        raise NotImplementedError

    def _check_input(self, x: Tensor) -> None:
        """A clear error for an input of the wrong shape (set ``dims``, ``in_channels``)."""
        want = 2 + self.dims
        if x.dim() != want or x.shape[1] != self.in_channels:
            shape = "[batch, channels, length]" if self.dims == 1 else \
                "[batch, channels, height, width]"
            raise ValueError(f"{type(self).__name__}(dims={self.dims}, in_channels="
                             f"{self.in_channels}) takes {shape} with {self.in_channels} "
                             f"channel(s), got shape {tuple(x.shape)}")


def derive_nb201_cell(alpha: Tensor) -> Cell:
    """The NAS-Bench-201 cell encoded by ``alpha[6, 5]`` (rows ``EDGES``, columns ``OPS``):
    the arg-max op of each edge, ``none`` included.

    This is how NAS-Bench-201 derives DARTS's result (its ``genotype()``): unlike the DARTS
    space there is no top-k selection of inputs, every edge is kept, so an edge whose
    strongest op is ``none`` is dropped from the cell by keeping ``none``. Cut ops may be
    given as -inf and are never chosen. Ties go to the op listed first in ``OPS``.
    """
    if alpha.shape != (len(EDGES), len(OPS)):
        raise ValueError(f"alpha must have shape ({len(EDGES)}, {len(OPS)}) (edges x ops), "
                         f"got {tuple(alpha.shape)}")
    return Cell([OPS[k] for k in alpha.detach().argmax(dim=1).tolist()])


class _NB201SearchCell(nn.Module):
    """A NAS-Bench-201 cell whose six edges are mixed ops: node j = sum_{i<j} o_bar_ij(node i)
    (eq. 1); returns node 3."""

    def __init__(self, channels: int, dims: int = 1) -> None:
        super().__init__()
        build = partial(nb201_search_op, dims=dims)
        self.edges = nn.ModuleList(MixedOp(channels, OPS, build) for _ in EDGES)

    def forward(self, x: Tensor, weights: Tensor, active: list[list[bool]]) -> Tensor:
        nodes: list[Tensor | int] = [x] + [0] * (N_NODES - 1)
        for k, (i, j) in enumerate(EDGES):  # EDGES order: sources are complete before use
            nodes[j] = nodes[j] + self.edges[k](nodes[i], weights[k], active[k])
        return nodes[N_NODES - 1]


class NB201Supernet(Supernet):
    """The NAS-Bench-201 skeleton of ``network.Network`` (stem, three stages of ``n_cells``
    cells at widths C, 2C, 4C, residual reductions, BN-ReLU-pool-linear head) with every cell
    a DAG of mixed ops, all cells sharing ``alpha: Tensor[6, 5]`` (rows ``EDGES``, columns
    ``OPS``), initialised to 1e-3 * N(0, 1) as in the DARTS code.

    ``edge_mask[6, 5]`` (bool) marks the ops still in the running: a cut op gets -inf in the
    softmax and is not computed (``prune_weakest``). Input ``Tensor[batch, in_channels,
    length]`` (or ``[batch, in_channels, height, width]`` with ``dims=2``), output logits
    ``Tensor[batch, n_classes]``; as for ``Network``, the length must stay even before each of
    the two reductions (e.g. 40 with ``stem_stride=2``, 32). NAS-Bench-201's own setting is
    CIFAR-10 with ``dims=2, in_channels=3, channels=16, n_cells=5, stem_stride=1``.
    """

    def __init__(self, channels: int = 8, n_cells: int = 1, stem_stride: int = 2,
                 in_channels: int = 1, n_classes: int = N_CLASSES, dims: int = 1,
                 device: str | torch.device | None = None) -> None:
        super().__init__()
        for name, value in (("channels", channels), ("n_cells", n_cells),
                            ("stem_stride", stem_stride), ("in_channels", in_channels),
                            ("n_classes", n_classes)):
            if value < 1:
                raise ValueError(f"{name} must be at least 1, got {value}")
        nd = layer_classes(dims)
        self.edges, self.ops = EDGES, OPS
        self.dims, self.in_channels = dims, in_channels
        c = channels
        self.stem = nn.Sequential(
            nd["conv"](in_channels, c, 3, stride=stem_stride, padding=1, bias=False),
            nd["bn"](c))
        body: list[nn.Module] = []
        for stage in range(3):
            if stage > 0:
                body.append(ResidualReduction(c, 2 * c, dims))
                c *= 2
            body.extend(_NB201SearchCell(c, dims) for _ in range(n_cells))
        self.layers = nn.ModuleList(body)
        self.head = nn.Sequential(nd["bn"](c), nn.ReLU(inplace=False),
                                  nd["global_pool"](1), nn.Flatten(), nn.Linear(c, n_classes))
        self.alpha = nn.Parameter(torch.empty(len(EDGES), len(OPS)))
        self.register_buffer("edge_mask", torch.ones(len(EDGES), len(OPS), dtype=torch.bool))
        self._init_arch()
        self.to(get_device(device))

    def arch_parameters(self) -> list[nn.Parameter]:
        return [self.alpha]

    @torch.no_grad()
    def _init_arch(self) -> None:
        """Draw alpha as ``Supernet._init_arch`` does and put every cut op back."""
        super()._init_arch()
        self.edge_mask.fill_(True)

    def masked_alpha(self) -> Tensor:
        """alpha with the cut ops set to -inf."""
        return self.alpha.masked_fill(~self.edge_mask, float("-inf"))

    def alpha_probs(self) -> dict[str, Tensor]:
        return {"alpha": self.masked_alpha().detach().softmax(dim=-1).cpu()}

    def forward(self, x: Tensor, weights: Tensor | None = None) -> Tensor:
        """Logits. ``weights[6, 5]``: the mixing weights of every edge; by default softmax of
        the masked alpha (eq. 2). DARTS-PT (``darts_pt``) passes its own, with one op's weight
        set to zero, to measure the supernet without that op."""
        self._check_input(x)
        if weights is None:
            weights = self.masked_alpha().softmax(dim=-1)  # eq. (2), one row per edge
        elif weights.shape != self.alpha.shape:
            raise ValueError(f"weights must have shape {tuple(self.alpha.shape)} (edges x ops), "
                             f"got {tuple(weights.shape)}")
        active = self.edge_mask.tolist()
        x = self.stem(x)
        for layer in self.layers:
            x = layer(x, weights, active) if isinstance(layer, _NB201SearchCell) else layer(x)
        return self.head(x)

    def derive(self) -> Cell:
        """The arg-max op of each edge among the ops not cut, ``none`` included
        (``derive_nb201_cell``)."""
        return derive_nb201_cell(self.masked_alpha())

    @torch.no_grad()
    def prune_weakest(self) -> list[tuple[tuple[int, int], str]]:
        """One step of progressive cutting: on every edge with more than one op left, cut the
        op with the lowest alpha. Returns the cut ``((i, j), op)`` pairs (empty once every
        edge is down to one op)."""
        cut = []
        left = self.edge_mask.sum(dim=1)
        weakest = self.alpha.masked_fill(~self.edge_mask, float("inf")).argmin(dim=1)
        for k, (n, o) in enumerate(zip(left.tolist(), weakest.tolist())):
            if n > 1:
                self.edge_mask[k, o] = False
                cut.append((EDGES[k], OPS[o]))
        return cut


@dataclass(frozen=True)
class DartsGenotype:
    """The pair of cells DARTS derives (the paper's ``Genotype``): the ``normal`` and the
    ``reduce`` cell, each a ``NASNetCell`` (two ``(op, input)`` pairs per intermediate node;
    ``cell.to_darts()`` gives the paper's flat list). Hidden states 0 and 1 are the cell's
    inputs, node k >= 2 is hidden state k; the cell's output is the concatenation of all
    intermediate nodes."""

    normal: NASNetCell
    reduce: NASNetCell


def _darts_edges(n_nodes: int) -> list[tuple[int, int]]:
    """The (input, node) edges of a DARTS cell in the alpha rows' order: node 2 reads 0, 1;
    node 3 reads 0, 1, 2; ... (2 + 3 + ... + (n_nodes + 1) edges, 14 for 4 nodes)."""
    return [(i, node) for node in range(2, 2 + n_nodes) for i in range(node)]


def derive_darts_cell(alpha: Tensor, n_nodes: int = 4) -> NASNetCell:
    """DARTS's derivation (Section 2.4, the code's ``genotype()``) from one cell's
    ``alpha[n_edges, 8]`` (rows as ``_darts_edges``, columns ``DARTS_OPS``).

    For each intermediate node, every incoming edge is scored by its strongest softmax weight
    over the ops other than ``none``; the node keeps its 2 best-scored edges (best first, ties
    to the earlier input) and on each the strongest op other than ``none``. The paper leaves
    ``none`` out so that every node has exactly 2 inputs, as in the cells it compares with,
    and because the zero op's weight is underdetermined: raising it only rescales a node,
    which batch normalisation undoes (Section 2.4). Returns a ``NASNetCell`` over the ops
    other than ``none``.
    """
    if n_nodes < 1:
        raise ValueError(f"n_nodes must be at least 1, got {n_nodes}")
    n_edges = len(_darts_edges(n_nodes))
    if alpha.shape != (n_edges, len(DARTS_OPS)):
        raise ValueError(f"alpha must have shape ({n_edges}, {len(DARTS_OPS)}) for a cell of "
                         f"{n_nodes} nodes (edges x DARTS_OPS), got {tuple(alpha.shape)}")
    probs = alpha.detach().softmax(dim=-1).cpu()
    probs[:, DARTS_OPS.index(_NONE)] = -1.0  # never chosen: softmax weights are >= 0
    strength, best_op = probs.max(dim=1)
    pairs: list[tuple[str, int]] = []
    start = 0
    for node in range(2, 2 + n_nodes):
        rows = range(start, start + node)  # the node's inputs 0 .. node - 1
        top2 = sorted(rows, key=lambda r: -float(strength[r]))[:2]  # stable: ties keep order
        pairs.extend((DARTS_OPS[int(best_op[r])], r - start) for r in top2)
        start += node
    return NASNetCell.from_darts(pairs)


class _DartsSearchCell(nn.Module):
    """A DARTS cell during search: the inputs c_{k-2}, c_{k-1} are preprocessed to C channels
    (1x1 ReLU-conv-BN, or ``FactorizedReduce`` when c_{k-2} has twice the length); node
    j = sum_{i<j} o_bar_ij(node i) (eq. 1); output = concat of the intermediate nodes. In a
    reduction cell the edges leaving the two inputs have stride 2."""

    def __init__(self, c_prev_prev: int, c_prev: int, c: int, n_nodes: int,
                 reduction: bool, reduction_prev: bool, dims: int = 1) -> None:
        super().__init__()
        self.reduction = reduction
        self.pre0 = (FactorizedReduce(c_prev_prev, c, dims) if reduction_prev
                     else ReLUConvBN(c_prev_prev, c, 1, dims=dims, affine=False))
        self.pre1 = ReLUConvBN(c_prev, c, 1, dims=dims, affine=False)
        self.n_nodes = n_nodes
        edges = []
        for i, _node in _darts_edges(n_nodes):
            stride = 2 if reduction and i < 2 else 1
            build = partial(darts_search_op, stride=stride, dims=dims)
            edges.append(MixedOp(c, DARTS_OPS, build, stride))
        self.edges = nn.ModuleList(edges)

    def forward(self, s0: Tensor, s1: Tensor, weights: Tensor) -> Tensor:
        states = [self.pre0(s0), self.pre1(s1)]
        start = 0
        for _ in range(self.n_nodes):
            states.append(sum(self.edges[start + i](h, weights[start + i])
                              for i, h in enumerate(states)))
            start += len(states) - 1
        return torch.cat(states[2:], dim=1)


class DartsSupernet(Supernet):
    """DARTS's search network (Section 3.1.1), in 1-D or (``dims=2``) 2-D: a conv-BN stem
    to 3C channels, then
    ``layers`` cells, the ones at 1/3 and 2/3 of the depth being reduction cells (half the
    length, twice the channels), then global average pooling and a linear classifier. Each
    cell reads the outputs of the two cells before it. All normal cells share
    ``alpha_normal[n_edges, 8]``, all reduction cells ``alpha_reduce[n_edges, 8]`` (n_edges =
    14 for 4 nodes), initialised to 1e-3 * N(0, 1). Works for any input length >= 1. The
    paper's CIFAR-10 search: ``dims=2, in_channels=3, channels=16, layers=8``.
    """

    def __init__(self, channels: int = 8, layers: int = 5, n_nodes: int = 4,
                 in_channels: int = 1, n_classes: int = N_CLASSES, stem_stride: int = 1,
                 dims: int = 1, device: str | torch.device | None = None) -> None:
        super().__init__()
        for name, value in (("channels", channels), ("layers", layers), ("n_nodes", n_nodes),
                            ("in_channels", in_channels), ("n_classes", n_classes),
                            ("stem_stride", stem_stride)):
            if value < 1:
                raise ValueError(f"{name} must be at least 1, got {value}")
        nd = layer_classes(dims)
        self.n_nodes, self.dims, self.in_channels = n_nodes, dims, in_channels
        self.edges, self.ops = _darts_edges(n_nodes), DARTS_OPS
        c_stem = 3 * channels  # the paper's code: stem_multiplier = 3
        self.stem = nn.Sequential(
            nd["conv"](in_channels, c_stem, 3, stride=stem_stride, padding=1, bias=False),
            nd["bn"](c_stem))
        c_pp, c_p, c = c_stem, c_stem, channels
        reductions = {layers // 3, 2 * layers // 3}
        cells, reduction_prev = [], False
        for k in range(layers):
            reduction = k in reductions
            if reduction:
                c *= 2
            cells.append(_DartsSearchCell(c_pp, c_p, c, n_nodes, reduction, reduction_prev,
                                          dims))
            reduction_prev = reduction
            c_pp, c_p = c_p, n_nodes * c
        self.cells = nn.ModuleList(cells)
        self.head = nn.Sequential(nd["global_pool"](1), nn.Flatten(),
                                  nn.Linear(c_p, n_classes))
        self.alpha_normal = nn.Parameter(torch.empty(len(self.edges), len(DARTS_OPS)))
        self.alpha_reduce = nn.Parameter(torch.empty(len(self.edges), len(DARTS_OPS)))
        self._init_arch()
        self.to(get_device(device))

    def arch_parameters(self) -> list[nn.Parameter]:
        return [self.alpha_normal, self.alpha_reduce]

    def alpha_probs(self) -> dict[str, Tensor]:
        return {"normal": self.alpha_normal.detach().softmax(dim=-1).cpu(),
                "reduce": self.alpha_reduce.detach().softmax(dim=-1).cpu()}

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        w_normal = self.alpha_normal.softmax(dim=-1)  # eq. (2), one row per edge
        w_reduce = self.alpha_reduce.softmax(dim=-1)
        s0 = s1 = self.stem(x)
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1, w_reduce if cell.reduction else w_normal)
        return self.head(s1)

    def derive(self) -> DartsGenotype:
        """Top-2 inputs per node with their strongest non-``none`` ops, for the normal and
        the reduction cell (``derive_darts_cell``)."""
        return DartsGenotype(normal=derive_darts_cell(self.alpha_normal, self.n_nodes),
                             reduce=derive_darts_cell(self.alpha_reduce, self.n_nodes))


# --------------------------------------------------------------------------- the search
@dataclass(frozen=True)
class DartsConfig:
    """The optimisers of Algorithm 1; the defaults are the paper's (Appendix A.1.1).

    w: SGD, momentum 0.9, weight decay 3e-4, learning rate cosine-annealed from 0.025 to
    0.001 over the epochs, gradient norm clipped at 5. alpha: Adam, lr 3e-4, betas
    (0.5, 0.999), weight decay 1e-3. ``xi`` is the virtual step's learning rate for
    ``order=2``; ``None`` takes the w optimiser's current learning rate, as the paper does.
    """

    w_lr: float = 0.025
    w_lr_min: float = 0.001
    momentum: float = 0.9
    w_weight_decay: float = 3e-4
    grad_clip: float = 5.0
    alpha_lr: float = 3e-4
    alpha_betas: tuple[float, float] = (0.5, 0.999)
    alpha_weight_decay: float = 1e-3
    xi: float | None = None


def _check_order(order: int) -> int:
    if isinstance(order, bool) or order not in (1, 2):
        raise ValueError(f"order must be 1 (first-order DARTS) or 2 (second-order), "
                         f"got {order!r}")
    return order


class DartsSearch:
    """Algorithm 1 on a supernet: ``step`` updates alpha, then w, on one batch of each half.

    ``order=1`` (xi = 0): alpha descends grad_alpha L_val(w, alpha). ``order=2``: alpha
    descends grad_alpha L_val(w', alpha) with w' one virtual SGD step ahead of w, eqs. (6)-(8).
    The virtual step is the step the w optimiser would take next, as in the paper's code:
    w' = w - xi * (momentum * buffer + grad_w L_train(w, alpha) + weight_decay * w); the
    momentum and decay terms do not depend on alpha, so eq. (7) is unchanged. ``epochs`` sets
    the cosine schedule; call ``end_epoch`` after each one.

    History, one entry per step: ``alphas`` (``alpha_probs()`` snapshots, the first taken
    before any step), ``train_loss`` (of the w step) and ``val_loss`` (the validation loss
    the alpha step differentiated: at w for order 1, at w' for order 2).
    """

    def __init__(self, supernet: Supernet, order: int = 1, epochs: int = 50,
                 config: DartsConfig = DartsConfig()) -> None:
        self.order = _check_order(order)
        if epochs < 1:
            raise ValueError(f"epochs must be at least 1, got {epochs}")
        if order == 1 and config.xi not in (None, 0):
            raise ValueError(f"config.xi={config.xi} only applies to order=2 (order 1 is xi = 0)")
        if config.xi is not None and config.xi < 0:
            raise ValueError(f"config.xi must be >= 0, got {config.xi}")
        self.supernet, self.config = supernet, config
        self.w_params = supernet.weights()
        self.arch_params = supernet.arch_parameters()
        self.w_opt = torch.optim.SGD(self.w_params, lr=config.w_lr, momentum=config.momentum,
                                     weight_decay=config.w_weight_decay)
        self.w_sched = torch.optim.lr_scheduler.CosineAnnealingLR(
            self.w_opt, T_max=epochs, eta_min=config.w_lr_min)
        self.alpha_opt = torch.optim.Adam(self.arch_params, lr=config.alpha_lr,
                                          betas=config.alpha_betas,
                                          weight_decay=config.alpha_weight_decay)
        self.alphas: list[dict[str, Tensor]] = [supernet.alpha_probs()]
        self.train_loss: list[float] = []
        self.val_loss: list[float] = []

    @property
    def xi(self) -> float:
        """The virtual step's learning rate: 0 for order 1, else ``config.xi`` or the w
        optimiser's current learning rate."""
        if self.order == 1:
            return 0.0
        return self.w_opt.param_groups[0]["lr"] if self.config.xi is None else self.config.xi

    def _loss(self, x: Tensor, y: Tensor) -> Tensor:
        return F.cross_entropy(self.supernet(x), y)

    @staticmethod
    def _grads(loss: Tensor, params: list[nn.Parameter]) -> list[Tensor]:
        """d loss / d params, zeros for parameters the loss does not use (cut ops)."""
        grads = torch.autograd.grad(loss, params, allow_unused=True)
        return [torch.zeros_like(p) if g is None else g for p, g in zip(params, grads)]

    def arch_gradient(self, x_train: Tensor, y_train: Tensor, x_val: Tensor,
                      y_val: Tensor) -> tuple[list[Tensor], Tensor]:
        """The gradient step (a) descends, one tensor per architecture parameter, and the
        validation loss it was taken at. Leaves the weights as they were.

        Eq. (8)'s central difference assumes a smooth loss. With ReLUs the loss is only
        piecewise smooth, and a kink crossed within +-eps makes the difference jump: on a
        tiny NB201 supernet in float64 the alpha-gradient had a 67 % relative error (1e-5
        once the ReLUs were made smooth), one source of second-order DARTS's noise."""
        self.supernet.train()
        xi = self.xi
        if xi == 0:  # first order: grad_alpha L_val(w, alpha)
            loss = self._loss(x_val, y_val)
            return self._grads(loss, self.arch_params), loss.detach()

        w = self.w_params
        saved = [p.detach().clone() for p in w]
        # Eq. (6): the virtual step w' = w - xi * (momentum term + grad_w L_train + decay).
        g_train = self._grads(self._loss(x_train, y_train), w)
        with torch.no_grad():
            for p, g in zip(w, g_train):
                buf = self.w_opt.state.get(p, {}).get("momentum_buffer")
                step = g + self.config.w_weight_decay * p
                if buf is not None:
                    step = step + self.config.momentum * buf
                p.sub_(xi * step)
        # Eq. (7), first term: grad_alpha L_val(w', alpha); and v = grad_w' L_val(w', alpha).
        loss = self._loss(x_val, y_val)
        grads = self._grads(loss, self.arch_params + w)
        d_alpha, v = grads[:len(self.arch_params)], grads[len(self.arch_params):]
        # Eq. (8): the Hessian-vector product grad2_{alpha,w} L_train(w, alpha) v by central
        # differences at w+- = w +- eps * v, eps = 0.01 / ||v||.
        eps = 0.01 / torch.sqrt(sum((g * g).sum() for g in v)).clamp_min(1e-12)
        finite = []
        for sign in (1.0, -1.0):
            with torch.no_grad():
                for p, p0, g in zip(w, saved, v):
                    p.copy_(p0 + sign * eps * g)
            finite.append(self._grads(self._loss(x_train, y_train), self.arch_params))
        with torch.no_grad():
            for p, p0 in zip(w, saved):
                p.copy_(p0)
        hvp = [(gp - gn) / (2 * eps) for gp, gn in zip(*finite)]
        return [da - xi * h for da, h in zip(d_alpha, hvp)], loss.detach()

    def step(self, x_train: Tensor, y_train: Tensor, x_val: Tensor,
             y_val: Tensor) -> tuple[float, float]:
        """One iteration of Algorithm 1: (a) update alpha on the validation batch, then (b)
        update w on the training batch. Returns (train loss, val loss)."""
        # (a) alpha <- alpha - Adam(grad_alpha L_val(w - xi grad_w L_train(w, alpha), alpha))
        d_alpha, val_loss = self.arch_gradient(x_train, y_train, x_val, y_val)
        for p, g in zip(self.arch_params, d_alpha):
            p.grad = g
        self.alpha_opt.step()
        # (b) w <- w - SGD(grad_w L_train(w, alpha)), with the updated alpha
        loss = self._loss(x_train, y_train)
        grads = torch.autograd.grad(loss, self.w_params, allow_unused=True)
        for p, g in zip(self.w_params, grads):
            p.grad = g  # None for a cut op's weights: SGD leaves them alone
        nn.utils.clip_grad_norm_(self.w_params, self.config.grad_clip)
        self.w_opt.step()

        self.alphas.append(self.supernet.alpha_probs())
        self.train_loss.append(loss.item())
        self.val_loss.append(val_loss.item())
        return self.train_loss[-1], self.val_loss[-1]

    def end_epoch(self) -> None:
        """Advance the cosine learning-rate schedule of w by one epoch."""
        self.w_sched.step()


@dataclass
class DartsResult:
    """A DARTS run. ``architecture``: the derived cell at the end (a ``Cell`` or a
    ``DartsGenotype``); ``derived[e]``: the one derived after epoch e + 1. ``alphas[name]``:
    ``Tensor[n_steps + 1, edges, ops]`` softmax weights, row 0 before the first step, so
    ``alphas[name][::steps_per_epoch]`` is one row per epoch boundary. ``train_loss`` /
    ``val_loss``: per step (see ``DartsSearch``). ``pruned``: ``(epoch, (i, j), op)`` for
    each op cut. ``seconds``: wall-clock time of the search."""

    architecture: Cell | DartsGenotype
    derived: list[Cell | DartsGenotype]
    alphas: dict[str, Tensor]
    train_loss: list[float]
    val_loss: list[float]
    steps_per_epoch: int
    order: int
    seed: int
    pruned: list[tuple[int, tuple[int, int], str]] = field(default_factory=list)
    seconds: float = 0.0


def search(supernet: Supernet, splits: Splits, epochs: int = 10, batch_size: int = 64,
           order: int = 1, seed: int = 0, device: str | torch.device | None = None,
           callback: Callable[[int, DartsSearch], None] | None = None,
           prune_every: int | None = None, config: DartsConfig = DartsConfig()) -> DartsResult:
    """Run DARTS (Algorithm 1) for ``epochs`` epochs and derive the architecture.

    ``seed`` (an integer in [0, 2**63)) fixes the whole run: the search starts by re-drawing
    the supernet's weights and alpha from it (``supernet.reset(seed)``, which also lifts any
    cuts), then draws the batch order from it. Two searches with the same seed and settings
    are the same run, without any ``torch.manual_seed`` call and whatever the supernet held
    before (a search always starts from scratch); the global random state is not touched.

    As in the paper (Appendix A.1.1), ``splits.x_train`` is cut in two equal halves: the first
    trains the weights w, the second is the validation set that alpha is optimised on. This
    validation set is not the one used to report accuracy (``splits.x_val`` / ``x_test`` are
    not touched). Each epoch visits both halves in a fresh random order (drawn from ``seed``)
    and pairs their i-th batches in one ``DartsSearch.step``, so every signal of a half is used
    once per epoch (the paper's code draws each alpha batch afresh from a shuffled loader of
    its half, so some signals can repeat within an epoch). The paper also repeats the search 4 times and keeps the derived cell that is
    best after a short training from scratch; this function is one search.

    ``prune_every`` (NAS-Bench-201 supernet only): progressive cutting. After every
    ``prune_every`` epochs each edge with more than one op left loses its lowest-alpha op
    (``NB201Supernet.prune_weakest``), until one op per edge remains. This is the idea of
    progressive search-space shrinking (e.g. P-DARTS, Chen et al. 2019, which drops the
    weakest ops between stages): the relaxed network comes closer, step by step, to the
    discrete cell it will be turned into, and the cut ops cost no compute. ``callback(epoch,
    searcher)`` runs after each epoch (epochs counted from 1), after any cut.
    """
    _check_order(order)
    seed = check_seed(seed)
    epochs = check_int(epochs, "epochs")
    batch_size = check_int(batch_size, "batch_size")
    if prune_every is not None:
        prune_every = check_int(prune_every, "prune_every (None, or a number of epochs)")
        if not isinstance(supernet, NB201Supernet):
            raise ValueError(f"prune_every needs an NB201Supernet, got "
                             f"{type(supernet).__name__}")
    n_half = len(splits.y_train) // 2
    if n_half < 1:
        raise ValueError(f"splits.x_train must hold at least 2 signals to split in halves, "
                         f"got {len(splits.y_train)}")

    dev = get_device(device)
    supernet.reset(seed)
    supernet.to(dev)
    dtype = next(supernet.parameters()).dtype
    x = splits.x_train.to(dev, dtype)
    y = splits.y_train.to(dev)
    x_w, y_w = x[:n_half], y[:n_half]  # trains w
    x_a, y_a = x[n_half:2 * n_half], y[n_half:2 * n_half]  # trains alpha
    gen = torch.Generator().manual_seed(seed)
    searcher = DartsSearch(supernet, order, epochs, config)
    derived, pruned = [], []
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        perm_w = torch.randperm(n_half, generator=gen).to(dev)
        perm_a = torch.randperm(n_half, generator=gen).to(dev)
        for s in range(0, n_half, batch_size):
            iw, ia = perm_w[s:s + batch_size], perm_a[s:s + batch_size]
            searcher.step(x_w[iw], y_w[iw], x_a[ia], y_a[ia])
        searcher.end_epoch()
        if prune_every is not None and epoch % prune_every == 0:
            pruned.extend((epoch, edge, op) for edge, op in supernet.prune_weakest())
        derived.append(supernet.derive())
        if callback is not None:
            callback(epoch, searcher)
    seconds = time.perf_counter() - start
    alphas = {name: torch.stack([a[name] for a in searcher.alphas])
              for name in searcher.alphas[0]}
    return DartsResult(derived[-1], derived, alphas, searcher.train_loss, searcher.val_loss,
                       math.ceil(n_half / batch_size), order, seed, pruned, seconds)
