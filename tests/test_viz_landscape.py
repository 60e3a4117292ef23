"""nasdemo.viz.landscape: the function gallery and the replay of a search on 2-D."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from nasdemo import functions  # noqa: E402
from nasdemo.blackbox import RandomSearch, minimize  # noqa: E402
from nasdemo.viz import landscape_grid, plot_function_gallery, search_replay  # noqa: E402


def test_landscape_grid_evaluates_the_box():
    f = functions.get("branin")
    gx, gy, Z = landscape_grid(f, 7)
    assert gx[0] == f.bounds[0, 0] and gy[-1] == f.bounds[1, 1]
    assert Z[2, 5] == f(torch.stack([gx[5], gy[2]])[None])[0]
    with pytest.raises(ValueError, match="3-D; landscapes are drawn for 2-D"):
        landscape_grid(functions.get("sphere", 3), 5)


def test_gallery_one_panel_per_function_nine_inches_wide():
    fig = plot_function_gallery([functions.get(n, 2) for n in ("sphere", "branin", "ackley")],
                                cols=2, n=20)
    assert fig.get_size_inches()[0] == 9
    assert [ax.get_visible() for ax in fig.axes] == [True, True, True, False]
    assert fig.axes[0].get_title() == "sphere\n[-5, 5]²"
    assert fig.axes[1].get_title() == "branin\n[-5, 10] × [0, 15]"
    plt.close(fig)


def test_search_replay_best_star_on_top():
    f = functions.get("branin")
    res = minimize(f, RandomSearch(f.bounds, seed=0), budget=6)
    fig, steps, labels, titles = search_replay(f, res.X, res.history, "RS")
    assert len(steps) == 6 and labels[-1] == "6" and titles[0].startswith("RS: 1 evaluation,")
    assert fig.data[-1].name == "best so far"  # drawn after the minima: never hidden
    b = int(torch.argmin(res.history))
    assert steps[-1][3] == {"x": [res.X[b, 0].item()], "y": [res.X[b, 1].item()]}
    assert steps[2][2]["x"] == res.X[:3, 0].tolist()
    assert f"best f = {res.history.min():.3f}" in titles[-1]
    with pytest.raises(ValueError, match="one value per row"):
        search_replay(f, res.X, res.history[:3], "RS")
