"""Fixtures the unit tests share."""

from __future__ import annotations

from typing import Iterator

import pytest

from nasdemo.utils import few_threads


@pytest.fixture(scope="module")
def one_thread() -> Iterator[None]:
    """Torch on one thread for a module's tests: their tensors are tiny, and on a shared
    2-core machine a second thread only adds hand-offs (``nasdemo.utils.few_threads``).
    A module opts in with ``pytestmark = pytest.mark.usefixtures("one_thread")``."""
    with few_threads():
        yield
