"""Neural Predictor: Wen, Liu, Chen, Li, Bender & Kindermans, "Neural Predictor for Neural
Architecture Search", ECCV 2020.

The search, in the paper's three steps (Section 3, Figure 1)::

    train N random architectures -> N (architecture, validation accuracy) pairs
    fit a graph network that predicts accuracy from the architecture
    predict every candidate; train the top K by predicted accuracy;
    return the one with the best validation accuracy           # budget = N + K trainings

**Graph** (Section 3.1): each cell is a node-labelled DAG, ``Cell.to_graph()``: an input
node, one node per edge-op (NAS-Bench-201 puts ops on edges; the paper's NAS-Bench-101 puts
them on nodes, so each edge becomes a node), an output node; node features are the one-hot
labels (7: input, output, the five ops).

**GCN** (Section 3.1, Kipf & Welling's graph convolution)::

    V_{l+1} = ReLU(A V_l W_l)                                    # one direction
    V_{l+1} = 1/2 ReLU(A V_l W_l^+) + 1/2 ReLU(A^T V_l W_l^-)    # bidirectional, the paper's

The lecture's slide prints ``A`` in both terms of the bidirectional form; the paper means
``A`` in one and its transpose in the other. With ``A`` twice the two terms would pass
information the same way, along the edges, with two weight matrices instead of one; with
``A^T`` the second term carries it *against* the edges, so a node learns both what feeds it
and what it feeds (an op right before the output matters differently from one right after
the input). Here ``A`` gets self-loops and each row is divided by its degree (a node keeps
its own features and averages its neighbours', Kipf & Welling's renormalisation in its
row form) -- without the self-loop the input node, which nothing feeds, would lose its label
in the forward term. After the last layer the node representations are averaged and a fully
connected head maps the mean to one number (Figure 2).

**Cascade** (Section 3.2, Figure 4): on NAS-Bench-101 many sampled networks are bad or
unstable, so a GCN *classifier* first learns which networks are below 91 % and a GCN
*regressor*, trained only on the rest, predicts the accuracy of those the classifier keeps.
91 % is an absolute number on NAS-Bench-101's scale; on another table it means nothing, so
the threshold here is a quantile of the accuracies the search has seen (its N training
cells): ``threshold_quantile=0.3`` drops the worst 30 % of the sample. On the MNIST-1D table
that cut falls near 60 %, at the foot of the main mode, above a second mode near 48 % and
the 2 % of cells whose input never reaches the output (chance, 8.6 %; notebook 09 checks
both): the role 91 % plays on NAS-Bench-101, where it cuts the long tail of failed and unstable networks
below the bulk of the distribution (the paper's Figure 3). A fixed ``threshold`` in percent
can be given instead. Candidates the classifier keeps are ranked above every candidate it
drops, each group by the regressor's prediction.

**Settings.** The paper: 3 GCN layers of 144, FC 128, dropout 0.1, Adam with learning rate
1e-4 and weight decay 1e-3, 300 epochs, batch 10. We keep the depth, FC 128, dropout, weight
decay and batch size, and change three things, measured on the MNIST-1D table (BENCHMARKS.md,
"Neural Predictor"; 20 runs each unless said):

- ``hidden=32`` instead of 144: a figure of the lecture trains hundreds of predictors and
  each predicts all 15,625 cells, which at width 144 costs about 20x the arithmetic. Kendall
  tau of the prediction on all cells (N = 100, 100 epochs at lr 1e-3): 0.43 at width 16, 0.47
  at 32, 0.49 at 64; one width-144 run (N = 172) reached 0.52.
- ``lr=1e-3`` instead of 1e-4: at width 32 the paper's schedule (300 epochs at 1e-4) left tau
  at 0.39 (N = 100); at lr 5e-3, 2 of 20 regressors died (every ReLU off, a constant
  prediction), none at 1e-3 or 2e-3.
- ``epochs=200`` instead of 300, two thirds of the cost. With N = 50 (batch 10) an epoch is
  only 5 steps: 50 epochs at lr 2e-3 underfit (cascade, N + K = 100: final training loss 0.53
  of the target variance, the top K averaged 64.8 % validation accuracy, the returned cells
  82.86 % test), 200 epochs at lr 1e-3 did not (0.20; 73.3 %; 85.22 %).

**Speed.** A predictor is a few small matmuls, so on a CPU its training costs mostly Python
and framework overhead per step. ``neural_predictor_runs`` trains the predictors of many
searches (seeds) as *one* batched model: every weight has a leading run axis and the layers
are ``torch.bmm`` over runs (``nasdemo.nas.table.population`` does the same for the table's
networks). Nothing couples the runs: the loss is the sum of the per-run losses, Adam is
elementwise, each run draws its own initial weights, batch order and dropout masks from its
own seed, so run r of a batch trains as it would alone, and ``neural_predictor(bench,
budget, seed)`` gives ``neural_predictor_runs(bench, budget, [.., seed, ..])``'s entry for
that seed. Bit for bit, as tested for batches of 1 to 17 runs (a lone run trains beside a
padding row, and predictions use fixed shapes: see ``GCNPredictor``); between a batch of a
few runs and one of 100 we found last-bit differences in a few runs without the cascade,
which can swap two nearly tied cells in the ranking (notebook 09 measures how often).
Predicting every cell of the table is one batched forward pass per chunk of cells.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np
import torch
from torch import Tensor

from ..utils import check_int, check_number, check_positive, check_prob, check_seed, get_device
from .benchmark import Benchmark
from .cell import Cell
from .result import SearchResult, check_budget

__all__ = ["neural_predictor", "neural_predictor_runs", "default_n_train", "encode_cells",
           "GCNPredictor", "fit_predictor", "training_sample", "PredictorSettings",
           "deployed_curve", "SearchCurves", "figure6_data", "figure7_data"]

N_FEATURES = len(Cell.GRAPH_LABELS)  # one-hot node labels: input, output, five ops


# --------------------------------------------------------------------------- graphs
def encode_cells(cells: Sequence[Cell]) -> tuple[Tensor, Tensor, Tensor]:
    """The cells as graphs for the GCN: ``(forward, backward, features)``.

    ``features`` is ``Tensor[n, 8, 7]``, the one-hot labels of ``Cell.to_graph()``'s nodes.
    ``forward`` and ``backward`` are ``Tensor[n, 8, 8]``: the propagation matrices of the two
    terms of the bidirectional layer. With ``adj`` from ``to_graph`` (row -> column = data
    flows), ``forward = rownorm(adj^T + I)`` (node j averages itself and the nodes that feed
    it: information flows along the edges) and ``backward = rownorm(adj + I)`` (node i
    averages itself and the nodes it feeds: against the edges), so ``backward`` is the
    transpose's counterpart of ``forward``, the paper's ``A`` and ``A^T``.
    """
    if not cells:
        raise ValueError("encode_cells needs at least one cell")
    # The wiring of to_graph() depends only on which edges are `none` (2**6 patterns): build
    # each pattern's matrices once from to_graph() and index them, instead of 15,625 calls.
    pattern = torch.tensor([sum(1 << k for k, op in enumerate(c.ops) if op == "none")
                            for c in cells])
    labels = torch.tensor([[0] + [2 + t for t in c.tokens()] + [1] for c in cells])
    adj = torch.stack([Cell(["none" if p >> k & 1 else "skip_connect" for k in range(6)])
                       .to_graph()[0] for p in range(64)])
    eye = torch.eye(adj.shape[-1])
    fwd = adj.transpose(1, 2) + eye
    bwd = adj + eye
    fwd = (fwd / fwd.sum(-1, keepdim=True))[pattern]
    bwd = (bwd / bwd.sum(-1, keepdim=True))[pattern]
    feats = torch.nn.functional.one_hot(labels, N_FEATURES).float()
    return fwd, bwd, feats


# --------------------------------------------------------------------------- the model
@dataclass(frozen=True)
class PredictorSettings:
    """The GCN and its training: the paper's settings except ``hidden``, ``epochs`` and
    ``lr`` (see the module docstring: the cost of hundreds of searches on a CPU)."""

    hidden: int = 32          # width of each GCN layer (the paper: 144)
    layers: int = 3           # GCN layers
    fc: int = 128             # width of the fully connected layer
    dropout: float = 0.1      # on the fully connected layer, in training
    lr: float = 1e-3          # Adam (the paper: 1e-4)
    weight_decay: float = 1e-3
    epochs: int = 200         # (the paper: 300)
    batch_size: int = 10

    def __post_init__(self) -> None:
        check_int(self.hidden, "hidden")
        check_int(self.layers, "layers")
        check_int(self.fc, "fc")
        check_int(self.epochs, "epochs")
        check_int(self.batch_size, "batch_size")
        if not 0.0 <= check_prob(self.dropout, "dropout") < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        check_positive(self.lr, "lr")
        check_number(self.weight_decay, "weight_decay", minimum=0.0)


def _uniform_hash(keys: Tensor) -> Tensor:
    """A deterministic uniform number in [0, 1) for each int64 key (two rounds of a 32-bit
    multiply-xorshift integer hash). Dropout masks come from this rather than a generator so
    that a run's masks depend only on its own seed and step, not on which runs share its
    batch."""
    x = keys & 0xFFFFFFFF
    for _ in range(2):
        x = ((x >> 16) ^ x) * 0x45D9F3B & 0xFFFFFFFF
    x = (x >> 16) ^ x
    return x.to(torch.float64).div(2.0**32).float()


class GCNPredictor:
    """R independent GCN predictors (one per search run) as one batched model.

    Every weight has a leading run axis R; a forward pass takes graphs ``[R or 1, B, 8, 8]``
    and features ``[R or 1, B, 8, 7]`` and returns ``[R, B]`` (an accuracy, standardised, or
    a logit of "good"). Run r's initial weights are drawn from ``torch.Generator`` seeded
    with ``seeds[r]`` (uniform in +-1/sqrt(fan_in), as ``nn.Linear`` draws them), so they do
    not depend on the other runs.
    """

    def __init__(self, seeds: Sequence[int], settings: PredictorSettings,
                 device: torch.device | None = None) -> None:
        self.settings = settings
        self.device = device or torch.device("cpu")
        self.seeds = [check_seed(s) for s in seeds]
        # A lone run gets a padding run beside it (dropped from every output): autograd's
        # sums over a batch round differently for one row than for several, and with at
        # least two rows a run's training is bitwise the same whatever runs share it.
        self._row_seeds = self.seeds + ([self.seeds[0] ^ 1] if len(self.seeds) == 1 else [])
        s = settings
        dims = [N_FEATURES] + [s.hidden] * s.layers
        shapes: list[tuple[str, tuple[int, ...], int]] = []
        for li in range(s.layers):
            shapes += [(f"w{li}+", (dims[li], dims[li + 1]), dims[li]),
                       (f"w{li}-", (dims[li], dims[li + 1]), dims[li])]
        shapes += [("fc1", (s.hidden, s.fc), s.hidden), ("b1", (1, s.fc), s.hidden),
                   ("fc2", (s.fc, 1), s.fc), ("b2", (1, 1), s.fc)]
        per_run: list[list[Tensor]] = []
        for seed in self._row_seeds:
            g = torch.Generator().manual_seed(seed)
            per_run.append([(torch.rand(shape, generator=g) * 2 - 1) / math.sqrt(fan_in)
                            for _, shape, fan_in in shapes])
        self.names = [n for n, _, _ in shapes]
        self._shapes = [shape for _, shape, _ in shapes]
        #: All of run r's weights in one row: Adam then updates every weight in a few ops.
        self.flat = torch.stack([torch.cat([w.reshape(-1) for w in ws]) for ws in per_run]
                                ).to(self.device).requires_grad_(True)

    @property
    def params(self) -> dict[str, Tensor]:
        """Each weight, ``[R, *shape]``, as a view of ``flat`` (writing to it under
        ``torch.no_grad()`` sets the weight)."""
        out, a = {}, 0
        for n, shape in zip(self.names, self._shapes):
            size = math.prod(shape)
            out[n] = self.flat[:, a:a + size].view(self.rows, *shape)
            a += size
        return out

    @property
    def runs(self) -> int:
        """How many runs (seeds) the model holds."""
        return len(self.seeds)

    @property
    def rows(self) -> int:
        """How many rows its weights have: ``runs``, or 2 for a lone run (see ``__init__``)."""
        return len(self._row_seeds)

    def forward(self, fwd: Tensor, bwd: Tensor, feats: Tensor,
                drop_keys: Tensor | None = None,
                params: dict[str, Tensor] | None = None) -> Tensor:
        """Predictions ``[R, B]``. ``drop_keys`` (int64 ``[R, B, fc]``), in training, seeds
        the dropout mask of each unit (see ``_uniform_hash``). ``params``: the weights of
        some of the runs (``predict`` goes through the runs in groups)."""
        p = self.params if params is None else params
        R = p["b2"].shape[0]
        v = feats.expand(R, *feats.shape[1:]) if feats.shape[0] == 1 else feats
        B, n_nodes = v.shape[1], v.shape[2]
        for li in range(self.settings.layers):
            flat = v.reshape(R, B * n_nodes, -1)
            h_plus = torch.bmm(flat, p[f"w{li}+"]).reshape(R, B, n_nodes, -1)
            h_minus = torch.bmm(flat, p[f"w{li}-"]).reshape(R, B, n_nodes, -1)
            # V_{l+1} = 1/2 ReLU(A V W+) + 1/2 ReLU(A^T V W-)   (Wen et al., Section 3.1)
            v = 0.5 * torch.relu(fwd @ h_plus) + 0.5 * torch.relu(bwd @ h_minus)
        z = v.mean(2)                                               # mean over the nodes
        z = torch.relu(torch.baddbmm(p["b1"], z, p["fc1"]))         # FC 128
        if drop_keys is not None and self.settings.dropout > 0:
            q = self.settings.dropout
            keep = _uniform_hash(drop_keys) >= q
            z = z * keep / (1 - q)
        # The head's last product, FC 128 -> 1, as a multiply and a sum over the 128: a
        # [B, 128] @ [128, 1] matrix product rounds differently for one run and for several.
        return (z * p["fc2"].transpose(1, 2)).sum(-1) + p["b2"][:, :, 0]

    @torch.no_grad()
    def predict(self, fwd: Tensor, bwd: Tensor, feats: Tensor, chunk: int = 2048,
                max_floats: int = 2**22) -> Tensor:
        """Every run's prediction for the same M graphs (``[M, 8, 8]``, ``[M, 8, 7]``):
        ``[R, M]`` on the CPU, ``forward`` without dropout.

        The runs go through in groups and the cells in chunks of ``chunk``, so that an
        activation (``group * chunk * 8 * hidden`` floats) stays under ``max_floats`` (16 MB)
        and every matrix product has the same shape whatever R is: run r's predictions are
        then bitwise the same whether it is predicted alone or with 99 other runs (a
        product's rounding can depend on its shape, and a last-bit difference can swap two
        cells in the ranking).
        """
        n_nodes = fwd.shape[1]
        group = max(1, max_floats // (chunk * n_nodes * max(self.settings.hidden,
                                                              self.settings.fc)))
        p = self.params
        out = torch.empty(self.rows, fwd.shape[0])
        for r in range(0, self.rows, group):
            pg = {k: v[r:r + group] for k, v in p.items()}
            for a in range(0, fwd.shape[0], chunk):
                f, b, x = (t[a:a + chunk].to(self.device)[None] for t in (fwd, bwd, feats))
                out[r:r + group, a:a + chunk] = self.forward(f, b, x, params=pg).float().cpu()
        return out[:self.runs]


def _adam_step(params: dict[str, Tensor], state: dict[str, list[Tensor]], steps: Tensor,
               active: Tensor, lr: float, weight_decay: float, betas: tuple[float, float] = (
                   0.9, 0.999), eps: float = 1e-8) -> None:
    """One step of Adam with L2 weight decay (``torch.optim.Adam``'s update, same order of
    operations), batched over runs: run r moves only where ``active[r]``, with its own step
    count ``steps[r]``, so a run that has finished its epoch's batches waits untouched."""
    b1, b2 = betas
    shape_of = {n: (-1,) + (1,) * (p.dim() - 1) for n, p in params.items()}
    with torch.no_grad():
        bc1 = 1 - b1 ** steps
        bc2 = 1 - b2 ** steps
        for n, p in params.items():
            g = p.grad + weight_decay * p
            m, v = state[n]
            a = active.view(shape_of[n])
            m.copy_(torch.where(a, m * b1 + (1 - b1) * g, m))
            v.copy_(torch.where(a, v * b2 + (1 - b2) * g * g, v))
            denom = (v.sqrt() / bc2.sqrt().view(shape_of[n])) + eps
            step = (lr / bc1).view(shape_of[n])
            p.sub_(torch.where(a, step * m / denom, torch.zeros_like(p)))
            p.grad = None


