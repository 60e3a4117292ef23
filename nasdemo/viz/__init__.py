"""Figures for the notebooks: live widgets with a static fallback, summary plots and cell
drawings."""

from .cells import cell_figure, nasnet_figure, nasnet_pair_figure
from .darts import DartsMonitor, alpha_figure, spread_of
from .evolution import queue_steps
from .ga import selection_figure, tour_crossings, tour_steps, tuning_steps
from .nas import (SHORT_OPS, cell_designer, cell_table, plot_learning_curves, plot_run_models,
                  short_cell)
from .live import LiveCurves, step_through, viz_mode
from .plots import plot_runs
from .style import PALETTE, colour, ellipse, layout, rgba, use_matplotlib_style

__all__ = ["LiveCurves", "step_through", "viz_mode", "plot_runs", "PALETTE", "colour",
           "layout", "rgba", "use_matplotlib_style", "ellipse", "cell_figure", "nasnet_figure",
           "nasnet_pair_figure", "alpha_figure", "DartsMonitor", "spread_of", "queue_steps",
           "selection_figure", "tour_crossings", "tour_steps", "tuning_steps", "SHORT_OPS",
           "short_cell", "cell_table", "plot_learning_curves", "plot_run_models", "cell_designer"]
