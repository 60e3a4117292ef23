"""Tables and figures for the NAS notebooks (05, 06): NAS-Bench-201 cells written short enough
to fit a printed table, learning curves from the table with the legend off the curves, every
model of one search run as dots, and the widget that lets a student design a cell."""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import plotly.graph_objects as go
from matplotlib.axes import Axes

from ..nas.cell import EDGES, OPS, Cell
from .cells import cell_figure
from .style import colour, use_matplotlib_style

__all__ = ["SHORT_OPS", "short_cell", "cell_table", "plot_learning_curves", "plot_run_models",
           "cell_designer"]

#: Short names of the NAS-Bench-201 ops, for tables that must fit a notebook's width.
SHORT_OPS: dict[str, str] = {"none": "none", "skip_connect": "skip", "nor_conv_1x1": "conv1",
                             "nor_conv_3x3": "conv3", "avg_pool_3x3": "pool"}


def short_cell(cell: Cell | str) -> str:
    """The cell's string with short op names (``SHORT_OPS``), e.g.
    ``|conv3~0|+|none~0|none~1|+|skip~0|conv3~1|none~2|``: at most 53 characters instead of
    up to 95, so a table row of cells fits a notebook's ~100-character output width."""
    c = Cell.from_string(cell) if isinstance(cell, str) else cell
    if not isinstance(c, Cell):
        raise TypeError(f"cell must be a Cell or its string, got {type(cell).__name__}")
    groups = [[f"{SHORT_OPS[c.op(i, j)]}~{i}" for i, jj in EDGES if jj == j] for j in (1, 2, 3)]
    return "+".join("|" + "|".join(g) + "|" for g in groups)


def cell_table(rows: Sequence[tuple[int, float, float, Cell]], width: int = 100) -> str:
    """A printed table of ``(rank, validation %, test %, cell)`` rows, cells written with
    ``short_cell`` and a key to the short names first. Raises if a line would be wider than
    ``width`` characters (a notebook output wraps longer lines mid-token)."""
    key = "ops: " + ", ".join(f"{s} = {op}" for op, s in SHORT_OPS.items() if s != op)
    lines = [key, f"{'rank':>5}  {'val %':>5}  {'test %':>6}  cell (node 1 + node 2 + node 3)"]
    for rank, val, test, cell in rows:
        lines.append(f"{rank:5d}  {val:5.1f}  {test:6.1f}  {short_cell(cell)}")
    too_wide = [line for line in lines if len(line) > width]
    if too_wide:
        raise ValueError(f"{len(too_wide)} line(s) wider than {width} characters, e.g. "
                         f"{too_wide[0]!r}")
    return "\n".join(lines)


def plot_learning_curves(curves: Mapping[str, Sequence[Sequence[float]]], ax: Axes | None = None,
                         title: str = "Learning curves") -> Axes:
    """Validation accuracy per epoch: ``curves[label]`` holds one curve per seed (the first
    drawn solid, the others lighter), one colour per label. The legend sits to the right of
    the axes, where it cannot cover a curve."""
    if not curves:
        raise ValueError("plot_learning_curves needs at least one labelled set of curves")
    use_matplotlib_style()
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.5))
    n_epochs = 0
    for k, (label, runs) in enumerate(curves.items()):
        if not runs:
            raise ValueError(f"curves[{label!r}] holds no curve")
        for s, curve in enumerate(runs):
            ax.plot(range(1, len(curve) + 1), curve, "o-", color=colour(k),
                    alpha=0.9 if s == 0 else 0.45, label=label if s == 0 else None)
            n_epochs = max(n_epochs, len(curve))
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation accuracy, %")
    ax.set_xticks(range(1, n_epochs + 1))
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    return ax


def plot_run_models(runs: Mapping[str, Any], ylim: tuple[float, float] | None = None
                    ) -> plt.Figure:
    """One panel per search: every model it evaluated as a dot (validation accuracy in the
    order of evaluation) and its best-so-far line, as in Real et al.'s Figure 3. ``runs[name]``
    is a ``SearchResult`` (``history`` of ``(cell, accuracy)`` pairs and ``curve()``)."""
    if not runs:
        raise ValueError("plot_run_models needs at least one run")
    use_matplotlib_style()
    fig, axes = plt.subplots(1, len(runs), figsize=(3.7 * len(runs), 3.4), sharey=True,
                             squeeze=False)
    for k, (ax, (name, run)) in enumerate(zip(axes[0], runs.items())):
        acc = [a for _, a in run.history]
        ax.scatter(range(1, len(acc) + 1), acc, s=8, color=colour(k), alpha=0.7)
        ax.plot(range(1, len(acc) + 1), list(run.curve()), color="#000000", lw=1)
        ax.set_title(name)
        ax.set_xlabel("model")
    axes[0][0].set_ylabel("validation accuracy, %")
    if ylim is not None:
        axes[0][0].set_ylim(*ylim)
    return fig


def cell_designer(start: Cell, describe: Callable[[Cell], str]) -> Any:
    """A widget: one dropdown per edge and the cell drawn under them, titled
    ``describe(cell)`` (e.g. its accuracy and rank); every change redraws it. Needs
    ipywidgets and a front end. The figure and dropdowns belong to this call, so a later
    notebook cell that rebinds ``fig`` cannot change what the widget redraws."""
    import ipywidgets as W

    if not isinstance(start, Cell):
        raise TypeError(f"start must be a Cell, got {type(start).__name__}")
    pickers = [W.Dropdown(options=OPS, value=op, description=f"{i}→{j}",
                          layout=W.Layout(width="260px"))
               for (i, j), op in zip(EDGES, start.ops)]
    fig = go.FigureWidget(cell_figure(start, title=describe(start)))

    def redraw(_: Any = None) -> None:
        c = Cell([p.value for p in pickers])
        new = cell_figure(c, title=describe(c))
        with fig.batch_update():
            fig.layout = new.layout
            fig.data = []
            for tr in new.data:
                fig.add_trace(tr)

    for p in pickers:
        p.observe(redraw, names="value")
    return W.VBox([W.HBox(pickers[:3]), W.HBox(pickers[3:]), fig])