EpochCallback = Callable[[int, "GCNPredictor", np.ndarray], None]


def fit_predictor(model: GCNPredictor, graphs: tuple[Tensor, Tensor, Tensor], targets: Tensor,
                  mask: Tensor, *, classify: bool = False,
                  on_epoch: EpochCallback | None = None) -> np.ndarray:
    """Train ``model``'s R runs, run r on its own cells: ``graphs`` (``[R, n, 8, 8]`` twice
    and ``[R, n, 8, 7]``), ``targets`` ``[R, n]`` and ``mask`` ``[R, n]`` (bool: which of the
    n slots are run r's training cells; runs may have different numbers).

    Each epoch, run r shuffles its own cells (``torch.randperm`` with a generator seeded from
    its seed) and steps through them in batches of ``batch_size``; the loss of a batch is the
    mean squared error (regressor) or the binary cross-entropy (classifier, targets 0/1) over
    its cells. Runs with fewer cells finish their epoch early and wait. Returns the mean
    training loss per epoch and run, ``float[epochs, R]``; ``on_epoch(epoch, model,
    losses_so_far)`` is called after each epoch (e.g. to plot a live curve).
    """
    s, R, dev = model.settings, model.rows, model.device
    if model.rows > model.runs:  # a lone run's padding row trains on a copy of its cells
        graphs = tuple(torch.cat([g, g[:1]]) for g in graphs)
        targets, mask = torch.cat([targets, targets[:1]]), torch.cat([mask, mask[:1]])
    fwd, bwd, feats = (t.to(dev) for t in graphs)
    targets, mask = targets.to(dev).float(), mask.to(dev)
    counts = mask.sum(1).cpu()
    if int(counts.min()) < 1:
        raise ValueError("every run needs at least one training cell")
    order_of = [torch.nonzero(mask[r].cpu()).flatten() for r in range(R)]
    gens = [torch.Generator().manual_seed(seed + 7919) for seed in model._row_seeds]
    flat = {"flat": model.flat}
    state = {"flat": [torch.zeros_like(model.flat), torch.zeros_like(model.flat)]}
    steps = torch.zeros(R, device=dev)
    n_steps = [math.ceil(int(c) / s.batch_size) for c in counts]
    seeds = torch.tensor(model._row_seeds, dtype=torch.long, device=dev)
    unit = torch.arange(s.fc, device=dev)
    slot = torch.arange(s.batch_size, device=dev)
    rows = torch.arange(R, device=dev)[:, None]
    history = np.zeros((s.epochs, R))
    for epoch in range(s.epochs):
        perms = [o[torch.randperm(len(o), generator=g)] for o, g in zip(order_of, gens)]
        width = max(n_steps) * s.batch_size
        idx = torch.zeros(R, width, dtype=torch.long)
        valid = torch.zeros(R, width, dtype=torch.bool)
        for r, perm in enumerate(perms):
            idx[r, :len(perm)] = perm
            valid[r, :len(perm)] = True
        idx, valid = idx.to(dev), valid.to(dev)
        loss_sum = torch.zeros(R, device=dev)
        for k in range(max(n_steps)):
            sel = idx[:, k * s.batch_size:(k + 1) * s.batch_size]
            w = valid[:, k * s.batch_size:(k + 1) * s.batch_size].float()
            active = w.sum(1) > 0
            # dropout keys: (seed, epoch, step, slot, unit) -> one number per unit
            keys = ((seeds * 1_000_003 + epoch) * 10_007 + k)[:, None, None] * 1_000_003 \
                + slot[None, :, None] * 4099 + unit[None, None, :]
            out = model.forward(fwd[rows, sel], bwd[rows, sel], feats[rows, sel], keys)
            y = targets[rows, sel]
            if classify:
                per = torch.nn.functional.binary_cross_entropy_with_logits(
                    out, y, reduction="none")
            else:
                per = (out - y) ** 2
            per_run = (per * w).sum(1) / w.sum(1).clamp(min=1)
            per_run.sum().backward()  # sum over runs: run r's gradient is its own loss's
            steps += active.float()
            _adam_step(flat, state, steps.clamp(min=1), active, s.lr, s.weight_decay)
            loss_sum += per_run.detach() * w.sum(1)
        history[epoch] = (loss_sum / counts.to(dev)).cpu().numpy()
        if on_epoch is not None:
            on_epoch(epoch, model, history[:epoch + 1, :model.runs])
    return history[:, :model.runs]


