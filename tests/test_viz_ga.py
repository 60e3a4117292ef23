"""Notebook 04's figures: selection bars per scheme and panel, tour crossings counted right,
the tour replay and the tuning view built from a GA's own log and curves."""

import math

import numpy as np
import pytest
import torch

from nasdemo import viz
from nasdemo.blackbox import GeneticAlgorithm
from nasdemo.blackbox import ga_operators as ops
from nasdemo.problems import tsp
from nasdemo.viz.ga import selection_figure, tour_crossings, tour_steps, tuning_steps

SQUARE = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])


def test_exported_from_viz():
    for name in ("selection_figure", "tour_crossings", "tour_steps", "tuning_steps"):
        assert name in viz.__all__ and getattr(viz, name) is globals()[name]


def test_selection_figure_one_bar_trace_per_scheme_and_panel():
    f = torch.arange(1.0, 11.0, dtype=torch.float64)
    schemes = {"roulette": ops.roulette_probabilities,
               "tournament, k = 2": lambda x: ops.tournament_probabilities(x, 2)}
    fig = selection_figure(schemes, {"even": f, "outlier": torch.cat([f[:-1], f.new([1e3])])})
    assert len(fig.data) == 4 and sum(t.showlegend for t in fig.data) == 2
    for t in fig.data:
        assert len(t.y) == 10 and math.isclose(sum(t.y), 1.0, rel_tol=1e-9)
    with pytest.raises(ValueError, match="probabilities"):
        selection_figure({"bad": lambda x: x[:3]}, {"even": f})


def test_tour_crossings_counts_the_crossed_square_and_checks_the_tour():
    assert tour_crossings(SQUARE, [0, 1, 2, 3]) == 0  # around the square
    assert tour_crossings(SQUARE, [0, 2, 1, 3]) == 1  # through both diagonals: a bow tie
    with pytest.raises(ValueError, match="each of the 4 cities once"):
        tour_crossings(SQUARE, [0, 1, 1, 3])
    with pytest.raises(ValueError, match=r"\[cities, 2\]"):
        tour_crossings(np.zeros((4, 3)), [0, 1, 2, 3])


def test_tour_crossings_a_2opt_move_removes_a_crossing():
    rng = np.random.default_rng(0)
    xy = rng.random((30, 2))
    tour = list(range(30))
    k = tour_crossings(xy, tour)
    assert k > 0  # a random order crosses itself
    # the same tour backwards, or started elsewhere, crosses itself just as often
    assert tour_crossings(xy, tour[::-1]) == k == tour_crossings(xy, tour[7:] + tour[:7])


def test_tour_steps_replays_the_log_and_fits_the_notebook():
    cities = tsp(12, seed=0)
    ga = GeneticAlgorithm.permutation(12, seed=0, pop_size=20)
    while ga.generation < 30:
        X = ga.ask()
        ga.tell(X, cities(X))
    fig, steps, labels, titles = tour_steps(cities.coords, ga.log, n_frames=10)
    assert len(steps) == len(labels) == len(titles) == 10
    assert labels[0] == "0" and labels[-1] == str(ga.log[-1]["generation"])
    x, y = cities.tour_xy(ga.log[-1]["x_best"])
    assert np.allclose(steps[-1][0]["x"], x) and np.allclose(steps[-1][0]["y"], y)
    k = tour_crossings(cities.coords, ga.log[-1]["x_best"].long().tolist())
    assert titles[-1].endswith(f"{k} crossing{'' if k == 1 else 's'}")
    assert fig.layout.width <= 860
    with pytest.raises(ValueError, match="non-empty"):
        tour_steps(cities.coords, [])


def test_tuning_steps_one_step_per_setting():
    g = torch.arange(1, 6, dtype=torch.float64)
    results = {v: {"best": 10 / (g * v), "mean": 20 / g, "diversity": 0.1 * v + 0 * g}
               for v in (1, 2, 3)}
    fig, steps, titles, keys = tuning_steps(results, "k", ylabel="Rastrigin value")
    assert keys == [1, 2, 3] and len(steps) == len(titles) == 3
    base = 2 * len(results)
    assert len(fig.data) == base + 3
    assert steps[1][base]["y"] == results[2]["best"].tolist()
    assert titles[2].startswith("k = 3: best 0.67")
    assert fig.layout.yaxis.title.text == "Rastrigin value" and fig.layout.yaxis.type == "log"
    with pytest.raises(ValueError, match="lacks the curves"):
        tuning_steps({1: {"best": g}}, "k")
    with pytest.raises(ValueError, match="positive"):
        tuning_steps({1: {"best": g - 1, "mean": g, "diversity": g}}, "k")
