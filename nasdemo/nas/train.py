"""Train cells with the benchmark's fixed recipe and report what the table records.

NAS-Bench-201 trains every cell with one fixed recipe (Section 2.3: SGD with Nesterov
momentum, cosine learning-rate decay, fixed epochs) so that differences between rows come from
the architecture alone. ``Recipe`` is ours, scaled to MNIST-1D and a laptop. Pilots
(``benchmarks/nas_pilot.md``, 120-400 cells x 2 seeds): SGD's accuracy after a few epochs
depends a lot on the seed (seed-vs-seed Kendall tau 0.25); AdamW with the same cosine decay
does better. With one cell per stage no training change (epochs, data, learning rate, width)
lifted tau seed above ~0.48: the fixed skeleton makes most cells with a few convolutions
equally good. More cells per stage (NAS-Bench-201 uses five) pushes good cells apart faster
than it adds seed noise, so the default is three: AdamW, lr 0.01 decayed to 0 by a cosine,
3 epochs, batch 64, C=8, stem stride 2, three cells per stage (pilot, 240 cells: tau seed
0.636, SE 0.025; the shipped table, all 6,461 connected classes: 0.646, at 2.71 CPU s per run
in populations of 16).

``train_population`` trains K cells at once as one ``PopulationNetwork`` (K independent
networks stacked along the channel axis, each with its own init, data order and loss), which
is how the table is built; ``train_cell`` is a population of one.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..utils import get_device
from .cell import Cell
from .data import N_CLASSES, Splits, load_mnist1d
from .network import Network, count_flops, count_params
from .population import PopulationNetwork

__all__ = ["Recipe", "RunResult", "train_cell", "train_population", "evaluate",
           "evaluate_population", "chance_accuracy"]


@dataclass(frozen=True)
class Recipe:
    """The fixed training recipe. Defaults are the ones the shipped table is built with.
    Every field is checked when a recipe is made (``ValueError`` naming it)."""

    epochs: int = 3
    channels: int = 8
    n_cells: int = 3  # cells per stage
    stem_stride: int = 2
    batch_size: int = 64
    optimizer: str = "adam"  # "adam" (AdamW) or "sgd" (Nesterov momentum, as NAS-Bench-201)
    lr: float = 0.01
    momentum: float = 0.9  # sgd only
    weight_decay: float = 0.0

    def __post_init__(self) -> None:
        # A bad recipe must fail here, not as 10 % accuracy rows (lr nan) or a
        # ZeroDivisionError (epochs 0) deep in training.
        for name in ("epochs", "channels", "n_cells", "stem_stride", "batch_size"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"Recipe.{name} must be an integer >= 1, got {v!r}")
        if self.optimizer not in ("sgd", "adam"):
            raise ValueError(f"Recipe.optimizer must be 'sgd' or 'adam', got {self.optimizer!r}")
        for name, low, high, closed in (("lr", 0.0, math.inf, False),
                                        ("momentum", 0.0, 1.0, True),
                                        ("weight_decay", 0.0, math.inf, True)):
            v = getattr(self, name)
            ok = (isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                  and (low <= v if closed else low < v) and v < high)
            if not ok:
                want = f"{'>=' if closed else '>'} {low:g}" + (f" and < {high:g}"
                                                              if high < math.inf else "")
                raise ValueError(f"Recipe.{name} must be a finite number {want}, got {v!r}")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RunResult:
    """One training run: accuracies in percent, ``val_curve[e]`` after epoch e + 1;
    ``seconds`` is wall-clock training time, ``cpu_seconds`` the process's CPU time (the fairer
    cost on a shared machine)."""

    cell: str
    seed: int
    val_curve: list[float]
    val_acc: float
    test_acc: float
    params: int
    flops: int
    seconds: float
    cpu_seconds: float = 0.0
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
    """Train ``cell`` once with ``recipe`` and seed ``seed`` (weights and batch order): a
    population of one (``train_population``), so the table's runs and this are the same code.

    A disconnected cell is not trained: it gets ``chance_accuracy`` at every epoch and 0 s.
    Leaves the caller's global torch RNG state untouched.
    """
    return train_population([cell], [seed], recipe, device, data)[0]


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
