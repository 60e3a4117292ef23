"""Figures for the notebooks: live widgets with a static fallback, summary plots and cell
drawings, and one module of plot plumbing per notebook topic (bo, cma, annealing, ga, nas,
landscape) so that notebook cells show the algorithm, not the plotting."""

from .annealing import (acceptance_figure, annealing_replay, plot_gsa_vs_scipy, plot_schedules,
                        plot_tails, tsp_replay)
from .bo import (plot_posterior, posterior_2d_figure, posterior_2d_step, posterior_figure,
                 posterior_step)
from .cells import cell_figure, nasnet_figure, nasnet_pair_figure
from .cma import cma_log_figure, ellipse_figure
from .compare import budget_figure
from .darts import DartsMonitor, alpha_figure, spread_of
from .evolution import queue_steps
from .ga import selection_figure, tour_crossings, tour_steps, tuning_steps
from .landscape import landscape_grid, plot_function_gallery, search_replay
from .live import LiveCurves, step_through, viz_mode
from .nao import Projection, embedding_figure, eta_walk_steps, rounds_figure
from .nas import (SHORT_OPS, cell_designer, cell_table, plot_learning_curves, plot_run_models,
                  short_cell)
from .plots import plot_runs
from .style import PALETTE, colour, ellipse, layout, rgba, use_matplotlib_style
from .showdown import (method_colours, ranking_figure, showdown_queries_figure,
                       showdown_time_figure)

__all__ = [
    # live views and style
    "LiveCurves", "step_through", "viz_mode", "plot_runs", "PALETTE", "colour", "layout", "rgba",
    "use_matplotlib_style", "ellipse",
    # toy functions and the black-box optimisers (notebooks 00-04)
    "landscape_grid", "plot_function_gallery", "search_replay",
    "plot_posterior", "posterior_figure", "posterior_step", "posterior_2d_figure",
    "posterior_2d_step",
    "ellipse_figure", "cma_log_figure",
    "acceptance_figure", "annealing_replay", "tsp_replay", "plot_schedules", "plot_tails",
    "plot_gsa_vs_scipy",
    "selection_figure", "tour_crossings", "tour_steps", "tuning_steps",
    # architecture search (notebooks 05-07)
    "cell_figure", "nasnet_figure", "nasnet_pair_figure", "SHORT_OPS", "short_cell", "cell_table",
    "plot_learning_curves", "plot_run_models", "cell_designer", "queue_steps",
    "alpha_figure", "DartsMonitor", "spread_of",
    # NAO (notebook 08)
    "Projection", "embedding_figure", "eta_walk_steps", "rounds_figure",
    "budget_figure",
]
__all__ += ["showdown_queries_figure", "showdown_time_figure", "ranking_figure",
            "method_colours"]
from .darts_pt import darts_vs_pt_figure, selection_figure

__all__ += ["selection_figure", "darts_vs_pt_figure"]
from .nao import neighbour_rho, rounds_table, seed_parents

__all__ += ["rounds_table", "seed_parents", "neighbour_rho"]
