"""The black-box optimisers of ``nasdemo.blackbox`` applied to NAS-Bench-201 cells.

Notebooks 01-04 run Bayesian optimisation, CMA-ES, simulated annealing and a genetic
algorithm on toy functions of real vectors. A cell is not a real vector: it is six
categorical choices (one op of five per edge). Each optimiser gets the encoding that suits
it, and says so in its result's ``info["encoding"]``:

=====================  =====================================================================
method                 encoding
=====================  =====================================================================
``bayesopt``           one-hot (``Cell.onehot``, 30 zeros and ones); a GP with a Matérn-5/2
                       ARD kernel on it, whose acquisition is maximised **exactly**, by
                       scoring every cell of the table (15,625), not by L-BFGS in a box
``cmaes``              a continuous relaxation: 30 logits in [0, 1], six groups of five,
                       decoded by arg-max per edge (as DARTS derives its cell from alpha)
``simulated_annealing`` op tokens (``Cell.tokens``, six integers 0..4); the move is
                       ``Cell.mutate``, AmoebaNet's op mutation
``genetic_algorithm``  the categorical genome itself: one gene per edge, uniform crossover,
                       random-resetting mutation (``GeneticAlgorithm(encoding="categorical")``)
=====================  =====================================================================

BO runs its own loop around ``fit_gp`` and the acquisition functions of
``nasdemo.blackbox.bayesopt`` (``BayesOpt.ask`` maximises by L-BFGS in a box, which is not
what a finite space needs); its posterior over all cells is updated one query at a time
(:class:`AllCellsPosterior`), and ``tests/test_nas_blackbox_search.py`` checks its choice
against ``acquisition_values`` of a freshly conditioned ``GP`` scored on every cell. The
other three keep their ask/tell optimiser unchanged and share one adapter,
:class:`CellAdapter`: it decodes every asked point to a cell, answers it, and tells the
optimiser ``-accuracy`` (the optimisers minimise).

Budget accounting (every method here): ``budget`` is the number of benchmark queries, and
the benchmark counts every query. A cell the search has queried before is answered from the
search's own memory and is **not** queried again: the table is deterministic, so a second
query would cost a training run and teach nothing, and a real search keeps what it trained.
Such answers are free and do not enter ``history``, which holds exactly ``budget`` distinct
cells. (Random search and aging evolution do re-query; their samplers rarely repeat a cell.)
When an optimiser proposes only known cells for ``patience`` proposals in a row (CMA-ES has
collapsed onto one cell, annealing is frozen in a local optimum, the GA has converged), or
its own ``stop()`` fires, the adapter restarts it from a fresh random state (a restart
strategy, as in IPOP-CMA-ES; Auger & Hansen 2005), so every run spends its whole budget.

Every method is ``fn(bench, budget, seed=0, **options) -> SearchResult``, deterministic per
seed. Evaluations use the table's mean validation accuracy (no ``noisy`` option here).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable

import torch
from torch import Tensor

from ..blackbox import CMAES, GeneticAlgorithm, SimulatedAnnealing, fit_gp
from ..blackbox.base import Optimizer
from ..blackbox.bayesopt import (check_acquisition, log_expected_improvement,
                                 log_probability_of_improvement, upper_confidence_bound)
from ..blackbox.gp import GP, _correlation
from ..utils import check_int, check_seed, few_threads
from .benchmark import Benchmark
from .cell import EDGES, OPS, Cell, as_rng
from .result import SearchResult, check_budget

__all__ = ["bayesopt", "cmaes", "simulated_annealing", "genetic_algorithm", "CellAdapter",
           "encode_onehot", "decode_argmax", "encode_tokens", "decode_tokens",
           "onehot_kernel", "AllCellsPosterior", "acquisition"]

N_EDGES, N_OPS = len(EDGES), len(OPS)
ONEHOT_DIM = N_EDGES * N_OPS  # 30
_ONEHOT_BOX = [[0.0] * ONEHOT_DIM, [1.0] * ONEHOT_DIM]
_TOKEN_BOX = [[0.0] * N_EDGES, [N_OPS - 1.0] * N_EDGES]


# --------------------------------------------------------------------------- the encodings


def encode_onehot(cells: list[Cell]) -> Tensor:
    """``float64[n, 30]``: each cell's ``onehot()`` flattened (edge-major: edge k's five ops
    are columns ``5k..5k+4``). BO's GP input, and CMA-ES's point for a cell."""
    if not cells:
        return torch.empty(0, ONEHOT_DIM, dtype=torch.float64)
    return torch.stack([c.onehot().flatten() for c in cells]).double()


def decode_argmax(X: Tensor) -> list[Cell]:
    """The cells of ``X`` (``[n, 30]`` logits, one group of five per edge): on each edge the
    op with the largest logit (the first on ties). Inverse of ``encode_onehot`` on one-hots;
    for CMA-ES's real vectors, the arg-max decoding DARTS uses to derive its cell."""
    X = torch.as_tensor(X)
    if X.ndim != 2 or X.shape[1] != ONEHOT_DIM:
        raise ValueError(f"expected logits of shape [n, {ONEHOT_DIM}] ({N_EDGES} edges x "
                         f"{N_OPS} ops), got {list(X.shape)}")
    if not torch.isfinite(X).all():
        raise ValueError("logits must be finite")
    tokens = X.reshape(-1, N_EDGES, N_OPS).argmax(-1)
    return [Cell.from_tokens(t) for t in tokens.tolist()]


