"""nasdemo.viz.bo: the BO figures carry the model's posterior into the right traces."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from nasdemo import functions  # noqa: E402
from nasdemo.blackbox import BayesOpt, minimize  # noqa: E402
from nasdemo.blackbox.gp import fit_gp  # noqa: E402
from nasdemo.viz import (plot_posterior, posterior_2d_figure, posterior_2d_step,  # noqa: E402
                         posterior_figure, posterior_step)

XS = torch.linspace(0, 1, 50, dtype=torch.float64)[:, None]


def _gp():
    f = functions.get("forrester")
    X = torch.tensor([[0.1], [0.5], [0.9]], dtype=torch.float64)
    return f, fit_gp(X, f(X), bounds=f.bounds, noise_var=1e-6)


def test_posterior_step_fills_band_mean_data_and_next_point():
    f, gp = _gp()
    fig = posterior_figure(XS, f(XS), "UCB")
    acq = torch.linspace(0, 1, 50, dtype=torch.float64)
    upd = posterior_step(gp, XS, acq, 0.25, 0.7)
    m, s = gp.posterior(XS)
    assert len(fig.data) == 7 and fig.data[5].name == "UCB"
    assert upd[0]["y"] == pytest.approx((m - 2 * s).tolist())
    assert upd[1]["y"] == pytest.approx((m + 2 * s).tolist())
    assert upd[2]["y"] == pytest.approx(m.tolist())
    assert upd[4] == {"x": [0.1, 0.5, 0.9], "y": gp.y.tolist()}
    assert upd[5]["y"] == acq.tolist() and upd[6] == {"x": [0.25], "y": [0.7]}
    assert fig.layout.width is None  # responsive: fits any notebook width


def test_posterior_checks_lengths():
    f, gp = _gp()
    with pytest.raises(ValueError, match="truth has 3 values"):
        posterior_figure(XS, torch.zeros(3), "EI")
    with pytest.raises(ValueError, match="acq has 4 values"):
        posterior_step(gp, XS, torch.zeros(4), 0.0, 0.0)


def test_plot_posterior_draws_truth_mean_band_samples_and_data():
    f, gp = _gp()
    m, s = gp.posterior(XS)
    fig, ax = plt.subplots()
    plot_posterior(ax, XS, f(XS), m, s, gp.X, gp.y, samples=gp.sample_posterior(XS, 2))
    assert len(ax.lines) == 2 + 2 + 1 and len(ax.collections) == 1
    plt.close(fig)


def test_posterior_2d_figure_and_step():
    f = functions.get("branin")
    bo = BayesOpt(f.bounds, seed=0, n_init=5)
    minimize(f, bo, budget=6)
    fig, grid = posterior_2d_figure(f, n_grid=10)
    assert grid.shape == (100, 2) and len(fig.data) == 12
    minima = fig.data[9].marker
    assert minima.line.color == "black"  # visible on white, e.g. in the legend
    st = bo.steps[-1]
    upd = posterior_2d_step(st.model, grid, torch.arange(100.0), st.next_x)
    assert torch.tensor(upd[2]["z"]).flatten().tolist() == torch.arange(100.0).tolist()
    assert upd[3]["x"] == st.model.X[:, 0].tolist()
    assert upd[8] == {"x": [st.next_x[0, 0].item()], "y": [st.next_x[0, 1].item()]}
    with pytest.raises(ValueError, match="must be square"):
        posterior_2d_step(st.model, grid[:99], torch.zeros(99), st.next_x)
    with pytest.raises(ValueError, match="for 2-D objectives only"):
        posterior_2d_figure(functions.get("hartmann6"))
