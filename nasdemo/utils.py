"""Small shared helpers: input checks, seeding, device choice and the fast-mode flag.

Every notebook and test goes through these so that a lecturer, a student on Binder and CI
all get the same behaviour from the same environment variables:

- ``NASDEMO_DEVICE``: force the device of the neural-network code ("cpu", "cuda", "cuda:1",
  "mps"; case and surrounding spaces do not matter; empty or unset: cuda > mps > cpu).
  The black-box optimisers and the toy problems default to the CPU whatever it says (see
  ``nasdemo.blackbox.base``).
- ``NASDEMO_FAST``: "1" shrinks budgets so a notebook runs in seconds (used by the tests).

The ``check_*`` functions are the package's one set of argument checks: each returns the
value in a plain Python type or raises a ``ValueError`` that names the argument, says what it
accepts and shows what it got.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import os
import random
from typing import Any, Iterator, TypeVar

import numpy as np
import torch

T = TypeVar("T")

_TRUE = {"1", "true", "yes", "on"}


# -- argument checks ---------------------------------------------------------------------------


def is_int(value: Any) -> bool:
    """True for a Python or NumPy integer; False for bools and for floats such as ``2.0``."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_int(value: Any, name: str, minimum: int = 1, maximum: int | None = None) -> int:
    """``value`` as an ``int`` if it is an integer (Python or NumPy; not a bool, not a float
    such as ``2.0``) in ``minimum..maximum``, else a ``ValueError`` naming ``name``."""
    ok = is_int(value) and value >= minimum and (maximum is None or value <= maximum)
    if not ok:
        if maximum is not None:
            what = f"an integer in {minimum}..{maximum}"
        else:
            what = {0: "a non-negative integer", 1: "a positive integer"}.get(
                minimum, f"an integer >= {minimum}")
        raise ValueError(f"{name} must be {what}, got {value!r}")
    return int(value)


def check_seed(seed: Any, name: str = "seed") -> int:
    """A seed is a non-negative integer (Python or NumPy) below 2**63, what
    ``torch.Generator.manual_seed`` takes without wrapping it; returns it as an ``int``.

    ``None`` is refused on purpose: nasdemo's runs are reproducible, and an unseeded run
    would not be."""
    try:
        return check_int(seed, name, minimum=0, maximum=2**63 - 1)
    except ValueError:
        raise ValueError(f"{name} must be a non-negative integer below 2**63 (the same seed gives the "
                         f"same run), got {seed!r}") from None


def check_number(value: Any, name: str, minimum: float | None = None) -> float:
    """``value`` as a ``float`` if it is a finite real number (not a bool) and at least
    ``minimum`` (when given), else a ``ValueError`` naming ``name``."""
    ok = _is_real(value) and math.isfinite(value) and (minimum is None or value >= minimum)
    if not ok:
        bound = "" if minimum is None else f" >= {minimum:g}"
        raise ValueError(f"{name} must be a finite number{bound}, got {value!r}")
    return float(value)


def check_positive(value: Any, name: str) -> float:
    """``value`` as a ``float`` if it is a finite number > 0, else a ``ValueError``."""
    ok = _is_real(value) and math.isfinite(value) and value > 0
    if not ok:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def check_prob(value: Any, name: str) -> float:
    """``value`` as a ``float`` if it is a probability in [0, 1], else a ``ValueError``."""
    ok = _is_real(value) and 0 <= value <= 1
    if not ok:
        raise ValueError(f"{name} must be a probability in [0, 1], got {value!r}")
    return float(value)


# -- seeds, devices, fast mode -------------------------------------------------------------


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch, and return a CPU ``torch.Generator`` seeded with ``seed``.

    Algorithms in nasdemo take their own generator rather than relying on global state, so
    two optimisers in one notebook do not disturb each other; this helper is for notebook code
    (e.g. drawing a random function) that uses the global generators.
    """
    seed = check_seed(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def get_device(device: str | torch.device | None = None) -> torch.device:
    """The device to compute on: an explicit argument, else ``NASDEMO_DEVICE``, else
    cuda > mps > cpu, whichever is available first.

    Device names are read without regard to case or surrounding spaces (" CPU" is the CPU);
    an empty ``NASDEMO_DEVICE`` means automatic, as if it were unset. A name torch does not
    know, or a device that is not available, gives a ``ValueError`` naming where it came from.
    """
    if device is not None:
        source = "device"
        choice: Any = device
    else:
        source = "NASDEMO_DEVICE"
        choice = os.environ.get("NASDEMO_DEVICE", "").strip() or None
    if choice is not None:
        if isinstance(choice, str):
            name = choice.strip().lower()
            try:
                dev = torch.device(name)
            except RuntimeError:
                raise ValueError(f"{source}={choice!r} is not a device; use cpu, cuda, cuda:N "
                                 "or mps" + (", or leave it empty for automatic (cuda > mps "
                                             "> cpu)" if source == "NASDEMO_DEVICE" else "")
                                 ) from None
        else:
            dev = torch.device(choice)
        if dev.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"{source}={str(dev)!r} was requested but CUDA is not available")
        if dev.type == "mps" and not torch.backends.mps.is_available():
            raise ValueError(f"{source}='mps' was requested but MPS is not available")
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
