"""Neural architecture search: the NAS-Bench-201 space, an offline tabular benchmark built
on MNIST-1D, and (in later modules) the search strategies."""

from .benchmark import Benchmark
from .cell import EDGES, OPS, Cell

__all__ = ["Benchmark", "Cell", "EDGES", "OPS"]
