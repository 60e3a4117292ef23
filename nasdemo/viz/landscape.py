"""Figures of 2-D objective landscapes (notebook 00): a gallery of the toy functions, and a
replay of any optimiser's evaluations on one of them."""

from __future__ import annotations

from typing import Any, Sequence

import matplotlib.pyplot as plt
import plotly.graph_objects as go
import torch
from matplotlib.figure import Figure
from torch import Tensor

from .style import colour, layout, use_matplotlib_style

__all__ = ["landscape_grid", "plot_function_gallery", "search_replay"]


def box_grid(objective: Any, n: int) -> tuple[Tensor, Tensor, Tensor]:
    """``(gx, gy, points)``: ``n`` ticks per axis of a 2-D objective's box and the ``[n*n, 2]``
    grid points in the order contour plots expect (row i is ``gy[i]``)."""
    lo, hi = torch.as_tensor(objective.bounds, dtype=torch.float64)
    if lo.shape != (2,):
        raise ValueError(f"{getattr(objective, 'name', 'the objective')} is "
                         f"{lo.numel()}-D; landscapes are drawn for 2-D objectives only")
    gx = torch.linspace(lo[0], hi[0], n, dtype=torch.float64)
    gy = torch.linspace(lo[1], hi[1], n, dtype=torch.float64)
    G0, G1 = torch.meshgrid(gx, gy, indexing="xy")
    return gx, gy, torch.stack([G0.flatten(), G1.flatten()], 1)


def landscape_grid(objective: Any, n: int) -> tuple[Tensor, Tensor, Tensor]:
    """``(gx, gy, Z)``: an ``n`` x ``n`` grid over a 2-D objective's box and ``f`` on it
    (``Z[i, j] = f(gx[j], gy[i])``, the layout contour plots expect)."""
    gx, gy, points = box_grid(objective, n)
    return gx, gy, objective(points).reshape(n, n)


def plot_function_gallery(objectives: Sequence[Any], cols: int = 4, n: int = 300) -> Figure:
    """``log(1 + f - f_opt)`` of each 2-D objective on its own box (the log scale shows the
    valleys; a square box is titled ``[lo, hi]²``), global minima as white crosses; ``cols`` panels per row in a figure 9 inches
    wide, so that it needs no shrinking in a notebook."""
    if not objectives:
        raise ValueError("plot_function_gallery needs at least one objective")
    use_matplotlib_style()
    rows = -(-len(objectives) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(9, 2.6 * rows + 0.4), squeeze=False)
    for ax in axes.flat[len(objectives):]:
        ax.set_visible(False)
    for ax, f in zip(axes.flat, objectives):
        gx, gy, Z = landscape_grid(f, n)
        ax.contourf(gx, gy, torch.log1p(Z - f.f_opt), levels=30, cmap="viridis")
        ax.scatter(*f.minimizers.T, marker="x", s=50, c="white", linewidths=2)
        lo, hi = f.bounds.tolist()
        box = (f"[{lo[0]:g}, {hi[0]:g}]²" if (lo[0], hi[0]) == (lo[1], hi[1])
               else f"[{lo[0]:g}, {hi[0]:g}] × [{lo[1]:g}, {hi[1]:g}]")
        ax.set_title(f"{f.name}\n{box}", fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("log(1 + f(x) - f_opt) on each function's box")
    fig.tight_layout()
    return fig


def search_replay(objective: Any, X: Tensor, history: Tensor, title: str, n: int = 120,
                  height: int = 520) -> tuple[go.Figure, list[dict[int, dict[str, Any]]],
                                              list[str], list[str]]:
    """Replay evaluations ``X`` (``[N, 2]``, in order) with values ``history`` (``[N]``) on
    a 2-D objective's landscape: ``(figure, steps, labels, titles)`` for
    :func:`nasdemo.viz.step_through`, one step per evaluation.

    Traces: the landscape (0), the true minima (1, white crosses), the points evaluated so
    far (2) and the best so far (3) — a large star with a black outline, drawn last so that
    it stays visible when it lands on a minimum.
    """
    X = torch.as_tensor(X, dtype=torch.float64)
    history = torch.as_tensor(history, dtype=torch.float64)
    if X.ndim != 2 or X.shape[1] != 2 or len(history) != len(X) or len(X) == 0:
        raise ValueError(f"X must be [N, 2] with one value per row in history, got X of shape "
                         f"{list(X.shape)} and {len(history)} values")
    gx, gy, Z = landscape_grid(objective, n)
    lo, hi = objective.bounds
    fig = go.Figure(layout=layout(title, "x1", "x2", height=height))
    # The legend goes below the plot: on the right it would sit under the mode bar.
    fig.update_layout(legend={"orientation": "h", "x": 0.5, "xanchor": "center", "y": -0.15,
                              "yanchor": "top"}, margin={"b": 90})
    fig.add_contour(x=gx.tolist(), y=gy.tolist(), z=torch.log1p(Z - objective.f_opt).tolist(),
                    colorscale="Viridis", showscale=False, contours={"coloring": "heatmap"},
                    hoverinfo="skip")
    fig.add_scatter(x=objective.minimizers[:, 0].tolist(), y=objective.minimizers[:, 1].tolist(),
                    mode="markers", name="true minima",
                    marker={"color": "white", "size": 11, "symbol": "x",
                            "line": {"color": "black", "width": 1}})
    fig.add_scatter(x=[], y=[], mode="markers", name="evaluated",
                    marker={"color": "white", "size": 7, "line": {"color": "black", "width": 1}})
    fig.add_scatter(x=[], y=[], mode="markers", name="best so far",
                    marker={"color": colour(1), "size": 20, "symbol": "star",
                            "line": {"color": "black", "width": 1.5}})
    fig.update_xaxes(range=[lo[0].item(), hi[0].item()])
    fig.update_yaxes(range=[lo[1].item(), hi[1].item()])
    steps, titles = [], []
    best = torch.cummin(history, 0)
    for k in range(1, len(X) + 1):
        b = int(best.indices[k - 1])
        steps.append({2: {"x": X[:k, 0].tolist(), "y": X[:k, 1].tolist()},
                      3: {"x": [X[b, 0].item()], "y": [X[b, 1].item()]}})
        titles.append(f"{title}: {k} evaluation{'s' if k > 1 else ''}, best f = "
                      f"{best.values[k - 1]:.3f}")
    return fig, steps, [str(k) for k in range(1, len(X) + 1)], titles
