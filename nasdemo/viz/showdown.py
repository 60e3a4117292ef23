"""The showdown's figures (notebook 10, ``python -m nasdemo figures``): every search strategy's
returned cell against queries and against simulated training time, and the ranking with
confidence intervals. Each figure function takes a ``nasdemo.nas.Comparison`` (and the
benchmark it ran on) and returns a plotly figure; ``showdown_widget`` is notebook 10's panel to
rerun the showdown."""

from __future__ import annotations

import time
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from ..nas.benchmark import Benchmark
from ..nas.compare import Comparison, compare
from .style import colour, layout, rgba

__all__ = ["showdown_queries_figure", "showdown_time_figure", "ranking_figure",
           "method_colours", "showdown_widget"]


def method_colours(names: Sequence[str]) -> dict[str, str]:
    """One palette colour per method, in the order given (so every figure agrees)."""
    return {n: colour(i) for i, n in enumerate(names)}


def _band(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean over runs and mean -+ 1.96 standard errors (a normal 95 % band of the mean),
    ignoring NaNs (runs not yet started at that time; NaN where none has)."""
    ok = ~np.isnan(a)
    n = ok.sum(axis=0)
    x = np.where(ok, a, 0.0)
    mean = np.divide(x.sum(0), n, out=np.full(a.shape[1], np.nan), where=n > 0)
    dev = np.where(ok, a - mean, 0.0)
    var = np.divide((dev ** 2).sum(0), n - 1, out=np.zeros(a.shape[1]), where=n > 1)
    half = 1.96 * np.sqrt(var / np.maximum(n, 1))
    return mean, mean - half, mean + half


def _add_band(fig: go.Figure, name: str, x: np.ndarray, a: np.ndarray, col: str,
              runs: int) -> None:
    mean, lo, hi = _band(a)
    fig.add_trace(go.Scatter(x=np.concatenate([x, x[::-1]]), y=np.concatenate([hi, lo[::-1]]),
                             fill="toself", fillcolor=rgba(col, 0.15), line={"width": 0},
                             hoverinfo="skip", showlegend=False, legendgroup=name))
    fig.add_trace(go.Scatter(x=x, y=mean, mode="lines", line={"color": col, "width": 2},
                             name=f"{name} (n={runs})", legendgroup=name))


def _y_range(inc: Mapping[str, np.ndarray], top: float) -> list[float]:
    """From 2 points below the lowest mean after 10 queries (the first few queries of a
    search are random and would squash the rest of the plot) to 1 above the table's best."""
    k = min(10, min(a.shape[1] for a in inc.values())) - 1
    return [min(float(a[:, k].mean()) for a in inc.values()) - 2.0, top + 1.0]


def _metric_label(comp: Comparison) -> str:
    return "test accuracy of the returned cell, %" if comp.test else \
        "validation accuracy of the returned cell, %"


def showdown_queries_figure(comp: Comparison, bench: Benchmark,
                            colours: Mapping[str, str] | None = None,
                            title: str = "Quality against queries") -> go.Figure:
    """Mean (with a 95 % band of the mean) over runs of the returned cell's accuracy after
    each query (``Comparison.incumbent``), one line per method, and the table's best."""
    colours = colours or method_colours(list(comp.runs))
    fig = go.Figure(layout=layout(title, "queries (cells trained)", _metric_label(comp)))
    inc = {name: comp.incumbent(name, bench) for name in comp.runs}
    for name, a in inc.items():
        _add_band(fig, name, np.arange(1, a.shape[1] + 1), a, colours[name], a.shape[0])
    top = bench.best(test=bool(comp.test))[1]
    fig.update_yaxes(range=_y_range(inc, top))
    fig.add_hline(y=top, line={"dash": "dot", "color": "#000000", "width": 1},
                  annotation_text="table's best", annotation_position="bottom right")
    fig.update_layout(legend={"orientation": "h", "y": -0.2}, height=480)
    return fig


def showdown_time_figure(comp: Comparison, bench: Benchmark,
                         points: Sequence[Mapping[str, Any]] = (),
                         colours: Mapping[str, str] | None = None, n_grid: int = 200,
                         title: str = "Quality against simulated training time"
                         ) -> go.Figure:
    """The same against the training seconds the queries cost (``Comparison.elapsed``, in
    hours, log axis): each run's returned cell as a step function of time, averaged over
    runs on a common grid (a run counts from its first query on). ``points`` adds searches
    measured another way, e.g. DARTS's recorded runs as ``record_rows`` rows (``method``,
    ``seconds_mean``, ``acc_mean``, ``acc_lo``, ``acc_hi``), drawn as markers with their CI."""
    colours = colours or method_colours(list(comp.runs) + [p["method"] for p in points])
    fig = go.Figure(layout=layout(title, "simulated training time, hours (log)",
                                  _metric_label(comp)))
    inc = {n: comp.incumbent(n, bench) for n in comp.runs}
    ela = {n: comp.elapsed(n, bench) / 3600 for n in comp.runs}
    # from the time every run has made its first query (before it, a mean would be over a
    # few runs only) to the time the last run ends
    t_start = max(float(e[:, 0].max()) for e in ela.values())
    t_max = max(float(e[:, -1].max()) for e in ela.values())
    grid = np.geomspace(max(t_start, 1e-3 * t_max), t_max, n_grid)
    for name in comp.runs:
        a = np.full((inc[name].shape[0], n_grid), np.nan)
        for k, (e, v) in enumerate(zip(ela[name], inc[name])):
            j = np.searchsorted(e, grid, side="right") - 1  # last query done by that time
            a[k] = np.where(j >= 0, v[np.maximum(j, 0)], np.nan)
        _add_band(fig, name, grid, a, colours[name], a.shape[0])
    for p in points:
        col = colours.get(p["method"], "#000000")
        fig.add_trace(go.Scatter(
            x=[p["seconds_mean"] / 3600], y=[p["acc_mean"]], mode="markers",
            marker={"symbol": "diamond", "size": 12, "color": col},
            error_y={"type": "data", "symmetric": False,
                     "array": [p["acc_hi"] - p["acc_mean"]],
                     "arrayminus": [p["acc_mean"] - p["acc_lo"]]},
            name=f"{p['method']} (n={p['runs']}, measured wall time)"))
    lows = [p["acc_lo"] for p in points]
    y0, y1 = _y_range(inc, bench.best(test=bool(comp.test))[1])
    fig.update_yaxes(range=[min([y0] + [lo - 1.0 for lo in lows]), y1])
    fig.update_xaxes(type="log")
    fig.update_layout(legend={"orientation": "h", "y": -0.2}, height=500)
    return fig


def ranking_figure(rows: Sequence[Mapping[str, Any]],
                   colours: Mapping[str, str] | None = None,
                   title: str = "Ranking: the returned cell, mean and 95 % CI") -> go.Figure:
    """Summary rows (``Comparison.summary``, ``record_rows``), best at the top: two panels,
    the returned cell's accuracy and its rank in the table (log axis), each a dot at the
    mean with the confidence interval as an error bar."""
    from plotly.subplots import make_subplots

    colours = colours or method_colours([r["method"] for r in rows])
    rows = list(rows)[::-1]  # plotly draws the first category at the bottom
    names = [r["method"] for r in rows]
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.04,
                        subplot_titles=("accuracy, %", "rank in the table (1 = best; log)"))
    for col, (key, lo, hi) in enumerate([("acc_mean", "acc_lo", "acc_hi"),
                                         ("rank_mean", "rank_lo", "rank_hi")], start=1):
        fig.add_trace(go.Scatter(
            x=[r[key] for r in rows], y=names, mode="markers",
            marker={"size": 11, "color": [colours.get(n, "#000000") for n in names]},
            error_x={"type": "data", "symmetric": False,
                     "array": [r[hi] - r[key] for r in rows],
                     "arrayminus": [r[key] - r[lo] for r in rows]},
            showlegend=False,
            hovertemplate="%{y}: %{x:.2f}<extra></extra>"), row=1, col=col)
    fig.update_xaxes(type="log", row=1, col=2)
    fig.update_layout(layout(title, height=max(300, 60 + 42 * len(rows))))
    return fig


