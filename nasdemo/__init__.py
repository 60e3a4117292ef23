"""nasdemo: notebooks and a small PyTorch package that teach black-box optimisation and
neural architecture search (see the notebooks/ folder for the lecture-ordered tour)."""

from . import functions, utils
from .utils import fast_mode, get_device, seed_everything

__version__ = "0.1.0"
__all__ = ["functions", "utils", "fast_mode", "get_device", "seed_everything", "__version__"]
