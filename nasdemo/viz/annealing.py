"""Figures for simulated annealing (notebook 03): the acceptance rule against the
temperature, replays of a run on a 2-D function and on a travelling-salesman tour, the
cooling schedules compared, and the heavy tails of generalised annealing's jumps.

The replays return ``(figure, steps, labels, titles)`` for :func:`nasdemo.viz.step_through`;
none sets a fixed width, so they fit the notebook's output area.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import matplotlib.pyplot as plt
import plotly.graph_objects as go
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from plotly.subplots import make_subplots
from torch import Tensor

from .style import colour, layout, use_matplotlib_style

__all__ = ["acceptance_figure", "annealing_replay", "tsp_replay", "plot_schedules",
           "plot_tails", "plot_gsa_vs_scipy"]

Replay = tuple[go.Figure, list[dict[int, dict[str, Any]]], list[str], list[str]]


def _finite(t: float) -> float | None:
    """A temperature for plotly: ``None`` (a gap) for the infinite T of calibration."""
    return t if math.isfinite(t) else None


def _t_text(t: float, fmt: str) -> str:
    return "∞ (calibrating)" if not math.isfinite(t) else format(t, fmt)


def acceptance_figure(deltas: Tensor, height: int = 420) -> go.Figure:
    """An empty figure for the acceptance probability of a move ``delta`` worse: the
    Metropolis rule (trace 0), the generalised rule with ``q_a = -5`` (1, dashed) on the
    grid ``deltas``, and a marker for a move 1 worse (2). Steps set each trace's ``y``."""
    x = torch.as_tensor(deltas, dtype=torch.float64).tolist()
    fig = go.Figure(layout=layout("", "Δ = f(x') − f(x)  (how much worse the move is)",
                                  "probability of accepting", height=height))
    fig.add_scatter(x=x, y=[0.0] * len(x), mode="lines", name="Metropolis  exp(−Δ/T)",
                    line={"color": colour(0), "width": 3})
    fig.add_scatter(x=x, y=[0.0] * len(x), mode="lines", name="generalised, q_a = −5",
                    line={"color": colour(1), "width": 3, "dash": "dash"})
    fig.add_scatter(x=[1.0], y=[0.0], mode="markers", name="a move 1 worse",
                    marker={"color": colour(3), "size": 11})
    fig.update_yaxes(range=[0, 1.03])
    return fig


