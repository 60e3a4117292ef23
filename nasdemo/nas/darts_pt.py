"""DARTS-PT: perturbation-based architecture selection (Wang, Cheng, Chen, Tang & Hsieh,
"Rethinking Architecture Selection in Differentiable NAS", ICLR 2021).

DARTS derives its cell by the arg-max of alpha on each edge, assuming that an op's alpha
measures how much the supernet needs it. Wang et al. show that it need not (their Section 3:
on a trained supernet, skip connections get the largest alpha although removing them hurts
least) and measure the need directly instead. Their Algorithm 1, for a trained supernet S::

    1  while there are undecided edges E:
    2      pick an edge e of E at random (and take it out of E)
    3      for every op o on e:
    4          evaluate the validation accuracy of S with o removed, ACC_\\o
    5      keep the op whose removal hurts most:  o*_e = argmin_o ACC_\\o
    6      discretise e to o*_e, and tune the supernet for a few epochs

On NAS-Bench-201 every edge keeps exactly one op (there is no choice of a node's inputs), so
the paper's second step, the topology selection of its Algorithm 2, does not apply: this
module implements Algorithm 1 alone, as the authors' code does for NAS-Bench-201
(``nasbench201/projection.py`` in ruocwang/darts-pt).

Details follow the authors' NAS-Bench-201 code:

- "o removed" (line 4) sets o's mixing weight on e to zero and leaves the other ops' softmax
  weights as they are (no renormalisation); the decided edges use their chosen op with
  weight 1 (``NB201Supernet.edge_mask`` keeps only that op, so its softmax is one-hot).
  Removing ``none`` changes nothing, so ``none`` is kept only when removing any other op
  helps the supernet.
- The accuracy is measured with the batch normalisations in training mode (batch statistics),
  as their code does (``infer(..., eval=False)``), so a removed op's missing contribution is
  renormalised by the next BN rather than compared with stale running statistics. The running
  statistics are restored afterwards: measuring changes nothing.
- Tuning (line 6) continues DARTS's Algorithm 1 (alpha and w steps) with the weights'
  learning rate a tenth of the search's initial one, constant; ``tune_epochs`` epochs after
  each decision but the last (the authors' code: 5 epochs per decision on NAS-Bench-201,
  ``--proj_intv 5``; it spreads the same 25 epochs over the 6 decisions slightly differently,
  4 before the last decision and 1 after it, which cannot change the cell).
- The validation set is the search's own: the second half of ``splits.x_train``, on which
  DARTS trained alpha (``splits.x_val`` / ``x_test`` are not touched).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import torch
from torch import Tensor

from ..utils import check_int, check_seed, get_device
from .cell import EDGES, OPS, Cell
from .darts import DartsConfig, DartsSearch, NB201Supernet
from .darts import search as darts_search
from .data import Splits

__all__ = ["EdgeDecision", "DartsPTResult", "darts_pt_select", "darts_pt_search"]

TUNE_LR_FACTOR = 0.1  # the authors' code tunes at learning_rate / 10 (reset_optimizer)


@dataclass(frozen=True)
class EdgeDecision:
    """One pass of Algorithm 1's loop: ``edge`` (i, j) was decided; ``base_acc`` is the
    supernet's validation accuracy (%) just before, with every op of the edge in;
    ``acc_without[o]`` the accuracy with op o removed (line 4), for the ops still on the edge;
    ``alpha[o]`` the softmax weight alpha gave o at that moment (what DARTS would rank by);
    ``op`` the kept op (line 5)."""

    edge: tuple[int, int]
    base_acc: float
    acc_without: dict[str, float]
    alpha: dict[str, float]
    op: str

    @property
    def drops(self) -> dict[str, float]:
        """How much removing each op costs in accuracy points (negative: removal helps)."""
        return {o: self.base_acc - a for o, a in self.acc_without.items()}

    @property
    def alpha_op(self) -> str:
        """The op DARTS's arg-max of alpha would have kept on this edge at this moment."""
        return max(self.alpha, key=self.alpha.__getitem__)  # ties: the first in OPS order


