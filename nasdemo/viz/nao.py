"""Figures for NAO (notebook 08): the learned embedding space of all 15,625 cells projected to
2-D, the seeds' gradient-ascent trajectories (eq. 2) drawn on it, and a walk over eta for the
slider of ``step_through``.

Everything is built from a ``SearchResult`` of ``nasdemo.nas.nao`` (its ``info["model"]`` and,
for trajectories, ``info["rounds"]`` from ``record=True``) and the benchmark that colours the
cells by their true accuracy.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from plotly.colors import sample_colorscale
import torch
from scipy.stats import spearmanr
from torch import Tensor

from ..nas.benchmark import Benchmark
from ..nas.cell import Cell
from ..nas.nao import NAOModel
from ..nas.result import SearchResult
from ..utils import check_int, check_seed
from .nas import short_cell
from .style import colour, layout

__all__ = ["Projection", "embedding_figure", "eta_walk_steps", "rounds_figure", "rounds_table",
           "seed_parents", "neighbour_rho"]


class Projection:
    """PCA of every cell's NAO summary vector (the mean of its L2-normalised encoder states):
    ``xy`` is ``float32[15625, 2]``, in ``Cell.all()`` order; ``project`` maps more vectors
    (e.g. ascended representations) into the same plane."""

    def __init__(self, model: NAOModel) -> None:
        self.cells = Cell.all()
        z = model.summaries(self.cells)
        self.mean = z.mean(0)
        _, _, vt = torch.linalg.svd(z - self.mean, full_matrices=False)  # principal axes
        self.axes = vt[:2].T
        self.xy = self.project(z)
        s = torch.linalg.svdvals(z - self.mean) ** 2
        self.explained = float(s[:2].sum() / s.sum())  # share of variance the plane shows

    def project(self, z: Tensor) -> Tensor:
        """``[..., H]`` summary vectors -> ``[..., 2]`` plane coordinates."""
        return (z.cpu() - self.mean) @ self.axes


def _model_of(result: SearchResult) -> NAOModel:
    model = result.info.get("model")
    if not isinstance(model, NAOModel):
        raise ValueError(f"{result.method!r} result has no NAO model in info['model']: pass a "
                         "result of nasdemo.nas.nao")
    return model


def _acc(bench: Benchmark, cell: Cell) -> float:
    """The cell's validation accuracy, NaN where the table (a partial ``from_csv`` export)
    lacks it."""
    return bench.lookup(cell) if cell in bench else float("nan")


def _base(proj: Projection, bench: Benchmark, result: SearchResult, title: str) -> go.Figure:
    acc = torch.tensor([_acc(bench, c) for c in proj.cells])
    fig = go.Figure(layout=layout(title=title, xlabel="PC 1", ylabel="PC 2", height=560))
    # float32 coordinates and no per-cell hover text keep the figure near 0.5 MB; SVG, not
    # WebGL (scattergl), so it draws wherever the notebook is read, headless browsers too
    fig.add_scatter(x=proj.xy[:, 0].numpy(), y=proj.xy[:, 1].numpy(), mode="markers",
                    name="all 15,625 cells", hovertemplate="%{marker.color:.1f} %<extra></extra>",
                    marker={"size": 3, "color": acc.numpy(), "colorscale": "Viridis",
                            "cmin": float(torch.nanquantile(acc, 0.05)),
                            "cmax": float(acc.nan_to_num(-1.0).max()),
                            "colorbar": {"title": {"text": "val %"}, "x": 1.0}})
    idx = [c.index for c, _ in result.history]
    fig.add_scatter(x=proj.xy[idx, 0].numpy(), y=proj.xy[idx, 1].numpy(), mode="markers",
                    name=f"evaluated ({len(idx)})", hoverinfo="text",
                    text=[f"{short_cell(c)}<br>{a:.1f} %" for c, a in result.history],
                    marker={"size": 7, "color": "rgba(0,0,0,0)",
                            "line": {"color": colour(7), "width": 1}})
    fig.update_layout(legend={"orientation": "h", "y": -0.15, "x": 0.0})
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return fig


def embedding_figure(result: SearchResult, bench: Benchmark | None = None, n_seeds: int = 3,
                     proj: Projection | None = None, zoom: bool = False) -> go.Figure:
    """The lecture's "Example - Embedding Space" for a NAO search: every cell encoded by the
    search's final model and projected to 2-D (PCA), coloured by its true validation accuracy
    (``bench``, default the shipped table); the cells the search evaluated ringed; and, where
    the search ran with ``record=True``, the last round's ascent (eq. 2) from its ``n_seeds``
    best seeds drawn as arrows, each arrow ending where the decoded cell changes and labelled
    with that cell. The last round's model is the final one, so the arrows live in this plane.
    ``zoom`` frames the arrows (the steps are short next to the whole cloud).
    """
    model = _model_of(result)
    bench = bench if bench is not None else Benchmark.default()
    proj = proj if proj is not None else Projection(model)
    fig = _base(proj, bench, result, f"NAO's embedding space (PCA, {proj.explained:.0%} of the "
                                     "variance); arrows: gradient ascent from the best seeds")
    rounds = result.info.get("rounds") or []
    if not rounds:
        return fig
    last = rounds[-1]
    shown = []
    for k in range(min(n_seeds, len(last.seeds))):
        xy = proj.project(last.path[k])          # eta = 0, etas...
        seed_cell = result.history[last.seeds[k]][0]
        cells = [seed_cell] + [row[k] for row in last.decoded]
        changes = [j for j in range(1, len(cells)) if cells[j] != cells[j - 1]]
        stops = [0] + changes
        shown.append(xy)
        fig.add_scatter(x=xy[:, 0].numpy(), y=xy[:, 1].numpy(), mode="lines",
                        line={"color": colour(3 + k), "width": 2, "dash": "dot"},
                        name=f"seed {k + 1}: {_acc(bench, seed_cell):.1f} %", hoverinfo="skip")
        for a, b in zip(stops, stops[1:]):
            fig.add_annotation(x=float(xy[b, 0]), y=float(xy[b, 1]), ax=float(xy[a, 0]),
                               ay=float(xy[a, 1]), xref="x", yref="y", axref="x", ayref="y",
                               showarrow=True, arrowhead=2, arrowwidth=2.5,
                               arrowcolor=colour(3 + k), bgcolor="rgba(255,255,255,0.8)",
                               text=f"η={last.etas[b - 1]:g}: {_acc(bench, cells[b]):.1f} %",
                               hovertext=short_cell(cells[b]), font={"size": 11})
    if zoom and shown:
        pts = torch.cat(shown)
        lo, hi = pts.min(0).values, pts.max(0).values
        pad = 0.3 * (hi - lo).max() + 0.02
        fig.update_xaxes(range=[float(lo[0] - pad), float(hi[0] + pad)])
        fig.update_yaxes(range=[float(lo[1] - pad), float(hi[1] + pad)])
        fig.update_layout(title_text="Zoomed in on the arrows: the last round's ascent, eq. 2")
    return fig


def eta_walk_steps(result: SearchResult, cell: Cell, etas: list[float],
                   bench: Benchmark | None = None, proj: Projection | None = None
                   ) -> tuple[go.Figure, list[dict[int, dict[str, Any]]], list[str], list[Cell]]:
    """One cell walked uphill by eq. 2 with growing eta (one step from the cell each time, as
    the search does), for ``nasdemo.viz.step_through``: returns the base figure, one trace
    update per eta (the path so far and the current point, labelled with its decoded cell),
    a title per eta, and the decoded cell at each eta."""
    model = _model_of(result)
    bench = bench if bench is not None else Benchmark.default()
    proj = proj if proj is not None else Projection(model)
    if not etas or any(b < a for a, b in zip(etas, etas[1:])):
        raise ValueError(f"etas must be a non-empty increasing list, got {etas}")
    lo, hi = result.info["scale"]
    dev = model.embed.weight.device
    e = model.encode(torch.tensor([cell.tokens()], device=dev)).detach()
    pts, decoded, predicted = [], [], []
    for eta in etas:
        e2 = model.ascend(e, eta) if eta else e
        pts.append(proj.project(model.summary(e2))[0])
        decoded.append(Cell.from_tokens(model.decode(e2)[0].tolist()))
        predicted.append(lo + (hi - lo) * float(model.predict(e2).detach()))
    xy = torch.stack(pts)
    fig = _base(proj, bench, result, "")
    fig.add_scatter(x=[], y=[], mode="lines+markers", name="ascent (eq. 2)",
                    line={"color": colour(3), "width": 2}, marker={"size": 5})
    fig.add_scatter(x=[], y=[], mode="markers+text", name="decoded here",
                    marker={"size": 14, "symbol": "star", "color": colour(3),
                            "line": {"color": "white", "width": 1}},
                    textposition="top center", textfont={"size": 11})
    n = len(fig.data)
    steps, titles = [], []
    for j, (eta, c) in enumerate(zip(etas, decoded)):
        acc = _acc(bench, c)
        steps.append({n - 2: {"x": xy[: j + 1, 0].tolist(), "y": xy[: j + 1, 1].tolist()},
                      n - 1: {"x": [float(xy[j, 0])], "y": [float(xy[j, 1])],
                              "text": [f"{acc:.1f} %"]}})
        changed = " (changed)" if j and c != decoded[j - 1] else ""
        titles.append(f"η = {eta:g}: f predicts {predicted[j]:.1f} %; the decoded cell has "
                      f"{acc:.1f} %{changed}<br><sup>{short_cell(c)}</sup>")
    return fig, steps, titles, decoded


def rounds_figure(result: SearchResult, bench: Benchmark | None = None) -> go.Figure:
    """Algorithm 1 replayed: every query's validation accuracy in query order, the initial
    random set in grey and each round's new cells in its own colour, with the best so far and
    the table's optimum (``bench``, default the shipped table). Needs ``record=True``."""
    rounds = result.info.get("rounds")
    if not rounds:
        raise ValueError("rounds_figure needs a NAO result run with record=True")
    bench = bench if bench is not None else Benchmark.default()
    acc = [a for _, a in result.history]
    n0 = result.info["n_init"]
    fig = go.Figure(layout=layout(title="Algorithm 1, round by round", xlabel="query",
                                  ylabel="validation accuracy, %", height=420))
    fig.add_scatter(x=list(range(1, n0 + 1)), y=acc[:n0], mode="markers", name="initial X",
                    marker={"color": "#999999", "size": 6},
                    text=[short_cell(c) for c, _ in result.history[:n0]])
    shades = sample_colorscale("Viridis", [k / max(len(rounds) - 1, 1) for k in range(len(rounds))])
    for k, rd in enumerate(rounds):
        eta = f" (η ≤ {rd.etas[-1]:g})" if rd.etas else ""
        fig.add_scatter(x=[i + 1 for i in rd.new], y=[acc[i] for i in rd.new], mode="markers",
                        name=f"round {k + 1}{eta}",
                        marker={"color": shades[k], "size": 7},  # early dark, late bright
                        text=[short_cell(result.history[i][0]) for i in rd.new])
    fig.add_scatter(x=list(range(1, len(acc) + 1)), y=result.curve().tolist(), mode="lines",
                    name="best so far", line={"color": "#000000", "width": 2})
    fig.add_hline(y=bench.best()[1], line={"dash": "dot", "color": "#000000", "width": 1},
                  annotation_text="table optimum", annotation_position="bottom right")
    return fig


