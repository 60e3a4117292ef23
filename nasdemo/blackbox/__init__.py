"""Black-box optimisers speaking ask/tell, and the ``minimize`` driver.

Besides the optimisers, the pieces the notebooks take apart are public here: the GP prior and
its MAP fit and the acquisition functions (notebook 01), CMA-ES's default parameters (02),
the annealing acceptance rule, cooling schedules and visiting distribution (03), and the GA's
operators (04, ``nasdemo.blackbox.ga_operators``)."""

from . import ga_operators
from .annealing import SCHEDULES, SimulatedAnnealing, acceptance_probability, visiting_scale
from .base import Optimizer, Result, check_bounds, minimize
from .bayesopt import BayesOpt, acquisition_values
from .cmaes import CMAES, default_parameters
from .genetic import GeneticAlgorithm
from .gp import fit_gp, sample_prior
from .random_search import RandomSearch

__all__ = ["Optimizer", "Result", "check_bounds", "minimize", "RandomSearch", "BayesOpt",
           "CMAES", "SimulatedAnnealing", "GeneticAlgorithm",
           "sample_prior", "fit_gp", "acquisition_values", "default_parameters",
           "acceptance_probability", "SCHEDULES", "visiting_scale", "ga_operators"]
