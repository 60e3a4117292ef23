"""Cell drawings: they build for varied cells, label every edge, fade dead edges, highlight the
chosen edge, and refuse the wrong kind of input."""

import numpy as np
import plotly.graph_objects as go
import pytest

from nasdemo import viz
from nasdemo.nas.cell import EDGES, Cell
from nasdemo.nas.nasnet import DARTS_OPS, NASNetCell
from nasdemo.viz.cells import OP_COLOURS, cell_figure, nasnet_figure, nasnet_pair_figure

DARTS_V2_NORMAL = [("sep_conv_3x3", 0), ("sep_conv_3x3", 1), ("sep_conv_3x3", 0),
                   ("sep_conv_3x3", 1), ("sep_conv_3x3", 1), ("skip_connect", 0),
                   ("skip_connect", 0), ("dil_conv_3x3", 2)]

NB201_CELLS = [
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|"
    "+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|",
    "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|none~1|none~2|",  # disconnected
    "|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|",  # all none but one
    "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
]


def _trace(fig: go.Figure, name: str) -> go.Scatter:
    (trace,) = [t for t in fig.data if t.name == name]
    return trace


def test_exported_from_viz():
    assert viz.cell_figure is cell_figure and viz.nasnet_figure is nasnet_figure
    assert viz.nasnet_pair_figure is nasnet_pair_figure
    assert {"cell_figure", "nasnet_figure", "nasnet_pair_figure"} <= set(viz.__all__)
    assert set(DARTS_OPS) <= set(OP_COLOURS) and set(Cell(["none"] * 6).ops) <= set(OP_COLOURS)


@pytest.mark.parametrize("text", NB201_CELLS)
def test_cell_figure_labels_every_edge_and_fades_dead_ones(text):
    cell = Cell.from_string(text)
    fig = cell_figure(cell, title="t")
    assert isinstance(fig, go.Figure)
    assert [a.text for a in fig.layout.annotations] == list(cell.ops)
    live = set(cell.live_edges())
    for (i, j), op, label in zip(EDGES, cell.ops, fig.layout.annotations):
        edge = _trace(fig, f"edge {i}->{j}")
        assert edge.line.color == label.font.color == OP_COLOURS[op]
        assert (edge.opacity == 1.0) == ((i, j) in live) == (label.opacity == 1.0)
        assert (edge.line.dash == "dot") == (op == "none")
    notes = [t.text[0] for t in fig.data if t.mode == "text"]
    assert ("disconnected: the output is always zero" in notes) == cell.is_disconnected
    assert not fig.layout.xaxis.visible and fig.layout.yaxis.scaleanchor == "x"


@pytest.mark.parametrize("cell", [
    NASNetCell.from_darts(DARTS_V2_NORMAL),
    NASNetCell([(("skip_connect", 0), ("skip_connect", 0))]),  # one node, the same input twice
    NASNetCell.random(5, rng=1),
    NASNetCell.random(8, rng=2, ops=DARTS_OPS),
])
def test_nasnet_figure_draws_every_input_and_the_concat(cell):
    fig = nasnet_figure(cell, title="cell")
    texts = [a.text for a in fig.layout.annotations]
    assert len(texts) == 2 * cell.n_nodes
    assert sorted(texts) == sorted(op for op, _ in cell.to_darts())
    names = {t.name for t in fig.data}
    assert {f"node {k}, input {s}" for k in cell.concat for s in (1, 2)} <= names
    assert {f"h{k} to output" for k in cell.concat} <= names
    assert len(fig.layout.shapes) == cell.n_nodes + 3  # inputs, nodes, output
    assert "highlight" not in names
    assert fig.layout.width <= 860  # fits a notebook's output at a 1280 px window


def test_nasnet_highlight_is_drawn_differently():
    cell = NASNetCell.from_darts(DARTS_V2_NORMAL)
    fig = nasnet_figure(cell, highlight=(4, 1))
    chosen = _trace(fig, "node 4, input 2")
    others = [t for t in fig.data if t.name and t.name.startswith("node ") and t is not chosen]
    assert len(others) == 7
    assert all(chosen.line.width > t.line.width and chosen.opacity > t.opacity for t in others)
    assert sum(t.name == "highlight" for t in fig.data) == 1
    emphasised = [a for a in fig.layout.annotations if a.borderwidth]
    assert [a.text for a in emphasised] == ["skip_connect"]
    with pytest.raises(ValueError, match=r"highlight must be \(node, slot\)"):
        nasnet_figure(cell, highlight=(6, 0))


