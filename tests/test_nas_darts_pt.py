"""DARTS-PT (perturbation-based architecture selection, Wang et al. ICLR 2021) and the records
of gradient-based searches (``nasdemo.nas.records``)."""

import copy
import json

import pytest
import torch

from nasdemo.nas import (DARTS_PT_RUNS, DARTS_RUNS, EDGES, OPS, Cell, DartsSupernet,
                         NB201Supernet, Splits, darts_pt_search, darts_pt_select, darts_search,
                         load_runs)



pytestmark = pytest.mark.usefixtures("one_thread")


GOOD = ["nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3", "nor_conv_3x3", "skip_connect",
        "nor_conv_1x1"]  # the one op per edge that carries the signal in the toy supernet


class ToySupernet(NB201Supernet):
    """A hand-made supernet whose op strengths are known. Each op (e, o) adds
    ``strength[e, o] * x0`` to the class-1 logit, weighted by its mixing weight; the fixed
    noise ``x1`` is added on top. With x0 = +-1 the label's sign, the supernet is right on a
    sample when sum_eo w_eo * strength_eo > -x1 * sign, so the larger that sum, the higher the
    accuracy. On every edge the op in ``GOOD`` has strength +1 and the others -0.3 (``none``
    0): removing the good op hurts, removing another helps. Alpha is set against it on edge
    (0, 1): skip_connect gets by far the largest alpha and the good op the smallest, so
    DARTS's arg-max keeps skip_connect there; on the other edges alpha favours the good op."""

    def __init__(self) -> None:
        super().__init__(channels=1, n_classes=2)
        strength = torch.full((len(EDGES), len(OPS)), -0.3)
        strength[:, OPS.index("none")] = 0.0
        alpha = torch.zeros(len(EDGES), len(OPS))
        for k, op in enumerate(GOOD):
            strength[k, OPS.index(op)] = 1.0
            alpha[k, OPS.index(op)] = 1.0
        alpha[0] = torch.tensor([0.0, 2.0, 0.0, 0.5, 0.0])  # edge (0, 1): skip_connect wins
        self.register_buffer("strength", strength)
        with torch.no_grad():
            self.alpha.copy_(alpha)

    def forward(self, x, weights=None):
        if weights is None:
            weights = self.masked_alpha().softmax(dim=-1)
        s = (weights * self.strength).sum()
        logit = s * x[:, 0, 0] + x[:, 0, 1]
        return torch.stack([torch.zeros_like(logit), logit], dim=1)