@dataclass
class DartsPTResult:
    """A DARTS-PT run. ``architecture``: the selected cell; ``darts_cell``: the cell the
    supernet's alpha encoded before selection (DARTS's answer on the same supernet);
    ``decisions``: one ``EdgeDecision`` per decided edge, in decision order; ``seconds``: wall
    time of everything the function did (for ``darts_pt_search``, the supernet training
    included; ``search_seconds`` is that part alone, 0 for ``darts_pt_select``)."""

    architecture: Cell
    darts_cell: Cell
    decisions: list[EdgeDecision]
    seed: int
    seconds: float
    search_seconds: float = 0.0


def _search_halves(splits: Splits) -> int:
    """The size of each half of ``splits.x_train`` (DARTS's w half and alpha half)."""
    n_half = len(splits.y_train) // 2
    if n_half < 1:
        raise ValueError(f"splits.x_train must hold at least 2 signals to split in halves, "
                         f"got {len(splits.y_train)}")
    return n_half


@torch.no_grad()
def _accuracy(supernet: NB201Supernet, x: Tensor, y: Tensor, weights: Tensor,
              batch_size: int) -> float:
    """Accuracy (%) of the supernet mixing its ops with ``weights``, batch statistics in the
    batch normalisations (training mode), in fixed consecutive batches; buffers restored."""
    saved = {name: b.clone() for name, b in supernet.named_buffers()}
    supernet.train()
    correct = 0
    for s in range(0, len(y), batch_size):
        correct += int((supernet(x[s:s + batch_size], weights).argmax(dim=1)
                        == y[s:s + batch_size]).sum())
    for name, b in supernet.named_buffers():
        b.copy_(saved[name])
    return 100.0 * correct / len(y)


def darts_pt_select(supernet: NB201Supernet, splits: Splits, tune_epochs: int = 5,
                    batch_size: int = 64, order: int = 1, seed: int = 0,
                    device: str | torch.device | None = None,
                    config: DartsConfig = DartsConfig()) -> DartsPTResult:
    """Perturbation-based selection (Algorithm 1) on a trained NAS-Bench-201 supernet, edited
    in place: afterwards each edge keeps one op (``supernet.edge_mask``) and the weights are
    tuned.

    Edges that already have a single op left (cut by progressive cutting) are kept as they
    are; the others are decided one at a time, in a random order drawn from ``seed`` (line 2),
    each by the op whose removal lowers the validation accuracy most (lines 3-5; ties go to the
    op listed first in ``OPS``), with ``tune_epochs`` epochs of DARTS steps (``order``,
    ``config``; the weights' learning rate ``TUNE_LR_FACTOR`` times ``config.w_lr``, constant)
    after each decision but the last (line 6). ``tune_epochs=0`` decides every edge on the
    supernet as trained. The tuning's batch order is drawn from ``seed`` too, so the run is a
    function of the supernet, the data and the seed.
    """
    if not isinstance(supernet, NB201Supernet):
        raise ValueError(f"darts_pt_select needs an NB201Supernet (one alpha over the six "
                         f"NAS-Bench-201 edges), got {type(supernet).__name__}")
    tune_epochs = check_int(tune_epochs, "tune_epochs", minimum=0)
    batch_size = check_int(batch_size, "batch_size")
    seed = check_seed(seed)
    n_half = _search_halves(splits)
    dev = get_device(device)
    supernet.to(dev)
    dtype = next(supernet.parameters()).dtype
    x = splits.x_train.to(dev, dtype)
    y = splits.y_train.to(dev)
    x_w, y_w = x[:n_half], y[:n_half]  # trains w
    x_a, y_a = x[n_half:2 * n_half], y[n_half:2 * n_half]  # the search's validation set

    start = time.perf_counter()
    darts_cell = supernet.derive()
    gen = torch.Generator().manual_seed(seed)
    open_edges = [k for k in range(len(EDGES)) if int(supernet.edge_mask[k].sum()) > 1]
    order_of = [open_edges[k] for k in torch.randperm(len(open_edges), generator=gen).tolist()]
    tune_config = replace(config, w_lr=TUNE_LR_FACTOR * config.w_lr,
                          w_lr_min=TUNE_LR_FACTOR * config.w_lr)  # constant learning rate
    tuner = DartsSearch(supernet, order, max(1, tune_epochs), tune_config)
    decisions = []
    for n, k in enumerate(order_of):  # line 1: while undecided edges remain; line 2: pick e
        with torch.no_grad():
            weights = supernet.masked_alpha().softmax(dim=-1)
        base = _accuracy(supernet, x_a, y_a, weights, batch_size)
        acc_without = {}
        for o, name in enumerate(OPS):  # lines 3-4: ACC without o, for the ops still on e
            if not supernet.edge_mask[k, o]:
                continue
            removed = weights.clone()
            removed[k, o] = 0.0
            acc_without[name] = _accuracy(supernet, x_a, y_a, removed, batch_size)
        op = min(acc_without, key=acc_without.__getitem__)  # line 5 (ties: first in OPS)
        decisions.append(EdgeDecision(EDGES[k], base, acc_without,
                                      {name: float(weights[k, OPS.index(name)])
                                       for name in acc_without}, op))
        with torch.no_grad():  # line 6: discretise e to o*_e (weight 1 from now on) ...
            supernet.edge_mask[k] = False
            supernet.edge_mask[k, OPS.index(op)] = True
        if n < len(order_of) - 1:  # ... and tune the supernet
            for _ in range(tune_epochs):
                perm_w = torch.randperm(n_half, generator=gen).to(dev)
                perm_a = torch.randperm(n_half, generator=gen).to(dev)
                for s in range(0, n_half, batch_size):
                    iw, ia = perm_w[s:s + batch_size], perm_a[s:s + batch_size]
                    tuner.step(x_w[iw], y_w[iw], x_a[ia], y_a[ia])
    cell = supernet.derive()  # every edge has one op left: the decisions
    return DartsPTResult(cell, darts_cell, decisions, seed, time.perf_counter() - start)


