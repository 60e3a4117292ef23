"""Small shared helpers: seeding, device choice and the fast-mode flag.

Every notebook and test goes through these so that a lecturer, a student on Binder and CI
all get the same behaviour from the same environment variables:

- ``NASDEMO_DEVICE``: force a device ("cpu", "cuda", "cuda:1", "mps").
- ``NASDEMO_FAST``: "1" shrinks budgets so a notebook runs in seconds (used by the tests).
"""

from __future__ import annotations

import os
import random
from typing import TypeVar

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