def rounds_table(result: SearchResult, bench: Benchmark | None = None) -> list[dict[str, float]]:
    """One row per round of Algorithm 1 (needs ``record=True``): ``eta`` the largest step size
    tried, ``mean_new`` and ``best_new`` the validation accuracy of the round's new cells (mean
    and best), ``rank`` the best new cell's rank in the whole table (1 = the table's best
    cell, by validation accuracy) and ``best_so_far`` the best accuracy after the round."""
    rounds = result.info.get("rounds")
    if not rounds:
        raise ValueError("rounds_table needs a NAO result run with record=True")
    bench = bench if bench is not None else Benchmark.default()
    rows = []
    for rd in rounds:
        new = [result.history[i] for i in rd.new]
        top_cell, top_acc = max(new, key=lambda ca: ca[1])
        rows.append({"eta": rd.etas[-1] if rd.etas else 0.0,
                     "mean_new": sum(a for _, a in new) / len(new), "best_new": top_acc,
                     "rank": bench.rank(top_cell),
                     "best_so_far": max(a for _, a in result.history[: max(rd.new) + 1])})
    return rows


def seed_parents(result: SearchResult) -> dict[int, int]:
    """For each cell a round decoded by gradient ascent (history index), the history index of
    the seed it came from: the first seed that decoded it at the smallest step size. Random
    fill-ins (a round where no seed decoded a new cell) have no seed and are absent."""
    rounds = result.info.get("rounds")
    if not rounds:
        raise ValueError("seed_parents needs a NAO result run with record=True")
    parents = {}
    for rd in rounds:
        for i in rd.new:
            cell = result.history[i][0]
            row = next((row for row in rd.decoded if cell in row), None)
            if row is not None:
                parents[i] = rd.seeds[row.index(cell)]
    return parents