def darts_pt_search(splits: Splits, supernet: NB201Supernet | None = None, epochs: int = 50,
                    tune_epochs: int = 5, batch_size: int = 64, order: int = 1, seed: int = 0,
                    device: str | torch.device | None = None,
                    config: DartsConfig = DartsConfig()) -> DartsPTResult:
    """DARTS-PT end to end, timed: train the supernet with DARTS (``darts_search``, which
    re-draws it from ``seed``: the same run as ``darts_search(supernet, splits, epochs,
    batch_size, order, seed)``), then select the cell with ``darts_pt_select`` (same seed).

    ``supernet``: an ``NB201Supernet`` (default: ``NB201Supernet()``, 8 channels, one cell per
    stage, on ``device``). The result's ``darts_cell`` is what DARTS returns for this seed,
    ``architecture`` what DARTS-PT returns; ``seconds`` is the wall time of both phases,
    ``search_seconds`` of the DARTS phase alone.
    """
    seed = check_seed(seed)
    check_int(tune_epochs, "tune_epochs", minimum=0)  # before the search, not after it
    check_int(batch_size, "batch_size")
    if supernet is None:
        supernet = NB201Supernet(device=device)
    elif not isinstance(supernet, NB201Supernet):
        raise ValueError(f"darts_pt_search needs an NB201Supernet, got "
                         f"{type(supernet).__name__}")
    start = time.perf_counter()
    run = darts_search(supernet, splits, epochs=epochs, batch_size=batch_size, order=order,
                       seed=seed, device=device, config=config)
    search_seconds = time.perf_counter() - start
    result = darts_pt_select(supernet, splits, tune_epochs=tune_epochs, batch_size=batch_size,
                             order=order, seed=seed, device=device, config=config)
    result.seconds = time.perf_counter() - start
    result.search_seconds = search_seconds
    return result
