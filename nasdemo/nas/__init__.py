"""Neural architecture search: the NAS-Bench-201 space, an offline tabular benchmark built
on MNIST-1D, and the search strategies (random search, aging evolution, REINFORCE, DARTS)."""

from .benchmark import Benchmark
from .cell import EDGES, OPS, Cell
from .compare import Comparison, compare
from .data import Splits, load_mnist1d
from .nasnet import NASNetCell
from .network import Network, count_params
from .train import Recipe, train_cell
from .darts import (DartsConfig, DartsGenotype, DartsResult, DartsSearch, DartsSupernet,
                    NB201Supernet)
from .darts import search as darts_search
from .evolution import aging_evolution
from .reinforce import reinforce
from .random_search import random_search
from .result import SearchResult
from .nasnet import DARTS_OPS
from .darts import MixedOp
from .methods import METHODS, get_method
from .neural_predictor import (default_n_train, neural_predictor, neural_predictor_runs,
                               kendall_tau, encode_cells, deployed_curve, SearchCurves,
                               figure6_data, figure7_data, training_sample)

__all__ = ["Benchmark", "Cell", "EDGES", "OPS", "SearchResult", "random_search",
           "aging_evolution", "reinforce", "compare", "Comparison", "NB201Supernet",
           "DartsSupernet", "DartsGenotype", "DartsSearch", "DartsConfig", "DartsResult",
           "darts_search", "Splits", "load_mnist1d", "NASNetCell", "Network", "count_params",
           "Recipe", "train_cell",
           "DARTS_OPS", "MixedOp", "METHODS", "get_method",
           "neural_predictor", "neural_predictor_runs", "default_n_train", "kendall_tau",
           "encode_cells", "deployed_curve", "SearchCurves", "figure6_data", "figure7_data",
           "training_sample"]
