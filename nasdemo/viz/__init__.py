"""Figures for the notebooks: live widgets with a static fallback, summary plots and cell
drawings."""

from .cells import cell_figure, nasnet_figure, nasnet_pair_figure
from .darts import DartsMonitor, alpha_figure, spread_of
from .evolution import queue_steps
from .live import LiveCurves, step_through, viz_mode
from .plots import plot_runs
from .bo import (plot_posterior, posterior_2d_figure, posterior_2d_step, posterior_figure,
                 posterior_step)
from .cma import cma_log_figure, ellipse_figure
from .annealing import (acceptance_figure, annealing_replay, plot_gsa_vs_scipy, plot_schedules,
                        plot_tails, tsp_replay)
from .landscape import landscape_grid, plot_function_gallery, search_replay
from .style import PALETTE, colour, ellipse, layout, rgba, use_matplotlib_style

__all__ = ["LiveCurves", "step_through", "viz_mode", "plot_runs", "PALETTE", "colour",
           "layout", "rgba", "use_matplotlib_style", "ellipse", "cell_figure", "nasnet_figure",
           "nasnet_pair_figure", "alpha_figure", "DartsMonitor", "spread_of", "queue_steps"]
__all__ += ["plot_posterior", "posterior_figure", "posterior_step", "posterior_2d_figure",
            "posterior_2d_step"]
__all__ += ["ellipse_figure", "cma_log_figure"]
__all__ += ["acceptance_figure", "annealing_replay", "tsp_replay", "plot_schedules",
            "plot_tails", "plot_gsa_vs_scipy"]
__all__ += ["landscape_grid", "plot_function_gallery", "search_replay"]