# --------------------------------------------------------------------------- the search
def default_n_train(budget: int) -> int:
    """N for a budget of N + K queries when none is given: half the budget (``budget // 2``).

    The evidence is Figure 7 on the MNIST-1D table (notebook 09; 100 runs per N, without the
    cascade): N = 25 gave the worst searches at every budget from 50 to 200; N = 50 the best
    from 75 to 200, with N = 100 level with it only at 200, where 100 is half the budget.
    Fewer training cells rank the table too poorly, more leave too few cells to validate.
    (The paper's N = 172 was chosen for NAS-Bench-101 and budgets up to 2,000;
    ``n_train=172`` reproduces it.)"""
    budget = check_budget(budget, minimum=2)
    return budget // 2


def training_sample(bench: Benchmark, n_train: int, seed: int) -> list[int]:
    """The table indices (``bench.cells()`` order) of the N distinct cells the search with
    ``seed`` trains first, in query order: known before it runs, so that a notebook can hold
    out other cells to watch the predictor learn."""
    n = check_int(n_train, "n_train", maximum=len(bench))
    return random.Random(check_seed(seed)).sample(range(len(bench)), n)



def _check_seeds(seeds: Iterable[int]) -> list[int]:
    out = [check_seed(s) for s in seeds]
    if not out:
        raise ValueError("seeds must name at least one seed")
    if len(set(out)) != len(out):
        raise ValueError(f"seeds must be distinct, got {out}")
    return out


