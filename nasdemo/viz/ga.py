"""Figures for the genetic-algorithm notebook (04): selection probabilities side by side, a
travelling-salesman tour replayed generation by generation (with its self-crossings counted),
and the tuning view that replays best / average fitness and diversity for each setting of one
option. Each returns a plotly figure (and, for replays, the ``step_through`` steps), so the
notebook's cells show the algorithm and not the plot plumbing."""

from __future__ import annotations

import math
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from .style import colour, layout

__all__ = ["selection_figure", "tour_crossings", "tour_steps", "tuning_steps"]

Steps = list[dict[int, dict[str, Any]]]


def selection_figure(schemes: Mapping[str, Callable[[torch.Tensor], torch.Tensor]],
                     fitness_sets: Mapping[str, torch.Tensor], height: int = 400) -> go.Figure:
    """Grouped bars: for each population in ``fitness_sets`` (one panel each, individuals
    ordered best to worst) the probability that each selection scheme in ``schemes`` picks
    each individual. ``schemes[name](fitness)`` returns one probability per individual."""
    if not schemes or not fitness_sets:
        raise ValueError("selection_figure needs at least one scheme and one fitness set")
    fig = make_subplots(rows=1, cols=len(fitness_sets), shared_yaxes=True,
                        subplot_titles=list(fitness_sets))
    for i, (name, prob) in enumerate(schemes.items()):
        for col, f in enumerate(fitness_sets.values(), start=1):
            p = torch.as_tensor(prob(f)).flatten()
            if p.numel() != len(f):
                raise ValueError(f"scheme {name!r} gave {p.numel()} probabilities for "
                                 f"{len(f)} individuals")
            fig.add_bar(x=[f"#{j + 1}" for j in range(len(f))], y=p.tolist(), name=name,
                        marker_color=colour(i), showlegend=col == 1, row=1, col=col)
    fig.update_layout(layout("Probability of being selected (individuals from best to worst)",
                             height=height), barmode="group", margin={"t": 80})
    fig.update_yaxes(title_text="probability", row=1, col=1)
    return fig


def tour_crossings(xy: torch.Tensor | np.ndarray, tour: Sequence[int]) -> int:
    """How many pairs of a closed tour's edges cross each other.

    Two edges cross when each one's end points lie strictly on opposite sides of the other
    (orientation test); edges that share a city never count. A crossing can always be
    removed by reversing the segment between the two edges (a 2-opt move, the inversion
    mutation), which shortens a Euclidean tour, so an optimal tour has none.
    """
    pts = np.asarray(xy, dtype=float)
    t = np.asarray(list(tour), dtype=int)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"xy must be [cities, 2], got shape {pts.shape}")
    if sorted(t.tolist()) != list(range(len(pts))):
        raise ValueError(f"tour must visit each of the {len(pts)} cities once, got {t.tolist()}")
    a, b = pts[t], pts[np.roll(t, -1)]  # edge k runs from a[k] to b[k]
    n = len(t)
    i, j = np.triu_indices(n, k=2)
    keep = ~((i == 0) & (j == n - 1))  # the first and last edge share city t[0]
    i, j = i[keep], j[keep]

    def side(p, q, r):  # sign of the cross product (q - p) x (r - p)
        return np.sign((q[:, 0] - p[:, 0]) * (r[:, 1] - p[:, 1])
                       - (q[:, 1] - p[:, 1]) * (r[:, 0] - p[:, 0]))

    cross = ((side(a[i], b[i], a[j]) * side(a[i], b[i], b[j]) < 0)
             & (side(a[j], b[j], a[i]) * side(a[j], b[j], b[i]) < 0))
    return int(cross.sum())


