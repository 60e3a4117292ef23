"""Neural Architecture Optimization (NAO), Luo, Tian, Qin, Chen & Liu, NeurIPS 2018: search by
gradient ascent in a learned continuous embedding of architectures.

Three parts, trained jointly (Section 3):

- **encoder E**: the architecture as a token sequence (a NAS-Bench-201 cell: the op on each of
  its 6 edges, ``Cell.tokens()``), an embedding layer and a one-layer LSTM whose hidden states
  ``e_x = {h_1..h_T}`` are the continuous representation (L2-normalised, as the paper's code);
- **performance predictor f**: an MLP on the mean hidden state, sigmoid output, regressing the
  accuracy min-max scaled to [0, 1] over the evaluated set;
- **decoder D**: an LSTM with attention over ``e_x`` (``nasdemo.attention``'s Luong scores)
  that recovers the tokens, ``P_D(x | e_x) = prod_r P_D(x_r | e_x, x_<r)``; teacher forcing
  in training, greedy decoding in search. Its output layer covers the five ops only, so every
  decoded sequence is a valid cell.

Loss (eq. 1): ``L = lambda L_pp + (1 - lambda) L_rec``, lambda = 0.8 as in the paper's code.
Search (eq. 2): ``h'_t = h_t + eta * df/dh_t`` from the best cells, then decode.

Algorithm 1, as ``nao`` runs it::

    X <- n_init random cells; evaluate them (S)                    # the initial set
    for l = 1..L:                                                  # until the budget is spent
        train E, f, D on (X, S) by eq. 1
        X_seed <- the top-K cells of X
        for eta = eta_step, 2 eta_step, ...:                       # the paper's code
            E' <- {h + eta df/dh : x in X_seed}                   # eq. 2
            X_eval <- cells D(E') decodes that are not yet in X    # until n_new are found
        evaluate X_eval (one query each); X <- X u X_eval
    return the best cell of X

Only real benchmark queries count against the budget: a decoded cell already in X is known
and not queried again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..attention import Score
from ..utils import check_int, check_positive, check_prob, few_threads, get_device
from .benchmark import Benchmark
from .cell import EDGES, OPS, Cell, as_rng
from .result import SearchResult, check_budget, evaluate

__all__ = ["NAOModel", "NAORound", "fit_nao", "nao"]

T = len(EDGES)   # tokens per architecture
V = len(OPS)     # op vocabulary


class NAOModel(nn.Module):
    """Encoder E, performance predictor f and attention decoder D of NAO (Section 3.1-3.3)."""

    def __init__(self, hidden: int = 32, mlp_hidden: int = 64) -> None:
        super().__init__()
        self.hidden = hidden
        self.embed = nn.Embedding(V, hidden)                      # encoder input embedding
        self.encoder = nn.LSTM(hidden, hidden, batch_first=True)  # "a single layer LSTM"
        self.mlp = nn.Sequential(nn.Linear(hidden, mlp_hidden), nn.ReLU(),
                                 nn.Linear(mlp_hidden, 1))
        self.dec_embed = nn.Embedding(V + 1, hidden)              # last row: the start token
        self.decoder = nn.LSTM(hidden, hidden, batch_first=True)
        self.score = Score("dot", hidden)                         # attention eq. (4), Luong dot
        self.W_c = nn.Linear(2 * hidden, hidden)                  # attention eq. (3)
        self.out = nn.Linear(hidden, V)                           # the five ops: always valid

    # -- E -------------------------------------------------------------------------------
    def encode(self, tokens: Tensor) -> Tensor:
        """``e_x = {h_1..h_T}``, ``[B, T, H]``, each h_t L2-normalised (the paper's code)."""
        h, _ = self.encoder(self.embed(tokens))
        return F.normalize(h, dim=-1)

    @staticmethod
    def summary(e: Tensor) -> Tensor:
        """The mean hidden state ``mean_t h_t`` (normalised, as the paper's code): what f reads
        and what the embedding-space figures project."""
        return F.normalize(e.mean(dim=1), dim=-1)

    @torch.no_grad()
    def summaries(self, cells: Sequence[Cell]) -> Tensor:
        """The summary vector of each cell, ``[N, H]`` on the CPU (for the embedding-space
        figures: every one of the 15,625 cells in one batch)."""
        dev = self.embed.weight.device
        tokens = torch.tensor([c.tokens() for c in cells], device=dev)
        return self.summary(self.encode(tokens)).cpu()

    # -- f -------------------------------------------------------------------------------
    def predict(self, e: Tensor) -> Tensor:
        """``f(mean e_x)`` in (0, 1), ``[B]``: the scaled accuracy the predictor expects."""
        return torch.sigmoid(self.mlp(self.summary(e))).squeeze(-1)

    # -- D -------------------------------------------------------------------------------
    def _attend(self, dec: Tensor, e: Tensor) -> Tensor:
        alpha = torch.softmax(self.score(dec, e), dim=-1)                 # attention eq. (1)
        context = alpha @ e                                               # eq. (2)
        return self.out(torch.tanh(self.W_c(torch.cat([context, dec], -1))))  # eq. (3)

    def _init_state(self, e: Tensor) -> tuple[Tensor, Tensor]:
        s = self.summary(e)[None]  # the decoder starts from the architecture's summary
        return s.contiguous(), s.contiguous()

    def decode_logits(self, e: Tensor, tokens: Tensor) -> Tensor:
        """Teacher forcing: logits ``[B, T, V]`` of every token given the true previous ones."""
        start = torch.full_like(tokens[:, :1], V)
        dec, _ = self.decoder(self.dec_embed(torch.cat([start, tokens[:, :-1]], 1)),
                              self._init_state(e))
        return self._attend(dec, e)

    @torch.no_grad()
    def decode(self, e: Tensor) -> Tensor:
        """Greedy decoding: ``[B, T]`` op tokens, each the most likely given the earlier ones."""
        prev = torch.full((e.shape[0], 1), V, dtype=torch.long, device=e.device)
        state = self._init_state(e)
        out = []
        for _ in range(T):
            dec, state = self.decoder(self.dec_embed(prev), state)
            prev = self._attend(dec, e).argmax(-1)
            out.append(prev)
        return torch.cat(out, 1)

    # -- eq. 2 ---------------------------------------------------------------------------
    def ascend(self, e: Tensor, eta: float) -> Tensor:
        """``h'_t = h_t + eta * df/dh_t`` (eq. 2), renormalised as the paper's code does."""
        e = e.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(self.predict(e).sum(), e)
        return F.normalize(e + eta * grad, dim=-1).detach()


@dataclass
class NAORound:
    """One round of Algorithm 1, for replaying it: cells are numbered by their position in the
    search's history. ``etas[j]`` is the j-th step size tried and ``decoded[j][k]`` the cell
    seed k decoded to with it; ``path[k, j]`` is the summary vector of seed k's ascended
    representation at ``etas[j]`` (``path[k, 0]``: eta = 0, the seed itself); ``losses`` is
    the round's training result (``fit_nao``'s last-epoch stats)."""

    seeds: list[int]
    etas: list[float]
    decoded: list[list[Cell]]
    path: Tensor
    new: list[int]
    losses: dict[str, float] = field(default_factory=dict)



def fit_nao(model: NAOModel, tokens: Tensor, scores: Tensor, epochs: int,
            opt: torch.optim.Optimizer, trade_off: float = 0.8,
            on_epoch: Callable[[int, dict[str, float]], None] | None = None) -> dict[str, float]:
    """Train E, f and D jointly on all of ``tokens [N, T]`` with targets ``scores [N]`` in
    [0, 1] for ``epochs`` full-batch Adam steps, minimising eq. 1:
    ``trade_off * L_pp + (1 - trade_off) * L_rec``. ``on_epoch(epoch, stats)`` is called after
    each step with the two losses and the reconstruction accuracy (teacher-forced tokens).
    Returns the last epoch's stats."""
    stats: dict[str, float] = {}
    model.train()
    for epoch in range(epochs):
        e = model.encode(tokens)
        l_pp = F.mse_loss(model.predict(e), scores)                       # L_pp
        logits = model.decode_logits(e, tokens)
        l_rec = F.cross_entropy(logits.reshape(-1, V), tokens.reshape(-1))  # -log P_D(x|e_x)
        loss = trade_off * l_pp + (1 - trade_off) * l_rec                  # eq. 1
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)  # the paper's code clips at 5
        opt.step()
        if on_epoch is not None or epoch == epochs - 1:
            seq_ok = (logits.argmax(-1) == tokens).all(-1).float().mean()
            stats = {"L_pp": l_pp.item(), "L_rec": l_rec.item(), "rec_acc": seq_ok.item()}
            if on_epoch is not None:
                on_epoch(epoch, stats)
    model.eval()
    return stats


