"""One set of input checks (``nasdemo.utils``), one meaning for ``seed`` and ``device``."""

import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from nasdemo import problems, utils
from nasdemo.blackbox import CMAES, BayesOpt, GeneticAlgorithm, RandomSearch, SimulatedAnnealing

ROOT = Path(__file__).resolve().parents[1]
BOX = [[0.0, 0.0], [1.0, 1.0]]


def test_check_int():
    assert utils.check_int(np.int64(3), "n") == 3 and type(utils.check_int(np.int64(3), "n")) is int
    assert utils.check_int(0, "n", minimum=0) == 0
    for bad in (True, 2.0, "2", None, np.float64(2)):
        with pytest.raises(ValueError, match=r"n must be a positive integer, got"):
            utils.check_int(bad, "n")
    with pytest.raises(ValueError, match="k must be an integer >= 3, got 2"):
        utils.check_int(2, "k", minimum=3)
    with pytest.raises(ValueError, match="bits must be an integer in 1..52, got 53"):
        utils.check_int(53, "bits", maximum=52)
    with pytest.raises(ValueError, match="n must be a non-negative integer, got -1"):
        utils.check_int(-1, "n", minimum=0)


def test_check_prob_and_positive():
    assert utils.check_prob(np.float64(0.5), "p") == 0.5 and utils.check_prob(1, "p") == 1.0
    for bad in (-0.1, 1.1, math.nan, True, "0.5", None):
        with pytest.raises(ValueError, match=r"p must be a probability in \[0, 1\]"):
            utils.check_prob(bad, "p")
    assert utils.check_positive(2, "t0") == 2.0
    for bad in (0, -1.0, math.inf, math.nan, False, "1"):
        with pytest.raises(ValueError, match="t0 must be a positive finite number"):
            utils.check_positive(bad, "t0")
    assert utils.check_number(-1.5, "xi") == -1.5
    for bad in (math.inf, math.nan, None, "1", True):
        with pytest.raises(ValueError, match="xi must be a finite number"):
            utils.check_number(bad, "xi")
    with pytest.raises(ValueError, match="beta must be a finite number >= 0"):
        utils.check_number(-1, "beta", minimum=0)


def test_no_copies_of_the_input_checks_remain():
    """The integer/probability/positive checks live in nasdemo.utils only."""
    pattern = re.compile(r"isinstance\(\w+, bool\) or not isinstance\(\w+, (int|\(int)")
    files = [*sorted((ROOT / "nasdemo" / "blackbox").glob("*.py")),
             ROOT / "nasdemo" / "problems.py", ROOT / "nasdemo" / "functions.py"]
    for path in files:
        text = path.read_text()
        assert not pattern.search(text), path.name
        for name in ("def _int(", "def _check_int(", "def _check_prob(", "def _positive(",
                     "def _check_positive_int("):
            assert name not in text, (path.name, name)


SEEDED = [
    lambda s: RandomSearch(BOX, seed=s),
    lambda s: BayesOpt(BOX, seed=s),
    lambda s: CMAES(BOX, seed=s),
    lambda s: SimulatedAnnealing(BOX, seed=s),
    lambda s: GeneticAlgorithm(BOX, seed=s, pop_size=4),
    lambda s: problems.tsp(5, seed=s),
    lambda s: problems.knapsack(5, seed=s),
    utils.seed_everything,
]


@pytest.mark.parametrize("make", SEEDED)
@pytest.mark.parametrize("seed", [None, 1.5, -1, True, "0", np.float64(1)])
def test_a_bad_seed_says_what_seed_accepts(make, seed):
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        make(seed)


@pytest.mark.parametrize("make", SEEDED)
def test_numpy_integer_seeds_are_seeds(make):
    make(np.int64(3))


def test_device_variable_is_normalised(monkeypatch):
    for value in ("CPU", " cpu", "cpu\n", "Cpu "):
        monkeypatch.setenv("NASDEMO_DEVICE", value)
        assert utils.get_device() == torch.device("cpu")
    monkeypatch.setenv("NASDEMO_DEVICE", "cpu")
    assert utils.get_device() == torch.device("cpu")


def test_empty_device_variable_means_automatic(monkeypatch):
    monkeypatch.delenv("NASDEMO_DEVICE", raising=False)
    automatic = utils.get_device()
    for value in ("", "  "):
        monkeypatch.setenv("NASDEMO_DEVICE", value)
        assert utils.get_device() == automatic


@pytest.mark.parametrize("value", ["foo", "gpu", "cuda:x", "cpu cpu"])
def test_bad_device_variable_names_the_variable(monkeypatch, value):
    monkeypatch.setenv("NASDEMO_DEVICE", value)
    with pytest.raises(ValueError, match=r"NASDEMO_DEVICE=.* is not a device.*cpu.*cuda.*mps"):
        utils.get_device()


def test_bad_device_argument_names_the_argument(monkeypatch):
    monkeypatch.delenv("NASDEMO_DEVICE", raising=False)
    with pytest.raises(ValueError, match=r"device='foo' is not a device"):
        utils.get_device("foo")
    assert utils.get_device(" CPU") == torch.device("cpu")


def test_each_public_name_comes_from_one_module():
    """A name exported twice from a package face (two modules defining it, the later import
    silently shadowing the earlier) breaks whichever notebook used the first: notebook 04's
    GA ``selection_figure`` was once replaced by DARTS-PT's. Each face's ``__all__`` lists a
    name once, and no two of its submodules export the same name."""
    import importlib
    import pkgutil

    for face in ("nasdemo.blackbox", "nasdemo.nas", "nasdemo.viz"):
        pkg = importlib.import_module(face)
        assert len(pkg.__all__) == len(set(pkg.__all__)), face
        owner: dict[str, str] = {}
        for info in pkgutil.iter_modules(pkg.__path__):
            mod = importlib.import_module(f"{face}.{info.name}")
            for name in getattr(mod, "__all__", []):
                if name in pkg.__all__:
                    assert name not in owner, (f"{face}.{name} is exported by both "
                                               f"{owner.get(name)} and {info.name}")
                    owner[name] = info.name
