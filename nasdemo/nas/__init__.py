"""Neural architecture search: the NAS-Bench-201 space, an offline tabular benchmark built
on MNIST-1D, and the search strategies (random search, aging evolution, REINFORCE, the
black-box optimisers on cells, NAO, the Neural Predictor, DARTS and DARTS-PT), compared."""

# the space, the table and the network it was built with
from .benchmark import Benchmark
from .cell import EDGES, OPS, Cell
from .data import Splits, load_mnist1d
from .nasnet import DARTS_OPS, NASNetCell
from .network import Network, count_params
from .train import Recipe, train_cell
# query-based searches: fn(bench, budget, seed=0, **options) -> SearchResult
from .result import SearchResult
from .random_search import random_search
from .evolution import aging_evolution
from .reinforce import reinforce
from .blackbox_search import bayesopt, cmaes, genetic_algorithm, simulated_annealing
from .nao import NAOModel, NAORound, fit_nao, nao
from .neural_predictor import (SearchCurves, default_n_train, deployed_curve, encode_cells,
                               figure6_data, figure7_data, neural_predictor,
                               neural_predictor_runs, training_sample)
from .methods import METHODS, get_method
# gradient-based searches on a supernet, and their recorded runs
from .darts import (DartsConfig, DartsGenotype, DartsResult, DartsSearch, DartsSupernet,
                    MixedOp, NB201Supernet)
from .darts import search as darts_search
from .darts_pt import DartsPTResult, EdgeDecision, darts_pt_search, darts_pt_select
from .records import DARTS_PT_RUNS, DARTS_RUNS, RecordedRun, load_runs
# comparing them
from .compare import Comparison, compare, kendall_tau, mean_ci, ranking_text, record_rows

__all__ = [
    "Benchmark", "Cell", "EDGES", "OPS", "Splits", "load_mnist1d", "DARTS_OPS", "NASNetCell",
    "Network", "count_params", "Recipe", "train_cell",
    "SearchResult", "random_search", "aging_evolution", "reinforce", "bayesopt", "cmaes",
    "genetic_algorithm", "simulated_annealing", "nao", "NAOModel", "NAORound", "fit_nao",
    "neural_predictor", "neural_predictor_runs", "default_n_train", "encode_cells",
    "deployed_curve", "SearchCurves", "figure6_data", "figure7_data", "training_sample",
    "METHODS", "get_method",
    "DartsConfig", "DartsGenotype", "DartsResult", "DartsSearch", "DartsSupernet", "MixedOp",
    "NB201Supernet", "darts_search", "DartsPTResult", "EdgeDecision", "darts_pt_search",
    "darts_pt_select", "DARTS_PT_RUNS", "DARTS_RUNS", "RecordedRun", "load_runs",
    "Comparison", "compare", "kendall_tau", "mean_ci", "ranking_text", "record_rows",
]