def annealing_replay(objective: Any, walk: Sequence[tuple[Tensor, Tensor]],
                     log: Mapping[str, Sequence[Any]], n_calibrate: int, budget: int,
                     n_frames: int = 100, trail: int = 60, height: int = 600) -> Replay:
    """Replay a simulated-annealing run on a 2-D function.

    ``walk[i]`` is ``(candidate, current point)`` after evaluation i (a ``minimize``
    callback collects it), ``log`` the optimiser's ``log`` (``evals``, ``temperature``,
    ``accepted``, ``acceptance_rate``, ``candidate``, ``current``, ``best``) and
    ``n_calibrate`` the evaluations made at T = infinity (shaded). Left: the rejected
    proposals since the last frame, the last ``trail`` points of the walk, the current point
    and the best so far (a star, drawn on top) over ``objective``'s landscape. Right: the
    temperature, the acceptance rate and the current and best f, each with a marker at the
    frame's evaluation. ``n_frames`` frames, evenly spaced.
    """
    if not walk or len(walk) != len(log["evals"]):
        raise ValueError(f"walk has {len(walk)} entries for {len(log['evals'])} logged "
                         "evaluations; they must match and not be empty")
    lo, hi = torch.as_tensor(objective.bounds, dtype=torch.float64)
    if lo.shape != (2,):
        raise ValueError("annealing_replay draws 2-D functions")
    g0 = torch.linspace(lo[0], hi[0], 181, dtype=torch.float64)
    g1 = torch.linspace(lo[1], hi[1], 181, dtype=torch.float64)
    G0, G1 = torch.meshgrid(g0, g1, indexing="xy")
    Z = objective(torch.stack([G0.flatten(), G1.flatten()], 1)).reshape(G0.shape)
    evals = list(log["evals"])
    fig = make_subplots(rows=3, cols=2, column_widths=[0.56, 0.44], horizontal_spacing=0.12,
                        vertical_spacing=0.07, specs=[[{"rowspan": 3}, {}], [None, {}], [None, {}]])
    fig.add_contour(x=g0.tolist(), y=g1.tolist(), z=Z.tolist(), colorscale="Viridis",
                    showscale=False, opacity=0.9, contours={"coloring": "heatmap"},
                    hoverinfo="skip", row=1, col=1)                                          # 0
    fig.add_scatter(x=[], y=[], mode="markers", name="rejected proposals", row=1, col=1,     # 1
                    marker={"symbol": "x", "color": "rgba(240,240,240,0.85)", "size": 7,
                            "line": {"color": "black", "width": 0.5}})
    fig.add_scatter(x=[], y=[], mode="lines+markers", name="walk", row=1, col=1,            # 2
                    line={"color": "white", "width": 1.5},
                    marker={"size": 5, "color": "white", "line": {"color": "black", "width": 0.5}})
    fig.add_scatter(x=[], y=[], mode="markers", name="current", row=1, col=1,               # 3
                    marker={"color": colour(1), "size": 14, "line": {"color": "black", "width": 1}})
    x_opt = torch.as_tensor(objective.x_opt, dtype=torch.float64).reshape(-1).tolist()
    fig.add_scatter(x=[x_opt[0]], y=[x_opt[1]], mode="markers", name="optimum", row=1,       # 4
                    col=1, marker={"symbol": "cross-thin", "size": 14,
                                   "line": {"color": "red", "width": 2}})
    fig.add_scatter(x=[], y=[], mode="markers", name="best so far", row=1, col=1,           # 5
                    marker={"symbol": "star", "color": colour(2), "size": 17,
                            "line": {"color": "black", "width": 1}})
    dot = {"color": "black", "size": 8}
    fig.add_scatter(x=evals, y=[_finite(t) for t in log["temperature"]], mode="lines",
                    line={"color": colour(3)}, row=1, col=2, showlegend=False)              # 6
    fig.add_scatter(x=[], y=[], mode="markers", marker=dot, row=1, col=2, showlegend=False)  # 7
    fig.add_scatter(x=evals, y=list(log["acceptance_rate"]), mode="lines",
                    line={"color": colour(4)}, row=2, col=2, showlegend=False)              # 8
    fig.add_scatter(x=[], y=[], mode="markers", marker=dot, row=2, col=2, showlegend=False)  # 9
    fig.add_scatter(x=evals, y=list(log["current"]), mode="lines", name="current f",
                    line={"color": colour(1), "width": 1}, row=3, col=2)                   # 10
    fig.add_scatter(x=evals, y=list(log["best"]), mode="lines", name="best f",
                    line={"color": colour(2), "width": 2.5}, row=3, col=2)                 # 11
    fig.add_scatter(x=[], y=[], mode="markers", marker=dot, row=3, col=2, showlegend=False)  # 12
    for r in (1, 2, 3):
        fig.add_vrect(x0=0, x1=n_calibrate, fillcolor="grey", opacity=0.15, line_width=0,
                      row=r, col=2)
    fig.add_annotation(x=n_calibrate, y=0.02, yref="y2 domain", text="← T₀ calibration (T = ∞)",
                       showarrow=False, xanchor="left", yanchor="bottom", font={"size": 10},
                       row=1, col=2)
    fig.update_yaxes(type="log", dtick=1, title_text="temperature T", row=1, col=2)
    fig.update_yaxes(range=[0, 1.05], title_text="accepted (last 100)", row=2, col=2)
    fig.update_yaxes(type="log", dtick=1, title_text="f", row=3, col=2)
    fig.update_xaxes(range=[0, budget + 1], col=2)
    fig.update_xaxes(title_text="evaluations", row=3, col=2)
    fig.update_xaxes(range=[lo[0].item(), hi[0].item()], row=1, col=1)
    fig.update_yaxes(range=[lo[1].item(), hi[1].item()], scaleanchor="x", row=1, col=1)
    fig.update_layout(layout("", height=height),
                      legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
                      margin={"t": 110, "r": 50})

    n_frames = min(n_frames, len(walk))
    frame_at = torch.linspace(0, len(walk) - 1, n_frames).round().long().tolist()
    steps, titles, prev, best_i = [], [], 0, 0
    for e in frame_at:
        cands = torch.stack([c for c, _ in walk[prev:e + 1]])
        rejected = torch.tensor([not a for a in log["accepted"][prev:e + 1]])
        path = torch.stack([x for _, x in walk[max(0, e - trail):e + 1]])
        for i in range(prev, e + 1):
            if log["candidate"][i] < log["candidate"][best_i]:
                best_i = i
        cur, bx, T = walk[e][1], walk[best_i][0], log["temperature"][e]
        steps.append({1: {"x": cands[rejected, 0].tolist(), "y": cands[rejected, 1].tolist()},
                      2: {"x": path[:, 0].tolist(), "y": path[:, 1].tolist()},
                      3: {"x": [cur[0].item()], "y": [cur[1].item()]},
                      5: {"x": [bx[0].item()], "y": [bx[1].item()]},
                      7: {"x": [evals[e]], "y": [_finite(T)]},
                      9: {"x": [evals[e]], "y": [log["acceptance_rate"][e]]},
                      12: {"x": [evals[e]], "y": [log["current"][e]]}})
        titles.append(f"{objective.name} · evaluation {evals[e]} · T = {_t_text(T, '.3g')} · "
                      f"current f = {log['current'][e]:.3g} · best f = {log['best'][e]:.3g}")
        prev = e + 1
    return fig, steps, [str(evals[e]) for e in frame_at], titles