def encode_tokens(cells: list[Cell]) -> Tensor:
    """``float64[n, 6]``: each cell's op tokens (``Cell.tokens``) as exact integers, the
    categorical genome of annealing and the GA."""
    if not cells:
        return torch.empty(0, N_EDGES, dtype=torch.float64)
    return torch.tensor([c.tokens() for c in cells], dtype=torch.float64)


def decode_tokens(X: Tensor) -> list[Cell]:
    """Inverse of ``encode_tokens``: rows of six integers in 0..4, else a ValueError."""
    X = torch.as_tensor(X, dtype=torch.float64)
    if X.ndim != 2 or X.shape[1] != N_EDGES:
        raise ValueError(f"expected op tokens of shape [n, {N_EDGES}], got {list(X.shape)}")
    if not torch.equal(X, X.round()):
        raise ValueError("op tokens must be integers (an op's index in OPS)")
    return [Cell.from_tokens(t) for t in X.long().tolist()]


# --------------------------------------------------------------------------- the adapter


class CellAdapter:
    """Runs an ask/tell optimiser of ``nasdemo.blackbox`` on the cells of ``bench``.

    ``decode`` maps the optimiser's points (``Tensor[k, d]``) to cells; ``make(restart)``
    builds the optimiser (``restart`` = 0, 1, ... counts restarts). Each asked point is
    decoded; a new cell costs one query, a known one is answered from memory (module
    docstring); the optimiser is told ``-accuracy``. A batch cut short by the budget is not
    told (as in ``nasdemo.blackbox.minimize``). ``patience`` known cells in a row, or the
    optimiser's ``stop()``, make a restart.
    """

    def __init__(self, bench: Benchmark, budget: int, decode: Callable[[Tensor], list[Cell]],
                 patience: int = 100) -> None:
        self.bench, self.budget, self.decode = bench, check_budget(budget), decode
        self.patience = check_int(patience, "patience")
        self.seen: dict[Cell, float] = {}
        self.history: list[tuple[Cell, float]] = []
        self.restarts: list[int] = []  # queries made when each restart happened

    def run(self, make: Callable[[int], Optimizer]) -> None:
        """Ask, answer, tell until the budget is spent."""
        self.bench.reset()
        opt, stalled = make(0), 0
        while len(self.history) < self.budget:
            X = opt.ask()
            values = []
            for cell in self.decode(X):
                if cell not in self.seen:
                    if len(self.history) == self.budget:
                        return  # out of budget inside a batch: do not tell a partial batch
                    acc = self.bench.query(cell)
                    self.seen[cell] = acc
                    self.history.append((cell, acc))
                    stalled = 0
                else:
                    stalled += 1
                values.append(-self.seen[cell])
            opt.tell(X, torch.tensor(values, dtype=torch.float64))
            if len(self.history) < self.budget and (stalled >= self.patience or opt.stop()):
                self.restarts.append(len(self.history))
                opt, stalled = make(len(self.restarts)), 0

    def result(self, method: str, seed: int, info: dict[str, Any]) -> SearchResult:
        """The run as a ``SearchResult`` (``info`` gains ``restarts``)."""
        return SearchResult(method, self.history, seed, self.bench.seconds,
                            {**info, "restarts": list(self.restarts)})


