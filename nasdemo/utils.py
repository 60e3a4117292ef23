"""Small shared helpers: seeding, device choice and the fast-mode flag.

Every notebook and test goes through these so that a lecturer, a student on Binder and CI
all get the same behaviour from the same environment variables:

- ``NASDEMO_DEVICE``: force a device ("cpu", "cuda", "cuda:1", "mps").
- ``NASDEMO_FAST``: "1" shrinks budgets so a notebook runs in seconds (used by the tests).
"""

from __future__ import annotations

import contextlib
import os
import random
from typing import Iterator, TypeVar

import numpy as np
import torch

T = TypeVar("T")

_TRUE = {"1", "true", "yes", "on"}


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch, and return a CPU ``torch.Generator`` seeded with ``seed``.

    Algorithms in nasdemo take their own generator rather than relying on global state, so
    two optimisers in one notebook do not disturb each other; this helper is for notebook code
    (e.g. drawing a random function) that uses the global generators.
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def get_device(device: str | torch.device | None = None) -> torch.device:
    """The device to compute on: an explicit argument, else ``NASDEMO_DEVICE``, else
    cuda > mps > cpu, whichever is available first."""
    choice = device if device is not None else os.environ.get("NASDEMO_DEVICE")
    if choice is not None:
        dev = torch.device(choice)
        if dev.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"device {str(dev)!r} was requested but CUDA is not available")
        if dev.type == "mps" and not torch.backends.mps.is_available():
            raise ValueError("device 'mps' was requested but MPS is not available")
        return dev
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def fast_mode() -> bool:
    """True when ``NASDEMO_FAST`` is set to 1/true: notebooks shrink their budgets."""
    return os.environ.get("NASDEMO_FAST", "").strip().lower() in _TRUE


def pick(normal: T, fast: T) -> T:
    """``fast`` in fast mode, ``normal`` otherwise: ``n_seeds = pick(10, 2)``."""
    return fast if fast_mode() else normal


@contextlib.contextmanager
def few_threads(device: str | torch.device | None = None, n: int = 1) -> Iterator[None]:
    """Run torch on at most ``n`` CPU threads inside the block (CPU devices only).

    The optimisers' inner loops are dozens of ops on tiny tensors (a GP on tens of points, a
    GA population of 100 genomes), where thread hand-offs cost more than the arithmetic: on a
    busy 2-core machine one thread was about 10x faster than two (a 100-bit OneMax generation
    took 1.5 ms instead of 30 ms). Optuna's GPSampler limits torch to one thread for the same
    reason.
    """
    if device is not None and torch.device(device).type != "cpu":
        yield
        return
    old = torch.get_num_threads()
    torch.set_num_threads(min(n, old))
    try:
        yield
    finally:
        torch.set_num_threads(old)
