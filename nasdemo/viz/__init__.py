"""Figures for the notebooks: live widgets with a static fallback, summary plots and cell
drawings, and one module of plot plumbing per notebook topic (bo, cma, annealing, ga, nas,
landscape, darts, nao, neural_predictor, showdown) so that notebook cells show the
algorithm, not the plotting."""

from .annealing import (acceptance_figure, annealing_replay, plot_gsa_vs_scipy, plot_schedules,
                        plot_tails, tsp_replay)
from .bo import (plot_posterior, posterior_2d_figure, posterior_2d_step, posterior_figure,
                 posterior_step)
from .cells import cell_figure, nasnet_figure, nasnet_pair_figure
from .cma import cma_log_figure, ellipse_figure
from .compare import budget_figure
from .darts import DartsMonitor, alpha_figure, spread_of
from .darts_pt import darts_vs_pt_figure, edge_selection_figure
from .evolution import queue_steps
from .ga import selection_figure, tour_crossings, tour_steps, tuning_steps
from .landscape import landscape_grid, plot_function_gallery, search_replay
from .live import LiveCurves, step_through, viz_mode
from .nao import (Projection, embedding_figure, eta_walk_steps, neighbour_rho, rounds_figure,
                  rounds_table, seed_parents)
from .nas import (SHORT_OPS, cell_designer, cell_table, plot_learning_curves, plot_run_models,
                  short_cell)
from .neural_predictor import (figure6, figure7, pipeline_figure, prediction_scatter,
                               val_test_figure)
from .plots import plot_runs
from .showdown import (method_colours, ranking_figure, showdown_queries_figure,
                       showdown_time_figure, showdown_widget)
from .style import PALETTE, colour, ellipse, layout, rgba, use_matplotlib_style

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
    "alpha_figure", "DartsMonitor", "spread_of", "edge_selection_figure", "darts_vs_pt_figure",
    # NAO (notebook 08)
    "Projection", "embedding_figure", "eta_walk_steps", "rounds_figure", "rounds_table",
    "seed_parents", "neighbour_rho",
    # the Neural Predictor (notebook 09)
    "pipeline_figure", "prediction_scatter", "val_test_figure", "figure6", "figure7",
    # the showdown (notebook 10) and python -m nasdemo compare --plot
    "showdown_queries_figure", "showdown_time_figure", "ranking_figure", "method_colours",
    "showdown_widget", "budget_figure",
]
