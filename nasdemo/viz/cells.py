"""Drawings of cells for the notebooks: the NAS-Bench-201 cell as its four-node DAG, and the
NASNet/DARTS cell the way the DARTS paper draws derived cells (Liu et al. 2019, Figures 4
and 5: inputs on the left, intermediate nodes in the middle, the concatenated output on the
right, one labelled arrow per chosen (op, input)).

Every figure uses equal x/y scaling, so node circles stay round and arrows can stop at a
node's rim. The annotations are the op labels, one per edge (plus the subplot titles of the
pair figure), so they are easy to find; node names and notes are text traces.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..nas.cell import EDGES, N_NODES, Cell
from ..nas.nasnet import N_INPUTS, Mutation, NASNetCell
from .style import PALETTE, layout, rgba

__all__ = ["OP_COLOURS", "cell_figure", "nasnet_figure", "nasnet_pair_figure"]

_GREY = "#999999"
#: One colour per op. NAS-Bench-201 and DARTS ops never share a figure, so the two spaces reuse
#: colours; 3x3 convolutions are blue in both, ``skip_connect`` is black, ``none`` grey.
OP_COLOURS: dict[str, str] = {
    "none": _GREY,
    "skip_connect": PALETTE[7],
    "nor_conv_3x3": PALETTE[0], "sep_conv_3x3": PALETTE[0],
    "nor_conv_1x1": PALETTE[5], "sep_conv_5x5": PALETTE[5],
    "avg_pool_3x3": PALETTE[2],
    "max_pool_3x3": PALETTE[1],
    "dil_conv_3x3": PALETTE[3],
    "dil_conv_5x5": PALETTE[4],
}
_OTHER_OP = "#555555"  # an op outside both spaces (a custom NASNetCell op set)

_R = 0.2           # node radius, data units
_LABEL_FONT = 11   # op label font size, px
_CHAR_PX = 6.6     # rough width of one label character at that size, px
_LABEL_H_PX = 17   # label box height, px
_HEAD_PX = 10      # arrow head marker size, px
_PAD = 0.08        # padding around the drawing, data units
_DEAD_OPACITY = 0.25  # NAS-Bench-201 edges that cannot change the output...
_DEAD_LABEL_OPACITY = 0.5  # ...and their labels, which must stay readable
_FADE_OPACITY = 0.45  # edges other than the highlighted one
_MARGIN = {"l": 10, "r": 10, "b": 10}

Point = tuple[float, float]


def _op_colour(op: str) -> str:
    return OP_COLOURS.get(op, _OTHER_OP)


# --------------------------------------------------------------------------- geometry
def _bezier(p: Point, q: Point, bend: float, n: int = 61) -> np.ndarray:
    """``[n, 2]`` points of the quadratic Bezier curve from ``p`` to ``q`` whose control point
    sits ``bend`` chord lengths left of the chord's middle (the curve's peak is half as far);
    ``bend = 0`` is the straight line. With odd ``n`` the middle point is the peak."""
    (x0, y0), (x1, y1) = p, q
    control = np.array([(x0 + x1) / 2 - bend * (y1 - y0), (y0 + y1) / 2 + bend * (x1 - x0)])
    t = np.linspace(0.0, 1.0, n)[:, None]
    return (1 - t) ** 2 * np.array(p) + 2 * (1 - t) * t * control + t ** 2 * np.array(q)


def _trim(curve: np.ndarray, r_start: float, r_end: float) -> np.ndarray:
    """The part of a curve outside the circles of radius ``r_start`` around its first point
    and ``r_end`` around its last: the edge starts and ends at the nodes' rims."""
    keep = (np.hypot(*(curve - curve[0]).T) >= r_start) & \
        (np.hypot(*(curve - curve[-1]).T) >= r_end)
    return curve[keep]


@dataclass
class _Box:
    """A label's axis-aligned box, in data units."""

    x: float
    y: float
    w: float
    h: float

    def overlaps(self, other: "_Box") -> bool:
        return abs(self.x - other.x) * 2 < self.w + other.w and \
            abs(self.y - other.y) * 2 < self.h + other.h

    def inside(self, points: np.ndarray) -> np.ndarray:
        """Which of ``points`` (``[n, 2]``) lie in the box."""
        return (np.abs(points[:, 0] - self.x) * 2 < self.w) & \
            (np.abs(points[:, 1] - self.y) * 2 < self.h)

    def near_circle(self, centre: Point, r: float) -> bool:
        dx = max(abs(centre[0] - self.x) - self.w / 2, 0.0)
        dy = max(abs(centre[1] - self.y) - self.h / 2, 0.0)
        return math.hypot(dx, dy) < r