def toy_splits(n=4000, seed=0):
    """Labels 0/1; x0 = +-1 says the label, x1 ~ N(0, 4^2) is noise (wide enough that even
    the best cell, sum of strengths 6, is not 100 % accurate: every decision is measurable)."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 2, (n,), generator=g)
    x = torch.stack([2.0 * y - 1, 4.0 * torch.randn(n, generator=g)], dim=1)[:, None, :]
    return Splits(x, y, x[:10], y[:10], x[:10], y[:10])


def toy_accuracy(net, cell, data):
    """Accuracy (%) of the discrete cell inside the toy: one-hot mixing weights."""
    w = torch.zeros(len(EDGES), len(OPS))
    for k, op in enumerate(cell.ops):
        w[k, OPS.index(op)] = 1.0
    with torch.no_grad():
        return 100.0 * float((net(data.x_train, w).argmax(1) == data.y_train).float().mean())


def test_selection_keeps_the_op_the_supernet_needs_where_alpha_points_elsewhere():
    net, data = ToySupernet(), toy_splits()
    darts_cell = net.derive()
    assert darts_cell.ops[0] == "skip_connect"  # arg-max alpha: the collapse
    result = darts_pt_select(net, data, tune_epochs=0, seed=0)
    assert result.darts_cell == darts_cell
    assert list(result.architecture.ops) == GOOD  # every edge: the op whose removal hurts
    first = next(d for d in result.decisions if d.edge == EDGES[0])
    assert first.alpha_op == "skip_connect" and first.op == "nor_conv_3x3"
    drops = first.drops
    assert drops["nor_conv_3x3"] > 0 > drops["skip_connect"]  # removing skip_connect helps
    assert drops["nor_conv_3x3"] == max(drops.values())
    assert drops["none"] == 0.0  # removing the zero op changes nothing
    # DARTS-PT is right: its cell beats DARTS's in the toy, by a wide margin
    assert toy_accuracy(net, result.architecture, data) > toy_accuracy(net, darts_cell, data) + 3


def test_edges_are_discretised_one_at_a_time_in_a_seeded_random_order():
    data = toy_splits()
    orders = {}
    for seed in (0, 1, 2):
        net = ToySupernet()
        result = darts_pt_select(net, data, tune_epochs=0, seed=seed)
        orders[seed] = [d.edge for d in result.decisions]
        assert sorted(orders[seed]) == sorted(EDGES)
        # afterwards each edge keeps exactly its chosen op
        assert net.edge_mask.sum(dim=1).tolist() == [1] * len(EDGES)
        assert net.derive() == result.architecture
        # decision k saw the supernet with the k edges decided before it one-hot, the rest
        # mixed by alpha: its base accuracy is that supernet's
        fresh = ToySupernet()
        probs = fresh.alpha.detach().softmax(dim=-1)
        x_val, y_val = data.x_train[2000:], data.y_train[2000:]
        for d in result.decisions:
            with torch.no_grad():
                acc = 100.0 * float((fresh(x_val, probs).argmax(1) == y_val).float().mean())
            assert d.base_acc == pytest.approx(acc)
            assert set(d.acc_without) == set(OPS)
            k = EDGES.index(d.edge)
            probs[k] = 0.0
            probs[k, OPS.index(d.op)] = 1.0
    assert len({tuple(o) for o in orders.values()}) > 1  # the order depends on the seed


def test_edges_already_cut_to_one_op_are_kept():
    net, data = ToySupernet(), toy_splits()
    with torch.no_grad():
        net.edge_mask[2] = False
        net.edge_mask[2, OPS.index("none")] = True  # progressive cutting left `none` alone
        net.edge_mask[4, OPS.index("skip_connect")] = False  # the good op of edge 4 is cut
    result = darts_pt_select(net, data, tune_epochs=0, seed=0)
    assert EDGES[2] not in [d.edge for d in result.decisions] and len(result.decisions) == 5
    assert result.architecture.ops[2] == "none"
    edge4 = next(d for d in result.decisions if d.edge == EDGES[4])
    assert "skip_connect" not in edge4.acc_without and edge4.op != "skip_connect"


def _tiny_mnist_like(n=48, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 1, 40, generator=g)
    y = torch.randint(0, 10, (n,), generator=g)
    return Splits(x, y, x[:8], y[:8], x[:8], y[:8])


def test_search_is_darts_then_selection_and_a_function_of_its_seed():
    data = _tiny_mnist_like()
    runs = [darts_pt_search(data, NB201Supernet(channels=2), epochs=1, tune_epochs=1,
                            batch_size=16, seed=3) for _ in range(2)]
    a, b = runs
    assert a.architecture == b.architecture and a.darts_cell == b.darts_cell
    assert [(d.edge, d.acc_without, d.op) for d in a.decisions] == \
        [(d.edge, d.acc_without, d.op) for d in b.decisions]
    assert a.seconds >= a.search_seconds > 0 and a.seed == 3
    darts = darts_search(NB201Supernet(channels=2), data, epochs=1, batch_size=16, seed=3)
    assert a.darts_cell == darts.architecture  # its DARTS phase is DARTS's run with that seed
    # the selection does not depend on the global random state
    torch.manual_seed(123)
    net = NB201Supernet(channels=2)
    darts_search(net, data, epochs=1, batch_size=16, seed=3)
    before = copy.deepcopy(net.state_dict())
    again = darts_pt_select(net, data, tune_epochs=1, batch_size=16, seed=3)
    assert again.architecture == a.architecture
    assert not torch.equal(before["edge_mask"], net.state_dict()["edge_mask"])


def test_tuning_trains_the_supernet_between_decisions_and_measuring_does_not():
    data = _tiny_mnist_like()
    net = NB201Supernet(channels=2)
    darts_search(net, data, epochs=1, batch_size=16, seed=0)
    frozen = copy.deepcopy(net)
    darts_pt_select(frozen, data, tune_epochs=0, batch_size=16, seed=0)
    w0 = [p.detach().clone() for p in net.weights()]
    bn0 = {k: v.clone() for k, v in net.named_buffers() if "running" in k}
    # measuring alone (tune_epochs=0) changes no weight and no BN statistic
    assert all(torch.equal(p, q) for p, q in zip(w0, frozen.weights()))
    assert all(torch.equal(v, dict(frozen.named_buffers())[k]) for k, v in bn0.items())
    darts_pt_select(net, data, tune_epochs=1, batch_size=16, seed=0)
    assert any(not torch.equal(p, q) for p, q in zip(w0, net.weights()))


def test_bad_input_is_refused_with_a_clear_error():
    data = toy_splits(40)
    with pytest.raises(ValueError, match="needs an NB201Supernet"):
        darts_pt_select(DartsSupernet(channels=4, layers=3), data)
    with pytest.raises(ValueError, match="tune_epochs"):
        darts_pt_select(ToySupernet(), data, tune_epochs=-1)
    with pytest.raises(ValueError, match="seed"):
        darts_pt_select(ToySupernet(), data, seed=-1)
    with pytest.raises(ValueError, match="batch_size"):
        darts_pt_select(ToySupernet(), data, batch_size=0)
    one = Splits(data.x_train[:1], data.y_train[:1], *[t[:1] for t in
                                                       (data.x_val, data.y_val, data.x_test,
                                                        data.y_test)])
    with pytest.raises(ValueError, match="at least 2 signals"):
        darts_pt_select(ToySupernet(), one)
    with pytest.raises(ValueError, match="tune_epochs"):  # refused before 50 epochs of search
        darts_pt_search(_tiny_mnist_like(), tune_epochs=-1)
    with pytest.raises(ValueError, match="weights must have shape"):
        NB201Supernet(channels=2)(torch.zeros(2, 1, 40), torch.ones(6, 4))


# --------------------------------------------------------------------------- records
def test_shipped_records_load_and_pair_darts_with_darts_pt_by_seed():
    runs = load_runs(DARTS_RUNS, DARTS_PT_RUNS)
    darts = {r.seed: r for r in runs if r.method == "DARTS 1st order"}
    pt = {r.seed: r for r in runs if r.method == "DARTS-PT 1st order"}
    assert len(darts) == 5 and len(pt) >= 5 and set(darts) <= set(pt)
    for seed, r in pt.items():
        assert r.wall_s > r.record["search_wall_s"] > 0
        assert len(r.record["decisions"]) == len(EDGES)
        assert [d["op"] for d in sorted(r.record["decisions"],
                                        key=lambda d: EDGES.index(tuple(d["edge"])))] == \
            list(r.cell.ops)
        assert {(r.record["epochs"], r.record["channels"], r.record["tune_epochs"])} == \
            {(50, 8, 5)}


def test_load_runs_names_what_is_wrong(tmp_path):
    good = {"seed": 0, "method": "m", "wall_s": 1.0, "cell": str(Cell(["none"] * 6))}
    path = tmp_path / "runs.jsonl"
    with pytest.raises(ValueError, match="no such file"):
        load_runs(tmp_path / "nope.jsonl")
    with pytest.raises(ValueError, match="at least one"):
        load_runs()
    path.write_text("\n")
    with pytest.raises(ValueError, match="holds no runs"):
        load_runs(path)
    path.write_text(json.dumps(good) + "\n{seed: 1\n")
    with pytest.raises(ValueError, match="line 2 is not JSON"):
        load_runs(path)
    path.write_text(json.dumps({k: v for k, v in good.items() if k != "wall_s"}) + "\n")
    with pytest.raises(ValueError, match="line 1 lacks wall_s"):
        load_runs(path)
    path.write_text(json.dumps({**good, "cell": "|conv~0|"}) + "\n")
    with pytest.raises(ValueError, match="line 1: bad cell"):
        load_runs(path)
    path.write_text((json.dumps(good) + "\n") * 2)
    with pytest.raises(ValueError, match="line 2 holds a second run of 'm' with seed 0"):
        load_runs(path)
    path.write_text(json.dumps(good) + "\n")
    (run,) = load_runs(str(path))  # a str path works too
    assert (run.method, run.seed, run.cell, run.wall_s) == ("m", 0, Cell(["none"] * 6), 1.0)


# --------------------------------------------------------------------------- figures
def test_selection_figure_marks_both_choices_on_every_decided_edge():
    from nasdemo import viz
    from nasdemo.viz import darts_vs_pt_figure, edge_selection_figure

    assert {"edge_selection_figure", "darts_vs_pt_figure"} <= set(viz.__all__)
    net, data = ToySupernet(), toy_splits()
    result = darts_pt_select(net, data, tune_epochs=0, seed=0)
    fig = edge_selection_figure(result.decisions, title="toy")
    alpha_map, drop_map, darts_marks, pt_marks = fig.data
    assert alpha_map.z.shape == drop_map.z.shape == (len(EDGES), len(OPS))
    assert list(darts_marks.x) == [OPS.index(d.alpha_op) for d in result.decisions]
    assert list(pt_marks.x) == [OPS.index(d.op) for d in result.decisions]
    assert list(pt_marks.y) == [f"{n + 1}. {i}→{j}" for n, (i, j) in
                                enumerate(d.edge for d in result.decisions)]
    assert fig.layout.width is None  # responsive: fits the notebook's width
    with pytest.raises(ValueError, match="at least one"):
        edge_selection_figure([])
    fig = darts_vs_pt_figure([0, 1], [60.0, 55.0], [75.0, 52.0], {"median": 70.0})
    assert list(fig.data[-1].y) == [75.0, 52.0] and list(fig.data[-2].y) == [60.0, 55.0]
    with pytest.raises(ValueError, match="one length"):
        darts_vs_pt_figure([0, 1], [60.0], [75.0, 52.0])


# --------------------------------------------------------------------------- the benchmark
def _script():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[1] / "benchmarks" / "darts_pt_nb201.py"
    spec = importlib.util.spec_from_file_location("darts_pt_nb201", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


def test_benchmark_saves_what_it_rejudges(tmp_path, monkeypatch, capsys):
    from types import SimpleNamespace

    from nasdemo.nas.darts_pt import EdgeDecision

    script = _script()
    monkeypatch.setattr(script.torch, "set_num_threads", lambda n: None)  # leave pytest's alone
    darts_seed0 = next(r.cell for r in load_runs(DARTS_RUNS)
                       if r.method == "DARTS 1st order" and r.seed == 0)
    picked = Cell(["nor_conv_3x3"] * 6)

    def fake(data, net, epochs, tune_epochs, seed):  # no training: fixed cells
        decisions = [EdgeDecision(e, 80.0, {"none": 80.0, "nor_conv_3x3": 70.0},
                                  {"none": 0.4, "nor_conv_3x3": 0.6}, "nor_conv_3x3")
                     for e in EDGES]
        return SimpleNamespace(architecture=picked, darts_cell=darts_seed0,
                               decisions=decisions, seconds=12.34, search_seconds=5.0)

    monkeypatch.setattr(script, "darts_pt_search", fake)
    monkeypatch.setattr(script, "load_mnist1d", lambda: None)
    saved = tmp_path / "runs.jsonl"
    script.main(["--seeds", "1", "--epochs", "3", "--channels", "2", "--tune-epochs", "1",
                 "--save", str(saved)])
    (run,) = load_runs(saved)
    assert (run.method, run.seed, run.cell, run.wall_s) == ("DARTS-PT 1st order", 0, picked,
                                                            12.3)
    rec = run.record
    assert (rec["epochs"], rec["channels"], rec["tune_epochs"], rec["search_wall_s"]) == \
        (3, 2, 1, 5.0)
    assert rec["darts_cell"] == str(darts_seed0) and len(rec["decisions"]) == 6
    capsys.readouterr()
    script.main(["--rejudge", str(saved)])
    out = capsys.readouterr().out
    assert " yes " in out and str(picked) in out and "mean over 1 seeds" in out
    with pytest.raises(SystemExit, match="nothing to --save"):
        script.main(["--rejudge", str(saved), "--save", str(tmp_path / "again.jsonl")])
    with pytest.raises(SystemExit, match="no such file"):
        script.main(["--rejudge", str(tmp_path / "nope.jsonl")])
