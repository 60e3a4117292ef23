"""step_through's widget is complete before it is shown.

A FigureWidget updated before it is displayed loses, in the browser, the x of every trace
whose update set only y, z or marker (notebook 01's BO figures were squashed against the
origin, 06's queue lost its population). The kernel cannot see that, but it can see the cause:
a restyle message sent before display. tools/widget_check.py (tests/test_browser.py) checks
what the browser draws.
"""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from nasdemo import viz

pytest.importorskip("anywidget")


def _two_traces() -> go.Figure:
    fig = go.Figure()
    fig.add_scatter(x=[0.0, 0.5, 1.0], y=[0, 0, 0], name="x set at the start, y per step")
    fig.add_scatter(x=[], y=[], mode="markers", name="x and y per step")
    return fig


def test_widget_sends_no_update_before_display(monkeypatch):
    sent = []
    monkeypatch.setattr(go.FigureWidget, "_send_restyle_msg",
                        lambda self, *a, **k: sent.append(("restyle", a)))
    monkeypatch.setattr(go.FigureWidget, "_send_update_msg",
                        lambda self, *a, **k: sent.append(("update", a)))
    monkeypatch.setattr(go.FigureWidget, "_send_relayout_msg",
                        lambda self, *a, **k: sent.append(("relayout", a)))
    steps = [{0: {"y": [k, k, k]}, 1: {"x": [0.1 * k], "y": [k]}} for k in range(3)]
    box = viz.step_through(_two_traces(), steps, title=[f"step {k}" for k in range(3)],
                           mode="widget", start=1, show=False)
    assert sent == []  # the start step is in the widget's initial state, not a message
    fw = box.children[1]
    assert list(fw.data[0].x) == [0.0, 0.5, 1.0] and list(fw.data[0].y) == [1, 1, 1]
    assert list(fw.data[1].x) == [0.1] and fw.layout.title.text == "step 1"
    box.children[0].children[1].value = 2  # the slider: now updates are messages
    assert sent and list(fw.data[0].y) == [2, 2, 2] and list(fw.data[0].x) == [0.0, 0.5, 1.0]


def test_static_figure_starts_at_its_start_step():
    steps = [{0: {"y": [k, k, k]}} for k in range(3)]
    out = viz.step_through(_two_traces(), steps, mode="static", start=2, show=False)
    assert list(out.data[0].y) == [2, 2, 2] and list(out.data[0].x) == [0.0, 0.5, 1.0]
    assert out.layout.sliders[0].active == 2


def test_live_figures_say_what_they_mean():
    """LiveCurves and DartsMonitor rebuild what they should show from their own records, the
    reference the browser check holds the front end to."""
    curves = viz.LiveCurves(["a", "b"], mode="widget")
    curves.add("a", [1, 2], [3.0, 2.0])
    meant = curves.fig._meant()
    assert isinstance(meant, go.Figure) and not isinstance(meant, go.FigureWidget)
    assert list(meant.data[0].x) == [1, 2] and list(meant.data[0].y) == [3.0, 2.0]
    assert list(meant.data[1].x) == []

    class Searcher:  # what DartsMonitor reads from a DartsSearch
        train_loss, val_loss = [2.0, 1.0], [2.5, 1.5]

        class supernet:
            @staticmethod
            def alpha_probs():
                import torch
                return {"alpha": torch.tensor([[0.7, 0.3], [0.4, 0.6]])}

    monitor = viz.DartsMonitor([(0, 1), (0, 2)], ["a", "b"], epochs=3, mode="widget")
    monitor(1, Searcher)
    meant = monitor.fig._meant()
    assert [v for r in meant.data[0].z for v in r] == pytest.approx([0.7, 0.3, 0.4, 0.6])
    assert list(meant.data[0].x) == ["a", "b"] and meant.data[0].y is not None
    assert list(meant.data[1].y) == [1.5] and meant.layout.title.text.endswith("epoch 1")


def test_live_curves_send_at_most_every_refresh_and_all_on_close():
    """A send per epoch carries the whole lines: 400 epochs of notebook 08's training left the
    browser 160 points behind. The widget gets the lines at most every ``refresh`` seconds,
    and ``close`` sends the last of them."""
    curves = viz.LiveCurves(["a"], mode="widget", refresh=3600)
    for epoch in range(1, 401):
        curves.add("a", epoch, 1.0 / epoch)
    assert list(curves.fig.data[0].x) == []          # nothing sent within the hour
    curves.close()
    assert list(curves.fig.data[0].x) == list(range(1, 401))
    eager = viz.LiveCurves(["a"], mode="widget", refresh=0)
    eager.add("a", [1, 2], [3.0, 2.0])
    assert list(eager.fig.data[0].y) == [3.0, 2.0]  # refresh=0: every add is sent
