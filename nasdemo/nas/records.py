"""Recorded gradient-based searches, for notebooks that judge them on the table without
searching again (07, and the showdown of 10).

A record is a JSON-lines file, one search a line, with at least ``seed``, ``method``,
``wall_s`` (wall seconds of the whole search) and ``cell`` (the returned cell as
NAS-Bench-201 writes it) and, per method, its settings (``epochs``, ``channels``, ...).
Two ship with nasdemo: ``DARTS_RUNS`` (``benchmarks/darts_nb201.py --save``: first- and
second-order DARTS and DARTS with progressive cutting) and ``DARTS_PT_RUNS``
(``benchmarks/darts_pt_nb201.py --save``: DARTS-PT, which also records the cell DARTS derived
from the same supernet and each edge decision).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from .cell import Cell

__all__ = ["RecordedRun", "load_runs", "DARTS_RUNS", "DARTS_PT_RUNS"]

DARTS_RUNS = files("nasdemo") / "data" / "darts_nb201_runs_2026-11-28.jsonl"
DARTS_PT_RUNS = files("nasdemo") / "data" / "darts_pt_nb201_runs_2026-12-02.jsonl"
_REQUIRED = ("seed", "method", "wall_s", "cell")


@dataclass(frozen=True)
class RecordedRun:
    """One recorded search: ``method`` (e.g. ``"DARTS 1st order"``), ``seed``, the returned
    ``cell``, its wall-clock ``wall_s``, and the ``record`` as written (settings and extras)."""

    method: str
    seed: int
    cell: Cell
    wall_s: float
    record: dict[str, Any]


def load_runs(*paths: str | Path | Any) -> list[RecordedRun]:
    """Every run in the given record files, in file order (e.g.
    ``load_runs(DARTS_RUNS, DARTS_PT_RUNS)``). A missing file, a line that is not JSON, a run
    without one of ``seed, method, wall_s, cell``, an unreadable cell, a file with no run, or
    one (method, seed) recorded twice is a ``ValueError`` naming the file and line."""
    if not paths:
        raise ValueError("load_runs needs at least one record file")
    runs: list[RecordedRun] = []
    seen: dict[tuple[str, int], str] = {}
    for path in paths:
        path = Path(path) if isinstance(path, str) else path  # a str, a Path or a Traversable
        if not path.is_file():
            raise ValueError(f"no such file {path}")
        found = 0
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if not line.strip():
                continue
            where = f"{path} line {n}"
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{where} is not JSON ({e.msg})") from None
            missing = [k for k in _REQUIRED if not isinstance(rec, dict) or k not in rec]
            if missing:
                raise ValueError(f"{where} lacks {', '.join(missing)}")
            try:
                cell = Cell.from_string(rec["cell"])
            except (TypeError, ValueError) as e:
                raise ValueError(f"{where}: bad cell ({e})") from None
            key = (rec["method"], rec["seed"])
            if key in seen:
                raise ValueError(f"{where} holds a second run of {rec['method']!r} with seed "
                                 f"{rec['seed']} (the first: {seen[key]}; records are appended: "
                                 f"was one search saved twice?)")
            seen[key] = where
            runs.append(RecordedRun(rec["method"], int(rec["seed"]), cell, float(rec["wall_s"]),
                                    rec))
            found += 1
        if not found:
            raise ValueError(f"{path} holds no runs")
    return runs
