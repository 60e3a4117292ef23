"""nasdemo/viz/showdown.py: the showdown's figures from a Comparison."""

import re

import numpy as np
import pytest

from nasdemo.nas import Benchmark, Cell, aging_evolution, compare, random_search
from nasdemo.nas.compare import record_rows
from nasdemo.viz import (method_colours, ranking_figure, showdown_queries_figure, showdown_widget,
                         showdown_time_figure)
from nasdemo.viz.showdown import _band


@pytest.fixture(scope="module")
def setup():
    cells = Cell.all()
    rng = np.random.default_rng(0)
    val = list(50 + 10 * rng.random(len(cells)))
    bench = Benchmark(cells, val, test=[v + 1 for v in val],
                      seconds=[1.0 + c.index % 5 for c in cells], name="t")
    comp = compare(bench, {"random_search": random_search, "aging_evolution": aging_evolution},
                   20, seeds=3)
    return bench, comp


def test_queries_figure_has_a_band_and_a_line_per_method(setup):
    bench, comp = setup
    fig = showdown_queries_figure(comp, bench)
    lines = [t for t in fig.data if t.mode == "lines"]
    assert [t.name for t in lines] == ["random_search (n=3)", "aging_evolution (n=3)"]
    assert np.allclose(lines[0].y, comp.incumbent("random_search", bench).mean(0))
    assert len(fig.data) == 4 and fig.layout.width is None


def test_time_figure_adds_recorded_points(setup):
    bench, comp = setup
    rows = record_rows([{"method": "DARTS", "cell": str(Cell.from_index(5)), "wall_s": 30.0}],
                       bench)
    fig = showdown_time_figure(comp, bench, points=rows, n_grid=50)
    marker = [t for t in fig.data if t.mode == "markers"]
    assert len(marker) == 1 and marker[0].x[0] == pytest.approx(30.0 / 3600)
    line = [t for t in fig.data if t.mode == "lines"][0]
    assert len(line.x) == 50 and fig.layout.xaxis.type == "log"
    # at the grid's end every run has made its last query: the mean returned cell
    assert line.y[-1] == pytest.approx(comp.test["random_search"].mean())


def test_ranking_figure_orders_best_on_top(setup):
    bench, comp = setup
    rows = comp.summary(bench)
    fig = ranking_figure(rows, method_colours([r["method"] for r in rows]))
    assert list(fig.data[0].y)[-1] == rows[0]["method"]
    assert fig.layout.xaxis2.type == "log"


def test_band_ignores_runs_not_started():
    a = np.array([[np.nan, 1.0, 2.0], [np.nan, np.nan, 4.0]])
    mean, lo, hi = _band(a)
    assert np.isnan(mean[0]) and mean[1] == 1.0 and lo[1] == hi[1] == 1.0 and mean[2] == 3.0
    assert lo[2] < 3.0 < hi[2]


def test_showdown_widget_ranks_the_ticked_methods_and_reports_refusals(setup, capsys):
    bench, _ = setup

    def picky(bench, budget, seed=0):
        raise ValueError(f"budget ({budget}) is too small for me")

    panel = showdown_widget(bench, {"random_search": random_search, "picky": picky,
                                    "aging_evolution": aging_evolution}, budget=20, runs=2,
                            min_budget=20)
    assert "showdown-widget" in panel._dom_classes
    ticks, controls = panel.children[0].children, panel.children[1].children
    budget_w, runs_w, button = controls
    assert [t.description for t in ticks] == ["random_search", "picky", "aging_evolution"]
    assert budget_w.min == 20 and button.description == "Run the showdown"
    ticks[0].value = False
    button.click()
    text = capsys.readouterr().out  # no kernel here, so the Output widget lets prints through
    assert "picky did not run: budget (20) is too small for me" in text
    ranked = re.findall(r"^ *\d+ ([a-z_]+) +\d+ ", text, re.M)
    assert ranked == ["aging_evolution"], text
    assert "1 methods x 2 runs in" in text
    for t in ticks:
        t.value = False
    button.click()
    assert "tick at least one method" in capsys.readouterr().out