def neural_predictor_runs(bench: Benchmark, budget: int, seeds: Iterable[int],
                          n_train: int | None = None, cascade: bool = True, *,
                          threshold_quantile: float = 0.3, threshold: float | None = None,
                          device: str | torch.device | None = "cpu", record: bool = False,
                          on_epoch: EpochCallback | None = None,
                          **settings: float) -> list[SearchResult]:
    """One Neural Predictor search per seed, all runs' predictors trained as one batched
    model. Returns one ``SearchResult`` per seed, each exactly what ``neural_predictor(bench,
    budget, seed, ...)`` returns.

    Each run: draw ``N = n_train`` distinct cells of the table (``random.Random(seed)``),
    query them (N queries, in draw order); with ``cascade``, label the ones at or above
    ``threshold`` (percent) -- by default the ``threshold_quantile`` of these N accuracies
    -- as good, train the GCN classifier on all N and the GCN regressor on the good ones,
    else the regressor on all N; predict every other cell of the table; query the top
    ``K = budget - N`` (the classifier's "good" first, each group by predicted accuracy).
    The result's ``best`` is the best validation accuracy among the N + K queries.
    ``settings`` override ``PredictorSettings`` (``hidden``, ``layers``, ``fc``,
    ``dropout``, ``lr``, ``weight_decay``, ``epochs``, ``batch_size``). ``record`` keeps, in
    ``result.info``, the predicted accuracy of every table cell (``"predicted"``, table
    order; the N training cells included), the classifier's probability of "good"
    (``"p_good"``) and the training losses. ``on_epoch`` is passed to ``fit_predictor`` for
    the regressor.
    """
    budget = check_budget(budget, minimum=2)
    seed_list = _check_seeds(seeds)
    n = default_n_train(budget) if n_train is None else check_int(n_train, "n_train")
    if n >= budget:
        raise ValueError(f"n_train (N = {n}) must be below the budget ({budget} = N + K): "
                         "at least one predicted cell must be validated")
    cells = bench.cells()
    if n > len(cells) - (budget - n):
        raise ValueError(f"the table has {len(cells):,} cells, too few for N = {n} training "
                         f"cells and K = {budget - n} others to validate")
    if threshold is not None:
        threshold = check_number(threshold, "threshold")
    q = check_prob(threshold_quantile, "threshold_quantile")
    if cascade and threshold is None and not 0.0 < q < 1.0:
        raise ValueError(f"threshold_quantile must be strictly between 0 and 1, got {q}")
    unknown = set(settings) - set(PredictorSettings.__dataclass_fields__)
    if unknown:
        raise TypeError(f"unknown option(s) {sorted(unknown)}; neural_predictor takes "
                        f"n_train, cascade, threshold_quantile, threshold, device, record, "
                        f"on_epoch and {', '.join(PredictorSettings.__dataclass_fields__)}")
    cfg = PredictorSettings(**settings)  # type: ignore[arg-type]
    dev = get_device(device)
    R = len(seed_list)

    # Step 1: N random cells per run, trained (queried).
    picks = [training_sample(bench, n, s) for s in seed_list]
    bench.reset()
    histories: list[list[tuple[Cell, float]]] = []
    for pk in picks:
        histories.append([(cells[i], bench.query(cells[i])) for i in pk])
    acc = torch.tensor([[a for _, a in h] for h in histories], dtype=torch.float32)
    thresholds: list[float | None] = [None] * R
    good = torch.ones(R, n, dtype=torch.bool)
    if cascade:
        for r in range(R):
            seen = np.array([a for _, a in histories[r]])  # float64, as the table holds them
            t = threshold if threshold is not None else float(np.quantile(seen, q))
            thresholds[r] = t
            good[r] = torch.from_numpy(seen >= t)
            n_good = int(good[r].sum())
            if n_good == 0 or n_good == n:
                raise ValueError(
                    f"seed {seed_list[r]}: the threshold {t:.2f} % leaves {n_good} of the "
                    f"N = {n} training cells at or above it; "
                    "the classifier needs both kinds and the regressor at least one good cell "
                    "(choose another threshold or threshold_quantile)")

    # Step 2: the GCNs, all runs at once.
    all_graphs = encode_cells(cells)
    train_idx = torch.tensor(picks, dtype=torch.long)
    train_graphs = tuple(g[train_idx] for g in all_graphs)  # [R, N, ...]
    info_loss: dict[str, np.ndarray] = {}
    p_good = None
    if cascade:
        clf = GCNPredictor([s + 1_000_000_007 for s in seed_list], cfg, dev)
        info_loss["classifier"] = fit_predictor(clf, train_graphs, good.float(),
                                                torch.ones(R, n, dtype=torch.bool),
                                                classify=True)
        p_good = torch.sigmoid(clf.predict(*all_graphs))  # [R, M]
    mean = torch.stack([acc[r][good[r]].mean() for r in range(R)])
    std = torch.stack([acc[r][good[r]].std(unbiased=False) for r in range(R)]).clamp(min=1e-3)
    reg = GCNPredictor(seed_list, cfg, dev)
    info_loss["regressor"] = fit_predictor(reg, train_graphs, (acc - mean[:, None]) / std[:, None],
                                           good, on_epoch=on_epoch)
    predicted = reg.predict(*all_graphs) * std[:, None] + mean[:, None]  # [R, M], percent

    # Step 3: rank the untrained cells, validate the top K, keep the best.
    k = budget - n
    results = []
    for r, seed in enumerate(seed_list):
        score = predicted[r].numpy().astype(np.float64)
        if p_good is not None:
            # Cascade: every cell the classifier keeps ranks above every cell it drops.
            score = score + np.where(p_good[r].numpy() >= 0.5, 1e6, 0.0)
        score[picks[r]] = -np.inf  # already trained: not candidates
        top = np.argsort(-score, kind="stable")[:k]
        for i in top:
            histories[r].append((cells[i], bench.query(cells[i])))
        info: dict = {"n_train": n, "k": k, "cascade": cascade, "threshold": thresholds[r],
                      "train_indices": list(picks[r]), "validated": [int(i) for i in top],
                      "settings": cfg}
        if record:
            info["predicted"] = predicted[r].numpy()
            info["p_good"] = None if p_good is None else p_good[r].numpy()
            info["losses"] = {name: h[:, r] for name, h in info_loss.items()}
        name = "neural predictor" + ("" if cascade else " (no cascade)")
        results.append(SearchResult(name, histories[r], seed, 0.0, info))
    # Simulated training time, per run: the table's seconds of the cells it queried.
    for res in results:
        res.seconds = float(sum(bench.training_seconds(c) for c, _ in res.history))
    return results


