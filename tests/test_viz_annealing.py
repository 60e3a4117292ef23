"""nasdemo.viz.annealing: replays follow the run, figures fit the notebook's width."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from nasdemo import functions  # noqa: E402
from nasdemo.blackbox import SimulatedAnnealing, minimize  # noqa: E402
from nasdemo.problems import tsp  # noqa: E402
from nasdemo.viz import (acceptance_figure, annealing_replay, plot_gsa_vs_scipy,  # noqa: E402
                         plot_schedules, plot_tails, tsp_replay)


def test_acceptance_figure_has_three_traces_on_the_grid():
    fig = acceptance_figure(torch.linspace(0, 1, 5))
    assert len(fig.data) == 3 and list(fig.data[0].x) == pytest.approx([0, .25, .5, .75, 1])
    assert fig.layout.width is None


def test_annealing_replay_follows_the_walk():
    f = functions.get("rastrigin", 2)
    sa = SimulatedAnnealing(f.bounds, seed=0, horizon=200)
    walk = []
    minimize(f, sa, 200, callback=lambda opt, X, y: walk.append((X[0].clone(), opt.x.clone())))
    fig, steps, labels, titles = annealing_replay(f, walk, sa.log, sa.n_calibrate + 1, 200,
                                                  n_frames=10)
    assert len(steps) == len(labels) == len(titles) == 10 and labels[-1] == "200"
    assert fig.layout.width is None  # fits the notebook (issue 18: it was 940 px)
    assert fig.data[5].name == "best so far" and len(fig.data) == 13  # the star is drawn last
    i = min(range(200), key=lambda k: sa.log["candidate"][k])
    assert steps[-1][5] == {"x": [walk[i][0][0].item()], "y": [walk[i][0][1].item()]}
    assert steps[-1][3]["x"] == [walk[-1][1][0].item()]
    with pytest.raises(ValueError, match="must match"):
        annealing_replay(f, walk[:-1], sa.log, 1, 200)


def test_tsp_replay_one_step_per_snapshot():
    P = tsp(8, seed=0)
    sa = SimulatedAnnealing(P.bounds, seed=0, encoding="permutation", horizon=100)
    snaps = []
    minimize(P, sa, 100, callback=lambda o, X, y: snaps.append(
        (o.n_told, o.x.clone(), o.temperature, o.fx, o.best_y)) if o.n_told % 50 == 0 else None)
    fig, steps, labels, titles = tsp_replay(P, snaps, sa.log, 100)
    assert labels == ["50", "100"] and fig.layout.width is None
    assert steps[1][0]["x"] == list(P.tour_xy(snaps[1][1])[0])
    assert "8-city TSP · evaluation 100" in titles[1]
    with pytest.raises(ValueError, match="at least one snapshot"):
        tsp_replay(P, [], sa.log, 100)


def test_matplotlib_helpers_fit_nine_inches_and_check_input():
    logs = {s: {"evals": [1, 2], "temperature": [1.0, 0.5], "current": [3.0, 2.0]}
            for s in ("a", "b")}
    fig = plot_schedules(logs, {"a": [2.0, 1.0], "b": [3.0, 4.0]}, 5.0, 2)
    assert fig.get_size_inches()[0] <= 9 and len(fig.axes) == 3
    plt.close(fig)
    with pytest.raises(ValueError, match="same schedules"):
        plot_schedules(logs, {"a": [1.0]}, 5.0, 2)
    fig, (a0, a1) = plt.subplots(1, 2)
    plot_tails(a0, {"g": torch.randn(100), "c": torch.randn(100)}, box_width=3.0)
    assert len(a0.lines) == 3  # two curves and the box line
    plot_gsa_vs_scipy(a1, [torch.tensor([5.0, 2.0, 0.5])], [0.3])
    assert a1.get_yscale() == "log" and len(a1.collections) == 1
    plt.close(fig)
    with pytest.raises(ValueError):
        plot_tails(a0, {})
