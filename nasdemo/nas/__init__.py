"""Neural architecture search: the NAS-Bench-201 space, an offline tabular benchmark built
on MNIST-1D, and (in later modules) the search strategies."""

from .benchmark import Benchmark
from .cell import EDGES, OPS, Cell
from .compare import Comparison, compare
from .evolution import aging_evolution
from .reinforce import reinforce
from .search import SearchResult, random_search

__all__ = ["Benchmark", "Cell", "EDGES", "OPS", "SearchResult", "random_search",
           "aging_evolution", "reinforce", "compare", "Comparison"]
