"""nasdemo.viz.cma: the CMA-ES figures show each generation's population and ellipse."""

import pytest
import torch

from nasdemo import functions
from nasdemo.blackbox import CMAES, minimize
from nasdemo.viz import cma_log_figure, ellipse, ellipse_figure


def _gens(n=3):
    f = functions.get("sphere", 2)
    es = CMAES(f.bounds, seed=0, x0=[1.0, 1.0], sigma0=0.5)
    gens = []
    for _ in range(n):
        m, sigma, C = es.mean.clone(), es.sigma, es.C.clone()
        X = es.ask()
        y = f(X)
        es.tell(X, y)
        gens.append(dict(m=m, sigma=sigma, C=C, X=X, sel=X[torch.argsort(y)[: es.mu]],
                         best=es.best_y))
    return f, gens


def test_ellipse_figure_steps_follow_the_generations():
    f, gens = _gens()
    fig, steps, titles = ellipse_figure(f, gens, "sphere", zoom=[[-2, -2], [2, 2]])
    assert len(steps) == len(titles) == 3 and len(fig.data) == 5
    assert fig.layout.width is None and list(fig.layout.xaxis.range) == [-2, 2]
    g = gens[1]
    assert steps[1][1]["x"] == g["X"][:, 0].tolist()
    assert steps[1][2]["y"] == g["sel"][:, 1].tolist()
    assert steps[1][3]["x"] == pytest.approx(ellipse(g["m"], g["sigma"] ** 2 * g["C"])[0])
    assert len(steps[2][4]["x"]) == 3  # the mean's path so far
    half = g["sigma"] * torch.linalg.eigvalsh(g["C"])[-1].sqrt()
    assert f"σ·√λmax(C) = {half:.2g}" in titles[1] and "generation 2" in titles[1]


def test_ellipse_figure_rejects_bad_input():
    f, gens = _gens(1)
    with pytest.raises(ValueError, match="at least one generation"):
        ellipse_figure(f, [], "x")
    with pytest.raises(ValueError, match=r"missing \['sel'\]"):
        ellipse_figure(f, [{k: v for k, v in gens[0].items() if k != "sel"}], "x")
    with pytest.raises(ValueError, match="2-D functions"):
        ellipse_figure(functions.get("sphere", 3), gens, "x")


def test_cma_log_figure_has_one_line_per_eigenvalue():
    f = functions.get("ellipsoid", 4)
    es = CMAES(f.bounds, seed=0)
    minimize(f, es, budget=200)
    fig = cma_log_figure(es.log, "t")
    assert len(fig.data) == 2 + 4
    assert list(fig.data[1].y) == [e["sigma"] for e in es.log]
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis3.type == "log"
    with pytest.raises(ValueError, match="non-empty"):
        cma_log_figure([])