def tour_steps(xy: torch.Tensor, log: Sequence[Mapping[str, Any]], n_frames: int = 60,
               size: int = 560) -> tuple[go.Figure, Steps, list[str], list[str]]:
    """A square map of the cities and the ``step_through`` steps that draw the best tour of
    up to ``n_frames`` generations, evenly spaced from the first to the last entry of a GA's
    ``log`` (entries with ``generation``, ``best`` and ``x_best``, a permutation). Returns
    the figure, the steps, one slider label (the generation) and one title per step; the
    title gives the tour length and the number of self-crossings (``tour_crossings``).
    ``size`` is the figure's side in pixels (keep it under the notebook's ~860 px)."""
    if not log:
        raise ValueError("tour_steps needs a non-empty GA log")
    if n_frames < 1:
        raise ValueError(f"n_frames must be at least 1, got {n_frames}")
    pts = torch.as_tensor(xy, dtype=torch.float64)
    fig = go.Figure(layout=layout("", "x", "y", height=size, width=size + 40))
    fig.add_scatter(x=[], y=[], mode="lines", line={"color": colour(0), "width": 2},
                    name="best tour")
    fig.add_scatter(x=pts[:, 0].tolist(), y=pts[:, 1].tolist(), mode="markers", name="cities",
                    marker={"color": colour(1), "size": 9, "line": {"color": "black", "width": 1}})
    lo = pts.min(0).values - 0.03 * (pts.max(0).values - pts.min(0).values)
    hi = pts.max(0).values + 0.03 * (pts.max(0).values - pts.min(0).values)
    fig.update_xaxes(range=[lo[0].item(), hi[0].item()], constrain="domain")
    fig.update_yaxes(range=[lo[1].item(), hi[1].item()], scaleanchor="x")
    fig.update_layout(showlegend=False)
    n = min(n_frames, len(log))
    frames = sorted({round(i * (len(log) - 1) / max(n - 1, 1)) for i in range(n)})
    steps, labels, titles = [], [], []
    for g in frames:
        tour = [int(c) for c in torch.as_tensor(log[g]["x_best"]).tolist()]
        closed = tour + tour[:1]
        steps.append({0: {"x": pts[closed, 0].tolist(), "y": pts[closed, 1].tolist()}})
        labels.append(str(log[g]["generation"]))
        k = tour_crossings(pts, tour)
        titles.append(f"generation {log[g]['generation']}: tour length {log[g]['best']:.3f}, "
                      f"{k} crossing{'' if k == 1 else 's'}")
    return fig, steps, labels, titles


def tuning_steps(results: Mapping[Any, Mapping[str, torch.Tensor]], label: str,
                 ylabel: str = "fitness", height: int = 420
                 ) -> tuple[go.Figure, Steps, list[str], list[Any]]:
    """The tuning view of notebook 04: left, best and average fitness per generation (log
    scale); right, the population's diversity. ``results[value]`` holds the curves ``best``,
    ``mean`` and ``diversity`` (one value per generation, e.g. medians over runs) of one
    setting of the option called ``label``; ``ylabel`` names the fitness axis. Every setting
    is drawn in light grey for context; step k colours setting k. Returns the figure, the
    ``step_through`` steps, a title per step and the settings in step order."""
    if not results:
        raise ValueError("tuning_steps needs the curves of at least one setting")
    for v, r in results.items():
        missing = {"best", "mean", "diversity"} - set(r)
        if missing:
            raise ValueError(f"results[{v!r}] lacks the curves {sorted(missing)}")
    gens = list(range(len(next(iter(results.values()))["best"])))
    fig = make_subplots(rows=1, cols=2, subplot_titles=(
        "fitness: best and average", "diversity (Hamming distance / L)"))
    fig.update_layout(layout("", height=height), margin={"t": 80})
    for r in results.values():  # context: every setting in grey
        for col, key in ((1, "best"), (2, "diversity")):
            fig.add_scatter(x=gens, y=r[key].tolist(), mode="lines", showlegend=False,
                            line={"color": "rgba(150,150,150,0.35)", "width": 1}, row=1,
                            col=col, hoverinfo="skip")
    base = 2 * len(results)
    for i, (key, col) in enumerate((("best", 1), ("average", 1), ("diversity", 2))):
        fig.add_scatter(x=gens, y=[], mode="lines", name=key, line={"color": colour(i)},
                        row=1, col=col)
    ymin = min(r["best"].min().item() for r in results.values())
    ymax = max(r["mean"].max().item() for r in results.values())
    if ymin <= 0:
        raise ValueError(f"the fitness axis is logarithmic: every value must be positive, "
                         f"the smallest best value is {ymin}")
    fig.update_yaxes(type="log", range=[math.log10(ymin / 1.3), math.log10(ymax * 1.1)],
                     tickvals=[2, 5, 10, 20, 50, 100, 200], title_text=ylabel,
                     row=1, col=1)
    fig.update_yaxes(range=[0, 0.55], row=1, col=2)
    fig.update_xaxes(title_text="generation")
    keys = list(results)
    steps = [{base: {"y": results[v]["best"].tolist()},
              base + 1: {"y": results[v]["mean"].tolist()},
              base + 2: {"y": results[v]["diversity"].tolist()}} for v in keys]
    titles = [f"{label} = {v}: best {results[v]['best'][-1]:.2f}, diversity at the end "
              f"{results[v]['diversity'][-1]:.3f}" for v in keys]
    return fig, steps, titles, keys
