"""The black-box optimisers on NAS-Bench-201 cells (nasdemo/nas/blackbox_search.py): budget,
determinism, the encodings, BO's exact acquisition maximum, the adapter's restarts, and the
categorical extensions of the GA and annealing they rely on."""

import random

import numpy as np
import pytest
import torch

from nasdemo.blackbox import SimulatedAnnealing, acquisition_values, fit_gp
from nasdemo.blackbox import ga_operators as gaops
from nasdemo.blackbox.base import Optimizer
from nasdemo.blackbox.genetic import GeneticAlgorithm
from nasdemo.blackbox.gp import GP
from nasdemo.nas import (METHODS, Benchmark, Cell, bayesopt, cmaes, genetic_algorithm,
                         simulated_annealing)
from nasdemo.nas.blackbox_search import (AllCellsPosterior, CellAdapter, _sub_seed,
                                         acquisition, decode_argmax, decode_tokens,
                                         encode_onehot, encode_tokens, onehot_kernel)

SCORE = {"none": 0.0, "skip_connect": 1.0, "nor_conv_1x1": 2.0, "nor_conv_3x3": 3.0,
         "avg_pool_3x3": 0.5}
SEARCHES = [bayesopt, cmaes, simulated_annealing, genetic_algorithm]


@pytest.fixture(scope="module")
def bench() -> Benchmark:
    """All 15,625 cells; accuracy grows with the ops on live edges, plus fixed noise."""
    cells = Cell.all()
    rng = np.random.default_rng(0)
    val = [(10.0 if c.is_disconnected else 40.0 + 3.0 * sum(SCORE[c.op(i, j)]
                                                            for i, j in c.live_edges()))
           + rng.standard_normal() for c in cells]
    test = [v + 0.5 * rng.standard_normal() for v in val]
    return Benchmark(cells, val, test=test, seconds=[2.0] * len(cells), name="synthetic")


# ------------------------------------------------------------------------------ the searches
@pytest.mark.parametrize("fn", SEARCHES)
@pytest.mark.parametrize("budget", [1, 7, 60])
def test_budget_is_spent_exactly_on_distinct_cells(bench, fn, budget):
    r = fn(bench, budget, seed=2)
    assert len(r) == budget and bench.n_queries == budget
    assert r.seconds == pytest.approx(2.0 * budget)
    cells = [c for c, _ in r.history]
    assert len(set(cells)) == budget  # a known cell is answered from memory, not re-queried
    assert all(bench.lookup(c) == a for c, a in r.history)
    assert r.best[1] == max(a for _, a in r.history)
    assert "encoding" in r.info


@pytest.mark.parametrize("fn", SEARCHES)
def test_searches_are_deterministic_per_seed(bench, fn):
    a, b, c = fn(bench, 40, seed=5), fn(bench, 40, seed=5), fn(bench, 40, seed=6)
    assert a.history == b.history
    assert a.history != c.history


@pytest.mark.parametrize("fn", SEARCHES)
def test_bad_arguments_are_rejected(bench, fn):
    with pytest.raises(ValueError, match="budget"):
        fn(bench, 0)
    with pytest.raises(ValueError, match="seed"):
        fn(bench, 5, seed=-1)


def test_method_options_are_checked(bench):
    with pytest.raises(ValueError, match="n_init"):
        bayesopt(bench, 5, n_init=0)
    with pytest.raises(ValueError, match="acquisition"):
        bayesopt(bench, 5, acquisition_kind="thompson")
    with pytest.raises(ValueError, match="refit_every"):
        bayesopt(bench, 5, refit_every=0)
    small = Benchmark(Cell.all()[:20], [float(i) for i in range(20)], name="small")
    with pytest.raises(ValueError, match="exceeds the table's 20 cells"):
        bayesopt(small, 21)
    with pytest.raises(ValueError, match="pop_size"):
        genetic_algorithm(bench, 5, pop_size=1)
    with pytest.raises(ValueError, match="patience"):
        cmaes(bench, 5, patience=0)


def test_the_registry_names_them():
    for name, fn in [("bayesopt", bayesopt), ("cmaes", cmaes),
                     ("simulated_annealing", simulated_annealing),
                     ("genetic_algorithm", genetic_algorithm)]:
        assert METHODS[name] is fn


def test_the_searches_beat_random_sampling_on_an_easy_table(bench):
    """On a table whose accuracy adds up over edges, each method's mean best over seeds
    beats the mean best of 40 uniform draws (the structure is easy to exploit)."""
    rng = random.Random(0)
    random_best = np.mean([max(bench.lookup(Cell.random(rng)) for _ in range(40))
                           for _ in range(30)])
    for fn in SEARCHES:
        best = np.mean([fn(bench, 40, seed=s).best[1] for s in range(6)])
        assert best > random_best, fn.__name__