def _label_box(text: str, at: Point, ppu: float) -> _Box:
    return _Box(float(at[0]), float(at[1]), (len(text) * _CHAR_PX + 8) / ppu, _LABEL_H_PX / ppu)


# --------------------------------------------------------------------------- drawing
@dataclass
class _Canvas:
    """Draws into one (sub)plot of ``fig``: ``axis`` is "" for x/y, "2" for x2/y2; ``ppu``
    is the plot's pixels per data unit, to turn pixel sizes into data units."""

    fig: go.Figure
    ppu: float
    axis: str = ""
    extent: list[Point] = field(default_factory=list)  # points the axis ranges must show

    def _xy(self) -> dict[str, str]:
        return {"xaxis": "x" + self.axis, "yaxis": "y" + self.axis}

    def node(self, at: Point, text: str, fill: str, line: str) -> None:
        x, y = at
        self.fig.add_shape(type="circle", xref="x" + self.axis, yref="y" + self.axis,
                           x0=x - _R, x1=x + _R, y0=y - _R, y1=y + _R, fillcolor=fill,
                           line={"color": line, "width": 1.5}, layer="below")
        self.text(at, text, size=13, colour="#222222")
        self.extent += [(x - _R, y - _R), (x + _R, y + _R)]

    def text(self, at: Point, text: str, size: int = 12, colour: str = "#666666",
             position: str = "middle center") -> None:
        """A note (a text trace, not an annotation); only centred text counts for the
        extent, callers reserve room for the others."""
        self.fig.add_trace(go.Scatter(
            x=[at[0]], y=[at[1]], mode="text", text=[text], textposition=position,
            textfont={"size": size, "color": colour}, hoverinfo="skip", showlegend=False,
            **self._xy()))
        w = len(text) * 7 / self.ppu if position == "middle center" else 0.0
        self.extent += [(at[0] - w / 2, at[1]), (at[0] + w / 2, at[1])]

    def edge(self, line: np.ndarray, colour: str, name: str, hover: str, width: float = 2,
             dash: str = "solid", opacity: float = 1.0) -> None:
        """A line through the ``[n, 2]`` points ``line`` with an arrow head on the last."""
        dx, dy = line[-1] - line[-2]
        angle = math.degrees(math.atan2(dx, dy))  # the marker's rotation, clockwise from up
        n = len(line)
        self.fig.add_trace(go.Scatter(
            x=line[:, 0], y=line[:, 1], mode="lines+markers",
            line={"color": colour, "width": width, "dash": dash},
            marker={"symbol": "triangle-up", "size": [0] * (n - 1) + [_HEAD_PX + width],
                    "angle": [0] * (n - 1) + [angle], "color": colour, "line": {"width": 0}},
            opacity=opacity, name=name, hovertemplate=f"{hover}<extra></extra>",
            showlegend=False, **self._xy()))
        self.extent += [(x, y) for x, y in line.tolist()]

    def halo(self, line: np.ndarray, colour: str) -> None:
        """A wide translucent band under an edge, to make it stand out."""
        self.fig.add_trace(go.Scatter(
            x=line[:, 0], y=line[:, 1], mode="lines", name="highlight",
            line={"color": rgba(colour, 0.22), "width": 14}, hoverinfo="skip",
            showlegend=False, **self._xy()))

    def label(self, at: Point, text: str, colour: str, hover: str, opacity: float = 1.0,
              emphasise: bool = False) -> None:
        """An op label (an annotation) centred on ``at``, on a white box."""
        self.fig.add_annotation(
            x=at[0], y=at[1], xref="x" + self.axis, yref="y" + self.axis, text=text,
            showarrow=False, font={"size": _LABEL_FONT + emphasise, "color": colour},
            bgcolor="rgba(255,255,255,0.9)", borderpad=1, opacity=opacity,
            bordercolor=colour if emphasise else "rgba(0,0,0,0)", borderwidth=1.5 * emphasise,
            hovertext=hover)
        box = _label_box(text, at, self.ppu)
        self.extent += [(box.x - box.w / 2, box.y - box.h / 2),
                        (box.x + box.w / 2, box.y + box.h / 2)]

    def arrow_end(self) -> float:
        """How far from a target node's centre an edge stops: the rim plus half the head."""
        return _R + _HEAD_PX / 2 / self.ppu

    def finish(self, pad: float = _PAD) -> tuple[float, float]:
        """Hide the axes, fit them to everything drawn, equal scaling; returns the spans."""
        xs, ys = [p[0] for p in self.extent], [p[1] for p in self.extent]
        xr, yr = [min(xs) - pad, max(xs) + pad], [min(ys) - pad, max(ys) + pad]
        hidden = {"visible": False, "showgrid": False, "zeroline": False}
        self.fig.update_layout({
            f"xaxis{self.axis}": {**hidden, "range": xr},
            f"yaxis{self.axis}": {**hidden, "range": yr, "scaleanchor": f"x{self.axis}",
                                  "scaleratio": 1},
        })
        return xr[1] - xr[0], yr[1] - yr[0]