def _sub_seed(seed: int, restart: int) -> int:
    """The optimiser's seed for restart ``restart`` of search ``seed`` (distinct per pair)."""
    return (seed * 1_000_003 + restart) % 2**62


# --------------------------------------------------------------------------- BO, exact


def onehot_kernel(A: Tensor, B: Tensor, model: GP) -> Tensor:
    """``model``'s kernel between the rows of ``A`` and ``B`` (0/1 one-hots, ``[a, 30]`` and
    ``[b, 30]``), ``[a, b]``, without ``kernel_matrix``'s ``[a, b, 30]`` differences (70 M
    numbers for 150 x 15,625). For 0/1 entries ``(x - x')^2 = x + x' - 2 x x'``, so the scaled
    squared distance is a matrix product, ``r^2 = x.w + x'.w - 2 x W x'^T`` with ``w = 1 / l^2``
    (exact: sums of the same numbers); the kernel's profile of ``r^2`` (Matérn-5/2 or RBF,
    R&W eq. 4.17 / 4.9) is the blackbox GP's own."""
    w = model.lengthscale.pow(-2)
    r2 = ((A * w).sum(1, keepdim=True) + (B * w).sum(1) - 2.0 * (A * w) @ B.T).clamp_min(0.0)
    return model.signal_var * _correlation(r2, model.kernel)