def neural_predictor(bench: Benchmark, budget: int, seed: int = 0, n_train: int | None = None,
                     cascade: bool = True, **options) -> SearchResult:
    """The Neural Predictor search (Wen et al. 2020) with ``budget = N + K`` queries: N random
    cells to train the predictor on, K = budget - N top-predicted cells validated; returns
    the best by validation accuracy. ``n_train`` defaults to ``default_n_train(budget)``.
    Deterministic per seed, and identical to the same seed's run in
    ``neural_predictor_runs`` (which this calls with one seed). Options: see
    ``neural_predictor_runs``."""
    return neural_predictor_runs(bench, budget, [seed], n_train, cascade, **options)[0]


# --------------------------------------------------------------------------- Figures 6 and 7
def deployed_curve(result: SearchResult, bench: Benchmark) -> np.ndarray:
    """After each query of ``result``, the *test* accuracy of the cell with the best
    validation accuracy so far (the first on ties, as ``SearchResult.best``): what a search
    stopped at that point would deploy. ``float64[len(result)]``; looks up, counts nothing."""
    out = np.empty(len(result))
    best_val, best_test = -np.inf, np.nan
    for t, (cell, val) in enumerate(result.history):
        if val > best_val:
            best_val, best_test = val, bench.lookup(cell, test=True)
        out[t] = best_test
    return out


