"""Black-box optimisers speaking ask/tell, and the ``minimize`` driver."""

from .annealing import SimulatedAnnealing
from .base import Optimizer, Result, check_bounds, minimize
from .bayesopt import BayesOpt
from .cmaes import CMAES
from .genetic import GeneticAlgorithm
from .random_search import RandomSearch

__all__ = ["Optimizer", "Result", "check_bounds", "minimize", "RandomSearch", "BayesOpt",
           "CMAES", "SimulatedAnnealing", "GeneticAlgorithm"]
