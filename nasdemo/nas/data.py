"""The offline dataset behind nasdemo's tabular benchmark: MNIST-1D.

Greydanus & Kobak, "Scaling Down Deep Learning with MNIST-1D", ICML 2024. Ten 1-D digit
templates (length 12) are padded, sheared, scaled, translated, blurred with correlated noise
and subsampled to signals of length 40; the ``mnist1d`` package *generates* them from a seed
(``make_dataset``), so nothing is downloaded. It was chosen over scikit-learn's 8x8
``load_digits`` because it was designed so that architectures differ at tiny scale (the
paper: a linear model ~32 %, an MLP ~68 %, a CNN ~94 %), while on ``load_digits`` nearly
every small network lands near 97-99 %, which would make a flat, noisy table.

Splits (fixed): the package's default 5,000 signals (seed 42) come as 4,000 train + 1,000
test; we hold out 1,000 of the 4,000 (a fixed permutation, seed 0) for validation, leaving
3,000 to train on. Searches read validation accuracy; test accuracy is reported once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
from torch import Tensor

__all__ = ["Splits", "load_mnist1d", "N_CLASSES", "SIGNAL_LENGTH"]

N_CLASSES = 10
SIGNAL_LENGTH = 40
N_VAL = 1000
SPLIT_SEED = 0


@dataclass(frozen=True)
class Splits:
    """Train / validation / test tensors: ``x_*`` is ``Tensor[n, 1, 40]`` float32 (one
    channel), ``y_*`` is ``LongTensor[n]`` in 0..9."""

    x_train: Tensor
    y_train: Tensor
    x_val: Tensor
    y_val: Tensor
    x_test: Tensor
    y_test: Tensor

    def to(self, device: torch.device | str) -> "Splits":
        """The same splits on ``device``."""
        return Splits(*(t.to(device) for t in (self.x_train, self.y_train, self.x_val,
                                                self.y_val, self.x_test, self.y_test)))

    def sizes(self) -> tuple[int, int, int]:
        """(n_train, n_val, n_test)."""
        return len(self.y_train), len(self.y_val), len(self.y_test)


@lru_cache(maxsize=1)
def load_mnist1d() -> Splits:
    """Generate MNIST-1D (the package's default arguments, ~2 s, no network) and split it.

    Cached per process. The global ``random``/``numpy`` generators, which ``make_dataset``
    reseeds, are restored afterwards so loading data does not change a notebook's randomness.
    """
    try:
        from mnist1d.data import get_dataset_args, make_dataset
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("nasdemo's benchmark data needs the 'mnist1d' package: "
                          "pip install mnist1d") from e
    py_state, np_state = random.getstate(), np.random.get_state()
    try:
        data = make_dataset(get_dataset_args())
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)

    x = torch.tensor(data["x"], dtype=torch.float32).unsqueeze(1)
    y = torch.tensor(data["y"], dtype=torch.long)
    x_test = torch.tensor(data["x_test"], dtype=torch.float32).unsqueeze(1)
    y_test = torch.tensor(data["y_test"], dtype=torch.long)
    perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(SPLIT_SEED))
    val, train = perm[:N_VAL], perm[N_VAL:]
    return Splits(x[train], y[train], x[val], y[val], x_test, y_test)