# ------------------------------------------------------------------------------ encodings
def test_encodings_round_trip_on_every_cell():
    cells = Cell.all()
    X = encode_onehot(cells)
    assert X.shape == (15625, 30) and X.dtype == torch.float64
    assert torch.equal(X.sum(1), torch.full((15625,), 6.0, dtype=torch.float64))
    assert decode_argmax(X) == cells
    T = encode_tokens(cells)
    assert T.shape == (15625, 6) and decode_tokens(T) == cells
    assert encode_onehot([]).shape == (0, 30) and encode_tokens([]).shape == (0, 6)


def test_argmax_decoding_of_logits():
    logits = torch.zeros(1, 30, dtype=torch.float64)
    logits[0, 5 * 2 + 3] = 0.9  # edge 2 (1->2): op 3
    logits[0, 5 * 5 + 4] = 0.2  # edge 5 (2->3): op 4
    assert decode_argmax(logits)[0].tokens() == [0, 0, 3, 0, 0, 4]


def test_encoding_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"shape \[n, 30\]"):
        decode_argmax(torch.zeros(2, 29))
    with pytest.raises(ValueError, match="finite"):
        decode_argmax(torch.full((1, 30), float("nan")))
    with pytest.raises(ValueError, match=r"shape \[n, 6\]"):
        decode_tokens(torch.zeros(6))
    with pytest.raises(ValueError, match="integers"):
        decode_tokens(torch.full((1, 6), 0.5))
    with pytest.raises(ValueError, match="0..4"):
        decode_tokens(torch.full((1, 6), 5.0))


# ------------------------------------------------------------------------------ BO is exact
def test_bo_queries_the_exact_acquisition_maximum_over_all_cells(bench):
    """BO's first step after its design equals the arg-max of the blackbox
    ``acquisition_values`` of ``fit_gp``'s GP, scored by brute force on every unqueried cell."""
    seed, n_init = 3, 8
    r = bayesopt(bench, n_init + 1, seed=seed, n_init=n_init)
    design = r.history[:n_init]
    cells = bench.cells()
    X = encode_onehot([c for c, _ in design])
    y = -torch.tensor([a for _, a in design], dtype=torch.float64)
    box = torch.tensor([[0.0] * 30, [1.0] * 30], dtype=torch.float64)
    gp = fit_gp(X, y, bounds=box, restarts=2, seed=_sub_seed(seed, n_init))
    acq = acquisition_values(gp, encode_onehot(cells), "ei", log=True)
    queried = {c for c, _ in design}
    acq = torch.tensor([-np.inf if c in queried else float(v) for c, v in zip(cells, acq)])
    assert r.history[n_init][0] == cells[int(torch.argmax(acq))]


def test_incremental_posterior_equals_a_fresh_gp(bench):
    """``AllCellsPosterior`` after adding points one by one = the blackbox GP conditioned on
    all of them (same hyperparameters): mean, std, and the acquisition's arg-max."""
    rng = random.Random(1)
    cells = list(dict.fromkeys(Cell.random(rng) for _ in range(30)))[:20]
    X = encode_onehot(cells)
    y = -torch.tensor([bench.lookup(c) for c in cells], dtype=torch.float64)
    box = torch.tensor([[0.0] * 30, [1.0] * 30], dtype=torch.float64)
    cand = encode_onehot(Cell.all()[::7])
    gp0 = fit_gp(X[:12], y[:12], bounds=box, restarts=1)
    post = AllCellsPosterior(gp0, cand, capacity=20)
    for x in X[12:]:
        post.add(x)
    mean, std, best = post.mean_std(y)
    ref = GP(X, y, bounds=box, lengthscale=gp0.lengthscale, signal_var=gp0.signal_var,
             noise_var=gp0.noise_var)
    m_ref, s_ref = ref.posterior(cand)
    assert torch.allclose(ref.y_mean + ref.y_std * mean, m_ref, atol=1e-6, rtol=1e-6)
    assert torch.allclose(ref.y_std * std, s_ref, atol=1e-6, rtol=1e-5)
    a_ref = acquisition_values(ref, cand, "ei", log=True)
    a = acquisition("ei", mean, std, best)
    assert int(torch.argmax(a)) == int(torch.argmax(a_ref))
    assert torch.allclose(a + torch.log(ref.y_std), a_ref, atol=1e-6)


def test_onehot_kernel_equals_kernel_matrix():
    rng = random.Random(2)
    A, B = encode_onehot([Cell.random(rng) for _ in range(9)]), encode_onehot(Cell.all()[:50])
    box = torch.tensor([[0.0] * 30, [1.0] * 30], dtype=torch.float64)
    for kernel in ("matern52", "rbf"):
        gp = GP(A, torch.arange(9.0), kernel=kernel, bounds=box,
                lengthscale=torch.linspace(0.3, 2.0, 30), signal_var=1.7)
        from nasdemo.blackbox.gp import kernel_matrix
        ref = kernel_matrix(A, B, gp.lengthscale, gp.signal_var, kernel)
        assert torch.allclose(onehot_kernel(A, B, gp), ref, atol=1e-12)