def _diagram_layout(fig: go.Figure, title: str, height: int, width: int) -> None:
    fig.update_layout(layout(title, height=height, width=width))
    fig.update_layout(margin={**_MARGIN, "t": 45 if title else 10}, plot_bgcolor="white",
                      paper_bgcolor="white", hovermode="closest")


# --------------------------------------------------------------------------- NAS-Bench-201
# Curvature of each edge in the row layout (see ``_bezier``): consecutive nodes straight, the
# two 2-step skips arc over the top, the 3-step skip 0 -> 3 under the bottom.
_NB201_BEND = {(0, 1): 0.0, (1, 2): 0.0, (2, 3): 0.0, (0, 2): 0.8, (1, 3): 0.8, (0, 3): -0.55}
_NB201_X = (-0.6, 3.6)  # x range: nodes at 0..3 plus the "in"/"out" notes
_NB201_Y = (-1.1, 1.0)


def cell_figure(cell: Cell, title: str = "", height: int = 300, width: int = 520) -> go.Figure:
    """The NAS-Bench-201 cell as its DAG (Dong & Yang 2020, Figure 1): nodes 0 (input) to 3
    (output) in a row, one arrow per edge, labelled and coloured by its op (``OP_COLOURS``).

    ``none`` edges are grey dotted lines. Edges outside ``cell.live_edges()`` are faded: they
    cannot change the output. A disconnected cell says so under the drawing. Hovering an edge
    or a label names the edge and whether it is live.
    """
    if not isinstance(cell, Cell):
        raise TypeError(f"cell_figure draws a nasdemo.nas.Cell, got {type(cell).__name__}")
    fig = go.Figure()
    _diagram_layout(fig, title, height, width)
    top = 45 if title else 10
    ppu = min((width - 20) / (_NB201_X[1] - _NB201_X[0]),
              (height - top - 10) / (_NB201_Y[1] - _NB201_Y[0]))
    canvas = _Canvas(fig, ppu)
    live = set(cell.live_edges())
    pos = {j: (float(j), 0.0) for j in range(N_NODES)}
    for i, j in EDGES:
        op, bend = cell.op(i, j), _NB201_BEND[(i, j)]
        curve = _bezier(pos[i], pos[j], bend)
        is_live = (i, j) in live
        status = "live" if is_live else "dead: cannot change the output"
        hover = f"edge {i}→{j}: {op} ({status})"
        colour = _op_colour(op)
        canvas.edge(_trim(curve, _R, canvas.arrow_end()), colour,
                    name=f"edge {i}->{j}", hover=hover,
                    opacity=1.0 if is_live else _DEAD_OPACITY,
                    dash="dot" if op == "none" else "solid")
        # Straight edges carry their label just above the line, arcs at their peak.
        mx, my = curve[len(curve) // 2]  # t = 0.5: the peak of an arc
        at = (mx, my + 0.13) if bend == 0 else (mx, my)
        canvas.label(at, op, colour, hover, opacity=1.0 if is_live else _DEAD_LABEL_OPACITY)
    for j in range(N_NODES):
        end = j in (0, N_NODES - 1)
        canvas.node(pos[j], str(j), fill=rgba(PALETTE[0], 0.18 if end else 0.08),
                    line=PALETTE[0])
    canvas.text((-_R - 0.05, 0.0), "in", position="middle left")
    canvas.text((N_NODES - 1 + _R + 0.05, 0.0), "out", position="middle right")
    canvas.extent += [(_NB201_X[0], _NB201_Y[0]), (_NB201_X[1], _NB201_Y[1])]
    if cell.is_disconnected:
        canvas.text((1.5, _NB201_Y[0] + 0.08), "disconnected: the output is always zero",
                    colour=PALETTE[3])
    canvas.finish(pad=0.0)
    return fig


# --------------------------------------------------------------------------- NASNet / DARTS
_DX, _DY = 2.3, 1.0      # column and row spacing of the layered layout, data units
_PPU = 100.0             # pixels per data unit, unless the figure must be narrower
# px: default width limit of the NASNet drawings, single or side-by-side pair: what fits a
# notebook's output (about 880 px at a 1280 px window with JupyterLab's file browser open).
_MAX_WIDTH = 860
_MAX_PAIR_WIDTH = 860
_INPUT_NAME_PX = 45      # room left of the inputs for their names c_{k-2}, c_{k-1}
# Curvatures to try (see ``_bezier``), finer near straight so long edges can slip between rows.
_BENDS = (0.0,) + tuple(s * b for b in (0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.55, 0.8)
                        for s in (1, -1))
_LABEL_TS = (0.5, 0.45, 0.55, 0.4, 0.6, 0.35, 0.65, 0.3, 0.7)
_OUT = -1                # key of the output node c_k in the layout


def _nasnet_layout(cells: Sequence[NASNetCell]) -> dict[int, Point]:
    """Node positions, layered like DARTS's graphviz drawings: a node's column is its depth
    (longest path from the inputs), nodes in a column are ordered by the mean height of their
    inputs (fewer crossings); h0 above h1 on the left, the output ``_OUT`` on the right.

    Given several cells with the same nodes (a parent and its child), the layout fits the
    union of their edges, so every node keeps its place in all their drawings.
    """
    inputs = {k: sorted({h for c in cells for _, h in c.node(k)})
              for k in range(N_INPUTS, N_INPUTS + cells[0].n_nodes)}
    depth = {0: 0, 1: 0}
    for k, hs in inputs.items():
        depth[k] = 1 + max(depth[h] for h in hs)
    y = {0: _DY / 2, 1: -_DY / 2}
    last = max(depth.values())
    for d in range(1, last + 1):
        column = [k for k in inputs if depth[k] == d]
        column.sort(key=lambda k: (-sum(y[h] for h in inputs[k]) / len(inputs[k]), k))
        for row, k in enumerate(column):
            y[k] = ((len(column) - 1) / 2 - row) * _DY
    pos = {k: (depth[k] * _DX, y[k]) for k in depth}
    pos[_OUT] = ((last + 1) * _DX, 0.0)
    return pos


@dataclass
class _Router:
    """Lays out edges greedily: each edge gets the cheapest curvature that keeps it off other
    nodes and labels; then every label moves along its edge to the spot clearest of other
    labels, nodes and edges."""

    pos: dict[int, Point]
    ppu: float
    boxes: list[_Box] = field(default_factory=list)  # labels placed so far
    curves: list[np.ndarray] = field(default_factory=list)  # edges routed so far, trimmed

    def _best_label(self, curve: np.ndarray, text: str, boxes: list[_Box],
                    curves: list[np.ndarray]) -> tuple[float, _Box]:
        """The cheapest label spot along ``curve``: near its middle, clear of ``boxes``, of
        the nodes and of ``curves`` (counted once per curve the label would cover)."""
        points = np.concatenate(curves) if curves else np.zeros((0, 2))
        owner = np.repeat(np.arange(len(curves)), [len(c) for c in curves])
        options = []
        for t in _LABEL_TS:
            box = _label_box(text, curve[round(t * (len(curve) - 1))], self.ppu)
            cost = (4 * abs(t - 0.5) + 50 * sum(box.overlaps(b) for b in boxes)
                    + 50 * sum(box.near_circle(n, _R + 0.03) for n in self.pos.values())
                    + 5 * len(np.unique(owner[box.inside(points)])))
            options.append((cost, box))
        return min(options, key=lambda o: o[0])

    def route(self, src: int, dst: int, text: str | None) -> np.ndarray:
        """The curve from node ``src`` to ``dst`` (untrimmed); ``text`` is its label, None
        for an unlabelled edge."""
        p, q = self.pos[src], self.pos[dst]
        others = np.array([c for k, c in self.pos.items() if k not in (src, dst)])
        chord = math.dist(p, q)
        options = []
        for bend in _BENDS:
            curve = _bezier(p, q, bend)
            inner = _trim(curve, _R, _R)
            gaps = np.hypot(inner[:, None, 0] - others[:, 0], inner[:, None, 1] - others[:, 1])
            cost = (2 * abs(bend) * chord  # prefer small detours
                    + 100 * int(np.sum(gaps.min(axis=0) < _R + 0.08))
                    + 10 * sum(bool(b.inside(inner).any()) for b in self.boxes))
            box = None
            if text is not None:
                label_cost, box = self._best_label(curve, text, self.boxes, self.curves)
                cost += label_cost
            options.append((cost, curve, box))
        _, curve, box = min(options, key=lambda o: o[0])
        self.curves.append(_trim(curve, _R, _R))
        if box is not None:
            self.boxes.append(box)
        return curve

    def place_labels(self, labelled: list[tuple[np.ndarray, str]]) -> list[Point]:
        """Final label centres for the labelled curves, given in routing order: ``route``
        placed each seeing only the edges routed before it, this sees them all."""
        boxes: list[_Box] = []
        for i, (curve, text) in enumerate(labelled):
            rest = self.curves[:i] + self.curves[i + 1:]
            boxes.append(self._best_label(curve, text, boxes, rest)[1])
        return [(b.x, b.y) for b in boxes]


def _draw_nasnet(canvas: _Canvas, cell: NASNetCell, pos: dict[int, Point],
                 highlight: tuple[int, int] | None) -> None:
    router = _Router(pos, canvas.ppu)
    edges = [(k, slot, op, h) for k, node in enumerate(cell.nodes, start=N_INPUTS)
             for slot, (op, h) in enumerate(node)]
    # Short edges first, so they get the straight lines and the long ones bend around them.
    edges.sort(key=lambda e: (math.dist(pos[e[3]], pos[e[0]]), e[0], e[1]))
    curves = [router.route(h, k, op) for k, _, op, h in edges]
    concat = [router.route(k, _OUT, None) for k in cell.concat]
    spots = router.place_labels([(c, e[2]) for c, e in zip(curves, edges)])
    for (k, slot, op, h), curve, at in zip(edges, curves, spots):
        line = _trim(curve, _R, canvas.arrow_end())
        name = f"node {k}, input {slot + 1}"
        hover = f"{name}: {op}(h{h})"
        colour, chosen = _op_colour(op), highlight == (k, slot)
        opacity = _FADE_OPACITY if highlight is not None and not chosen else 1.0
        if chosen:
            canvas.halo(line, colour)
        canvas.edge(line, colour, name=name, hover=hover, width=4 if chosen else 2,
                    opacity=opacity)
        canvas.label(at, op, colour, hover, opacity=opacity, emphasise=chosen)
    for k, curve in zip(cell.concat, concat):
        canvas.edge(_trim(curve, _R, canvas.arrow_end()), _GREY, name=f"h{k} to output",
                    hover=f"h{k} is concatenated into the output", width=1.5, dash="dash")
    inputs = {0: "c<sub>k-2</sub>", 1: "c<sub>k-1</sub>"}
    for h, (x, y) in pos.items():
        if h == _OUT:
            canvas.node((x, y), "c<sub>k</sub>", fill=rgba(PALETTE[1], 0.25), line=PALETTE[1])
            canvas.text((x, y - _R - 0.05), "concat", size=11, position="bottom center")
        elif h in inputs:
            canvas.node((x, y), f"h{h}", fill=rgba(PALETTE[2], 0.2), line=PALETTE[2])
            canvas.text((x - _R - 0.05, y), inputs[h], position="middle left")
            canvas.extent.append((x - _R - _INPUT_NAME_PX / canvas.ppu, y))
        else:
            canvas.node((x, y), f"h{h}", fill=rgba(PALETTE[0], 0.12), line=PALETTE[0])


def _check_highlight(cell: NASNetCell, highlight: tuple[int, int] | None) -> None:
    if highlight is None:
        return
    k, slot = highlight
    if not N_INPUTS <= k < N_INPUTS + cell.n_nodes or slot not in (0, 1):
        raise ValueError(f"highlight must be (node, slot) with node in "
                         f"{N_INPUTS}..{N_INPUTS + cell.n_nodes - 1} and slot 0 or 1, "
                         f"got {highlight!r}")


def _fit_ppu(pos: dict[int, Point], width_px: float) -> float:
    """Pixels per data unit: ``_PPU``, or less where the layout (nodes and the input names)
    would not fit ``width_px``. Labels keep their pixel size, so the router sees them grow
    relative to the drawing and spaces them accordingly."""
    span = pos[_OUT][0] + 2 * _R + 2 * _PAD  # from h0's rim to c_k's rim, plus padding
    return min(_PPU, (width_px - _INPUT_NAME_PX) / span)


def nasnet_figure(cell: NASNetCell, title: str = "", height: int | None = None,
                  width: int | None = None,
                  highlight: tuple[int, int] | None = None) -> go.Figure:
    """A NASNet/DARTS cell drawn as in DARTS (Liu et al. 2019, Figures 4 and 5): inputs
    ``h0 = c_{k-2}`` and ``h1 = c_{k-1}`` on the left, the intermediate nodes in columns by
    depth, the output ``c_k`` on the right; one arrow per (op, input), labelled and coloured
    by op (``OP_COLOURS``); dashed arrows for the concatenation into the output.

    ``highlight = (node, slot)`` draws that input's edge thick and fades the others (to show a
    mutation). The drawing is laid out for ``width`` (default: as wide as it needs, at most
    ``_MAX_WIDTH`` pixels); ``height`` defaults to what the drawing needs at that width.
    """
    if not isinstance(cell, NASNetCell):
        raise TypeError(f"nasnet_figure draws a NASNetCell, got {type(cell).__name__}")
    _check_highlight(cell, highlight)
    pos = _nasnet_layout([cell])
    ppu = _fit_ppu(pos, (width or _MAX_WIDTH) - 20)
    fig = go.Figure()
    canvas = _Canvas(fig, ppu)
    _draw_nasnet(canvas, cell, pos, highlight)
    xspan, yspan = canvas.finish()
    top = 45 if title else 10
    _diagram_layout(fig, title, height=height or round(yspan * ppu) + top + 10,
                    width=width or min(_MAX_WIDTH, round(xspan * ppu) + 20))
    return fig


def nasnet_pair_figure(parent: NASNetCell, child: NASNetCell, mutation: Mutation,
                       title: str = "", width: int | None = None) -> go.Figure:
    """Parent and child side by side, the mutated edge highlighted in both; the child's
    subplot title describes the mutation (e.g. ``child: node 4, input 2: h1 -> h3``).

    Both drawings share one layout, so every node keeps its place and only the mutated edge
    moves. ``width`` defaults to what the drawings need, at most ``_MAX_PAIR_WIDTH`` pixels.
    """
    for name, c in (("parent", parent), ("child", child)):
        if not isinstance(c, NASNetCell):
            raise TypeError(f"{name} must be a NASNetCell, got {type(c).__name__}")
    if not isinstance(mutation, Mutation):
        raise TypeError(f"mutation must be a Mutation, got {type(mutation).__name__}")
    if mutation.child != child:
        raise ValueError(f"mutation.child is not child: {mutation.child} vs {child}")
    change = {"input" if mutation.kind == "hidden_state" else "op": mutation.new}
    if parent.replace(mutation.node, mutation.slot, **change) != child:
        raise ValueError(f"the mutation ({mutation}) does not turn parent into child: "
                         f"parent is {parent}")
    gap = 0.04  # between the two panels, a fraction of the plotting width
    fig = make_subplots(1, 2, subplot_titles=("parent", f"child: {mutation}"),
                        horizontal_spacing=gap)
    pos = _nasnet_layout([parent, child])
    ppu = _fit_ppu(pos, ((width or _MAX_PAIR_WIDTH) - 20) * (1 - gap) / 2)
    spans = []
    for axis, cell in (("", parent), ("2", child)):
        canvas = _Canvas(fig, ppu, axis)
        _draw_nasnet(canvas, cell, pos, mutation.edge)
        spans.append(canvas.finish())
    top = 75 if title else 45
    _diagram_layout(fig, title, height=round(max(s[1] for s in spans) * ppu) + top + 10,
                    width=width or min(_MAX_PAIR_WIDTH,
                                       round(2 * max(s[0] for s in spans) * ppu / (1 - gap)) + 20))
    fig.update_layout(margin={"t": top})
    return fig
