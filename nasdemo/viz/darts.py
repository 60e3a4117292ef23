"""DARTS's architecture weights as pictures: softmax(alpha) as an edges x ops heatmap, and a
monitor that redraws it, with the two losses of Algorithm 1, after every search epoch.

The weights start uniform (1 / number of ops) and move only a few hundredths in a search, so
the colour scale is diverging around the uniform weight: white is "no preference", blue an op
gaining weight, orange-red an op losing it, symmetric about 1 / n_ops."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from torch import Tensor

from .live import _display, viz_mode
from .style import PALETTE, colour, layout

__all__ = ["alpha_figure", "spread_of", "DartsMonitor"]

#: Losing weight (vermillion) -> uniform (white) -> gaining weight (blue); colour-blind safe.
_SCALE = [[0.0, PALETTE[3]], [0.5, "#F7F7F7"], [1.0, PALETTE[0]]]
_MIN_SPREAD = 0.01  # below this, colour differences would only show noise


def _edge_labels(edges: Sequence[tuple[int, int]]) -> list[str]:
    return [f"{i}→{j}" for i, j in edges]


def _as_array(probs: Tensor | np.ndarray) -> np.ndarray:
    return np.asarray(probs.detach().cpu() if isinstance(probs, Tensor) else probs, dtype=float)


def spread_of(probs: np.ndarray | Tensor) -> float:
    """Half-width of the colour range for these weights: their largest distance from the
    uniform weight (at least 0.01). Pass the largest over several epochs to compare them."""
    p = _as_array(probs)
    return max(_MIN_SPREAD, float(np.abs(p - 1.0 / p.shape[-1]).max()))


def _range(n_ops: int, spread: float) -> dict[str, float]:
    uniform = 1.0 / n_ops
    return {"zmin": uniform - spread, "zmax": uniform + spread}


def _heatmap(probs: np.ndarray, edges: Sequence[tuple[int, int]], ops: Sequence[str],
             spread: float) -> go.Heatmap:
    return go.Heatmap(z=probs, x=list(ops), y=_edge_labels(edges), colorscale=_SCALE,
                      **_range(len(ops), spread), text=np.round(probs, 3),
                      texttemplate="%{text:.3f}",
                      hovertemplate="edge %{y}<br>%{x}: %{z:.4f}<extra></extra>",
                      colorbar={"title": {"text": "softmax(α)"}, "len": 0.9})


def _check_probs(probs: Tensor | np.ndarray, edges: Sequence, ops: Sequence) -> np.ndarray:
    p = _as_array(probs)
    if p.shape != (len(edges), len(ops)):
        raise ValueError(f"probs must have shape ({len(edges)}, {len(ops)}) (edges x ops), "
                         f"got {p.shape}")
    return p


def alpha_figure(probs: Tensor | np.ndarray, edges: Sequence[tuple[int, int]],
                 ops: Sequence[str], title: str = "", spread: float | None = None,
                 height: int | None = None) -> go.Figure:
    """softmax(alpha) of one cell as a heatmap: a row per edge ``i→j``, a column per
    candidate op, each square labelled with its weight, coloured by its distance from the
    uniform weight. ``spread`` fixes the colour range (uniform +- spread, e.g. the
    ``spread_of`` all epochs, to compare them); by default it fits these weights."""
    p = _check_probs(probs, edges, ops)
    spread = spread_of(p) if spread is None else spread
    fig = go.Figure(_heatmap(p, edges, ops, spread),
                    layout=layout(title=title, xlabel="candidate op", ylabel="edge",
                                  height=height or 140 + 26 * len(edges)))
    fig.update_yaxes(autorange="reversed")
    return fig


class DartsMonitor:
    """Watch a DARTS search: pass it as ``darts_search(..., callback=monitor)``.

    After every epoch it records softmax(alpha) (``alpha_probs()[name]``) and the epoch's mean
    train and validation losses, and in widget mode redraws a heatmap and the loss curves at
    once (a ``FigureWidget`` shown when the monitor is made). In static mode (no front end,
    e.g. the tests) ``close`` shows the final figure. ``epochs`` fixes the x-axis.
    """

    def __init__(self, edges: Sequence[tuple[int, int]], ops: Sequence[str], epochs: int,
                 name: str = "alpha", title: str = "DARTS search", mode: str | None = None,
                 initial: Tensor | np.ndarray | None = None) -> None:
        self.edges, self.ops, self.name, self.title = list(edges), list(ops), name, title
        self.mode = mode or viz_mode()
        self.probs: list[np.ndarray] = []
        self.train: list[float] = []
        self.val: list[float] = []
        start = (np.full((len(self.edges), len(self.ops)), 1 / len(self.ops)) if initial is None
                 else _check_probs(initial, self.edges, self.ops))
        # The colour bar sits in the gap right of the heatmap, and the loss panel's y axis is
        # on its right-hand side, so nothing else needs that gap at any figure width.
        fig = make_subplots(rows=1, cols=2, column_widths=[0.6, 0.4], horizontal_spacing=0.17,
                            subplot_titles=("softmax(α) per edge", "losses (epoch means)"))
        fig.add_trace(_heatmap(start, self.edges, self.ops, spread_of(start)), 1, 1)
        heat_right = fig.layout.xaxis.domain[1]
        fig.data[0].colorbar.update(x=heat_right + 0.01, xanchor="left", thickness=14,
                                    title={"text": ""})  # the subplot title names it
        for k, label in enumerate(("train (w step)", "val (α step)")):
            fig.add_scatter(x=[], y=[], mode="lines+markers", name=label,
                            line={"color": colour(k)}, row=1, col=2)
        fig.update_layout(layout(title=f"{title}: epoch 0", height=140 + 26 * len(self.edges)))
        fig.update_yaxes(autorange="reversed", row=1, col=1)
        fig.update_xaxes(title_text="epoch", range=[0.5, epochs + 0.5], row=1, col=2)
        fig.update_yaxes(title_text="cross-entropy", side="right", row=1, col=2)
        fig.update_layout(legend={"x": 1.0, "y": 1.0, "xanchor": "right"},
                          margin={"l": 60, "r": 95})  # the axis title, then the mode bar
        self._base = fig
        self.fig: Any = go.FigureWidget(fig) if self.mode == "widget" else go.Figure(fig)
        if self.mode == "widget":
            self.fig._meant = self.figure  # what tools/widget_check.py holds the browser to
            _display(self.fig)

    def __call__(self, epoch: int, searcher: Any) -> None:
        """Record epoch ``epoch`` (counted from 1) of ``searcher`` (a ``DartsSearch``)."""
        n = len(searcher.train_loss) // epoch  # steps per epoch
        self.probs.append(_check_probs(searcher.supernet.alpha_probs()[self.name],
                                       self.edges, self.ops))
        self.train.append(float(np.mean(searcher.train_loss[-n:])))
        self.val.append(float(np.mean(searcher.val_loss[-n:])))
        if self.mode == "widget":
            self._draw()

    def _apply(self, fig: go.Figure) -> None:
        """Set the last epoch's softmax(alpha), the loss curves and the title on ``fig``."""
        p = self.probs[-1]
        epochs = list(range(1, len(self.train) + 1))
        fig.data[0].update(z=p, text=np.round(p, 3), **_range(len(self.ops), spread_of(p)))
        fig.data[1].update(x=epochs, y=self.train)
        fig.data[2].update(x=epochs, y=self.val)
        fig.layout.title.text = f"{self.title}: epoch {len(epochs)}"

    def _draw(self) -> None:
        with self.fig.batch_update():
            self._apply(self.fig)

    def figure(self) -> go.Figure:
        """The figure as it should look now, as a plain ``go.Figure``."""
        out = go.Figure(self._base)
        if self.probs:
            self._apply(out)
        return out

    def close(self) -> go.Figure:
        """Finish: draw the last epoch; in static mode show the figure. Returns it."""
        if self.probs:
            self._draw()
        if self.mode == "static":
            _display(self.fig)
        return self.fig
