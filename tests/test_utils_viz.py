import plotly.graph_objects as go
import pytest
import torch

import nasdemo
from nasdemo import utils, viz


def test_fast_mode_and_pick(monkeypatch):
    monkeypatch.setenv("NASDEMO_FAST", "1")
    assert utils.fast_mode() and utils.pick(10, 2) == 2
    monkeypatch.setenv("NASDEMO_FAST", "0")
    assert not utils.fast_mode() and utils.pick(10, 2) == 10


def test_device_choice(monkeypatch):
    monkeypatch.setenv("NASDEMO_DEVICE", "cpu")
    assert utils.get_device() == torch.device("cpu")
    monkeypatch.delenv("NASDEMO_DEVICE")
    expected = "cuda" if torch.cuda.is_available() else (
        "mps" if torch.backends.mps.is_available() else "cpu")
    assert utils.get_device().type == expected
    assert nasdemo.get_device("cpu") == torch.device("cpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            utils.get_device("cuda")


def test_seed_everything_repeats():
    utils.seed_everything(5)
    a = torch.rand(3)
    g = utils.seed_everything(5)
    assert torch.equal(a, torch.rand(3))
    assert isinstance(g, torch.Generator)


def _fig():
    fig = go.Figure(layout=viz.layout("t"))
    fig.add_scatter(x=[0, 1], y=[0, 0])
    fig.add_scatter(x=[], y=[])
    return fig


def test_step_through_static_builds_frames():
    steps = [{0: {"y": [0, k]}, 1: {"x": [k], "y": [k]}} for k in range(4)]
    out = viz.step_through(_fig(), steps, title=lambda k: f"step {k}", mode="static",
                           start=2, show=False)
    assert len(out.frames) == 4 and list(out.frames[3].data[0].y) == [0, 3]
    assert out.layout.sliders[0].active == 2 and out.layout.title.text == "step 2"
    assert list(out.data[0].y) == [0, 2]


def test_step_through_widget_updates_traces():
    steps = [{0: {"y": [0, k]}} for k in range(3)]
    box = viz.step_through(_fig(), steps, labels=["a", "b", "c"], mode="widget", show=False)
    play_row, fw = box.children
    slider, label = play_row.children[1], play_row.children[2]
    assert label.value == "a"
    slider.value = 2
    assert list(fw.data[0].y) == [0, 2] and label.value == "c"


@pytest.mark.parametrize("mode", ["static", "widget"])
def test_step_through_titles_from_a_list_are_kept(mode):
    # Notebook cells rebind names like `titles`: a list passed in must be the one shown,
    # whatever happens to the caller's list afterwards.
    steps = [{0: {"y": [0, k]}} for k in range(3)]
    titles = ["t0", "t1", "t2"]
    out = viz.step_through(_fig(), steps, title=titles, mode=mode, start=1, show=False)
    titles[2] = "changed"  # (static frames are built at once; the widget is the real test)
    if mode == "static":
        assert out.layout.title.text == "t1" and out.frames[2].layout.title.text == "t2"
    else:
        play_row, fw = out.children
        assert fw.layout.title.text == "t1"
        play_row.children[1].value = 2
        assert fw.layout.title.text == "t2"


def test_step_through_errors(monkeypatch):
    with pytest.raises(ValueError, match="at least one step"):
        viz.step_through(_fig(), [], show=False)
    with pytest.raises(ValueError, match="labels"):
        viz.step_through(_fig(), [{}], labels=["a", "b"], show=False)
    with pytest.raises(ValueError, match="2 titles for 1 steps"):
        viz.step_through(_fig(), [{}], title=["a", "b"], show=False)
    with pytest.raises(TypeError, match="one string per step"):
        viz.step_through(_fig(), [{}, {}], title="ab", show=False)
    monkeypatch.setenv("NASDEMO_VIZ", "bogus")
    with pytest.raises(ValueError, match="NASDEMO_VIZ"):
        viz.viz_mode()


def test_viz_mode_outside_kernel_is_static(monkeypatch):
    monkeypatch.delenv("NASDEMO_VIZ", raising=False)
    assert viz.viz_mode() == "static"
    monkeypatch.setenv("NASDEMO_VIZ", "widget")
    assert viz.viz_mode() == "widget"


@pytest.mark.parametrize("mode", ["static", "widget"])
def test_live_curves(mode):
    lc = viz.LiveCurves(["a", "b"], mode=mode, log_y=True)
    lc.add("a", 1, 5.0)
    lc.add("a", [2, 3], [4.0, 3.0])
    fig = lc.close()
    assert list(fig.data[0].y) == [5.0, 4.0, 3.0]
    with pytest.raises(ValueError, match="unknown line"):
        lc.add("c", 1, 1)


def test_plot_runs_and_errors():
    ax = viz.plot_runs({"x": torch.rand(5, 10) + 0.1, "y": torch.rand(5, 10) + 0.1},
                       band="std")
    assert len(ax.get_lines()) == 2
    with pytest.raises(ValueError, match="runs, steps"):
        viz.plot_runs({"x": torch.rand(10)})
    with pytest.raises(ValueError, match="band"):
        viz.plot_runs({"x": torch.rand(2, 3)}, band="bad")


def test_ellipse_points_lie_on_the_mahalanobis_contour():
    mean = torch.tensor([1.0, -2.0], dtype=torch.float64)
    cov = torch.tensor([[4.0, 1.5], [1.5, 1.0]], dtype=torch.float64)
    xs, ys = viz.ellipse(mean, cov, n_std=2.0)
    P = torch.tensor([xs, ys], dtype=torch.float64).T - mean
    d2 = (P @ torch.linalg.inv(cov) * P).sum(1)
    assert torch.allclose(d2, torch.full_like(d2, 4.0))
    with pytest.raises(ValueError, match="2x2"):
        viz.ellipse(torch.zeros(3), torch.eye(3))