@dataclass
class SearchCurves:
    """Search efficiency as in Wen et al.'s Figures 6 and 7: ``curves[name]`` is
    ``float64[runs, max_budget]``, column t the test accuracy of the cell each run would
    deploy after t + 1 queries (``deployed_curve``), NaN before ``start[name]`` (a Neural
    Predictor has nothing to show before its N training cells). ``oracle`` is the test
    accuracy of the table's best cell by validation (a search that trained every cell),
    ``n_train[name]`` the N of a predictor curve."""

    curves: dict[str, np.ndarray]
    start: dict[str, int]
    oracle: float
    n_train: dict[str, int] = field(default_factory=dict)

    @property
    def max_budget(self) -> int:
        return next(iter(self.curves.values())).shape[1]

    def at(self, name: str, budget: int) -> np.ndarray:
        """Each run's test accuracy after ``budget`` queries (``budget`` = N + K for a
        predictor): exactly what a search run with that budget returns."""
        budget = check_int(budget, "budget", minimum=self.start[name],
                           maximum=self.max_budget)
        return self.curves[name][:, budget - 1]

    def mean(self, name: str) -> np.ndarray:
        return self.curves[name].mean(axis=0)

    def save(self, path: str | Path) -> None:
        """Write the curves to a compressed ``.npz`` (for a notebook to replay a long run)."""
        names = list(self.curves)
        np.savez_compressed(
            path, names=np.array(names), oracle=self.oracle,
            start=np.array([self.start[n] for n in names]),
            n_train=np.array([self.n_train.get(n, 0) for n in names]),
            **{f"curve{i}": self.curves[n] for i, n in enumerate(names)})

    @classmethod
    def load(cls, path: str | Path) -> "SearchCurves":
        """Read what ``save`` wrote."""
        with np.load(path) as z:
            names = [str(n) for n in z["names"]]
            return cls({n: z[f"curve{i}"] for i, n in enumerate(names)},
                       {n: int(v) for n, v in zip(names, z["start"])}, float(z["oracle"]),
                       {n: int(v) for n, v in zip(names, z["n_train"]) if v > 0})

    def std(self, name: str) -> np.ndarray:
        return self.curves[name].std(axis=0)


