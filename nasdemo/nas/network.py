"""The NAS-Bench-201 network, in 1-D for MNIST-1D signals.

Dong & Yang 2020, Section 2.1 and Figure 1 (top): a 3x3 conv stem, three stages of N cells
with widths C, 2C, 4C, a residual reduction block (stride 2) between stages, then BN-ReLU,
global average pooling and a linear classifier. The ops are the paper's: ``nor_conv_kxk`` is
ReLU -> conv -> BN, ``avg_pool_3x3`` is a 3-wide average pool with stride 1 (padding not
counted), ``skip_connect`` the identity and ``none`` zero. Here every conv is 1-D (signals of
length 40, one channel), and C and N default to small values so a network trains in about a
second on one CPU thread. The building blocks (``ReLUConvBN``, ``make_op``,
``ResidualReduction``) also come in 2-D (``dims=2``, via ``layers``) for DARTS's supernets on
images; ``Network`` itself is 1-D.

Only a cell's ``live_edges()`` are built and run: the others (``none``, fed by an all-zero
node, or feeding a node that never reaches the output) cannot change the output. So
parameters and FLOPs are those of the effective network, and a cell whose output is
disconnected from its input gives the classifier only a constant: chance accuracy.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .cell import N_NODES, Cell
from .data import N_CLASSES, SIGNAL_LENGTH

__all__ = ["layers", "AvgPool3", "HalvingPool", "CellModule", "Network", "count_params",
           "count_flops"]

_LAYERS: dict[int, dict[str, type[nn.Module]]] = {
    1: {"conv": nn.Conv1d, "bn": nn.BatchNorm1d, "avg_pool": nn.AvgPool1d,
        "max_pool": nn.MaxPool1d, "global_pool": nn.AdaptiveAvgPool1d},
    2: {"conv": nn.Conv2d, "bn": nn.BatchNorm2d, "avg_pool": nn.AvgPool2d,
        "max_pool": nn.MaxPool2d, "global_pool": nn.AdaptiveAvgPool2d},
}


def layers(dims: int) -> dict[str, type[nn.Module]]:
    """The layer classes (``conv``, ``bn``, ``avg_pool``, ``max_pool``, ``global_pool``) for
    1-D signals ``[batch, channels, length]`` (``dims=1``, MNIST-1D) or 2-D images
    ``[batch, channels, height, width]`` (``dims=2``, CIFAR-10): the same ops in either."""
    if isinstance(dims, bool) or dims not in _LAYERS:
        raise ValueError(f"dims must be 1 (signals) or 2 (images), got {dims!r}")
    return _LAYERS[dims]


class AvgPool3(nn.Module):
    """``nn.AvgPool1d(3, stride=1, padding=1, count_include_pad=False)`` (the paper's
    ``avg_pool_3x3``) written as shifted adds: the same numbers, but about 4x faster on a CPU,
    where PyTorch's pooling kernel with that padding rule is slow for short signals."""

    def forward(self, x: Tensor) -> Tensor:
        length = x.shape[-1]
        if length == 1:
            return x
        total = x + nn.functional.pad(x[..., 1:], (0, 1)) + nn.functional.pad(x[..., :-1], (1, 0))
        count = torch.full((length,), 3.0, dtype=x.dtype, device=x.device)
        count[0] = count[-1] = 2.0
        return total / count


class HalvingPool(nn.Module):
    """``nn.AvgPool1d(2, stride=2)``: the mean of each pair of neighbours (a trailing odd
    sample is dropped, as there), written as a reshape, faster on a CPU."""

    def forward(self, x: Tensor) -> Tensor:
        half = x.shape[-1] // 2
        return x[..., :2 * half].unflatten(-1, (half, 2)).mean(-1)


