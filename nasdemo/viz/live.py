"""Live views: a plotly ``FigureWidget`` driven by ipywidgets when a front end is attached,
the same figure as a self-contained plotly animation (its own slider and play button, no
kernel needed) otherwise.

Notebooks describe *what* to draw once -- a base figure and, for each step, the new data of
some of its traces -- and :func:`step_through` decides *how*:

- ``"widget"``: ``FigureWidget`` + ``Play`` + ``IntSlider``; moving the slider restyles the
  traces in place (JupyterLab, VS Code, Colab with its custom widget manager enabled).
- ``"static"``: ``go.Figure`` with ``frames`` and a layout slider; it animates in any HTML
  view (nbviewer, an exported page, Colab without the widget manager, headless test runs).

``NASDEMO_VIZ=widget|static`` forces a mode; by default nasdemo uses widgets inside a Jupyter
kernel where ``anywidget`` (needed by plotly 7's ``FigureWidget``) is importable, and static
figures everywhere else.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from typing import Any, Callable, Sequence

import plotly.graph_objects as go

__all__ = ["viz_mode", "step_through", "LiveCurves"]

TraceUpdate = dict[int, dict[str, Any]]  # trace index -> properties to set at this step


def _in_kernel() -> bool:
    ip = sys.modules.get("IPython")
    shell = ip.get_ipython() if ip is not None else None
    return shell is not None and getattr(shell, "kernel", None) is not None


def viz_mode() -> str:
    """'widget' or 'static' (see the module docstring for the rule)."""
    forced = os.environ.get("NASDEMO_VIZ", "").strip().lower()
    if forced in ("widget", "static"):
        return forced
    if forced:
        raise ValueError(f"NASDEMO_VIZ must be 'widget' or 'static', got {forced!r}")
    if "google.colab" in sys.modules:  # needs output.enable_custom_widget_manager()
        return "static"
    if _in_kernel() and importlib.util.find_spec("anywidget") is not None:
        return "widget"
    return "static"


def _display(obj: Any) -> None:
    if _in_kernel():
        from IPython.display import display

        display(obj)


def step_through(
    fig: go.Figure,
    steps: Sequence[TraceUpdate],
    labels: Sequence[str] | None = None,
    title: Callable[[int], str] | Sequence[str] | None = None,
    mode: str | None = None,
    start: int = 0,
    interval_ms: int = 600,
    show: bool = True,
) -> Any | None:
    """Show ``fig`` with a slider (and play button) over ``steps``.

    ``steps[k]`` maps trace indices to the properties they take at step k (e.g.
    ``{0: {"y": mean}, 1: {"x": [x_next]}}``); ``title`` optionally retitles the figure at each
    step: one string per step, or a function of k. Prefer the list in notebooks: the widget
    calls the function whenever the slider moves, long after the cell ran, so a lambda that
    reads a global (``lambda k: titles[k]``) shows whatever a later cell rebound it to.
    With ``show=True`` (the default) the result is displayed and None is returned, so a
    notebook cell ending in this call shows it once; with ``show=False`` the widget box
    (widget mode) or the animated figure (static mode) is returned instead.
    """
    if not steps:
        raise ValueError("step_through needs at least one step")
    mode = mode or viz_mode()
    labels = list(labels) if labels is not None else [str(k) for k in range(len(steps))]
    if len(labels) != len(steps):
        raise ValueError(f"got {len(labels)} labels for {len(steps)} steps")
    start = min(max(start, 0), len(steps) - 1)
    steps = list(steps)  # the widget reads it long after the call: keep our own copy
    if isinstance(title, str):
        raise TypeError("title: one string per step, or a function of the step k; "
                        f"got the single string {title!r}")
    if title is not None and not callable(title):
        titles = list(title)
        if len(titles) != len(steps):
            raise ValueError(f"got {len(titles)} titles for {len(steps)} steps")
        title = titles.__getitem__

    def figure_at(k: int) -> go.Figure:
        """The figure as step k means it: ``fig`` with ``steps[k]`` applied."""
        out = go.Figure(fig)
        for i, props in steps[k].items():
            out.data[i].update(props)
        if title is not None:
            out.layout.title.text = title(k)
        return out

    if mode == "widget":
        import ipywidgets as W

        # Built at the start step: a FigureWidget must not be updated before it is shown, or
        # the front end loses the x of traces whose update sets only y, z or marker (01's BO
        # figures were squashed against the origin, 06's queue lost its population).
        fw = go.FigureWidget(figure_at(start))

        def draw(k: int) -> None:
            with fw.batch_update():
                for i, props in steps[k].items():
                    fw.data[i].update(props)
                if title is not None:
                    fw.layout.title.text = title(k)

        play = W.Play(min=0, max=len(steps) - 1, value=start, interval=interval_ms)
        slider = W.IntSlider(min=0, max=len(steps) - 1, value=start, description="step",
                             readout=False, continuous_update=True, layout=W.Layout(width="60%"))
        label = W.Label(labels[start])  # the step's own label, e.g. "β=2" or "12"
        W.jslink((play, "value"), (slider, "value"))

        def on_change(change: dict[str, Any]) -> None:
            label.value = labels[change["new"]]
            draw(change["new"])

        slider.observe(on_change, names="value")
        # What the figure should show now, for tools/widget_check.py to hold the browser to.
        fw._meant = lambda: figure_at(slider.value)  # noqa: SLF001
        box = W.VBox([W.HBox([play, slider, label]), fw])
        if show:
            _display(box)
            return None
        return box

    if mode != "static":
        raise ValueError(f"mode must be 'widget' or 'static', got {mode!r}")
    out = figure_at(start)
    frames = []
    for k, upd in enumerate(steps):
        idx = sorted(upd)
        layout = {"title": {"text": title(k)}} if title is not None else {}
        frames.append(go.Frame(name=str(k), data=[{"type": out.data[i].type, **upd[i]} for i in idx], traces=idx,
                               layout=layout))
    out.frames = frames
    anim = {"frame": {"duration": interval_ms, "redraw": True}, "mode": "immediate",
            "transition": {"duration": 0}}
    out.update_layout(
        updatemenus=[{
            "type": "buttons", "x": 0.0, "y": 0.0, "xanchor": "left", "yanchor": "top",
            "direction": "left", "pad": {"r": 10, "t": 62}, "showactive": False,
            "buttons": [
                {"label": "▶", "method": "animate", "args": [None, {**anim, "fromcurrent": True}]},
                {"label": "❚❚", "method": "animate",
                 "args": [[None], {**anim, "frame": {"duration": 0, "redraw": False}}]},
            ],
        }],
        sliders=[{
            "active": start, "x": 0.2, "len": 0.8, "y": 0.0, "yanchor": "top",
            "pad": {"t": 50}, "currentvalue": {"visible": False},
            "steps": [{"label": lab, "method": "animate",
                       "args": [[str(k)], {**anim, "frame": {"duration": 0, "redraw": True}}]}
                      for k, lab in enumerate(labels)],
        }],
        margin={"b": 120},
    )
    if show:
        _display(out)
        return None
    return out


class LiveCurves:
    """Lines that grow while an algorithm runs (e.g. best-so-far value per evaluation).

    Widget mode: a ``FigureWidget`` shown at once and extended by :meth:`add`, sent to the
    front end at most every ``refresh`` seconds (each send carries the whole lines, so a
    send per epoch of a 400-epoch training left the browser hundreds of messages behind);
    :meth:`close` sends the final lines. Static mode: the figure is shown once, by
    :meth:`close`, when the run has finished.
    """

    def __init__(self, names: Sequence[str], title: str = "", xlabel: str = "evaluations",
                 ylabel: str = "best value so far", log_y: bool = False,
                 mode: str | None = None, refresh: float = 0.25) -> None:
        from .style import colour, layout

        self.mode = mode or viz_mode()
        self.names = list(names)
        fig = go.Figure(layout=layout(title=title, xlabel=xlabel, ylabel=ylabel))
        for i, n in enumerate(self.names):
            fig.add_scatter(x=[], y=[], mode="lines", name=n, line={"color": colour(i)})
        if log_y:
            fig.update_yaxes(type="log")
        self._base = fig
        self.fig: go.Figure = go.FigureWidget(fig) if self.mode == "widget" else go.Figure(fig)
        self._x: dict[str, list[float]] = {n: [] for n in self.names}
        self._y: dict[str, list[float]] = {n: [] for n in self.names}
        self.refresh = refresh
        self._sent = time.monotonic()
        if self.mode == "widget":
            self.fig._meant = self.figure  # what tools/widget_check.py holds the browser to
            _display(self.fig)

    def add(self, name: str, x: float | Sequence[float], y: float | Sequence[float]) -> None:
        """Append point(s) to the line ``name``."""
        if name not in self._x:
            raise ValueError(f"unknown line {name!r}; lines are {self.names}")
        xs = list(x) if isinstance(x, (list, tuple)) else [x]
        ys = list(y) if isinstance(y, (list, tuple)) else [y]
        self._x[name] += [float(v) for v in xs]
        self._y[name] += [float(v) for v in ys]
        if self.mode == "widget" and time.monotonic() - self._sent >= self.refresh:
            self._send()

    def _send(self) -> None:
        """Every line as it is now, to the widget, in one message."""
        with self.fig.batch_update():
            for i, n in enumerate(self.names):
                self.fig.data[i].update(x=self._x[n], y=self._y[n])
        self._sent = time.monotonic()

    def figure(self) -> go.Figure:
        """The lines so far, as a plain ``go.Figure``."""
        out = go.Figure(self._base)
        for i, n in enumerate(self.names):
            out.data[i].update(x=self._x[n], y=self._y[n])
        return out

    def close(self) -> go.Figure:
        """Finish: send the final lines (widget) or draw the final figure (static). Returns
        the figure."""
        if self.mode == "widget":
            self._send()
        else:
            for i, n in enumerate(self.names):
                self.fig.data[i].update(x=self._x[n], y=self._y[n])
        if self.mode == "static":
            _display(self.fig)
        return self.fig
