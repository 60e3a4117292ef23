"""pytest set-up shared by the unit tests and the notebook run (nbval).

- Notebooks run in fast mode unless NASDEMO_FAST is set explicitly (``NASDEMO_FAST=0 pytest
  notebooks`` runs them with the lecture's settings); the nbval kernel inherits the variable.
- Each notebook must finish within NOTEBOOK_LIMIT_S seconds (60 in fast mode, 180 otherwise):
  the per-cell durations are summed per notebook and the session fails if one is slower.
"""

from __future__ import annotations

import os
from collections import defaultdict

import pytest

os.environ.setdefault("NASDEMO_FAST", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
FAST = os.environ["NASDEMO_FAST"].strip().lower() in {"1", "true", "yes", "on"}
NOTEBOOK_LIMIT_S = float(os.environ.get("NASDEMO_NOTEBOOK_LIMIT_S", 60 if FAST else 180))

_durations: dict[str, float] = defaultdict(float)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    path = report.nodeid.split("::")[0]
    if path.endswith(".ipynb"):
        _durations[path] += report.duration


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ANN001
    if not _durations:
        return
    tr = terminalreporter
    tr.section(f"notebook run times (limit {NOTEBOOK_LIMIT_S:.0f} s each)")
    for path, secs in sorted(_durations.items()):
        flag = "  TOO SLOW" if secs > NOTEBOOK_LIMIT_S else ""
        tr.write_line(f"{secs:7.1f} s  {path}{flag}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    slow = {p: s for p, s in _durations.items() if s > NOTEBOOK_LIMIT_S}
    if slow and exitstatus == 0:
        session.exitstatus = 1
