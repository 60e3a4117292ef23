"""Aging evolution's population queue, one cycle per step (Real et al. 2019, Algorithm 1):
the sample, the parent (best of the sample), the child joining on the right and the oldest
model leaving on the left."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from .style import colour, layout

__all__ = ["queue_steps"]


def queue_steps(result: Any, n_cycles: int | None = None,
                colour_range: tuple[float, float] | None = None
                ) -> tuple[go.Figure, list[dict[int, dict]], list[str]]:
    """A figure, the ``step_through`` steps replaying ``result.info["cycles"]`` (run
    ``aging_evolution(..., record=True)``) and a title per step. Slots 0..P-1 hold the
    population before the child joins, oldest on the left; slot P is the child. Marker
    colour = accuracy."""
    cycles = result.info.get("cycles")
    if not cycles:
        raise ValueError("the result has no recorded cycles: run aging_evolution(..., record=True)")
    cycles = cycles[:n_cycles] if n_cycles else cycles
    hist = result.history
    P = len(cycles[0].population)
    accs = [a for _, a in hist]
    lo, hi = colour_range or (min(accs), max(accs))
    xs = list(range(P + 1))
    fig = go.Figure(layout=layout(height=330, xlabel="← oldest          position in the queue"
                                  "          newest →"))
    fig.add_trace(go.Scatter(  # 0: the models in the queue (+ the child in slot P)
        x=xs, y=[0] * (P + 1), mode="markers+text", textposition="bottom center",
        marker={"size": 34, "color": [lo] * (P + 1), "cmin": lo, "cmax": hi,
                "colorscale": "Cividis", "showscale": True,
                "colorbar": {"title": {"text": "acc. %"}, "len": 0.75, "thickness": 14,
                             "x": 1.01},
                "line": {"width": 1, "color": "#444"}},
        hoverinfo="text", name="population", showlegend=False))
    fig.add_trace(go.Scatter(  # 1: rings around the sampled models
        x=[], y=[], mode="markers", name="sample (S draws)",
        marker={"size": 46, "color": "rgba(0,0,0,0)", "line": {"width": 3, "color": colour(1)}}))
    fig.add_trace(go.Scatter(  # 2: the parent
        x=[], y=[], mode="markers", name="parent (best of sample)",
        marker={"size": 14, "symbol": "star", "color": colour(3)}))
    fig.add_trace(go.Scatter(  # 3: the arrow parent -> child as a line
        x=[], y=[], mode="lines", name="mutation", line={"color": colour(3), "dash": "dot"}))
    fig.add_trace(go.Scatter(  # 4: the model that dies
        x=[], y=[], mode="markers", name="dies",
        marker={"size": 40, "symbol": "x-thin", "line": {"width": 4, "color": "#000000"}}))
    fig.update_xaxes(range=[-0.7, P + 0.7], tickvals=xs,
                     ticktext=[str(k) for k in range(P)] + ["child"], showgrid=False)
    fig.update_yaxes(range=[-0.9, 0.9], visible=False)
    fig.update_layout(legend={"orientation": "h", "y": 1.12, "x": 0},
                      margin={"l": 30, "r": 130, "t": 80, "b": 50})

    steps, labels = [], []
    for k, cy in enumerate(cycles):
        members = list(cy.population) + [cy.child]
        pos = {m: i for i, m in enumerate(members)}
        # repeated draws of the same model stack on one ring; offset them slightly
        seen: dict[int, int] = {}
        ring_x, ring_y = [], []
        for m in cy.sample:
            seen[m] = seen.get(m, 0) + 1
            ring_x.append(pos[m])
            ring_y.append(0.0 + 0.08 * (seen[m] - 1))
        steps.append({
            0: {"marker": {"color": [hist[m][1] for m in members]},
                "text": [f"{hist[m][1]:.1f}" for m in members],
                "hovertext": [f"model {m}: {hist[m][1]:.2f} %<br>{hist[m][0]}" for m in members]},
            1: {"x": ring_x, "y": ring_y},
            2: {"x": [pos[cy.parent]], "y": [0.45]},
            3: {"x": [pos[cy.parent], P], "y": [0.45, 0.45]},
            4: {"x": [pos[cy.dead]], "y": [0]},
        })
        labels.append(f"cycle {k + 1}: model {cy.child} born, model {cy.dead} dies")
    return fig, steps, labels