class AllCellsPosterior:
    """The posterior of a fitted ``GP`` at every candidate cell, kept up to date as
    observations arrive with the hyperparameters fixed (between refits).

    With ``L`` the Cholesky factor of ``K + s_n^2 I`` and ``V = L^-1 K(X, all)`` (``[n, N]``),
    R&W eq. 2.25-2.26 in standardised units read ``mean = V^T (L^-1 z)`` and ``var = s_f^2 -
    sum_i V_i^2``. A new observation ``x`` appends one row to ``L`` (``l = L^-1 k(X, x)``,
    ``d = sqrt(k(x, x) + s_n^2 - l.l)``) and one to ``V`` (``(k(x, all) - l^T V) / d``): O(n N)
    per query instead of a fresh O(n^2 N) posterior. ``y`` (hence its standardisation) may
    change freely: it enters only through ``z``.
    """

    def __init__(self, model: GP, candidates: Tensor, capacity: int) -> None:
        self.model, self.candidates = model, candidates
        n, N = model.n, candidates.shape[0]
        self.X = torch.zeros(capacity, candidates.shape[1], dtype=torch.float64)
        self.L = torch.zeros(capacity, capacity, dtype=torch.float64)
        self.V = torch.zeros(capacity, N, dtype=torch.float64)
        self.n = n
        self.X[:n], self.L[:n, :n] = model.X, model._L
        self.V[:n] = torch.linalg.solve_triangular(model._L, onehot_kernel(model.X, candidates,
                                                                           model), upper=False)
        self.sumsq = self.V[:n].pow(2).sum(0)

    def add(self, x: Tensor) -> None:
        """Condition on one more input ``x`` (``[30]``; its y comes with ``mean_std``)."""
        n, m = self.n, self.model
        k_old = onehot_kernel(self.X[:n], x[None], m)[:, 0]
        l = torch.linalg.solve_triangular(self.L[:n, :n], k_old[:, None], upper=False)[:, 0]
        d2 = m.signal_var + m.noise_var - float(l @ l)
        if d2 <= 1e-12:
            raise torch.linalg.LinAlgError("the new cell is numerically a copy of a known one")
        d = d2 ** 0.5
        v = (onehot_kernel(x[None], self.candidates, m)[0] - l @ self.V[:n]) / d
        self.X[n], self.L[n, :n], self.L[n, n], self.V[n] = x, l, d, v
        self.sumsq = self.sumsq + v * v
        self.n = n + 1

    def mean_std(self, y: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Posterior mean and std at every candidate in standardised units, and the
        standardised best (lowest) y, for observations ``y`` (``[n]``, input order)."""
        y_mean = y.mean()
        y_std = y.std() if len(y) > 1 and y.std() > 0 else torch.ones((), dtype=y.dtype)
        z = (y - y_mean) / y_std
        beta = torch.linalg.solve_triangular(self.L[:self.n, :self.n], z[:, None],
                                             upper=False)[:, 0]
        mean = beta @ self.V[:self.n]
        var = (self.model.signal_var - self.sumsq).clamp_min(1e-12)
        return mean, var.sqrt(), z.min()


@lru_cache(maxsize=8)
def _table_onehots(cells: tuple[Cell, ...]) -> Tensor:
    return encode_onehot(list(cells))


def acquisition(kind: str, mean: Tensor, std: Tensor, best: Tensor) -> Tensor:
    """BO's acquisition ``kind`` (``"ei"``, ``"pi"``, ``"ucb"``, as ``BayesOpt``) from the
    posterior ``mean``/``std`` and the best value, all in standardised units: log EI, log PI
    (no underflow far from the data) or UCB with beta = 2. For minimisation, larger is
    better; the arg-max equals ``acquisition_values``' (original units differ by an affine
    map that keeps the order)."""
    check_acquisition(kind)
    if kind == "ei":
        return log_expected_improvement(mean, std, best)
    if kind == "pi":
        return log_probability_of_improvement(mean, std, best, xi=0.01)
    return upper_confidence_bound(mean, std)


def bayesopt(bench: Benchmark, budget: int, seed: int = 0, *, n_init: int = 10,
             acquisition_kind: str = "ei", kernel: str = "matern52", refit_every: int = 10,
             fit_restarts: int = 2) -> SearchResult:
    """Bayesian optimisation on cells: a GP on one-hot encodings (Matérn-5/2, one lengthscale
    per edge-op column), and each next cell the one with the largest acquisition among **all**
    cells of the table not yet queried (every one scored: on a finite space the maximum is
    exact, no L-BFGS, no box). The loop is Shahriari et al. (2016), Algorithm 1:

    1. query ``n_init`` distinct random cells;
    2. fit the GP to every (one-hot, -accuracy) so far (``fit_gp``: MAP hyperparameters,
       ``fit_restarts`` starts the first time, then one warm-started from the last fit),
       refitted every ``refit_every`` queries; in between, the posterior is updated with the
       new data at the last hyperparameters (:class:`AllCellsPosterior`);
    3. score every unqueried cell (EI by default; ties to the lowest table index) and query
       the best; go to 2.
    """
    budget = check_budget(budget)
    n_init = check_int(n_init, "n_init", minimum=1)
    refit_every = check_int(refit_every, "refit_every")
    fit_restarts = check_int(fit_restarts, "fit_restarts")
    check_acquisition(acquisition_kind)
    seed = check_seed(seed)
    cells = tuple(bench.cells())
    if budget > len(cells):
        raise ValueError(f"budget {budget} exceeds the table's {len(cells):,} cells (BO never "
                         "queries a cell twice)")
    allX = _table_onehots(cells)
    index = {c: i for i, c in enumerate(cells)}
    rng = as_rng(seed)
    bench.reset()
    history: list[tuple[Cell, float]] = []
    queried = torch.zeros(len(cells), dtype=torch.bool)

    def query(cell: Cell) -> None:
        history.append((cell, bench.query(cell)))
        queried[index[cell]] = True

    while len(history) < min(n_init, budget):  # 1. the initial design: distinct random cells
        cell = Cell.random(rng)
        if cell in index and not queried[index[cell]]:
            query(cell)
    bounds = torch.tensor(_ONEHOT_BOX, dtype=torch.float64)
    post: AllCellsPosterior | None = None
    lengthscale: Tensor | float = 1.0
    with few_threads():
        while len(history) < budget:
            n = len(history)
            y = -torch.tensor([a for _, a in history], dtype=torch.float64)
            if post is None or (n - n_init) % refit_every == 0:  # 2. refit, all data at once
                X = allX[[index[c] for c, _ in history]]
                gp = fit_gp(X, y, kernel=kernel, bounds=bounds,  # later fits: warm start only
                            restarts=fit_restarts if post is None else 1,
                            seed=_sub_seed(seed, n), lengthscale=lengthscale)
                lengthscale = gp.lengthscale
                post = AllCellsPosterior(gp, allX, budget)
            else:  # 2. the newest cell, at the same hyperparameters
                post.add(allX[index[history[-1][0]]])
            acq = acquisition(acquisition_kind, *post.mean_std(y))
            acq = torch.where(queried, -torch.inf, acq)
            query(cells[int(torch.argmax(acq))])  # 3. the exact maximum
    info = {"encoding": "one-hot (30), Matérn-5/2 ARD GP; acquisition maximised over all "
                        f"{len(cells):,} cells", "n_init": n_init,
            "acquisition": acquisition_kind, "refit_every": refit_every}
    return SearchResult("BO (GP on one-hot)", history, seed, bench.seconds, info)


# --------------------------------------------------------------------------- CMA-ES


def cmaes(bench: Benchmark, budget: int, seed: int = 0, *, popsize: int | None = None,
          sigma0: float = 0.3, patience: int = 100) -> SearchResult:
    """CMA-ES (``nasdemo.blackbox.CMAES``) on a continuous relaxation of the cell: 30 logits
    in [0, 1] (one per edge and op), decoded by arg-max per edge, starting at the centre
    with step size ``sigma0``. Many samples decode to the same cell; those cost nothing
    (module docstring), and a collapse onto one cell triggers a restart."""
    budget = check_budget(budget)
    seed = check_seed(seed)
    adapter = CellAdapter(bench, budget, decode_argmax, patience)
    bounds = torch.tensor(_ONEHOT_BOX, dtype=torch.float64)
    with few_threads():
        adapter.run(lambda r: CMAES(bounds, _sub_seed(seed, r), sigma0=sigma0, popsize=popsize))
    return adapter.result("CMA-ES (logits)", seed, {
        "encoding": "30 logits in [0, 1], arg-max per edge", "sigma0": sigma0})


# --------------------------------------------------------------------------- annealing


def simulated_annealing(bench: Benchmark, budget: int, seed: int = 0, *,
                        t0: float | str = "auto", n_calibrate: int = 10,
                        patience: int = 100) -> SearchResult:
    """Simulated annealing (``nasdemo.blackbox.SimulatedAnnealing``, geometric cooling,
    Metropolis rule) on op tokens with ``Cell.mutate`` as the move: one edge's op replaced
    by a different one, the neighbourhood of aging evolution. It starts from a random cell;
    ``t0="auto"`` sets the start temperature from ``n_calibrate`` random moves (accuracy
    points); the schedule is planned for ``budget`` steps. A frozen walk restarts from a new
    random cell."""
    budget = check_budget(budget)
    seed = check_seed(seed)
    rng = as_rng(seed)
    adapter = CellAdapter(bench, budget, decode_tokens, patience)
    bounds = torch.tensor(_TOKEN_BOX, dtype=torch.float64)

    def move(x: Tensor) -> Tensor:
        return encode_tokens([decode_tokens(x[None])[0].mutate(rng)])[0]

    def make(r: int) -> SimulatedAnnealing:
        x0 = encode_tokens([Cell.random(rng)])[0]
        return SimulatedAnnealing(bounds, _sub_seed(seed, r), move=move, x0=x0, t0=t0,
                                  n_calibrate=n_calibrate, horizon=budget, record=False)

    adapter.run(make)
    return adapter.result("simulated annealing (mutation)", seed, {
        "encoding": "op tokens; move = Cell.mutate"})


# --------------------------------------------------------------------------- GA


def genetic_algorithm(bench: Benchmark, budget: int, seed: int = 0, *, pop_size: int = 20,
                      tournament_size: int = 3, crossover: str = "uniform",
                      patience: int = 100) -> SearchResult:
    """A genetic algorithm (``nasdemo.blackbox.GeneticAlgorithm``) on the categorical genome:
    one gene per edge, values 0..4 (the op). Tournament selection, uniform crossover by
    default (the genes' order carries no linkage, so one- and two-point crossover's
    positional bias would mean nothing here), random-resetting mutation at rate 1/6 (on
    average one edge's op changed, as ``Cell.mutate``), one elite."""
    budget = check_budget(budget)
    seed = check_seed(seed)
    pop_size = check_int(pop_size, "pop_size", minimum=2)
    adapter = CellAdapter(bench, budget, decode_tokens, patience)
    bounds = torch.tensor(_TOKEN_BOX, dtype=torch.float64)
    with few_threads():
        adapter.run(lambda r: GeneticAlgorithm(
            bounds, _sub_seed(seed, r), encoding="categorical", pop_size=pop_size,
            tournament_size=tournament_size, crossover=crossover, record=False))
    return adapter.result("genetic algorithm (categorical)", seed, {
        "encoding": "categorical genome (6 genes, 5 values)", "pop_size": pop_size})

