"""Figures for Bayesian optimisation (notebook 01): a 1-D GP posterior with its acquisition
underneath, step by step, and the three 2-D panels (mean, std, log EI) on a box.

The figures are built empty; ``posterior_step`` / ``posterior_2d_step`` give the trace
updates of one step, which :func:`nasdemo.viz.step_through` plays. The notebook keeps the
algorithm (fitting, acquisitions, the BO loop) in view and leaves the traces to this module.
"""

from __future__ import annotations

from typing import Any, Callable

import plotly.graph_objects as go
import torch
from matplotlib.axes import Axes
from plotly.subplots import make_subplots
from torch import Tensor

from .landscape import box_grid
from .style import colour, layout, rgba

__all__ = ["plot_posterior", "posterior_figure", "posterior_step", "posterior_2d_figure",
           "posterior_2d_step"]

# Trace indices of posterior_figure, used by posterior_step.
_LOWER, _UPPER, _MEAN, _TRUTH, _DATA, _ACQ, _NEXT = range(7)


def _column(x: Tensor) -> list[float]:
    """A 1-D grid given as ``[n]`` or ``[n, 1]`` as a plain list (what plotly wants)."""
    x = torch.as_tensor(x, dtype=torch.float64)
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 1:
        raise ValueError(f"a 1-D grid must have shape [n] or [n, 1], got {list(x.shape)}")
    return x.tolist()


def plot_posterior(ax: Axes, xs: Tensor, truth: Tensor, mean: Tensor, std: Tensor,
                   X: Tensor, y: Tensor, samples: Tensor | None = None) -> Axes:
    """Matplotlib view of a 1-D GP posterior: the true function (dashed), the mean with a
    ``mean ± 2 std`` band, optional posterior samples (grey) and the evaluations ``(X, y)``.

    All curves are on the grid ``xs`` (``[n]`` or ``[n, 1]``); ``samples`` is ``[k, n]``.
    """
    x = _column(xs)
    mean, std = mean.detach().cpu(), std.detach().cpu()
    ax.plot(x, truth.tolist(), "k--", lw=1.5, label="true f (unknown to BO)")
    ax.plot(x, mean.tolist(), lw=2.5, label="posterior mean μ(x)")
    ax.fill_between(x, (mean - 2 * std).tolist(), (mean + 2 * std).tolist(), alpha=0.2,
                    label="μ ± 2σ")
    for s in ([] if samples is None else samples):
        ax.plot(x, s.tolist(), lw=0.8, alpha=0.6, color="grey")
    ax.plot(_column(X), y.tolist(), "o", ms=9, color="black", label="evaluations")
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    ax.legend(loc="upper left")
    return ax


def posterior_figure(xs: Tensor, truth: Tensor, acquisition: str, fill: bool = False,
                     acq_range: tuple[float, float] | None = None,
                     height: int = 540) -> go.Figure:
    """An empty two-row plotly figure for a 1-D GP posterior and an acquisition function.

    Top row: the ``mean ± 2 std`` band (traces 0-1), the posterior mean (2), the true
    function ``truth`` on the grid ``xs`` (3) and the evaluations (4). Bottom row: the
    acquisition named ``acquisition`` (5, filled to zero with ``fill``) and the next point,
    a star (6). Fill the data in with :func:`posterior_step`.
    """
    x = _column(xs)
    if len(truth) != len(x):
        raise ValueError(f"truth has {len(truth)} values for a grid of {len(x)} points")
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.6, 0.4],
                        vertical_spacing=0.08)
    zeros = [0.0] * len(x)
    fig.add_scatter(x=x, y=zeros, mode="lines", line={"width": 0}, showlegend=False,
                    hoverinfo="skip", row=1, col=1)
    fig.add_scatter(x=x, y=zeros, mode="lines", line={"width": 0}, fill="tonexty",
                    fillcolor=rgba(colour(0), 0.2), name="μ ± 2σ", row=1, col=1)
    fig.add_scatter(x=x, y=zeros, mode="lines", name="posterior mean",
                    line={"color": colour(0), "width": 3}, row=1, col=1)
    fig.add_scatter(x=x, y=truth.tolist(), mode="lines", name="true f",
                    line={"color": "black", "dash": "dash", "width": 1.5}, row=1, col=1)
    fig.add_scatter(x=[], y=[], mode="markers", name="evaluations",
                    marker={"color": "black", "size": 9}, row=1, col=1)
    extra: dict[str, Any] = {"fill": "tozeroy", "fillcolor": rgba(colour(2), 0.15)} if fill else {}
    fig.add_scatter(x=x, y=zeros, mode="lines", name=acquisition,
                    line={"color": colour(2), "width": 2.5}, row=2, col=1, **extra)
    fig.add_scatter(x=[], y=[], mode="markers", name="next point",
                    marker={"color": colour(1), "size": 16, "symbol": "star",
                            "line": {"color": "black", "width": 1}}, row=2, col=1)
    fig.update_layout(layout("", height=height))
    fig.update_yaxes(title_text="f(x)", row=1, col=1)
    fig.update_yaxes(title_text=acquisition, row=2, col=1, range=acq_range)
    fig.update_xaxes(title_text="x", row=2, col=1)
    return fig


