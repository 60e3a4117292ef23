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
    """A white, lightly gridded plotly layout with the nasdemo font."""
    return go.Layout(
        template="plotly_white", title={"text": title, "x": 0.02, "font": {"size": 16}},
        font={"family": FONT, "size": 13}, height=height, width=width,
        xaxis={"title": {"text": xlabel}}, yaxis={"title": {"text": ylabel}},
        legend={"bgcolor": "rgba(255,255,255,0.7)"}, margin={"l": 60, "r": 20, "t": 50, "b": 50},
        **extra,
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
