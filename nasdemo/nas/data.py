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

``load_cifar10`` reads CIFAR-10 for the 2-D (GPU) path when the user has it on disk, in the
python format that ``torchvision.datasets.CIFAR10(root, download=True)`` leaves in
``root/cifar-10-batches-py``; nasdemo never downloads it.
"""

from __future__ import annotations

import pickle
import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from ..utils import check_int

__all__ = ["Splits", "load_mnist1d", "load_cifar10", "N_CLASSES", "SIGNAL_LENGTH"]

N_CLASSES = 10
SIGNAL_LENGTH = 40
N_VAL = 1000
SPLIT_SEED = 0


@dataclass(frozen=True)
class Splits:
    """Train / validation / test tensors: ``x_*`` is float32 ``Tensor[n, 1, 40]`` for
    MNIST-1D (``Tensor[n, 3, 32, 32]`` for CIFAR-10), ``y_*`` is ``LongTensor[n]`` in 0..9."""

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


#: CIFAR-10's per-channel mean and standard deviation over the training images (RGB), the
#: normalisation of the DARTS and NAS-Bench-201 code.
CIFAR_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR_STD = (0.2470, 0.2435, 0.2616)
_CIFAR_DIR = "cifar-10-batches-py"
_CIFAR_TRAIN = tuple(f"data_batch_{k}" for k in range(1, 6))


def _read_cifar_batch(path: Path) -> tuple[Tensor, Tensor]:
    """One CIFAR-10 python batch: a pickled dict with ``data`` (uint8 ``[n, 3072]``, the red,
    green and blue 32x32 planes in turn) and ``labels``. Only open files you trust: a pickle
    can run code."""
    if not path.is_file():
        raise FileNotFoundError(
            f"CIFAR-10 file {path} is missing; load_cifar10 reads the python version that "
            f"torchvision.datasets.CIFAR10(root, download=True) saves in root/{_CIFAR_DIR} "
            f"(data_batch_1..5 and test_batch)")
    with path.open("rb") as f:
        batch = pickle.load(f, encoding="bytes")
    try:
        data = np.asarray(batch[b"data"], dtype=np.uint8)
        labels = np.asarray(batch[b"labels"], dtype=np.int64)
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(f"{path} is not a CIFAR-10 python batch (a dict with b'data' "
                         f"[n, 3072] uint8 and b'labels')") from e
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or len(labels) != len(data):
        raise ValueError(f"{path}: expected data of shape [n, 3072] and n labels, got data "
                         f"{data.shape} and {len(labels)} labels")
    if len(labels) and (labels.min() < 0 or labels.max() >= N_CLASSES):
        raise ValueError(f"{path}: labels must be in 0..{N_CLASSES - 1}, got "
                         f"{labels.min()}..{labels.max()}")
    x = torch.from_numpy(data).reshape(-1, 3, 32, 32).float() / 255.0
    mean = torch.tensor(CIFAR_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(CIFAR_STD).view(1, 3, 1, 1)
    return (x - mean) / std, torch.from_numpy(labels)


def load_cifar10(root: str | Path, n_val: int = 5000) -> Splits:
    """CIFAR-10 from ``root/cifar-10-batches-py`` (or ``root`` itself if it holds the batch
    files), normalised per channel: ``n_val`` of the 50,000 training images (a fixed
    permutation, seed 0) become the validation split, the rest train; the 10,000 test images
    are the test split. DARTS's search splits ``x_train`` in halves itself, so ``n_val=0``
    (an empty validation split) searches on all 50,000 images as the paper does (25,000 for
    the weights, 25,000 for alpha). The tensors take 0.7 GB as float32.
    """
    check_int(n_val, "n_val (the training images held out for validation)", minimum=0)  # before 0.7 GB
    root = Path(root)
    folder = root / _CIFAR_DIR if (root / _CIFAR_DIR).is_dir() else root
    if not folder.is_dir():
        raise FileNotFoundError(f"no CIFAR-10 folder at {root} (looked for {root / _CIFAR_DIR})")
    parts = [_read_cifar_batch(folder / name) for name in _CIFAR_TRAIN]
    x = torch.cat([p[0] for p in parts])
    y = torch.cat([p[1] for p in parts])
    x_test, y_test = _read_cifar_batch(folder / "test_batch")
    if n_val >= len(y):
        raise ValueError(f"n_val must be an integer in 0..{len(y) - 1} (the training images "
                         f"held out for validation), got {n_val!r}")
    perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(SPLIT_SEED))
    val, train = perm[:n_val], perm[n_val:]
    return Splits(x[train], y[train], x[val], y[val], x_test, y_test)