def nao(bench: Benchmark, budget: int, seed: int = 0, *, n_init: int = 50, top_k: int = 10,
        n_new: int = 10, epochs: int = 40, first_epochs: int = 200, hidden: int = 32,
        trade_off: float = 0.8, lr: float = 1e-3, eta_step: float = 1.0, max_eta: float = 50.0,
        record: bool = False, device: torch.device | str | None = "cpu") -> SearchResult:
    """Algorithm 1 on ``bench`` for ``budget`` queries: ``n_init`` random distinct cells, then
    rounds that train the model (``first_epochs`` full-batch epochs the first time,
    ``epochs`` more each later round, warm-started as the paper's code), ascend from the
    ``top_k`` best cells with eta = eta_step, 2 eta_step, ... up to ``max_eta`` until
    ``n_new`` cells not yet evaluated are decoded, and evaluate them.

    Defaults: K = n_new = 10 with n_init = 50 gives 10 rounds at budget 150; the epochs were
    chosen on seeds 1000-1019 (mean test accuracy of the returned cell 84.91 with 200/40
    against 84.64 with 300/60; benchmarks/nao_search.py reports seeds 0-99).

    If no seed decodes to a new cell even at ``max_eta`` (the model has collapsed onto known
    cells), one random unseen cell is evaluated instead, so the budget is still spent and the
    next round retrains with one more cell; ``result.info["random_fill"]`` counts them.
    ``result.info["model"]`` is the trained model (on the CPU), trained on the first
    ``info["n_trained"]`` cells of the history (the last round's new cells were evaluated
    after it); ``info["scale"]`` is the (min, max) accuracy that maps f's output back to
    percent. With ``record`` each round is kept as a ``NAORound`` in ``info["rounds"]``.
    """
    budget = check_budget(budget)
    n_init = check_int(n_init, "n_init (the initial random cells)", minimum=2)
    if budget < n_init:
        raise ValueError(f"budget ({budget}) is below n_init ({n_init}): the initial set "
                         "alone would overspend it")
    top_k = check_int(top_k, "top_k (the seed architectures K)")
    n_new = check_int(n_new, "n_new (new cells per round)")
    epochs = check_int(epochs, "epochs", minimum=0)
    first_epochs = check_int(first_epochs, "first_epochs")
    hidden = check_int(hidden, "hidden (the LSTM size)")
    trade_off = check_prob(trade_off, "trade_off (lambda of eq. 1)")
    lr = check_positive(lr, "lr")
    eta_step = check_positive(eta_step, "eta_step")
    max_eta = check_positive(max_eta, "max_eta")
    if max_eta < eta_step:
        raise ValueError(f"max_eta ({max_eta}) must be at least eta_step ({eta_step})")
    if budget > len(bench):
        raise ValueError(f"budget ({budget}) exceeds the {len(bench)} cells of {bench.name!r}")
    dev = get_device(device)
    with few_threads(dev):  # tiny tensors: one CPU thread is faster (see few_threads)
        return _search(bench, budget, seed, n_init, top_k, n_new, epochs, first_epochs, hidden,
                       trade_off, lr, eta_step, max_eta, record, dev)


