"""nasdemo.viz.nao: NAO's embedding-space figures, built from a search result alone."""

import pytest
import torch

from nasdemo.nas import Benchmark, Cell, NAOModel, nao, random_search
from nasdemo.viz import (Projection, embedding_figure, eta_walk_steps, neighbour_rho,
                          rounds_figure, rounds_table, seed_parents)

from test_nas_search import synthetic  # the same synthetic full-space table

SMALL = dict(n_init=20, n_new=5, first_epochs=120, epochs=15)


@pytest.fixture(scope="module")
def bench():
    return synthetic()


@pytest.fixture(scope="module")
def run(bench):
    return nao(bench, 30, seed=0, record=True, **SMALL)


def test_embedding_figure_has_every_cell_and_the_ascent_arrows(bench, run):
    proj = Projection(run.info["model"])
    assert proj.xy.shape == (15625, 2) and 0 < proj.explained <= 1
    fig = embedding_figure(run, bench, n_seeds=2, proj=proj)
    assert len(fig.data[0].x) == 15625 and len(fig.data[1].x) == 30
    assert len(fig.data) == 4, "all cells, evaluated cells, two seeds' paths"
    last = run.info["rounds"][-1]
    changes = sum(row[k] != prev[k] for k in range(2)
                  for prev, row in zip([[run.history[i][0] for i in last.seeds]] + last.decoded,
                                       last.decoded))
    assert len(fig.layout.annotations) == changes, "one arrow per change of the decoded cell"
    zoomed = embedding_figure(run, bench, n_seeds=2, proj=proj, zoom=True)
    x0, x1 = zoomed.layout.xaxis.range
    assert all(x0 <= a.x <= x1 and x0 <= a.ax <= x1 for a in zoomed.layout.annotations)
    plain = embedding_figure(nao(bench, 25, seed=1, **SMALL), bench, proj=proj)
    assert len(plain.data) == 2 and not plain.layout.annotations, "no record, no arrows"


def test_eta_walk_steps_line_up(bench, run):
    etas = [0, 1, 5, 20]
    fig, steps, titles, decoded = eta_walk_steps(run, run.best[0], etas, bench)
    assert len(steps) == len(titles) == len(decoded) == 4
    model = run.info["model"]
    own = model.decode(model.encode(torch.tensor([run.best[0].tokens()])))[0].tolist()
    assert decoded[0] == Cell.from_tokens(own), "eta = 0: the cell's own code, decoded"
    n = len(fig.data)
    assert all(set(s) == {n - 2, n - 1} for s in steps)
    assert [len(s[n - 2]["x"]) for s in steps] == [1, 2, 3, 4]
    with pytest.raises(ValueError, match="increasing"):
        eta_walk_steps(run, run.best[0], [3, 1], bench)


def test_rounds_figure_and_errors(bench, run):
    fig = rounds_figure(run, bench)
    assert len(fig.data) == 1 + len(run.info["rounds"]) + 1
    with pytest.raises(ValueError, match="record=True"):
        rounds_figure(nao(bench, 25, seed=1, **SMALL), bench)
    with pytest.raises(ValueError, match="no NAO model"):
        embedding_figure(random_search(bench, 10), bench)


def test_rounds_table_matches_the_history(bench, run):
    table = rounds_table(run, bench)
    assert len(table) == run.info["n_rounds"] == len(run.info["rounds"])
    curve = run.curve().tolist()
    for row, rd in zip(table, run.info["rounds"]):
        new = [run.history[i] for i in rd.new]
        assert row["eta"] == rd.etas[-1]
        assert row["mean_new"] == pytest.approx(sum(a for _, a in new) / len(new))
        assert row["best_new"] == max(a for _, a in new) <= row["best_so_far"]
        assert row["rank"] == bench.rank(max(new, key=lambda ca: ca[1])[0])
        assert row["best_so_far"] == pytest.approx(curve[max(rd.new)])
    with pytest.raises(ValueError, match="record=True"):
        rounds_table(nao(bench, 25, seed=1, **SMALL), bench)


def test_seed_parents_point_at_the_seed_that_decoded_the_cell(run):
    parents = seed_parents(run)
    assert len(parents) == len(run) - run.info["n_init"] - run.info["random_fill"]
    for rd in run.info["rounds"]:
        for i in rd.new:
            if i in parents:
                k = rd.seeds.index(parents[i])
                first = next(row for row in rd.decoded if run.history[i][0] in row)
                assert first.index(run.history[i][0]) == k, "the first seed that decoded it"
                assert parents[i] < i


def test_neighbour_rho_sees_the_structure_and_checks_its_input(bench, run):
    near, rand = neighbour_rho(run.info["model"], bench, n_probe=500)
    assert near > rand + 0.2 and abs(rand) < 0.2, (near, rand)
    assert neighbour_rho(run.info["model"], bench, n_probe=500) == (near, rand), "seeded"
    cells = Cell.all()[:100]
    with pytest.raises(ValueError, match="Cell.all"):
        neighbour_rho(NAOModel(), Benchmark(cells, [1.0] * 100))
    with pytest.raises(ValueError, match="n_probe"):
        neighbour_rho(run.info["model"], bench, n_probe=20000)
