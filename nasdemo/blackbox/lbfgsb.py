"""A small batched L-BFGS with box constraints: ``B`` independent problems in one loop.

Bayesian optimisation solves two small box-constrained problems per iteration: fitting the
GP's hyperparameters (``restarts`` starting points) and maximising the acquisition
(``n_starts`` starting points). :func:`lbfgs_box` runs all starting points of one problem
as rows of one tensor, each row with its own L-BFGS memory and step length, so they share
the tensor operations but never each other's curvature or line search.

The usual alternative (BoTorch's, ``gen_candidates_scipy``) hands the *sum* of the rows'
objectives to scipy's L-BFGS-B as one problem in ``B * p`` variables: simpler, but the rows
then share one memory and one step length, so one badly scaled start can hold back the
others. ``benchmarks/bo_vs_optuna.py --methods ei ei-scipy`` runs BO both ways. With one
BLAS thread (``OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1``), seeds 0-4, BO with this
optimiser reached a median regret of 6.1e-4 on Branin (30 evaluations) and 4.0e-4 on
Hartmann6 (60); with scipy's on the summed batch 7.2e-3 and 6.7e-3 (per run: lower on 4 of
the 10, higher on 1, 3.9e-5 vs 3.3e-5, within 3 % on the other 5), at about the same CPU
time per run (1.9 vs 2.4 s and 5.9 vs 5.1 s, on a busy 2-core machine). With BLAS threads
left on, scipy's variant took 9.7 s of CPU time for a Branin run that took ours 1.5 s
(idle BLAS threads spinning between the many small calls).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

__all__ = ["lbfgs_box"]


def lbfgs_box(f: Any, x0: Tensor, lower: Tensor | float, upper: Tensor | float,
              max_iter: int = 50, history: int = 8, gtol: float = 1e-6,
              ftol: float = 1e-9) -> tuple[Tensor, Tensor]:
    """Minimise ``B`` independent problems at once: ``f(x [B, p]) -> [B]``, ``x`` in a box.

    Both BO optimisations use it: the GP hyperparameters (``B`` restarts) and the
    acquisition (``B`` starting points). Each row has its own L-BFGS memory and its own
    step length, so the rows never interact; they only share the tensor operations.

    - direction: the L-BFGS two-loop recursion (Nocedal & Wright 2006, Algorithm 7.4) with
      ``H0 = (s^T y / y^T y) I`` (their eq. 7.20);
    - box: coordinates at a bound whose gradient points outwards are held fixed (an active
      set, as in L-BFGS-B), and every trial point is projected into the box;
    - step: backtracking from ``t = 1`` until the Armijo condition
      ``f(x_new) <= f(x) + 1e-4 g^T (x_new - x)`` holds (N&W Algorithm 3.1).

    Gradients come from autograd. Returns the final ``x`` and ``f(x)``. Rows whose line search
    fails, or whose progress stalls (``|df| <= ftol (1 + |f|)``, ``|g_free| <= gtol``), stop.
    """
    lower = torch.as_tensor(lower, dtype=x0.dtype, device=x0.device)
    upper = torch.as_tensor(upper, dtype=x0.dtype, device=x0.device)

    def value_and_grad(x: Tensor) -> tuple[Tensor, Tensor]:
        with torch.enable_grad():
            x = x.detach().requires_grad_(True)
            fx = f(x)
            (g,) = torch.autograd.grad(fx.sum(), x)
        return fx.detach(), g

    x = torch.minimum(torch.maximum(x0.detach(), lower), upper)
    fx, g = value_and_grad(x)
    B = x.shape[0]
    S: list[Tensor] = []
    Y: list[Tensor] = []
    RHO: list[Tensor] = []
    running = torch.isfinite(fx)
    for _ in range(max_iter):
        active = ((x <= lower) & (g > 0)) | ((x >= upper) & (g < 0))
        gf = g.masked_fill(active, 0.0)
        running = running & (gf.abs().amax(-1) > gtol)
        if not bool(running.any()):
            break
        # Two-loop recursion: d = -H g.
        q, alphas = gf.clone(), []
        for s, y, rho in zip(reversed(S), reversed(Y), reversed(RHO)):
            a = rho * (s * q).sum(-1)
            q = q - a[:, None] * y
            alphas.append(a)
        if S:
            sy, yy = (S[-1] * Y[-1]).sum(-1), (Y[-1] * Y[-1]).sum(-1)
            gamma = torch.where(sy > 0, sy / yy.clamp_min(1e-300), torch.ones_like(sy))
        else:  # first step: at most a unit move in any coordinate
            gamma = 1.0 / gf.abs().amax(-1).clamp_min(1.0)
        r = gamma[:, None] * q
        for s, y, rho, a in zip(S, Y, RHO, reversed(alphas)):
            b = rho * (y * r).sum(-1)
            r = r + s * (a - b)[:, None]
        d = (-r).masked_fill(active, 0.0)
        uphill = (d * gf).sum(-1) >= 0  # a bad memory: fall back to steepest descent
        d = torch.where(uphill[:, None], -gf / gf.abs().amax(-1, keepdim=True).clamp_min(1.0), d)
        # Backtracking line search, each row with its own step length.
        t = torch.ones(B, dtype=x.dtype, device=x.device)
        accepted = ~running
        x_new, f_new, g_new = x, fx, g
        for _ls in range(20):
            xt = torch.minimum(torch.maximum(x + t[:, None] * d, lower), upper)
            ft, gt = value_and_grad(xt)
            ok = ~accepted & torch.isfinite(ft) & (ft <= fx + 1e-4 * (g * (xt - x)).sum(-1))
            x_new = torch.where(ok[:, None], xt, x_new)
            f_new = torch.where(ok, ft, f_new)
            g_new = torch.where(ok[:, None], gt, g_new)
            accepted = accepted | ok
            if bool(accepted.all()):
                break
            t = torch.where(accepted, t, 0.5 * t)
        moved = running & accepted
        s, y = x_new - x, g_new - g
        sy = (s * y).sum(-1)
        good = moved & (sy > 1e-12)  # curvature condition; other rows skip this pair
        S.append(s * good[:, None])
        Y.append(y * good[:, None])
        RHO.append(torch.where(good, 1.0 / sy.clamp_min(1e-12), torch.zeros_like(sy)))
        if len(S) > history:
            S.pop(0), Y.pop(0), RHO.pop(0)
        progress = (fx - f_new).abs() > ftol * (1.0 + fx.abs())
        running = moved & progress
        x, fx, g = x_new, f_new, g_new
    return x, fx
