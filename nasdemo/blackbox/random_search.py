"""Random search: the baseline every other optimiser has to beat.

Points are drawn uniformly from the box (or from a scrambled Sobol sequence, which covers
the box more evenly for small budgets). It ignores what it is told except to track the best.
"""

from __future__ import annotations

from typing import Any, Sequence

import torch
from torch import Tensor

from ..utils import check_int
from .base import Optimizer


class RandomSearch(Optimizer):
    """Uniform (or Sobol) sampling in the box, ``batch_size`` points per ``ask``."""

    def __init__(self, bounds: Tensor | Sequence[Sequence[float]], seed: int = 0,
                 batch_size: int = 1, sobol: bool = False, device: Any = None) -> None:
        super().__init__(bounds, seed, device)
        self.batch_size = check_int(batch_size, "batch_size")
        self._sobol = torch.quasirandom.SobolEngine(self.dim, scramble=True, seed=self.seed) \
            if sobol else None

    def _ask(self) -> Tensor:
        if self._sobol is not None:
            U = self._sobol.draw(self.batch_size, dtype=torch.float64).to(self.device)
        else:
            U = torch.rand(self.batch_size, self.dim, generator=self.generator,
                           dtype=torch.float64, device=self.device)
        return self.from_unit(U)

    def _tell(self, X: Tensor, y: Tensor) -> None:
        pass  # random search does not learn
