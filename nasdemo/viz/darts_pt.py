"""DARTS-PT's selection as pictures: what alpha says against what removing each op costs the
supernet, edge by edge (``edge_selection_figure``), and the cells DARTS and DARTS-PT derive from the
same supernets, judged by the table (``darts_vs_pt_figure``)."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..nas.cell import OPS
from ..nas.darts_pt import EdgeDecision
from .darts import _SCALE
from .style import PALETTE, layout

__all__ = ["edge_selection_figure", "darts_vs_pt_figure"]

#: Removal helps (vermillion) -> changes nothing (white) -> removal hurts (blue).
_DROP_SCALE = _SCALE


def _marks(choice: Sequence[str], rows: Sequence[str], ops: Sequence[str], name: str,
           symbol: str) -> go.Scatter:
    """An outlined marker on each row's chosen op."""
    return go.Scatter(x=[ops.index(c) for c in choice], y=list(rows), mode="markers",
                      name=name,
                      marker={"symbol": symbol, "size": 28, "color": "#222222",
                              "line": {"width": 2.5}},
                      hoverinfo="skip")


def edge_selection_figure(decisions: Sequence[EdgeDecision], ops: Sequence[str] = OPS,
                     title: str = "", height: int | None = None) -> go.Figure:
    """Two heatmaps, one row per decided edge in decision order (``k. i→j``), one column per
    op: left, softmax(alpha) on the edge when it was decided, the square on its arg-max (what
    DARTS keeps); right, the supernet's validation-accuracy drop (points) when the op is
    removed, the square on the largest drop (what DARTS-PT keeps). Ops no longer on an edge
    are blank."""
    if not decisions:
        raise ValueError("edge_selection_figure needs at least one EdgeDecision")
    ops = list(ops)
    rows = [f"{n + 1}. {i}→{j}" for n, (i, j) in enumerate(d.edge for d in decisions)]
    alpha = np.full((len(decisions), len(ops)), np.nan)
    drop = np.full((len(decisions), len(ops)), np.nan)
    for r, d in enumerate(decisions):
        unknown = set(d.alpha) - set(ops)
        if unknown:
            raise ValueError(f"decision on edge {d.edge} has ops {sorted(unknown)} not in {ops}")
        for o, w in d.alpha.items():
            alpha[r, ops.index(o)] = w
        for o, v in d.drops.items():
            drop[r, ops.index(o)] = v
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.1,
                        subplot_titles=["softmax(α): DARTS keeps ◻",
                                        "accuracy drop when removed: DARTS-PT keeps ○"])
    uniform = 1.0 / len(ops)
    spread = max(0.01, float(np.nanmax(np.abs(alpha - uniform))))
    fig.add_trace(go.Heatmap(z=alpha, x=list(range(len(ops))), y=rows, colorscale=_SCALE,
                             zmin=uniform - spread, zmax=uniform + spread,
                             text=np.round(alpha, 3), texttemplate="%{text:.3f}",
                             hovertemplate="%{y}, op %{x}: softmax(α) %{z:.4f}<extra></extra>",
                             showscale=False),
                  row=1, col=1)
    big = max(0.5, float(np.nanmax(np.abs(drop))))
    fig.add_trace(go.Heatmap(z=drop, x=list(range(len(ops))), y=rows, colorscale=_DROP_SCALE,
                             zmin=-big, zmax=big, text=np.round(drop, 1),
                             texttemplate="%{text:.1f}",
                             hovertemplate="%{y}, op %{x}: drop %{z:.2f} points<extra></extra>",
                             colorbar={"title": {"text": "points"}, "len": 0.9}), row=1, col=2)
    fig.add_trace(_marks([d.alpha_op for d in decisions], rows, ops, "DARTS (arg-max α)",
                         "square-open"), row=1, col=1)
    fig.add_trace(_marks([d.op for d in decisions], rows, ops, "DARTS-PT (largest drop)",
                         "circle-open"), row=1, col=2)
    fig.update_layout(layout(title=title, height=height or 190 + 34 * len(decisions)),
                      showlegend=False)
    short = [o.replace("nor_conv_", "conv").replace("avg_pool_3x3", "pool")
             .replace("skip_connect", "skip") for o in ops]
    fig.update_xaxes(tickvals=list(range(len(ops))), ticktext=short)
    fig.update_yaxes(autorange="reversed")
    return fig


def darts_vs_pt_figure(seeds: Sequence[int], darts_acc: Sequence[float],
                       pt_acc: Sequence[float], references: dict[str, float] | None = None,
                       title: str = "", ylabel: str = "test accuracy in the table (%)",
                       height: int = 360) -> go.Figure:
    """Per seed, the accuracy of the cell DARTS derived (arg-max alpha) and of the one
    DARTS-PT selected from the same supernet, joined by a line; ``references`` draws dashed
    horizontal lines (e.g. ``{"median cell": 71.2}``)."""
    if not (len(seeds) == len(darts_acc) == len(pt_acc)) or not seeds:
        raise ValueError(f"seeds, darts_acc and pt_acc must be non-empty and of one length, "
                         f"got {len(seeds)}, {len(darts_acc)}, {len(pt_acc)}")
    fig = go.Figure(layout=layout(title=title, xlabel="seed", ylabel=ylabel, height=height))
    fig.update_layout(legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0.0})
    for s, d, p in zip(seeds, darts_acc, pt_acc):
        fig.add_scatter(x=[s, s], y=[d, p], mode="lines", showlegend=False,
                        line={"color": "#BBBBBB", "width": 2}, hoverinfo="skip")
    fig.add_scatter(x=list(seeds), y=list(darts_acc), mode="markers", name="DARTS (arg-max α)",
                    marker={"size": 11, "color": PALETTE[3], "symbol": "square"})
    fig.add_scatter(x=list(seeds), y=list(pt_acc), mode="markers", name="DARTS-PT",
                    marker={"size": 12, "color": PALETTE[0]})
    for k, (name, value) in enumerate((references or {}).items()):
        fig.add_hline(y=value, line_dash="dash", line_color="#777777",
                      annotation_text=name, annotation_position="top left" if k % 2 else
                      "bottom left")
    fig.update_xaxes(tickvals=list(seeds))
    return fig
