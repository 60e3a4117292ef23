"""Train one cell with the benchmark's fixed recipe and report what the table records.

NAS-Bench-201 trains every cell with one fixed recipe (Section 2.3: SGD with Nesterov
momentum, cosine learning-rate decay, fixed epochs) so that differences between rows come from
the architecture alone. ``Recipe`` is ours, scaled to MNIST-1D and a CPU-hour budget for the
whole space; ``benchmarks/nas_pilot.py`` shows how its values were chosen.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from ..utils import get_device
from .cell import Cell
from .data import N_CLASSES, Splits, load_mnist1d
from .network import Network, count_flops, count_params

__all__ = ["Recipe", "RunResult", "train_cell", "evaluate", "chance_accuracy"]


@dataclass(frozen=True)
class Recipe:
    """The fixed training recipe. Defaults are the ones the shipped table was built with."""

    epochs: int = 4
    channels: int = 16
    n_cells: int = 1
    batch_size: int = 128
    lr: float = 0.05
    momentum: float = 0.9
    weight_decay: float = 5e-4

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RunResult:
    """One training run: accuracies in percent, ``val_curve[e]`` after epoch e + 1."""

    cell: str
    seed: int
    val_curve: list[float]
    val_acc: float
    test_acc: float
    params: int
    flops: int
    seconds: float
    recipe: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@torch.no_grad()
def evaluate(model: nn.Module, x: Tensor, y: Tensor, batch_size: int = 1000) -> float:
    """Accuracy of ``model`` on ``(x, y)`` in percent (eval mode)."""
    model.eval()
    correct = 0
    for k in range(0, len(y), batch_size):
        correct += (model(x[k:k + batch_size]).argmax(1) == y[k:k + batch_size]).sum().item()
    return 100.0 * correct / len(y)


def chance_accuracy(data: Splits) -> tuple[float, float]:
    """(val, test) accuracy of always predicting the most frequent training class: what a
    network whose cell output is disconnected can at best learn (its logits do not depend on
    the input)."""
    majority = int(torch.bincount(data.y_train, minlength=N_CLASSES).argmax())
    val = 100.0 * (data.y_val == majority).float().mean().item()
    test = 100.0 * (data.y_test == majority).float().mean().item()
    return val, test


def train_cell(cell: Cell | str, seed: int = 0, recipe: Recipe = Recipe(),
               device: str | torch.device | None = None, data: Splits | None = None) -> RunResult:
    """Train ``cell`` once with ``recipe`` and seed ``seed`` (weights and batch order).

    Disconnected cells are not trained: they get ``chance_accuracy`` at every epoch and 0 s.
    Leaves the caller's global torch RNG state untouched.
    """
    cell = Cell.from_string(cell) if isinstance(cell, str) else cell
    dev = get_device(device)
    data = (data or load_mnist1d()).to(dev)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = Network(cell, recipe.channels, recipe.n_cells).to(dev)
    params, flops = count_params(model), count_flops(model)
    if cell.is_disconnected:
        val, test = chance_accuracy(data)
        return RunResult(str(cell), seed, [val] * recipe.epochs, val, test, params, flops, 0.0,
                         recipe.as_dict())

    start = time.perf_counter()
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.SGD(model.parameters(), lr=recipe.lr, momentum=recipe.momentum,
                          nesterov=True, weight_decay=recipe.weight_decay)
    n = len(data.y_train)
    steps_per_epoch = math.ceil(n / recipe.batch_size)
    total = recipe.epochs * steps_per_epoch
    # Cosine decay to zero over all steps (NAS-Bench-201, Section 2.3).
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda t: 0.5 * (1.0 + math.cos(math.pi * t / total)))
    loss_fn = nn.CrossEntropyLoss()
    curve = []
    for _ in range(recipe.epochs):
        model.train()
        perm = torch.randperm(n, generator=gen).to(dev)
        for k in range(0, n, recipe.batch_size):
            idx = perm[k:k + recipe.batch_size]
            loss = loss_fn(model(data.x_train[idx]), data.y_train[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
        curve.append(evaluate(model, data.x_val, data.y_val))
    test = evaluate(model, data.x_test, data.y_test)
    seconds = time.perf_counter() - start
    return RunResult(str(cell), seed, curve, curve[-1], test, params, flops, seconds,
                     recipe.as_dict())
