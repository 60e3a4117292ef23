"""Figures for the Neural Predictor (Wen et al. 2020; notebook 09): the pipeline of its
Figures 1 and 4, the predictor's predicted-vs-true scatter, Figure 5 (validation vs test),
and Figures 6 and 7 drawn from ``nasdemo.nas.figure6_data`` / ``figure7_data``.
Every function returns a plotly figure; none fixes a width (they fit a notebook column)."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from ..nas.neural_predictor import SearchCurves
from .style import colour, layout, rgba

__all__ = ["pipeline_figure", "prediction_scatter", "val_test_figure", "figure6", "figure7"]


def pipeline_figure(n_train: int = 172, k: int = 800, n_candidates: int = 15625) -> go.Figure:
    """Figures 1 and 4 of the paper as one flow chart: N random cells trained, a GCN
    classifier (drop the bad) and a GCN regressor fitted on them, every candidate predicted,
    the top K trained, the best by validation deployed."""
    boxes = [
        (f"sample N = {n_train:,}<br>random cells", "train each<br>(N queries)"),
        ("GCN classifier<br>good / bad?", "cascade stage 1"),
        ("GCN regressor<br>on the good ones", "cascade stage 2"),
        (f"predict all<br>{n_candidates:,} cells", "nothing trained"),
        (f"train top K = {k:,}<br>(K queries)", "greedy on prediction"),
        ("deploy the best<br>by validation", "budget N + K"),
    ]
    fig = go.Figure(layout=layout(title="The Neural Predictor (Wen et al. 2020, Figures 1 and 4)",
                                  height=260))
    for i, (text, note) in enumerate(boxes):
        x0 = i * 1.2
        fill = rgba(colour(2 if i in (1, 2) else 0), 0.15)
        fig.add_shape(type="rect", x0=x0, x1=x0 + 1.0, y0=0, y1=1, fillcolor=fill,
                      line={"color": colour(2 if i in (1, 2) else 0)})
        fig.add_annotation(x=x0 + 0.5, y=0.5, text=text, showarrow=False, font={"size": 12})
        fig.add_annotation(x=x0 + 0.5, y=-0.25, text=f"<i>{note}</i>", showarrow=False,
                           font={"size": 11, "color": "#555"})
        if i:
            fig.add_annotation(x=x0, y=0.5, ax=x0 - 0.2, ay=0.5, xref="x", yref="y",
                               axref="x", ayref="y", showarrow=True, arrowhead=2, text="")
    fig.update_xaxes(visible=False, range=[-0.1, len(boxes) * 1.2 - 0.1])
    fig.update_yaxes(visible=False, range=[-0.5, 1.15])
    return fig


def prediction_scatter(true: Sequence[float], predicted: Sequence[float],
                       kept: Sequence[bool] | None = None,
                       train: Sequence[int] = (), validated: Sequence[int] = (),
                       tau: float | None = None, title: str = "") -> go.Figure:
    """Predicted against true validation accuracy for every cell of the table (WebGL, so
    15,625 points stay responsive). ``kept``: the classifier's verdict per cell (colours
    kept and dropped cells); ``train`` / ``validated``: indices of the N training cells and
    the K validated ones, drawn on top."""
    true, predicted = np.asarray(true, float), np.asarray(predicted, float)
    head = title or "The regressor's prediction for every cell"
    if tau is not None:
        head += f" (Kendall tau {tau:.2f})"
    fig = go.Figure(layout=layout(title=head, xlabel="true validation accuracy, %",
                                  ylabel="predicted accuracy, %", height=460))
    groups = [("all cells", np.ones(len(true), bool), 0)] if kept is None else [
        ("classifier: bad", ~np.asarray(kept, bool), 7),
        ("classifier: good", np.asarray(kept, bool), 0)]
    for name, mask, c in groups:
        fig.add_scattergl(x=true[mask], y=predicted[mask], mode="markers", name=name,
                          marker={"size": 3, "color": rgba(colour(c), 0.25)})
    for name, idx, c, sym in (("N training cells", train, 1, "circle"),
                              ("top K, validated", validated, 3, "diamond")):
        idx = np.asarray(idx, int)
        if len(idx):
            fig.add_scattergl(x=true[idx], y=predicted[idx], mode="markers", name=name,
                              marker={"size": 7, "color": colour(c), "symbol": sym,
                                      "line": {"width": 0.5, "color": "white"}})
    return fig


def val_test_figure(val: Sequence[float], test: Sequence[float], top: int = 200,
                    title: str = "") -> go.Figure:
    """Figure 5: validation against test accuracy of the table's ``top`` cells by
    validation, with the best-by-validation and best-by-test cells marked."""
    val, test = np.asarray(val, float), np.asarray(test, float)
    order = np.argsort(-val)[:top]
    fig = go.Figure(layout=layout(
        title=title or f"Validation vs test accuracy of the {top} best cells by validation",
        xlabel="validation accuracy, %", ylabel="test accuracy, %", height=440))
    fig.add_scatter(x=val[order], y=test[order], mode="markers", name="cell",
                    marker={"size": 5, "color": rgba(colour(0), 0.5)})
    bv, bt = int(np.argmax(val)), int(np.argmax(test))
    fig.add_scatter(x=[val[bv]], y=[test[bv]], mode="markers", name="best validation",
                    marker={"size": 13, "symbol": "star", "color": colour(3)})
    fig.add_scatter(x=[val[bt]], y=[test[bt]], mode="markers", name="best test",
                    marker={"size": 12, "symbol": "diamond", "color": colour(2)})
    return fig


def _curve_lines(fig: go.Figure, data: SearchCurves, names: Sequence[str],
                 band: bool) -> None:
    x = np.arange(1, data.max_budget + 1)
    for i, name in enumerate(names):
        s = data.start[name] - 1
        m, sd, c = data.mean(name)[s:], data.std(name)[s:], colour(i)
        if band:
            fig.add_scatter(x=np.concatenate([x[s:], x[s:][::-1]]),
                            y=np.concatenate([m + sd, (m - sd)[::-1]]), fill="toself",
                            fillcolor=rgba(c, 0.12), line={"width": 0}, hoverinfo="skip",
                            showlegend=False, legendgroup=name)
        fig.add_scatter(x=x[s:], y=m, mode="lines", name=name, legendgroup=name,
                        line={"color": c, "width": 2})


def figure6(data: SearchCurves, band: bool = True, ylim: tuple[float, float] | None = None
            ) -> go.Figure:
    """Figure 6: mean test accuracy of the deployed cell against the budget N + K, with a
    +-1 standard deviation band, for every curve of ``data`` (``figure6_data``); the oracle
    as a horizontal line and the predictor's N as a vertical dotted one."""
    runs = next(iter(data.curves.values())).shape[0]
    fig = go.Figure(layout=layout(
        title=f"Figure 6 on the MNIST-1D table: search efficiency ({runs} runs, mean ± SD)",
        xlabel="total budget N + K (cells trained)", ylabel="test accuracy of the deployed "
        "cell, %", height=460))
    _curve_lines(fig, data, list(data.curves), band)
    fig.add_hline(y=data.oracle, line={"color": "#000", "dash": "dash", "width": 1},
                  annotation_text="oracle", annotation_position="bottom right")
    for n in sorted(set(data.n_train.values())):
        fig.add_vline(x=n, line={"color": "#555", "dash": "dot", "width": 1},
                      annotation_text=f"N = {n}", annotation_position="bottom left")
    fig.update_yaxes(range=list(ylim) if ylim else [data.oracle - 6, data.oracle + 0.6])
    fig.update_layout(legend={"x": 0.99, "y": 0.02, "xanchor": "right", "yanchor": "bottom"})
    return fig


def figure7(data: SearchCurves, ylim: tuple[float, float] | None = None) -> go.Figure:
    """Figure 7: the predictor's mean test accuracy against N + K for several N
    (``figure7_data``); a vertical dotted line where each curve starts."""
    runs = next(iter(data.curves.values())).shape[0]
    fig = go.Figure(layout=layout(
        title=f"Figure 7 on the MNIST-1D table: N training cells vs K validated ({runs} runs)",
        xlabel="total budget N + K (cells trained)", ylabel="mean test accuracy of the "
        "deployed cell, %", height=440))
    names = list(data.curves)
    _curve_lines(fig, data, names, band=False)
    for i, name in enumerate(names):
        fig.add_vline(x=data.n_train[name], line={"color": colour(i), "dash": "dot",
                                                  "width": 1})
    fig.add_hline(y=data.oracle, line={"color": "#000", "dash": "dash", "width": 1},
                  annotation_text="oracle", annotation_position="bottom right")
    fig.update_yaxes(range=list(ylim) if ylim else [data.oracle - 5, data.oracle + 0.5])
    fig.update_layout(legend={"x": 0.99, "y": 0.02, "xanchor": "right", "yanchor": "bottom"})
    return fig