def _search(bench: Benchmark, budget: int, seed: int, n_init: int, top_k: int, n_new: int,
            epochs: int, first_epochs: int, hidden: int, trade_off: float, lr: float,
            eta_step: float, max_eta: float, record: bool, dev: torch.device) -> SearchResult:
    """Algorithm 1 with checked arguments (see ``nao``)."""
    rng = as_rng(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = NAOModel(hidden).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=1e-4)  # paper's code: l2 1e-4
    bench.reset()
    history: list[tuple[Cell, float]] = []
    known: dict[Cell, int] = {}

    def query(cell: Cell) -> int:
        known[cell] = len(history)
        history.append((cell, evaluate(bench, cell, rng, False)))
        return known[cell]

    while len(history) < n_init:  # the initial set X, distinct cells
        c = Cell.random(rng)
        if c not in known and c in bench:
            query(c)
    rounds: list[NAORound] = []
    random_fill = n_rounds = 0
    lo = hi = float("nan")
    n_trained = 0
    while len(history) < budget:
        n_rounds += 1
        # Algorithm 1, line 2: train E, f, D by eq. 1 on X and S (scaled to [0, 1])
        accs = [a for _, a in history]
        lo, hi = min(accs), max(accs)
        scores = (torch.tensor(accs, device=dev) - lo) / max(hi - lo, 1e-8)
        tokens = torch.tensor([c.tokens() for c, _ in history], device=dev)
        stats = fit_nao(model, tokens, scores, first_epochs if n_rounds == 1 else epochs, opt,
                        trade_off)
        n_trained = len(history)
        # line 3: the top-K cells of X are the seeds
        seeds = sorted(range(len(history)), key=lambda i: -history[i][1])[:top_k]
        e = model.encode(tokens[seeds]).detach()
        want = min(n_new, budget - len(history))
        new: list[Cell] = []
        etas, decoded, path = [], [], [model.summary(e)]
        eta = 0.0
        while len(new) < want and eta + eta_step <= max_eta + 1e-9:
            eta += eta_step  # the paper's code: grow eta until enough new cells appear
            e2 = model.ascend(e, eta)                       # line 4, eq. 2
            cells = [Cell.from_tokens(t) for t in model.decode(e2).tolist()]  # line 5
            etas.append(eta)
            decoded.append(cells)
            path.append(model.summary(e2))
            for c in cells:
                if c not in known and c not in new and c in bench and len(new) < want:
                    new.append(c)
        while not new:  # collapsed: one random unseen cell, then retrain
            c = Cell.random(rng)
            if c not in known and c in bench:
                new.append(c)
                random_fill += 1
        added = [query(c) for c in new]                     # line 1 of the next round
        if record:
            rounds.append(NAORound(seeds, etas, decoded, torch.stack(path, 1).cpu(), added,
                                   stats))
    info = {"model": model.cpu(), "scale": (lo, hi), "n_init": n_init, "top_k": top_k,
            "n_new": n_new, "n_rounds": n_rounds, "random_fill": random_fill,
            "n_trained": n_trained}
    if record:
        info["rounds"] = rounds
    return SearchResult("NAO", history, seed, bench.seconds, info)
