"""NAO (Luo et al. 2018): the encoder/decoder round trip, the gradient-ascent step of eq. 2,
Algorithm 1's budget accounting, determinism and argument checks."""

import random

import pytest
import torch
from scipy.stats import kendalltau

from nasdemo.utils import few_threads
from nasdemo.nas import METHODS, Benchmark, Cell, NAOModel, fit_nao, kendall_tau, nao

from test_nas_search import synthetic  # the same synthetic full-space table

SMALL = dict(n_init=20, n_new=5, first_epochs=120, epochs=15)  # a quick search for the tests

HAND_PICKED = [
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+"
    "|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|",
    "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
    "|avg_pool_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|skip_connect~2|",
    "|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|nor_conv_3x3~1|none~2|",
]


@pytest.fixture(scope="module")
def bench():
    return synthetic()


@pytest.fixture(scope="module")
def trained():
    """A model trained by eq. 1 on the hand-picked cells and 36 random ones."""
    cells = [Cell.from_string(s) for s in HAND_PICKED]
    rng = random.Random(0)
    while len(cells) < 40:
        c = Cell.random(rng)
        if c not in cells:
            cells.append(c)
    tokens = torch.tensor([c.tokens() for c in cells])
    scores = tokens.float().mean(1) / 4  # any target in [0, 1] that depends on the cell
    torch.manual_seed(0)
    model = NAOModel(hidden=32)
    with few_threads():
        stats = fit_nao(model, tokens, scores, 400, torch.optim.Adam(model.parameters(), lr=1e-3))
    return model, tokens, stats


def test_round_trip_on_hand_picked_cells(trained):
    model, tokens, stats = trained
    assert stats["rec_acc"] == 1.0
    decoded = model.decode(model.encode(tokens[: len(HAND_PICKED)]))
    assert [str(Cell.from_tokens(t)) for t in decoded.tolist()] == HAND_PICKED


def test_encoder_states_are_unit_vectors(trained):
    model, tokens, _ = trained
    e = model.encode(tokens)
    assert e.shape == (40, 6, 32)
    assert torch.allclose(e.norm(dim=-1), torch.ones(40, 6), atol=1e-5)


def test_ascent_raises_the_predicted_score(trained):
    model, tokens, _ = trained
    e = model.encode(tokens).detach()
    before = model.predict(e).detach()
    after = model.predict(model.ascend(e, 0.05)).detach()
    assert (after > before).all(), (after - before).min()
    descent = model.predict(model.ascend(e, -0.05)).detach()
    assert (descent < before).all()


def test_kendall_tau_takes_a_predictor_output_and_counts_ties():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(50, generator=g, requires_grad=True)  # f's output, still in the graph
    y = torch.randn(50, generator=g)
    assert kendall_tau(x, y) == pytest.approx(kendalltau(x.detach(), y).statistic, abs=1e-12)
    assert kendall_tau(x, x) == pytest.approx(1.0)
    # tau-b: tied accuracies (the table's are multiples of 1/15 %) are not discordant pairs
    assert kendall_tau([1.0, 2.0, 2.0, 3.0], [1.0, 2.0, 2.0, 3.0]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="equal length"):
        kendall_tau(x, y[:3])


def test_budget_is_spent_exactly_on_distinct_cells(bench):
    r = nao(bench, 37, seed=1, record=True, **SMALL)  # 37 - 20 is no multiple of n_new
    cells = [c for c, _ in r.history]
    assert len(r) == 37 and bench.n_queries == 37, "never more queries than the budget"
    assert len(set(cells)) == 37, "a decoded cell already evaluated is not queried again"
    assert all(bench.lookup(c) == a for c, a in r.history)
    rounds = r.info["rounds"]
    assert [len(rd.new) for rd in rounds] == [5, 5, 5, 2]
    assert sum(len(rd.new) for rd in rounds) + 20 == 37
    for rd in rounds:
        assert len(rd.seeds) == 10 and rd.etas == sorted(rd.etas)
        assert rd.path.shape == (10, len(rd.etas) + 1, 32)
        known = {c for c, _ in r.history[: min(rd.new)]}
        new = [r.history[i][0] for i in rd.new]
        assert not known & set(new)
        decoded = {c for row in rd.decoded for c in row}
        assert set(new) <= decoded, "new cells come from the decoder"
    assert r.info["random_fill"] == 0
    assert r.info["n_trained"] == 35, "the model last trained before the final 2 cells"


def test_budget_equal_to_the_initial_set_trains_nothing(bench):
    r = nao(bench, 20, seed=0, **SMALL)
    assert len(r) == 20 and r.info["n_rounds"] == 0


def test_a_collapsed_ascent_fills_with_random_unseen_cells(bench):
    # eta never exceeds 1e-6: a seed the decoder reconstructs decodes to itself, already in X
    r = nao(bench, 30, seed=2, record=True, **{**SMALL, "eta_step": 1e-6, "max_eta": 1e-6})
    assert len(r) == 30 and len({c for c, _ in r.history}) == 30
    from_decoder = sum(r.history[i][0] in rd.decoded[0] for rd in r.info["rounds"]
                       for i in rd.new)
    assert r.info["random_fill"] == 10 - from_decoder > 0


def test_search_beats_the_initial_set(bench):
    r = nao(bench, 60, seed=0, **SMALL)
    assert r.best[1] > max(a for _, a in r.history[:20])


def test_deterministic_per_seed(bench):
    a, b, c = (nao(bench, 30, seed=s, **SMALL) for s in (3, 3, 4))
    assert a.history == b.history
    assert a.history != c.history


def test_registered_and_trained_model_is_returned(bench):
    assert METHODS["nao"] is nao
    r = nao(bench, 25, seed=0, **SMALL)
    assert isinstance(r.info["model"], NAOModel) and r.method == "NAO"
    lo, hi = r.info["scale"]
    assert lo == min(a for _, a in r.history[:20]) and hi == max(a for _, a in r.history[:20])


@pytest.mark.parametrize("kwargs, message", [
    ({"budget": 10}, r"budget \(10\) is below n_init \(20\)"),
    ({"budget": 0}, "budget"),
    ({"n_init": 1}, "n_init"),
    ({"top_k": 0}, "top_k"),
    ({"n_new": 1.5}, "n_new"),
    ({"epochs": -1}, "epochs"),
    ({"trade_off": 1.5}, "trade_off"),
    ({"lr": 0}, "lr"),
    ({"eta_step": float("nan")}, "eta_step"),
    ({"eta_step": 2.0, "max_eta": 1.0}, r"max_eta \(1.0\) must be at least eta_step"),
    ({"hidden": 0}, "hidden"),
    ({"device": "tpu"}, "device"),
])
def test_bad_options_are_rejected(bench, kwargs, message):
    args = {"budget": 30, "n_init": 20, **kwargs}
    with pytest.raises(ValueError, match=message):
        nao(bench, **args)


def test_budget_beyond_a_partial_table_is_rejected():
    cells = Cell.all()[:25]
    part = Benchmark(cells, [float(i) for i in range(25)], name="part")
    with pytest.raises(ValueError, match="exceeds the 25 cells"):
        nao(part, 30, n_init=5)
    r = nao(part, 12, n_init=5, n_new=3, first_epochs=30, epochs=5)
    assert len(r) == 12 and all(c in part for c, _ in r.history)