@pytest.mark.parametrize("kind", ["hidden_state", "op"])
def test_pair_figure_highlights_the_mutated_edge_in_both(kind):
    parent = NASNetCell.from_darts(DARTS_V2_NORMAL)
    m = parent.mutate(3, p_hidden=1.0 if kind == "hidden_state" else 0.0)
    fig = nasnet_pair_figure(parent, m.child, m, title="mutation")
    titles = [a.text for a in fig.layout.annotations][:2]
    assert titles == ["parent", f"child: {m}"]
    assert len(fig.layout.annotations) == 2 + 2 * 2 * parent.n_nodes
    name = f"node {m.node}, input {m.slot + 1}"
    chosen = [t for t in fig.data if t.name == name]
    assert [t.xaxis for t in chosen] == ["x", "x2"] and all(t.line.width == 4 for t in chosen)
    assert fig.layout.yaxis2.scaleanchor == "x2"
    assert fig.layout.width <= 860  # fits a notebook's output at a 1280 px window
    # Nodes sit in the same places in both panels.
    assert [s.x0 for s in fig.layout.shapes if s.xref == "x"] == \
        [s.x0 for s in fig.layout.shapes if s.xref == "x2"]


def test_pair_figure_checks_the_mutation():
    parent = NASNetCell.from_darts(DARTS_V2_NORMAL)
    m = parent.mutate_op(0)
    with pytest.raises(ValueError, match="mutation.child is not child"):
        nasnet_pair_figure(parent, parent, m)
    with pytest.raises(ValueError, match="does not turn parent into child"):
        nasnet_pair_figure(NASNetCell.random(4, rng=9), m.child, m)
    with pytest.raises(TypeError, match="mutation must be a Mutation"):
        nasnet_pair_figure(parent, m.child, "node 2")


def test_wrong_input_types():
    with pytest.raises(TypeError, match="nasdemo.nas.Cell"):
        cell_figure(NB201_CELLS[0])
    with pytest.raises(TypeError, match="NASNetCell"):
        cell_figure(NASNetCell.from_darts(DARTS_V2_NORMAL))
    with pytest.raises(TypeError, match="draws a NASNetCell, got Cell"):
        nasnet_figure(Cell.from_string(NB201_CELLS[0]))
    with pytest.raises(TypeError, match="parent must be a NASNetCell"):
        nasnet_pair_figure(DARTS_V2_NORMAL, None, None)


# ----------------------------------------------------------------- DARTS alpha views
def test_alpha_figure_and_monitor():
    import torch

    from nasdemo.nas import EDGES, OPS, NB201Supernet
    from nasdemo.nas.darts import search
    from nasdemo.nas.data import Splits
    from nasdemo.viz import DartsMonitor, alpha_figure

    probs = torch.full((6, 5), 0.2)
    probs[0] = torch.tensor([0.6, 0.1, 0.1, 0.1, 0.1])
    fig = alpha_figure(probs, EDGES, OPS, title="t")
    assert fig.data[0].z.shape == (6, 5) and list(fig.data[0].x) == list(OPS)
    assert fig.data[0].zmax == pytest.approx(0.6) and fig.data[0].zmin == pytest.approx(-0.2) and fig.data[0].y[0] == "0→1"
    flat = alpha_figure(torch.full((6, 5), 0.2), EDGES, OPS)  # no preference: white, +-0.01
    assert (flat.data[0].zmin, flat.data[0].zmax) == pytest.approx((0.19, 0.21))
    with pytest.raises(ValueError, match=r"probs must have shape \(6, 5\)"):
        alpha_figure(probs[:5], EDGES, OPS)

    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(16, 1, 40, generator=g), torch.randint(0, 10, (16,), generator=g)
    net = NB201Supernet(channels=2, device="cpu")
    mon = DartsMonitor(EDGES, OPS, epochs=2, mode="static")
    res = search(net, Splits(x, y, x, y, x, y), epochs=2, batch_size=4, device="cpu",
                 callback=mon)
    assert len(mon.probs) == 2 and len(mon.train) == len(mon.val) == 2
    np.testing.assert_allclose(mon.probs[-1], res.alphas["alpha"][-1].numpy())
    assert mon.train[-1] == pytest.approx(np.mean(res.train_loss[-2:]))
    out = mon.close()
    np.testing.assert_allclose(out.data[0].z, mon.probs[-1])
    assert list(out.data[1].y) == mon.train and out.layout.title.text.endswith("epoch 2")


def test_darts_monitor_widget_mode_redraws_each_epoch():
    import torch

    from nasdemo.nas import EDGES, OPS

    class FakeSearch:  # what the monitor reads from a DartsSearch
        def __init__(self, probs, losses):
            self.supernet = type("Net", (), {"alpha_probs": lambda _: {"alpha": probs}})()
            self.train_loss, self.val_loss = losses, [x + 0.1 for x in losses]

    mon = viz.DartsMonitor(EDGES, OPS, epochs=3, mode="widget")
    assert isinstance(mon.fig, go.FigureWidget)
    probs = torch.full((6, 5), 0.2)
    probs[2] = torch.tensor([0.1, 0.1, 0.1, 0.5, 0.2])
    mon(1, FakeSearch(probs, [2.0, 1.0]))  # two steps in epoch 1: mean 1.5
    assert mon.fig.data[0].z[2][3] == pytest.approx(0.5) and list(mon.fig.data[1].y) == [1.5]
    assert mon.fig.data[2].y[0] == pytest.approx(1.6)
    assert mon.fig.data[0].zmax == pytest.approx(0.5) and mon.fig.layout.title.text.endswith("1")