# ------------------------------------------------------------------------------ the adapter
class _Stuck(Optimizer):
    """Asks the same cell (token row ``r``) forever: the adapter must restart it."""

    def __init__(self, r: int) -> None:
        super().__init__([[0.0] * 6, [4.0] * 6], seed=r)
        self.row = encode_tokens([Cell.from_index(r)])

    def _ask(self):
        return self.row.clone()

    def _tell(self, X, y):
        pass


def test_adapter_restarts_a_stalled_optimiser_and_stops_at_the_budget(bench):
    adapter = CellAdapter(bench, 4, decode_tokens, patience=3)
    adapter.run(_Stuck)
    assert [c.index for c, _ in adapter.history] == [0, 1, 2, 3]
    assert adapter.restarts == [1, 2, 3]
    assert bench.n_queries == 4


def test_adapter_does_not_tell_a_batch_cut_short(bench):
    told = []

    class Batch(Optimizer):
        def _ask(self):
            return encode_tokens([Cell.from_index(i) for i in range(5)])

        def _tell(self, X, y):
            told.append(len(y))

    adapter = CellAdapter(bench, 3, decode_tokens)
    adapter.run(lambda r: Batch([[0.0] * 6, [4.0] * 6]))
    assert len(adapter.history) == 3 and told == []


# ------------------------------------------------------------------------------ blackbox bits
def test_annealing_takes_a_move_function():
    calls = []

    def move(x):
        calls.append(x.clone())
        y = x.clone()
        y[0] = 1.0 - y[0]
        return y

    sa = SimulatedAnnealing([[0.0, 0.0], [1.0, 1.0]], move=move, x0=[0.0, 1.0], t0=1.0)
    x = sa.ask()
    sa.tell(x, torch.tensor([1.0]))
    x2 = sa.ask()
    assert torch.equal(x2[0], torch.tensor([1.0, 1.0], dtype=torch.float64)) and calls
    with pytest.raises(ValueError, match="x0"):
        SimulatedAnnealing([[0.0], [1.0]], move=move)
    with pytest.raises(ValueError, match="reheat='random'"):
        SimulatedAnnealing([[0.0], [1.0]], move=move, x0=[0.0], reheat="random")
    bad = SimulatedAnnealing([[0.0], [1.0]], move=lambda x: x + 5.0, x0=[0.0], t0=1.0)
    bad.tell(bad.ask(), torch.tensor([0.0]))
    with pytest.raises(ValueError, match="move"):
        bad.ask()


def test_categorical_ga_genomes_and_reset_mutation():
    bounds = torch.tensor([[0.0, 0.0, 2.0], [4.0, 1.0, 3.0]], dtype=torch.float64)
    enc = gaops.CategoricalEncoding(bounds)
    g = torch.Generator().manual_seed(0)
    G = enc.random(500, g)
    assert torch.equal(G, G.round()) and (G >= bounds[0]).all() and (G <= bounds[1]).all()
    assert set(G[:, 0].tolist()) == {0.0, 1.0, 2.0, 3.0, 4.0}
    M = gaops.reset_mutation(G, 1.0, bounds[0], bounds[1], g)
    assert (M != G).all()  # every gene changed (a two-choice gene flips)
    assert (M >= bounds[0]).all() and (M <= bounds[1]).all()
    counts = torch.bincount(M[G[:, 0] == 0, 0].long(), minlength=5)
    assert counts[0] == 0 and (counts[1:] > 10).all()  # the other values, all of them
    assert gaops.diversity(torch.zeros(4, 3), "categorical") == 0.0
    assert gaops.diversity(torch.tensor([[0.0, 1.0], [1.0, 1.0]]), "categorical") == 0.5
    with pytest.raises(ValueError, match="integers"):
        gaops.CategoricalEncoding([[0.0], [1.5]])
    with pytest.raises(ValueError, match="integers within their bounds"):
        enc.encode(torch.tensor([[0.5, 0.0, 2.0]]))
    with pytest.raises(ValueError, match="integers within their bounds"):
        enc.encode(torch.tensor([[0.0, 0.0, 4.0]]))
    ga = GeneticAlgorithm(bounds, encoding="categorical", pop_size=6)
    assert ga.crossover == "uniform" and ga.mutation == "reset"
    with pytest.raises(ValueError, match="does not apply to categorical"):
        GeneticAlgorithm(bounds, encoding="categorical", crossover="sbx")