class ReLUConvBN(nn.Sequential):
    """ReLU -> conv -> BN: NAS-Bench-201's ``nor_conv`` ops and the reduction block's
    convolutions (1-D, or 2-D with ``dims=2``). ``affine=False`` drops the BN's scale and
    shift, as DARTS's supernets do during search."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int = 1,
                 dims: int = 1, affine: bool = True) -> None:
        nd = layers(dims)
        super().__init__(
            nn.ReLU(inplace=False),
            nd["conv"](c_in, c_out, kernel, stride=stride, padding=kernel // 2, bias=False),
            nd["bn"](c_out, affine=affine),
        )


def make_op(name: str, channels: int, dims: int = 1) -> nn.Module:
    """The module for one (non-``none``) op on ``channels`` channels, stride 1."""
    if name == "skip_connect":
        return nn.Identity()
    if name == "nor_conv_1x1":
        return ReLUConvBN(channels, channels, 1, dims=dims)
    if name == "nor_conv_3x3":
        return ReLUConvBN(channels, channels, 3, dims=dims)
    if name == "avg_pool_3x3":
        return AvgPool3() if dims == 1 else layers(dims)["avg_pool"](
            3, stride=1, padding=1, count_include_pad=False)
    raise ValueError(f"no module for op {name!r}")


class CellModule(nn.Module):
    """One cell: node j = sum of op_ij(node i) over its live incoming edges; returns node 3
    (zeros when the cell is disconnected)."""

    def __init__(self, cell: Cell, channels: int) -> None:
        super().__init__()
        self.cell = cell
        self.edges = cell.live_edges()
        self.ops = nn.ModuleList(make_op(cell.op(i, j), channels) for i, j in self.edges)

    def forward(self, x: Tensor) -> Tensor:
        nodes: dict[int, Tensor] = {0: x}
        for (i, j), op in zip(self.edges, self.ops):  # EDGES order: sources precede targets
            y = op(nodes[i])
            nodes[j] = nodes[j] + y if j in nodes else y
        out = nodes.get(N_NODES - 1)
        return out if out is not None else torch.zeros_like(x)


class ResidualReduction(nn.Module):
    """NAS-Bench-201's residual block between stages: two ReLU-conv-BN (the first with stride
    2) plus a shortcut of average pooling and a 1x1 conv; halves the length (each side of an
    image with ``dims=2``), changes width."""

    def __init__(self, c_in: int, c_out: int, dims: int = 1) -> None:
        super().__init__()
        nd = layers(dims)
        self.a = ReLUConvBN(c_in, c_out, 3, stride=2, dims=dims)
        self.b = ReLUConvBN(c_out, c_out, 3, dims=dims)
        self.shortcut = nn.Sequential(HalvingPool() if dims == 1 else nd["avg_pool"](2, 2),
                                      nd["conv"](c_in, c_out, 1, bias=False))

    def forward(self, x: Tensor) -> Tensor:
        return self.b(self.a(x)) + self.shortcut(x)


class Network(nn.Module):
    """Stem, three stages of ``n_cells`` copies of ``cell`` (widths C, 2C, 4C) with residual
    reductions between them, BN-ReLU, global average pooling, linear: NAS-Bench-201's
    skeleton in 1-D. ``stem_stride=2`` halves the signal before the first stage (a CPU-time
    saving; the paper's stem keeps the resolution). Input ``Tensor[batch, 1, length]``,
    output logits ``Tensor[batch, 10]``. The constructor's arguments are kept as attributes
    (``PopulationNetwork`` reads them to build the same network K times over).
    """

    def __init__(self, cell: Cell, channels: int = 16, n_cells: int = 1,
                 n_classes: int = N_CLASSES, in_channels: int = 1, stem_stride: int = 1) -> None:
        super().__init__()
        self.cell = cell
        self.channels, self.n_cells, self.n_classes = channels, n_cells, n_classes
        self.in_channels, self.stem_stride = in_channels, stem_stride
        c = channels
        layers: list[nn.Module] = [
            nn.Conv1d(in_channels, c, 3, stride=stem_stride, padding=1, bias=False),
            nn.BatchNorm1d(c)]
        for stage in range(3):
            if stage > 0:
                layers.append(ResidualReduction(c, 2 * c))
                c *= 2
            layers.extend(CellModule(cell, c) for _ in range(n_cells))
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.BatchNorm1d(c), nn.ReLU(inplace=False),
                                  nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(c, n_classes))

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(x))


def count_params(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def count_flops(model: nn.Module, length: int = SIGNAL_LENGTH, in_channels: int = 1) -> int:
    """Multiply-accumulates of the convolutions and linear layers for one input signal
    (the convention NAS-Bench-201 reports as FLOPs), counted by running one sample."""
    total = 0

    def conv_hook(m: nn.Conv1d, _inp: tuple[Tensor], out: Tensor) -> None:
        nonlocal total
        total += out.numel() * (m.in_channels // m.groups) * m.kernel_size[0]

    def linear_hook(m: nn.Linear, _inp: tuple[Tensor], out: Tensor) -> None:
        nonlocal total
        total += out.numel() * m.in_features

    hooks = []
    for m in model.modules():
        if isinstance(m, nn.Conv1d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            hooks.append(m.register_forward_hook(linear_hook))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            device = next(model.parameters()).device
            model(torch.zeros(1, in_channels, length, device=device))
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    return total
