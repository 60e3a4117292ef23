"""Notebooks 05 and 06's helpers: short cell strings that read back, a top-cells table that fits
~100 characters, learning curves with the legend outside the axes, one panel per search run,
and the cell designer widget redrawing on a change."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from nasdemo import viz  # noqa: E402
from nasdemo.nas import Benchmark, Cell, random_search  # noqa: E402
from nasdemo.viz.nas import (  # noqa: E402
    SHORT_OPS, cell_designer, cell_table, plot_learning_curves, plot_run_models, short_cell)

LONGEST = Cell(["skip_connect"] * 6)  # the longest cell string, 95 characters


def test_exported_from_viz():
    for name in ("SHORT_OPS", "short_cell", "cell_table", "plot_learning_curves",
                 "plot_run_models", "cell_designer"):
        assert name in viz.__all__ and getattr(viz, name) is globals()[name]


def test_short_cell_reads_back_as_the_same_cell():
    long = {s: op for op, s in SHORT_OPS.items()}
    for c in Cell.all()[::97] + [LONGEST]:
        s = short_cell(c)
        ops = [g.split("~")[0] for g in s.replace("+", "").split("|") if g]
        assert Cell([long[o] for o in ops]) == c
        assert len(s) <= 53
    assert short_cell(str(LONGEST)) == short_cell(LONGEST)
    with pytest.raises(TypeError, match="Cell or its string"):
        short_cell(3)


def test_cell_table_fits_100_characters_and_refuses_a_narrower_width():
    rows = [(1, 87.7, 86.9, LONGEST), (12_345, 9.5, 10.1, Cell(["none"] * 6))]
    text = cell_table(rows)
    assert max(len(line) for line in text.splitlines()) <= 100
    assert "conv3 = nor_conv_3x3" in text and "    1   87.7    86.9  |skip~0|" in text
    with pytest.raises(ValueError, match="wider than 40"):
        cell_table(rows, width=40)


def test_plot_learning_curves_puts_the_legend_outside_the_axes():
    ax = plot_learning_curves({"best": [[50, 70, 80], [48, 69, 81]], "median": [[40, 60, 70]]})
    assert len(ax.lines) == 3 and [t.get_text() for t in ax.get_legend().get_texts()] == [
        "best", "median"]
    fig = ax.figure
    fig.canvas.draw()
    legend_box = ax.get_legend().get_window_extent()
    assert legend_box.x0 >= ax.get_window_extent().x1  # right of the plotting area
    plt.close(fig)
    with pytest.raises(ValueError, match="no curve"):
        plot_learning_curves({"best": []})


def test_plot_run_models_one_panel_per_run():
    bench = Benchmark.default()
    runs = {"random search": random_search(bench, 20, seed=0),
            "again": random_search(bench, 20, seed=1)}
    fig = plot_run_models(runs, ylim=(40, 90))
    assert len(fig.axes) == 2 and [a.get_title() for a in fig.axes] == list(runs)
    assert len(fig.axes[0].collections[0].get_offsets()) == 20
    assert fig.axes[0].get_ylim() == (40, 90)
    plt.close(fig)


def test_cell_designer_redraws_on_a_change():
    box = cell_designer(LONGEST, describe=lambda c: f"{len(str(c))} characters")
    pickers = list(box.children[0].children) + list(box.children[1].children)
    fig = box.children[2]
    assert len(pickers) == 6 and fig.layout.title.text == "95 characters"
    pickers[0].value = "none"
    assert fig.layout.title.text == f"{len(str(Cell(['none'] + ['skip_connect'] * 5)))} characters"
    with pytest.raises(TypeError, match="must be a Cell"):
        cell_designer("|none~0|", describe=str)
