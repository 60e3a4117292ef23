"""Figures for CMA-ES (notebook 02): the search ellipse generation by generation on a 2-D
function, and the step size and covariance eigenvalues of a run over time."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from .style import colour, ellipse, layout

__all__ = ["ellipse_figure", "cma_log_figure"]

_GEN_KEYS = ("m", "sigma", "C", "X", "sel", "best")


def ellipse_figure(objective: Any, gens: Sequence[Mapping[str, Any]], title: str,
                   zoom: Sequence[Sequence[float]] | None = None
                   ) -> tuple[go.Figure, list[dict[int, dict[str, Any]]], list[str]]:
    """A step-through view of CMA-ES on a 2-D function: ``(figure, steps, titles)`` for
    :func:`nasdemo.viz.step_through`.

    ``gens[k]`` describes generation k *before* its update: ``m`` (mean, ``[2]``), ``sigma``,
    ``C`` (``[2, 2]``), ``X`` (the offspring, ``[lambda, 2]``), ``sel`` (the mu selected ones)
    and ``best`` (best f so far). Drawn on ``log10(f - f_opt + 1e-3)`` over the box
    ``objective.bounds`` or ``zoom`` (``[[x1_lo, x2_lo], [x1_hi, x2_hi]]``): the offspring
    (trace 1), the selected (2), the 2-sigma ellipse of ``N(m, sigma^2 C)`` (3) and the path
    of the mean (4). Each title gives the ellipse's longest half-axis
    ``sigma * sqrt(lambda_max(C))``: sigma and the scale of C trade off, so that product is
    the step length you actually see.
    """
    if not gens:
        raise ValueError("ellipse_figure needs at least one generation")
    missing = [k for k in _GEN_KEYS if k not in gens[0]]
    if missing:
        raise ValueError(f"each generation needs keys {list(_GEN_KEYS)}; missing {missing}")
    lo, hi = torch.as_tensor(objective.bounds if zoom is None else zoom, dtype=torch.float64)
    if lo.shape != (2,):
        raise ValueError(f"ellipse_figure draws 2-D functions, got a box of shape "
                         f"{[2, *lo.shape]}")
    gx = torch.linspace(lo[0], hi[0], 160, dtype=torch.float64)
    gy = torch.linspace(lo[1], hi[1], 160, dtype=torch.float64)
    G0, G1 = torch.meshgrid(gx, gy, indexing="xy")
    Z = objective(torch.stack([G0.flatten(), G1.flatten()], 1)).reshape(G0.shape)
    fig = go.Figure(layout=layout(title, "x1", "x2", height=520))
    fig.add_contour(x=gx.tolist(), y=gy.tolist(), z=torch.log10(Z - objective.f_opt + 1e-3).tolist(),
                    colorscale="Viridis", showscale=False, contours={"coloring": "heatmap"},
                    hoverinfo="skip", opacity=0.85)
    fig.add_scatter(x=[], y=[], mode="markers", name="offspring",
                    marker={"color": "white", "size": 7, "line": {"color": "black", "width": 1}})
    fig.add_scatter(x=[], y=[], mode="markers", name="selected (μ best)",
                    marker={"color": colour(1), "size": 9, "line": {"color": "black", "width": 1}})
    fig.add_scatter(x=[], y=[], mode="lines", name="2σ ellipse",
                    line={"color": colour(3), "width": 3})
    fig.add_scatter(x=[], y=[], mode="lines+markers", name="path of the mean",
                    line={"color": "#444444", "width": 1.5, "dash": "dot"}, marker={"size": 4})
    fig.update_xaxes(range=[lo[0].item(), hi[0].item()])
    fig.update_yaxes(range=[lo[1].item(), hi[1].item()])
    steps, titles = [], []
    path = torch.stack([torch.as_tensor(g["m"], dtype=torch.float64) for g in gens])
    for k, g in enumerate(gens):
        C = torch.as_tensor(g["C"], dtype=torch.float64)
        ex, ey = ellipse(g["m"], g["sigma"] ** 2 * C)
        steps.append({1: {"x": g["X"][:, 0].tolist(), "y": g["X"][:, 1].tolist()},
                      2: {"x": g["sel"][:, 0].tolist(), "y": g["sel"][:, 1].tolist()},
                      3: {"x": ex, "y": ey},
                      4: {"x": path[: k + 1, 0].tolist(), "y": path[: k + 1, 1].tolist()}})
        half_axis = g["sigma"] * torch.linalg.eigvalsh(C)[-1].sqrt()
        titles.append(f"{title}, generation {k + 1}: σ·√λmax(C) = {half_axis:.2g}, "
                      f"best f = {g['best']:.1e}")
    return fig, steps, titles


def cma_log_figure(log: Sequence[Mapping[str, Any]], title: str = "",
                   height: int = 400) -> go.Figure:
    """Three panels from a CMA-ES run's ``log`` (one dict per generation with
    ``generation``, ``best_so_far``, ``sigma`` and ``eigenvalues`` of C): the best f so far,
    the step size sigma and the axis lengths ``sqrt(eigenvalues of C)``, all on log axes.

    The first entry (the start, before any evaluation) is left out of the best-f panel.
    """
    if not log:
        raise ValueError("cma_log_figure needs a non-empty log")
    gen = [e["generation"] for e in log]
    sqrt_eig = torch.stack([torch.as_tensor(e["eigenvalues"]) for e in log]).sqrt()
    fig = make_subplots(rows=1, cols=3, subplot_titles=(
        "best f so far", "step size σ", "√eigenvalues of C (axis lengths)"))
    fig.add_scatter(x=gen[1:], y=[float(e["best_so_far"]) for e in log[1:]], row=1, col=1,
                    line={"color": colour(0)}, showlegend=False)
    fig.add_scatter(x=gen, y=[float(e["sigma"]) for e in log], row=1, col=2,
                    line={"color": colour(1)}, showlegend=False)
    for i in range(sqrt_eig.shape[1]):
        fig.add_scatter(x=gen, y=sqrt_eig[:, i].tolist(), row=1, col=3, showlegend=False,
                        line={"color": colour(2), "width": 1})
    fig.update_layout(layout(title, height=height))
    fig.update_yaxes(type="log", exponentformat="power")
    fig.update_xaxes(title_text="generation")
    return fig
