"""The Neural Predictor (Wen et al. 2020): its bidirectional GCN layer against a hand
computation, the batched model against separate ones, the cascade's ordering, the budget,
determinism and the errors."""

import numpy as np
import pytest
import torch

from nasdemo.nas import (METHODS, Benchmark, Cell, default_n_train, neural_predictor,
                         neural_predictor_runs)
from nasdemo.nas.neural_predictor import (GCNPredictor, PredictorSettings, _adam_step,
                                          encode_cells, fit_predictor)

TINY = dict(hidden=8, fc=8, epochs=2)  # small and quick: the logic, not the accuracy


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def bench():
    return Benchmark.default()


def test_bidirectional_gcn_matches_a_hand_computation():
    # A 3-node chain 0 -> 1 -> 2, node k labelled with one-hot feature k; one GCN layer of
    # width 1, then the mean over nodes and an FC head of width 1.
    model = GCNPredictor([0], PredictorSettings(hidden=1, layers=1, fc=1, dropout=0.0))
    w_plus = torch.zeros(7, 1)
    w_plus[:3, 0] = torch.tensor([1.0, 2.0, 3.0])   # X W+ = [1, 2, 3]
    w_minus = torch.zeros(7, 1)
    w_minus[2, 0] = 1.0                              # X W- = [0, 0, 1]
    with torch.no_grad():
        model.params["w0+"].copy_(w_plus[None])
        model.params["w0-"].copy_(w_minus[None])
        model.params["fc1"].fill_(1.0)
        model.params["b1"].fill_(0.0)
        model.params["fc2"].fill_(2.0)
        model.params["b2"].fill_(0.5)
    # A with self-loops, rows divided by their degree: along the edges (node j averages
    # itself and what feeds it) and against them (node i averages itself and what it feeds).
    along = torch.tensor([[1.0, 0, 0], [0.5, 0.5, 0], [0, 0.5, 0.5]])
    against = torch.tensor([[0.5, 0.5, 0], [0, 0.5, 0.5], [0, 0, 1.0]])
    feats = torch.zeros(1, 1, 3, 7)
    feats[0, 0, [0, 1, 2], [0, 1, 2]] = 1.0
    # By hand: along @ [1,2,3] = [1, 1.5, 2.5]; against @ [0,0,1] = [0, 0.5, 1];
    # V1 = 1/2 ReLU(.) + 1/2 ReLU(.) = [0.5, 1.0, 1.75]; mean 13/12; FC: ReLU(13/12) = 13/12;
    # output 2 * 13/12 + 0.5 = 8/3. (The slide's A in both terms would give 2 * 11/12 + 0.5.)
    out = model.forward(along[None, None], against[None, None], feats)
    assert out.shape == (model.rows, 1)  # a lone run has a padding row beside it
    assert out[0, 0].item() == pytest.approx(8 / 3, abs=1e-6)


def test_encoding_is_to_graph_with_self_loops_row_normalised():
    cells = [Cell.from_string("|nor_conv_3x3~0|+|none~0|skip_connect~1|+"
                              "|avg_pool_3x3~0|none~1|nor_conv_1x1~2|"), Cell.random(3)]
    fwd, bwd, feats = encode_cells(cells)
    for k, c in enumerate(cells):
        adj, labels = c.to_graph()
        eye = torch.eye(8)
        assert torch.equal(fwd[k], (adj.T + eye) / (adj.T + eye).sum(1, keepdim=True))
        assert torch.equal(bwd[k], (adj + eye) / (adj + eye).sum(1, keepdim=True))
        assert torch.equal(feats[k].argmax(1), labels) and torch.equal(feats[k].sum(1),
                                                                        torch.ones(8))


def test_adam_step_is_torch_adam_and_waits_when_inactive():
    torch.manual_seed(0)
    p0 = torch.randn(2, 3, 4)
    params = {"w": p0.clone().requires_grad_(True)}
    ref = [p0[r].clone().requires_grad_(True) for r in range(2)]
    opts = [torch.optim.Adam([ref[r]], lr=1e-2, weight_decay=1e-3) for r in range(2)]
    state = {"w": [torch.zeros(2, 3, 4), torch.zeros(2, 3, 4)]}
    steps = torch.zeros(2)
    for t in range(4):
        g = torch.randn(2, 3, 4)
        active = torch.tensor([True, t % 2 == 0])  # run 1 sits out every other step
        params["w"].grad = g.clone()
        steps += active.float()
        _adam_step(params, state, steps.clamp(min=1), active, 1e-2, 1e-3)
        for r in range(2):
            if active[r]:
                ref[r].grad = g[r].clone()
                opts[r].step()
    for r in range(2):
        torch.testing.assert_close(params["w"][r].detach(), ref[r].detach())


