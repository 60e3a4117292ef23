"""Static summary plots (matplotlib): convergence curves of many runs with a band."""

from __future__ import annotations

from typing import Mapping

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes

from .style import colour, use_matplotlib_style

__all__ = ["plot_runs"]


def plot_runs(curves: Mapping[str, torch.Tensor | np.ndarray], ax: Axes | None = None,
              log_y: bool = True, band: str = "iqr", xlabel: str = "evaluations",
              ylabel: str = "simple regret", title: str = "") -> Axes:
    """One line per method: the median over runs with a band (``"iqr"``: 25-75 %,
    ``"std"``: mean ± one standard deviation, then the line is the mean).

    ``curves[name]`` is an array ``[runs, steps]`` (e.g. best-so-far regret per evaluation).
    """
    if band not in ("iqr", "std"):
        raise ValueError(f"band must be 'iqr' or 'std', got {band!r}")
    use_matplotlib_style()
    if ax is None:
        _, ax = plt.subplots()
    for i, (name, c) in enumerate(curves.items()):
        a = np.asarray(c.detach().cpu() if isinstance(c, torch.Tensor) else c, dtype=float)
        if a.ndim != 2:
            raise ValueError(f"curves[{name!r}] must be [runs, steps], got shape {a.shape}")
        x = np.arange(1, a.shape[1] + 1)
        if band == "iqr":
            mid = np.median(a, 0)
            lo, hi = np.percentile(a, 25, 0), np.percentile(a, 75, 0)
        else:
            mid, sd = a.mean(0), a.std(0)
            lo, hi = mid - sd, mid + sd
        ax.plot(x, mid, color=colour(i), lw=2, label=f"{name} (n={a.shape[0]})")
        ax.fill_between(x, lo, hi, color=colour(i), alpha=0.18, lw=0)
    if log_y:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend()
    return ax
