"""The command line's comparison plot: each method's returned-cell accuracy against the
search budget (``python -m nasdemo compare --plot``)."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from .style import colour, layout

__all__ = ["budget_figure"]


def budget_figure(scores: Mapping[str, Mapping[int, Sequence[float]]], ylabel: str,
                  title: str = "") -> go.Figure:
    """One line per method through its mean score at each budget, with a 95 % confidence
    interval of that mean (1.96 standard errors over the runs). ``scores[method][budget]``
    holds one number per run, e.g. the test accuracy of each run's returned cell."""
    if not scores:
        raise ValueError("scores is empty: no method to plot")
    fig = go.Figure(layout=layout(title=title, xlabel="budget (models evaluated)",
                                  ylabel=ylabel, height=420))
    for k, (name, by_budget) in enumerate(scores.items()):
        budgets = sorted(by_budget)
        runs = [np.asarray(by_budget[b], dtype=float) for b in budgets]
        if any(r.size == 0 for r in runs):
            raise ValueError(f"{name}: a budget without runs")
        mean = [float(r.mean()) for r in runs]
        half = [float(1.96 * r.std(ddof=1) / np.sqrt(r.size)) if r.size > 1 else 0.0
                for r in runs]
        fig.add_scatter(x=budgets, y=mean, name=f"{name} (n={runs[0].size})",
                        mode="lines+markers", line={"color": colour(k)},
                        error_y={"type": "data", "array": half, "visible": True})
    return fig