def posterior_step(model: Any, xs: Tensor, acq: Tensor, next_x: float,
                   next_acq: float) -> dict[int, dict[str, list[float]]]:
    """The trace updates of :func:`posterior_figure` for one step: ``model``'s posterior on
    the grid ``xs`` (``model.posterior(xs) -> (mean, std)``, data in ``model.X``,
    ``model.y``), the acquisition values ``acq`` on the grid and the next point
    ``(next_x, next_acq)``."""
    m, s = model.posterior(xs)
    if len(acq) != len(m):
        raise ValueError(f"acq has {len(acq)} values for a grid of {len(m)} points")
    return {_LOWER: {"y": (m - 2 * s).tolist()}, _UPPER: {"y": (m + 2 * s).tolist()},
            _MEAN: {"y": m.tolist()},
            _DATA: {"x": _column(model.X), "y": model.y.tolist()},
            _ACQ: {"y": acq.tolist()}, _NEXT: {"x": [float(next_x)], "y": [float(next_acq)]}}


PANELS_2D = ("posterior mean", "posterior std", "log EI")


def posterior_2d_figure(objective: Callable[[Tensor], Tensor] | Any, n_grid: int = 60,
                        height: int = 500) -> tuple[go.Figure, Tensor]:
    """An empty three-panel plotly figure (posterior mean, std, log EI) on a 2-D box, and
    the ``[n_grid**2, 2]`` grid its heatmaps are drawn on.

    ``objective`` needs ``.bounds`` (``[2, 2]``) and ``.minimizers`` (drawn as crosses with
    a black outline, visible on the heatmaps and in the legend). Per panel there are a
    heatmap (traces 0-2), the evaluations (3-5), the next point (6-8) and the true minima
    (9-11). Fill the data in with :func:`posterior_2d_step`.
    """
    gx, gy, grid = box_grid(objective, n_grid)
    fig = make_subplots(rows=1, cols=3, horizontal_spacing=0.06, subplot_titles=PANELS_2D)
    for c in range(3):
        fig.add_contour(x=gx.tolist(), y=gy.tolist(), z=[[0.0] * n_grid] * n_grid,
                        colorscale="Viridis",
                        showscale=False, contours={"coloring": "heatmap"}, hoverinfo="skip",
                        row=1, col=c + 1)
    for c in range(3):
        fig.add_scatter(x=[], y=[], mode="markers", showlegend=c == 0, name="evaluations",
                        marker={"color": "white", "size": 7,
                                "line": {"color": "black", "width": 1}}, row=1, col=c + 1)
    for c in range(3):
        fig.add_scatter(x=[], y=[], mode="markers", showlegend=c == 0, name="next point",
                        marker={"color": colour(1), "size": 15, "symbol": "star",
                                "line": {"color": "black", "width": 1}}, row=1, col=c + 1)
    minima = torch.as_tensor(objective.minimizers, dtype=torch.float64)
    for c in range(3):
        fig.add_scatter(x=minima[:, 0].tolist(), y=minima[:, 1].tolist(), mode="markers",
                        showlegend=c == 0, name="true minima",
                        marker={"color": "white", "size": 11, "symbol": "x",
                                "line": {"color": "black", "width": 1.5}}, row=1, col=c + 1)
    # The legend goes below the panels: on the right it would sit under the mode bar.
    fig.update_layout(layout("", height=height),
                      legend={"orientation": "h", "x": 0.5, "xanchor": "center", "y": -0.2,
                              "yanchor": "top"}, margin={"b": 100})
    fig.update_xaxes(title_text="x1")
    fig.update_yaxes(title_text="x2", col=1)
    return fig, grid


def posterior_2d_step(model: Any, grid: Tensor, log_acq: Tensor,
                      next_x: Tensor) -> dict[int, dict[str, Any]]:
    """The trace updates of :func:`posterior_2d_figure` for one step: ``model``'s posterior
    mean and std on ``grid``, the log acquisition ``log_acq`` on it, the evaluations
    (``model.X``) and the next point ``next_x`` (``[1, 2]`` or ``[2]``)."""
    n = round(len(grid) ** 0.5)
    if n * n != len(grid) or len(log_acq) != len(grid):
        raise ValueError(f"grid ({len(grid)} points) must be square and match log_acq "
                         f"({len(log_acq)} values)")
    m, s = model.posterior(grid)
    nx = torch.as_tensor(next_x, dtype=torch.float64).reshape(-1)
    upd: dict[int, dict[str, Any]] = {
        0: {"z": m.reshape(n, n).tolist()}, 1: {"z": s.reshape(n, n).tolist()},
        2: {"z": log_acq.reshape(n, n).tolist()}}
    for c in range(3):
        upd[3 + c] = {"x": model.X[:, 0].tolist(), "y": model.X[:, 1].tolist()}
        upd[6 + c] = {"x": [nx[0].item()], "y": [nx[1].item()]}
    return upd