def test_batched_training_equals_separate_models():
    torch.manual_seed(1)
    R, n = 3, 23
    cells = [Cell.random(i) for i in range(R * n)]
    graphs = tuple(g.reshape(R, n, *g.shape[1:]) for g in encode_cells(cells))
    y = torch.randn(R, n)
    mask = torch.ones(R, n, dtype=torch.bool)
    mask[1, 15:] = False  # runs with different numbers of training cells
    mask[2, 7:] = False
    cfg = PredictorSettings(hidden=8, fc=8, epochs=3, dropout=0.1)
    seeds = [5, 11, 17]
    batched = GCNPredictor(seeds, cfg)
    loss_b = fit_predictor(batched, graphs, y, mask)
    for r, s in enumerate(seeds):
        alone = GCNPredictor([s], cfg)
        loss_a = fit_predictor(alone, tuple(g[r:r + 1] for g in graphs), y[r:r + 1],
                               mask[r:r + 1])
        np.testing.assert_array_equal(loss_a[:, 0], loss_b[:, r])
        for name in batched.names:  # bitwise: a last-bit difference can reorder cells
            assert torch.equal(alone.params[name][0], batched.params[name][r])


def test_single_run_equals_its_batched_run_and_is_deterministic(bench):
    runs = neural_predictor_runs(bench, 30, [0, 1, 2], n_train=20, **TINY)
    for r in runs:
        alone = neural_predictor(bench, 30, seed=r.seed, n_train=20, **TINY)
        assert alone.history == r.history
    again = neural_predictor(bench, 30, seed=1, n_train=20, **TINY)
    assert again.history == runs[1].history
    assert runs[0].history != runs[1].history


def test_budget_is_n_plus_k_queries_no_more(bench):
    res = neural_predictor(bench, 28, seed=4, n_train=20, **TINY)
    assert len(res) == 28 and bench.n_queries == 28
    cells = [c for c, _ in res.history]
    assert len(set(cells)) == 28  # validated cells are not the training cells again
    table = bench.cells()
    assert cells[:20] == [table[i] for i in res.info["train_indices"]]
    assert cells[20:] == [table[i] for i in res.info["validated"]]
    assert res.best[1] == max(a for _, a in res.history)
    assert all(a == bench.lookup(c) for c, a in res.history)


def test_cascade_ranks_kept_cells_first_then_by_prediction(bench):
    res = neural_predictor(bench, 60, seed=2, n_train=30, record=True, **TINY)
    p_good, pred = res.info["p_good"], res.info["predicted"]
    top = res.info["validated"]
    kept = [p_good[i] >= 0.5 for i in top]
    assert kept == sorted(kept, reverse=True)  # every kept cell before every dropped one
    for flag in (True, False):
        group = [pred[i] for i, k in zip(top, kept) if k == flag]
        assert group == sorted(group, reverse=True)
    # ... and nothing better was skipped: no untrained kept cell outside the top K is
    # predicted above the last kept cell validated.
    if kept[-1]:
        rest = np.ones(len(pred), dtype=bool)
        rest[top] = False
        rest[res.info["train_indices"]] = False
        assert pred[rest & (p_good >= 0.5)].max() <= min(pred[i] for i in top)
    acc = np.array([a for _, a in res.history[:30]])
    assert res.info["threshold"] == pytest.approx(np.quantile(acc, 0.3))
    flat = neural_predictor(bench, 60, seed=2, n_train=30, cascade=False, record=True, **TINY)
    assert flat.info["p_good"] is None and flat.method == "neural predictor (no cascade)"


def test_default_n_and_registry(bench):
    assert METHODS["neural_predictor"] is neural_predictor
    assert [default_n_train(b) for b in (2, 10, 100, 150, 300)] == [1, 5, 50, 75, 150]


