"""Train cells with the benchmark's fixed recipe and report what the table records.

NAS-Bench-201 trains every cell with one fixed recipe (Section 2.3: SGD with Nesterov
momentum, cosine learning-rate decay, fixed epochs) so that differences between rows come from
the architecture alone. ``Recipe`` is ours, scaled to MNIST-1D and a laptop. Pilots
(``benchmarks/research/nas_pilot.md``, 120-400 cells x 2 seeds): SGD's accuracy after a few epochs
depends a lot on the seed (seed-vs-seed Kendall tau 0.25); AdamW with the same cosine decay
does better. With one cell per stage no training change (epochs, data, learning rate, width)
lifted tau seed above ~0.48: the fixed skeleton makes most cells with a few convolutions
equally good. More cells per stage (NAS-Bench-201 uses five) pushes good cells apart faster
than it adds seed noise, so the default is three: AdamW, lr 0.01 decayed to 0 by a cosine,
3 epochs, batch 64, C=8, stem stride 2, three cells per stage (pilot, 240 cells: tau seed
0.636, SE 0.025; the shipped table, all 6,461 connected classes: 0.646, at 2.71 CPU s per run
in populations of 16).

``train_cell`` trains one cell with it. It is a population of one: the table machinery's
``nasdemo.nas.table.population.train_population`` trains K cells at once as one
``PopulationNetwork`` (K independent networks stacked along the channel axis, each with its
own init, data order and loss), which is how the table is built, and a cell trained here gets
exactly the table's numbers.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import torch

from ..utils import check_int
from .cell import Cell
from .data import N_CLASSES, Splits

__all__ = ["Recipe", "RunResult", "train_cell", "chance_accuracy"]


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
            check_int(getattr(self, name), f"Recipe.{name}")
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
    # The table machinery, imported here: it imports Recipe and RunResult from this module.
    from .table.population import train_population
    return train_population([cell], [seed], recipe, device, data)[0]
