"""Sending work to a Dask cluster (``--scheduler tcp://HOST:PORT`` on the command line).

Two jobs outgrow one machine: building a table for a new dataset (the shipped one took 9.7
CPU-hours) and many-seed comparisons at large budgets. Both accept a
``concurrent.futures.Executor``; this module connects to a running Dask scheduler, whose
``distributed.Client`` is one (through ``Client.get_executor``). Dask is an optional extra
(``pip install "nasdemo[cluster]"``), imported only here and only when asked for, so the
lecture environment does not grow.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["INSTALL", "check_address", "connect"]

INSTALL = 'pip install "nasdemo[cluster]"'
_ADDRESS = re.compile(r"^(tcp|tls|inproc|ws|wss)://[^\s/:]+(:\d{1,5})?/?$")


def check_address(address: str) -> str:
    """``address`` if it looks like a scheduler address (``tcp://HOST:PORT``), else a
    ValueError saying what one looks like."""
    if not _ADDRESS.match(address):
        raise ValueError(f"--scheduler must be a Dask scheduler address such as "
                         f"tcp://10.0.0.5:8786 (what `dask scheduler` prints), got {address!r}")
    return address


def connect(address: str, timeout: float = 10.0) -> Any:
    """A ``distributed.Client`` connected to the scheduler at ``address``. Raises
    ``RuntimeError`` naming the install command when Dask is missing, or saying that no
    scheduler answered at ``address`` within ``timeout`` seconds."""
    check_address(address)
    try:
        from distributed import Client
    except ImportError:
        raise RuntimeError(f"--scheduler needs Dask's `distributed`, which is not installed: "
                           f"{INSTALL}") from None
    try:
        return Client(address, timeout=timeout)
    except (OSError, TimeoutError) as e:
        raise RuntimeError(f"no Dask scheduler answered at {address} within {timeout:g} s "
                           f"({e}); start one with `dask scheduler` and workers with "
                           f"`dask worker {address}`") from None