@pytest.mark.parametrize("kwargs,error,match", [
    (dict(n_train=30), ValueError, "must be below the budget"),
    (dict(n_train=40), ValueError, "must be below the budget"),
    (dict(n_train=20, threshold=99.0), ValueError, "leaves 0 of the N = 20"),
    (dict(n_train=20, threshold=1.0), ValueError, "leaves 20 of the N = 20"),
    (dict(n_train=20, threshold_quantile=0.0), ValueError, "strictly between 0 and 1"),
    (dict(n_train=20, threshold_quantile=1.5), ValueError, "threshold_quantile"),
    (dict(n_train=20, hidden=0), ValueError, "hidden"),
    (dict(n_train=20, dropout=1.0), ValueError, "dropout"),
    (dict(n_train=20, lr=-1.0), ValueError, "lr"),
    (dict(n_train=20, epochs=2.5), ValueError, "epochs"),
    (dict(n_train=20, learning_rate=1e-3), TypeError, "unknown option"),
])
def test_clear_errors(bench, kwargs, error, match):
    with pytest.raises(error, match=match):
        neural_predictor(bench, 30, seed=0, **kwargs)


def test_budget_and_seed_errors(bench):
    with pytest.raises(ValueError, match="budget"):
        neural_predictor(bench, 1)
    with pytest.raises(ValueError, match="distinct"):
        neural_predictor_runs(bench, 30, [1, 1], n_train=20, **TINY)
    with pytest.raises(ValueError, match="at least one seed"):
        neural_predictor_runs(bench, 30, [], n_train=20, **TINY)


def test_predict_all_cells_equals_the_training_forward_pass():
    cells = [Cell.random(i) for i in range(37)]
    graphs = encode_cells(cells)
    model = GCNPredictor([3, 4], PredictorSettings(hidden=8, fc=8, layers=2))
    with torch.no_grad():
        ref = model.forward(*(g[None] for g in graphs))  # dropout off: no keys
    assert ref.shape == (2, 37)
    out = model.predict(*graphs, chunk=10, max_floats=10 * 8 * 8)  # one run at a time
    torch.testing.assert_close(out, ref)


def test_predictions_do_not_depend_on_the_other_runs():
    graphs = encode_cells(Cell.all()[::7])
    cfg = PredictorSettings()
    many = GCNPredictor(list(range(12)), cfg).predict(*graphs)
    for r in (0, 5, 11):
        alone = GCNPredictor([r], cfg).predict(*graphs)
        assert torch.equal(alone[0], many[r])  # bitwise: rankings must not flip


def test_deployed_curve_and_figure_data(bench, tmp_path):
    from nasdemo.nas import (SearchCurves, deployed_curve, figure6_data, figure7_data,
                             random_search)
    from nasdemo.viz import figure6, figure7

    rs = random_search(bench, 20, seed=3)
    curve = deployed_curve(rs, bench)
    best_so_far = [max(rs.history[:t + 1], key=lambda h: h[1]) for t in range(20)]
    assert list(curve) == [bench.lookup(c, test=True) for c, _ in best_so_far]
    d6 = figure6_data(bench, max_budget=24, runs=2, n_train=16, **TINY)
    assert set(d6.curves) == {"random search", "aging evolution", "neural predictor",
                              "neural predictor (no cascade)"}
    assert d6.curves["neural predictor"].shape == (2, 24)
    assert np.isnan(d6.curves["neural predictor"][:, :16]).all()
    # the value at N + K is what a search with that budget returns
    for k in (1, 8):
        alone = neural_predictor(bench, 16 + k, seed=1, n_train=16, **TINY)
        assert d6.at("neural predictor", 16 + k)[1] == bench.lookup(alone.best[0], test=True)
    with pytest.raises(ValueError, match="budget"):
        d6.at("neural predictor", 10)  # before N: the predictor has returned nothing yet
    d7 = figure7_data(bench, (8, 16), max_budget=20, runs=2, cascade=False, **TINY)
    assert d7.start == {"N = 8": 9, "N = 16": 17} and d7.n_train["N = 16"] == 16
    assert len(figure6(d6).data) == 8 and len(figure7(d7).data) == 2
    d7.save(tmp_path / "f7.npz")
    back = SearchCurves.load(tmp_path / "f7.npz")
    assert back.start == d7.start and back.n_train == d7.n_train and back.oracle == d7.oracle
    for k in d7.curves:
        np.testing.assert_array_equal(back.curves[k], d7.curves[k])