def neighbour_rho(model: NAOModel, bench: Benchmark, n_probe: int = 2000, k: int = 10,
                  seed: int = 0) -> tuple[float, float]:
    """Are cells with nearby codes alike? For ``n_probe`` random cells of ``bench`` (a full
    table, in ``Cell.all()`` order), the Spearman correlation of a cell's validation accuracy
    with the mean accuracy of the ``k`` cells whose summary vectors are nearest (Euclidean,
    the cell itself excluded), and, as a baseline, with the mean of ``k`` random cells.
    Returns ``(rho_near, rho_random)``."""
    n_probe = check_int(n_probe, "n_probe")
    k = check_int(k, "k")
    cells = Cell.all()
    if bench.cells() != cells:
        raise ValueError(f"neighbour_rho needs a table of all {len(cells)} cells in Cell.all() "
                         f"order; {bench.name!r} has {len(bench)}")
    if n_probe > len(cells):
        raise ValueError(f"n_probe ({n_probe}) exceeds the {len(cells)} cells")
    z = model.summaries(cells)
    acc = torch.tensor(bench.accuracies())
    gen = torch.Generator().manual_seed(check_seed(seed))
    probe = torch.randperm(len(z), generator=gen)[:n_probe]
    d = torch.cdist(z[probe], z)
    d[torch.arange(n_probe), probe] = float("inf")                  # not the cell itself
    near = acc[d.topk(k, largest=False).indices].mean(1)
    rand = acc[torch.randint(len(z), (n_probe, k), generator=gen)].mean(1)
    return (float(spearmanr(near, acc[probe]).statistic),
            float(spearmanr(rand, acc[probe]).statistic))