def _predictor_curve(bench: Benchmark, max_budget: int, seeds: list[int], n: int,
                     cascade: bool, device: str | torch.device | None,
                     options: dict) -> np.ndarray:
    # Validation follows the predicted order whatever K is, so one run with budget
    # max_budget contains the run with every smaller budget N + K as a prefix.
    runs = neural_predictor_runs(bench, max_budget, seeds, n, cascade, device=device, **options)
    curve = np.stack([deployed_curve(r, bench) for r in runs])
    curve[:, :n] = np.nan
    return curve


def figure6_data(bench: Benchmark, max_budget: int = 200, runs: int = 100, n_train: int = 100,
                 *, device: str | torch.device | None = "cpu",
                 **options) -> SearchCurves:
    """Wen et al.'s Figure 6 on ``bench``: random search, aging evolution (P=10, S=3) and the
    Neural Predictor with and without the cascade (N = ``n_train``, K = 1 ..
    ``max_budget - N``), ``runs`` seeds each (0 .. runs-1); ``options`` go to the
    predictor."""
    from .evolution import aging_evolution
    from .random_search import random_search

    seeds = list(range(check_int(runs, "runs")))
    curves = {
        "random search": np.stack([deployed_curve(random_search(bench, max_budget, s), bench)
                                   for s in seeds]),
        "aging evolution": np.stack([deployed_curve(aging_evolution(bench, max_budget, s), bench)
                                     for s in seeds]),
        "neural predictor": _predictor_curve(bench, max_budget, seeds, n_train, True, device,
                                             options),
        "neural predictor (no cascade)": _predictor_curve(bench, max_budget, seeds, n_train,
                                                          False, device, options),
    }
    start = {k: 1 for k in curves}
    start["neural predictor"] = start["neural predictor (no cascade)"] = n_train + 1
    bench.reset()
    oracle = bench.lookup(bench.best()[0], test=True)
    return SearchCurves(curves, start, oracle, {"neural predictor": n_train,
                                                "neural predictor (no cascade)": n_train})


def figure7_data(bench: Benchmark, n_trains: Sequence[int] = (25, 50, 100, 150),
                 max_budget: int = 200, runs: int = 100, cascade: bool = True, *,
                 device: str | torch.device | None = "cpu", **options) -> SearchCurves:
    """Wen et al.'s Figure 7 on ``bench``: for each N in ``n_trains``, the Neural Predictor's
    test accuracy against N + K (K = 1 .. ``max_budget - N``), ``runs`` seeds each."""
    seeds = list(range(check_int(runs, "runs")))
    curves, start, ns = {}, {}, {}
    for n in n_trains:
        name = f"N = {n}"
        curves[name] = _predictor_curve(bench, max_budget, seeds, n, cascade, device, options)
        start[name], ns[name] = n + 1, n
    bench.reset()
    return SearchCurves(curves, start, bench.lookup(bench.best()[0], test=True), ns)
