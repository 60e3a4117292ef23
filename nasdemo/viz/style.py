"""One look for every figure: the Okabe-Ito colour-blind-safe palette, a clean plotly
layout and matching matplotlib settings."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

# Okabe & Ito (2008), "Color Universal Design": distinguishable with any colour vision.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
           "#000000"]
FONT = "Inter, Helvetica Neue, Arial, sans-serif"


def colour(i: int) -> str:
    """The i-th palette colour (cycling)."""
    return PALETTE[i % len(PALETTE)]


def rgba(hex_colour: str, alpha: float) -> str:
    """``#RRGGBB`` -> ``rgba(r,g,b,alpha)`` for translucent bands."""
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def layout(title: str = "", xlabel: str = "", ylabel: str = "", height: int = 420,
           width: int | None = None, **extra: Any) -> go.Layout:
    """A white, lightly gridded plotly layout with the nasdemo font.

    Axis titles are set only when given, so applying this layout to a figure with subplots
    does not erase titles set on them before. The mode bar sits vertically on the right,
    clear of the title.
    """
    axes: dict[str, Any] = {}
    if xlabel:
        axes["xaxis"] = {"title": {"text": xlabel}}
    if ylabel:
        axes["yaxis"] = {"title": {"text": ylabel}}
    return go.Layout(
        template="plotly_white", title={"text": title, "x": 0.02, "font": {"size": 16}},
        font={"family": FONT, "size": 13}, height=height, width=width,
        legend={"bgcolor": "rgba(255,255,255,0.7)"}, margin={"l": 60, "r": 40, "t": 80, "b": 50},
        modebar={"orientation": "v"}, **axes, **extra,
    )


def use_matplotlib_style() -> None:
    """Matplotlib defaults that match the plotly figures."""
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update({
        "axes.prop_cycle": cycler(color=PALETTE), "axes.spines.top": False,
        "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3,
        "figure.dpi": 100, "savefig.dpi": 150, "figure.figsize": (7, 4),
        "axes.titlesize": 13, "axes.titleweight": "bold", "legend.frameon": False,
    })


def ellipse(mean, cov, n_std: float = 2.0, n_points: int = 80) -> tuple[list[float], list[float]]:
    """x and y coordinates of the ``n_std`` contour of a 2-D Gaussian ``N(mean, cov)``:
    the points ``mean + n_std * B D (cos t, sin t)`` with ``cov = B D^2 B^T``."""
    import torch

    mean = torch.as_tensor(mean, dtype=torch.float64)
    cov = torch.as_tensor(cov, dtype=torch.float64)
    if mean.shape != (2,) or cov.shape != (2, 2):
        raise ValueError(f"ellipse needs a 2-D mean and a 2x2 covariance, got "
                         f"{list(mean.shape)} and {list(cov.shape)}")
    evals, B = torch.linalg.eigh((cov + cov.T) / 2)
    t = torch.linspace(0, 2 * torch.pi, n_points, dtype=torch.float64)
    circle = torch.stack([torch.cos(t), torch.sin(t)])  # [2, n]
    pts = mean[:, None] + n_std * (B * evals.clamp(min=0).sqrt()) @ circle
    return pts[0].tolist(), pts[1].tolist()