def tsp_replay(problem: Any, snaps: Sequence[tuple[int, Tensor, float, float, float]],
               log: Mapping[str, Sequence[Any]], budget: int, max_points: int = 2000,
               height: int = 510) -> Replay:
    """Replay simulated annealing on a travelling-salesman ``problem`` (with ``coords`` and
    ``tour_xy(tour)``): the tour at each snapshot ``(evaluation, tour, T, length, best
    length)`` on the left, the current and best length over the whole run (from ``log``,
    thinned to about ``max_points`` points for the browser) with a marker on the right."""
    if not snaps:
        raise ValueError("tsp_replay needs at least one snapshot")
    fig = make_subplots(rows=1, cols=2, column_widths=[0.5, 0.5], horizontal_spacing=0.12)
    fig.add_scatter(x=[], y=[], mode="lines", line={"color": colour(0), "width": 2.5},
                    name="current tour", row=1, col=1)                                      # 0
    coords = torch.as_tensor(problem.coords)
    fig.add_scatter(x=coords[:, 0].tolist(), y=coords[:, 1].tolist(), mode="markers",
                    name="cities", marker={"color": colour(3), "size": 8,
                                           "line": {"color": "black", "width": 1}}, row=1, col=1)
    stride = max(1, len(log["evals"]) // max_points)
    ev = list(log["evals"])[::stride]
    fig.add_scatter(x=ev, y=list(log["current"])[::stride], mode="lines", name="current length",
                    line={"color": colour(1), "width": 1}, row=1, col=2)
    fig.add_scatter(x=ev, y=list(log["best"])[::stride], mode="lines", name="best length",
                    line={"color": colour(2), "width": 2.5}, row=1, col=2)
    fig.add_scatter(x=[], y=[], mode="markers", marker={"color": "black", "size": 9},
                    showlegend=False, row=1, col=2)                                         # 4
    fig.update_xaxes(range=[-0.03, 1.03], visible=False, row=1, col=1)
    fig.update_yaxes(range=[-0.03, 1.03], visible=False, scaleanchor="x", row=1, col=1)
    fig.update_xaxes(title_text="evaluations", range=[0, budget + 1], row=1, col=2)
    fig.update_yaxes(title_text="tour length", row=1, col=2)
    fig.update_layout(layout("", height=height),
                      legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
                      margin={"t": 110, "r": 50})
    steps, titles = [], []
    for n, tour, T, cur, best in snaps:
        xs, ys = problem.tour_xy(tour)
        steps.append({0: {"x": list(xs), "y": list(ys)}, 4: {"x": [n], "y": [cur]}})
        titles.append(f"{len(coords)}-city TSP · evaluation {n} · T = {_t_text(T, '.2g')} · "
                      f"tour length {cur:.3f} (best {best:.3f})")
    return fig, steps, [str(s[0]) for s in snaps], titles


def plot_schedules(logs: Mapping[str, Mapping[str, Sequence[float]]],
                   finals: Mapping[str, Sequence[float]], random_len: float,
                   budget: int) -> Figure:
    """Compare cooling schedules on one problem: a 9-inch-wide figure (readable without
    shrinking in a notebook) with the temperature and the current f of one run per schedule
    (``logs[schedule]``, an optimiser's ``log``) on top, and below the best f of every run
    (``finals[schedule]``, the median as a bar) against ``random_len``, a random tour's
    mean length."""
    if set(logs) != set(finals) or not logs:
        raise ValueError(f"logs and finals must name the same schedules, got {sorted(logs)} "
                         f"and {sorted(finals)}")
    use_matplotlib_style()
    fig = plt.figure(figsize=(9, 6.4))
    grid = fig.add_gridspec(2, 2, height_ratios=[1, 0.9])
    ax_t, ax_f, ax_b = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1]), fig.add_subplot(grid[1, :])
    for i, s in enumerate(logs):
        L = logs[s]
        ax_t.plot(L["evals"], L["temperature"], color=colour(i), lw=2, label=s)
        ax_f.plot(L["evals"], L["current"], color=colour(i), lw=1, alpha=0.85, label=s)
        v = sorted(finals[s])
        ax_b.scatter([i] * len(v), v, color=colour(i), s=50, zorder=3)
        ax_b.hlines(v[(len(v) - 1) // 2], i - 0.3, i + 0.3, color=colour(i), lw=3)
    ax_t.set(yscale="log", xlabel="evaluations", ylabel="temperature T",
             title="the schedules (seed 0)")
    ax_f.set(xlabel="evaluations", ylabel="current tour length", title="the walk (seed 0)")
    ax_t.legend(fontsize=9)
    n_runs = len(next(iter(finals.values())))
    ax_b.axhline(random_len, color="grey", ls=":", lw=1)
    ax_b.text((len(logs) - 1) / 2, random_len, "mean random tour", ha="center", va="bottom",
              color="grey")
    ax_b.set_ylim(0, random_len * 1.15)
    ax_b.set(xticks=range(len(logs)), xticklabels=list(logs), ylabel="best tour length",
             title=f"best after {budget} evaluations ({n_runs} seeds; bar: median)")
    fig.tight_layout()
    return fig


def plot_tails(ax: Axes, jumps: Mapping[str, Tensor], box_width: float | None = None) -> Axes:
    """Survival curves ``P(|jump| > x)`` on log-log axes, one per sample in ``jumps``
    (label -> 1-D tensor of draws), with an optional dotted line at ``box_width``: how often
    a visiting distribution jumps farther than the box is wide."""
    if not jumps:
        raise ValueError("plot_tails needs at least one sample")
    n_min = None
    for i, (label, j) in enumerate(jumps.items()):
        j = torch.as_tensor(j, dtype=torch.float64).abs().sort().values
        n = len(j)
        n_min = n if n_min is None else min(n_min, n)
        survival = 1 - torch.arange(n, dtype=torch.float64) / n
        style = {"color": "grey", "ls": "--"} if i == 0 else {"color": colour(i - 1)}
        ax.plot(j.tolist(), survival.tolist(), lw=2, label=label, **style)
    if box_width is not None:
        ax.axvline(box_width, color="black", lw=1, ls=":")
        ax.text(box_width * 1.4, 0.3, "width of\nthe box", fontsize=9)
    ax.set(xscale="log", yscale="log", xlim=(1e-2, 1e8), ylim=(1 / n_min, 1.5),
           xlabel="x", ylabel="P(|jump| > x)")
    ax.legend(loc="lower left", fontsize=9)
    return ax


def plot_gsa_vs_scipy(ax: Axes, curves: Sequence[Tensor], scipy_finals: Sequence[float],
                      basin: float = 1.0) -> Axes:
    """Our generalised annealing's best f so far (one line per run in ``curves``) against
    the final f of scipy's ``dual_annealing`` (one dot per run, at the last evaluation), on
    a log axis with a dotted line at ``basin`` (on Rastrigin, f < 1 is the global basin)."""
    if not curves:
        raise ValueError("plot_gsa_vs_scipy needs at least one run")
    budget = max(len(c) for c in curves)
    for c in curves:
        ax.plot(range(1, len(c) + 1), torch.as_tensor(c).clamp(min=1e-12).tolist(),
                color=colour(0), lw=1.5)
    ax.scatter([budget] * len(scipy_finals), list(scipy_finals), color=colour(3), zorder=3,
               s=60, label="scipy: final f")
    ax.plot([], [], color=colour(0), label="nasdemo gsa: best f")
    ax.axhline(basin, color="grey", ls=":", lw=1)
    ax.text(budget * 0.35, basin * 1.3, f"global basin: f < {basin:g}", color="grey")
    ax.set(yscale="log", xlabel="evaluations", ylabel="best f")
    ax.legend(fontsize=9)
    return ax