def showdown_widget(bench: Benchmark, methods: Mapping[str, Callable[..., Any]],
                    budget: int = 60, runs: int = 3, min_budget: int = 50,
                    max_budget: int = 300) -> Any:
    """Notebook 10's "try it" panel (an ipywidgets ``VBox`` with the CSS class
    ``showdown-widget``): a checkbox per method (all ticked), sliders for the budget
    (``min_budget``-``max_budget`` queries, step 10) and the runs per method, and a
    "Run the showdown" button that reruns ``compare`` on ``bench`` and prints the ranking and
    the time it took. Each method runs on its own, so one that refuses the budget (NAO needs
    at least its ``n_init`` = 50 initial cells) prints its error and the others still rank."""
    import ipywidgets as W

    ticks = {n: W.Checkbox(value=True, description=n, indent=False) for n in methods}
    budget_w = W.IntSlider(value=budget, min=min_budget, max=max_budget, step=10,
                           description="budget")
    runs_w = W.IntSlider(value=runs, min=1, max=20, description="runs")
    button, out = W.Button(description="Run the showdown"), W.Output()

    def run_showdown(_: Any = None) -> None:
        chosen = [n for n, t in ticks.items() if t.value]
        out.clear_output()
        with out:
            if not chosen:
                print("tick at least one method")
                return
            t0 = time.perf_counter()
            parts = []
            for name in chosen:
                try:
                    parts.append(compare(bench, {name: methods[name]}, budget_w.value,
                                         seeds=runs_w.value))
                except ValueError as e:  # e.g. a budget below what the method needs
                    print(f"{name} did not run: {e}")
            if parts:
                print(Comparison.combine(parts).ranking(bench))
                print(f"\n{len(parts)} methods x {runs_w.value} runs in "
                      f"{time.perf_counter() - t0:.1f} s")

    button.on_click(run_showdown)
    panel = W.VBox([W.HBox(list(ticks.values())), W.HBox([budget_w, runs_w, button]), out])
    return panel.add_class("showdown-widget")
