"""Build nasdemo's tabular benchmark: train every unique NAS-Bench-201 cell on MNIST-1D.

NAS-Bench-201 (Dong & Yang 2020) trains each of its 15,625 cells with one fixed recipe and
records the learning curves; we do the same at laptop scale. Only one cell per isomorphism
class (``Cell.unique()``, 6,466) is trained, with ``--seeds`` seeds each, and ``finalise``
copies each class's numbers to all its members.

Usage (from the repository root; the runs file is ``data/nb201_mnist1d_runs.jsonl.gz``)::

    python -m nasdemo.nas.table.build --stats                # the quality figures
    python -m nasdemo.nas.table.build --finalise --force     # runs -> the shipped table
    python -m nasdemo.nas.table.build --workers 2 --partial /tmp/pilot.jsonl --limit 120
                                                             # build (or resume) a runs file

Runs are trained ``--population`` at a time as one vectorised model
(``population.train_population``: K independent networks stacked along the channel axis),
which pays PyTorch's per-op overhead once for K networks.

The runs file (``--partial``) is append-only JSON lines, one finished run per line, flushed
and synced as soon as its population ends: a crash loses at most the populations in flight,
and a restart (here or on another machine, after committing the file) skips every run
already in it. Each line holds the recipe it was trained with. A lock file next to it
(``RunsLock``) keeps a second builder off it, and ``finalise`` refuses a run recorded twice
or runs of different recipes, naming the lines. A line's ``seconds`` and ``cpu_seconds`` are
its population's training time divided by the number of networks trained in it
(``population`` says how many were trained together).

The shipped runs are gzip-compressed. ``--stats`` and ``--finalise`` read them as they are;
to resume or extend that build, decompress a copy and build into it, then compress it back::

    gunzip -k data/nb201_mnist1d_runs.jsonl.gz  # -> data/nb201_mnist1d_runs.jsonl, git-ignored
    python -m nasdemo.nas.table.build --workers 2 --population 16 \\
        --partial data/nb201_mnist1d_runs.jsonl
    gzip -9f data/nb201_mnist1d_runs.jsonl

Finalising never destroys a file: ``--out`` the runs file is refused; the shipped table, or an
existing file that is not a table this builder wrote, only with ``--force``.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import multiprocessing as mp
import os
import random
import re
import socket
import statistics
import sys
import time
from concurrent.futures import Executor, as_completed
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from ..cell import Cell
from ..train import Recipe
from .population import train_population

__all__ = ["DEFAULT_RUNS", "DEFAULT_TABLE", "plan", "read_runs", "check_runs", "read_partial",
           "RunsLock", "run_jobs", "check_out", "is_table", "finalise", "quality", "main"]

_PACKAGE = Path(__file__).resolve().parents[2]  # nasdemo/
#: The shipped table, installed with the package.
DEFAULT_TABLE = _PACKAGE / "data" / "nb201_mnist1d.csv.gz"
#: The runs it was finalised from: in the repository (not installed), gzip-compressed.
DEFAULT_RUNS = _PACKAGE.parent / "data" / "nb201_mnist1d_runs.jsonl.gz"

Job = tuple[str, int]  # (cell string, seed)


# ----------------------------------------------------------------------------- planning
def plan(cells: Iterable[Cell], seeds: Iterable[int], order_seed: int = 0,
         pilot: int = 0) -> list[Job]:
    """The runs to do, cells in a fixed shuffled order (so the progress rate is representative
    from the start). First the ``pilot`` first cells with every seed (after those, ``--stats``
    already tells whether the recipe ranks cells reproducibly), then the rest seed-major
    (every cell's first seed before any second seed, so an interrupted build still has a
    complete one-seed table)."""
    cells = list(cells)
    seeds = list(seeds)
    random.Random(order_seed).shuffle(cells)
    head, rest = cells[:pilot], cells[pilot:]
    return [(str(c), s) for c in head for s in seeds] + [(str(c), s) for s in seeds for c in rest]


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"


def read_runs(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """The finished runs in a runs file, each with its line number: JSON lines, plain or
    gzip-compressed (told by the first bytes, not the name). A torn line (a crash mid-write:
    it starts like a run, ``{``, but is not complete JSON; a resume appends after it) is
    skipped with a warning. Any other line that is not a JSON object with ``cell`` and
    ``seed`` means the file is not a runs file: ``SystemExit`` naming the file and line, so
    that a mistyped ``--partial`` (say a CSV of one's own) is never read as runs, nor
    appended to."""
    if not path.exists():
        return []
    opener = gzip.open if _is_gzip(path) else open
    try:
        with opener(path, "rt", encoding="utf-8") as f:
            lines = f.read().split("\n")
    except (UnicodeDecodeError, OSError, EOFError) as e:
        raise SystemExit(f"{path} is not a runs file (JSON lines written by this builder): "
                         f"{e}") from None
    runs = []
    for n, line in enumerate(lines, start=1):
        line = line.strip()
        if not line:
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            if line.startswith("{"):  # torn by a crash (a resume then appends after it)
                print(f"warning: {path}:{n} is not complete JSON (a run torn by a crash), "
                      "ignored", file=sys.stderr)
                continue
            row = None
        if not (isinstance(row, dict) and "cell" in row and "seed" in row):
            raise SystemExit(f"{path}:{n} is not a run (a JSON object with 'cell' and "
                             f"'seed'): {line[:60]!r}; --partial must name a runs file "
                             "written by this builder")
        runs.append((n, row))
    return runs


def check_runs(runs: list[tuple[int, dict[str, Any]]], path: Path) -> None:
    """Refuse runs that would make a wrong table: one (cell, seed) run twice (what two
    builders appending to one file produce; the table would average a run with itself and
    its seed-vs-seed agreement would look perfect), or runs made with different recipes.
    ``SystemExit`` naming the lines."""
    first: dict[tuple[str, int], int] = {}
    for n, row in runs:
        key = (row["cell"], row["seed"])
        if key in first:
            raise SystemExit(f"{path}:{n} repeats the run on line {first[key]} (cell "
                             f"{row['cell']}, seed {row['seed']}): remove one of the two "
                             "lines (were two builders appending to this file?)")
        first[key] = n
    if runs:
        n0, recipe0 = runs[0][0], runs[0][1].get("recipe")
        for n, row in runs:
            if row.get("recipe") != recipe0:
                raise SystemExit(f"{path}:{n} was trained with recipe {row.get('recipe')}, "
                                 f"but {path}:{n0} with {recipe0}: one runs file, one recipe")


def read_partial(path: Path) -> list[dict[str, Any]]:
    """The runs of a runs file (``read_runs``), checked by ``check_runs``."""
    runs = read_runs(path)
    check_runs(runs, path)
    return [row for _, row in runs]


# ----------------------------------------------------------------------------- running
_RECIPE: Recipe | None = None


def _init_worker(recipe: Recipe) -> None:
    # One thread per worker: N workers use N cores without oversubscribing them.
    import torch
    torch.set_num_threads(1)
    global _RECIPE
    _RECIPE = recipe
    from ..data import load_mnist1d
    load_mnist1d()  # generate once per process


def _run_group(jobs: list[Job]) -> list[dict[str, Any]]:
    """Train ``jobs`` as one population (``train_population``); their result lines."""
    assert _RECIPE is not None
    results = train_population([c for c, _ in jobs], [s for _, s in jobs], _RECIPE,
                               device="cpu")
    rows = []
    for res in results:
        r = res.as_dict()
        r["val_curve"] = [round(v, 2) for v in r["val_curve"]]
        r["val_acc"], r["test_acc"] = round(r["val_acc"], 2), round(r["test_acc"], 2)
        r["seconds"], r["cpu_seconds"] = round(r["seconds"], 4), round(r["cpu_seconds"], 4)
        r["population"] = len(jobs)
        rows.append(r)
    return rows


def run_jobs(jobs: list[Job], recipe: Recipe, out: Path, workers: int = 1,
             report_every: int = 50, population: int = 32,
             executor: Executor | Any | None = None) -> None:
    """Run the ``jobs`` not already in ``out``, appending each result to it as it ends.

    ``executor`` (a ``concurrent.futures.Executor``, or a Dask ``distributed.Client`` whose
    workers may be on other machines) trains the populations instead of ``workers`` local
    processes: one task per population, each worker loading the data and the recipe once.
    This process stays the only writer: it appends a population's lines when its task's
    result arrives, so a run is written once however the workers fail (Dask reruns a task
    whose worker died; a result that never arrived was never written, and the next build
    redoes it).

    Jobs are trained ``population`` at a time, in plan order, as one vectorised model per
    worker (``train_population``): a crash loses at most the populations in flight. A
    result line's ``seconds`` / ``cpu_seconds`` are its population's time divided by the
    number of networks trained in it, and ``population`` is that group's size.
    Prints progress (done/total, runs per minute, mean training seconds, ETA) every
    ``report_every`` runs or so.

    ``out`` is held with a lock file (``RunsLock``) for the whole build, so a second builder
    on the same file stops instead of duplicating runs. ``SystemExit`` if ``out`` is not a
    runs file, holds duplicated runs or another recipe's, or is gzip-compressed and there is
    work to do (runs are appended to plain JSON lines: decompress it first).
    """
    if workers < 1 or population < 1:
        raise ValueError(f"workers and population must be >= 1, got {workers}, {population}")
    out.parent.mkdir(parents=True, exist_ok=True)
    with RunsLock(out):
        _run_jobs_locked(jobs, recipe, out, workers, report_every, population, executor)


def _run_jobs_locked(jobs: list[Job], recipe: Recipe, out: Path, workers: int,
                     report_every: int, population: int,
                     executor: Executor | Any | None) -> None:
    done_rows = read_partial(out)
    for row in done_rows:
        if row.get("recipe") != recipe.as_dict():
            raise SystemExit(f"{out} holds runs made with recipe {row.get('recipe')}, not "
                             f"{recipe.as_dict()}; use another --partial file")
    done = {(r["cell"], r["seed"]) for r in done_rows}
    todo = [j for j in jobs if j not in done]
    total = len(jobs)
    where = f"{workers} worker(s)" if executor is None else f"executor {executor!r}"
    print(f"{len(jobs) - len(todo)}/{total} runs already done; {len(todo)} to go with "
          f"{where}, populations of {population}; recipe {recipe.as_dict()}", flush=True)
    if not todo:
        return
    if (out.exists() and _is_gzip(out)) or (not out.exists() and out.suffix == ".gz"):
        plain = out.with_suffix("") if out.suffix == ".gz" else out.with_name(out.name + ".jsonl")
        raise SystemExit(
            f"{out} is gzip-compressed and runs are appended as plain JSON lines: resume "
            f"from a decompressed copy, `gunzip -c {out} > {plain}` and `--partial {plain}`, "
            f"then `gzip -9 -c {plain} > {out}` when it is done")
    # Repair a torn last line so the next append starts on a fresh line.
    if out.exists() and out.stat().st_size > 0:
        with open(out, "rb") as f:
            f.seek(-1, os.SEEK_END)
            torn = f.read(1) != b"\n"
        if torn:
            with open(out, "a", encoding="utf-8") as f:
                f.write("\n")

    groups = [todo[k:k + population] for k in range(0, len(todo), population)]
    start, n_done, train_s, cpu_s, n_trained, last = time.perf_counter(), 0, 0.0, 0.0, 0, 0
    with open(out, "a", encoding="utf-8") as f:
        for rows in _results(groups, recipe, workers, executor):
            for row in rows:
                f.write(json.dumps(row, separators=(",", ":")) + "\n")
            f.flush()
            os.fsync(f.fileno())
            n_done += len(rows)
            for row in rows:
                if row["cpu_seconds"] > 0:  # disconnected cells are not trained
                    n_trained += 1
                    train_s += row["seconds"]
                    cpu_s += row["cpu_seconds"]
            if n_done - last >= report_every or n_done == len(todo):
                last = n_done
                elapsed = time.perf_counter() - start
                rate = n_done / elapsed
                eta = (len(todo) - n_done) / rate
                per = max(n_trained, 1)
                print(f"{total - len(todo) + n_done}/{total} runs  {60 * rate:.1f} runs/min  "
                      f"{train_s / per:.3f} s/run training ({cpu_s / per:.3f} CPU s)  "
                      f"elapsed {elapsed / 60:.1f} min  ETA {eta / 60:.1f} min", flush=True)


class RunsLock:
    """A lock file next to a runs file (``<runs file>.lock``) that keeps a second builder
    off it: two builders appending to one file would train and record runs twice.

    Taken atomically (``O_CREAT | O_EXCL``: of two builders starting together exactly one
    creates the file) and holding ``<pid> <host>``; removed when the build ends, however it
    ends (an error, Ctrl-C). A lock left by a builder that was killed outright (``kill -9``,
    a power cut) is *stale*: if it names a process on this machine that no longer exists it
    is removed with a warning and taken; if it names another machine, or cannot be read, the
    builder stops and says which file to delete once you are sure no builder uses it.
    """

    def __init__(self, runs: Path) -> None:
        self.path = runs.with_name(runs.name + ".lock")
        self._mine = f"{os.getpid()} {socket.gethostname()}"

    def __enter__(self) -> "RunsLock":
        try:
            self._create()
        except FileExistsError:
            holder = self._holder()
            if not self._is_stale(holder):
                raise self._held(holder) from None
            print(f"warning: removing the stale lock {self.path} (process {holder} no longer "
                  "runs)", file=sys.stderr)
            self.path.unlink(missing_ok=True)
            try:
                self._create()
            except FileExistsError:  # another builder took it in between
                raise self._held(self._holder()) from None
        return self

    def _create(self) -> None:
        fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(self._mine + "\n")

    def _held(self, holder: str) -> SystemExit:
        return SystemExit(
            f"{self.path.with_suffix('')} is being built by process {holder or '?'} (lock "
            f"file {self.path}); wait for it to end, or delete the lock file if you are sure "
            "no builder uses this runs file")

    def __exit__(self, *exc: object) -> None:
        if self._holder() == self._mine:  # never remove a lock someone else took since
            self.path.unlink(missing_ok=True)

    def _holder(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            return ""

    @staticmethod
    def _is_stale(holder: str) -> bool:
        """Whether ``holder`` names a process of this machine that no longer exists."""
        if os.name == "nt":  # os.kill there terminates the process: never guess, ask
            return False
        parts = holder.split()
        if len(parts) != 2 or not parts[0].isdigit() or parts[1] != socket.gethostname():
            return False
        try:
            os.kill(int(parts[0]), 0)  # signal 0: only asks whether the process exists
        except ProcessLookupError:
            return True
        except PermissionError:  # it exists, as another user's process
            pass
        return False


def _run_group_task(recipe: Recipe, jobs: list[Job]) -> list[dict[str, Any]]:
    """One executor task: ``_run_group``, after preparing this worker process for ``recipe``
    the first time it gets one of its tasks."""
    if _RECIPE != recipe:
        _init_worker(recipe)
    return _run_group(jobs)


def _results(groups: list[list[Job]], recipe: Recipe, workers: int,
             executor: Executor | Any | None = None) -> Iterator[list[dict[str, Any]]]:
    """Each group's result lines as its training ends (in any order): on ``executor``, in
    ``workers`` local processes, or here."""
    if executor is not None:
        from ..compare import as_executor

        pool = as_executor(executor)
        futures = [pool.submit(_run_group_task, recipe, g) for g in groups]
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:  # stopped early (an error, Ctrl-C): queued tasks would train for nothing
            for future in futures:
                future.cancel()
        return
    if workers <= 1:
        _init_worker(recipe)
        yield from map(_run_group, groups)
        return
    ctx = mp.get_context("spawn")  # no forked OpenMP state; same behaviour on every OS
    with ctx.Pool(workers, initializer=_init_worker, initargs=(recipe,)) as pool:
        yield from pool.imap_unordered(_run_group, groups, chunksize=1)


# ----------------------------------------------------------------------------- the table
COLUMNS = ["arch", "unique_id", "params", "flops", "seconds", "val_acc", "test_acc",
           "n_seeds", "seeds", "val_acc_per_seed", "test_acc_per_seed", "val_curve_per_seed"]


def _group(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    by_cell: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_cell.setdefault(r["cell"], []).append(r)
    for runs in by_cell.values():
        runs.sort(key=lambda r: r["seed"])
    return by_cell


def _cost(run: dict[str, Any]) -> float:
    """A run's training cost for the table: its CPU seconds (one thread), which other work on
    the machine does not inflate the way it does wall-clock seconds; wall seconds for lines
    written before CPU time was recorded."""
    return run.get("cpu_seconds") or run["seconds"]


def is_table(path: Path) -> bool:
    """Whether ``path`` is a table ``finalise`` wrote: gzip whose first line is ``COLUMNS``."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            return f.readline().rstrip("\n") == ",".join(COLUMNS)
    except (OSError, EOFError, UnicodeDecodeError):
        return False


def check_out(partial: Path, out: Path, force: bool = False) -> None:
    """Refuse a ``finalise`` that would destroy a file: ``out`` the runs file itself (never
    allowed: the runs are the only copy of the training), or, without ``force``, the
    shipped table (``DEFAULT_TABLE``) or an existing file that is not a table we wrote."""
    if out.exists() and partial.exists() and os.path.samefile(out, partial):
        raise SystemExit(f"--out {out} is the runs file itself: finalising would replace the "
                         "runs with the table; give --out another file")
    if not out.exists() or force:
        return
    if DEFAULT_TABLE.exists() and os.path.samefile(out, DEFAULT_TABLE):
        raise SystemExit(f"{out} is the shipped table; to replace it pass --force (and update "
                         "its data card), or write elsewhere with --out FILE")
    if not is_table(out):
        raise SystemExit(f"{out} exists and is not a table written by this builder; refusing "
                         "to overwrite it (choose another --out, or pass --force)")


def finalise(partial: Path | None = None, out: Path | None = None, min_seeds: int = 2,
             force: bool = False) -> int:
    """Write the shipped table: one CSV row for each of the 15,625 cells, holding its
    isomorphism class's results (gzip-compressed). Per-seed values are ``;``-separated, a
    seed's learning curve ``:``-separated; ``seconds`` is the mean training cost per run
    (``_cost``). ``partial`` defaults to ``DEFAULT_RUNS``, ``out`` to ``DEFAULT_TABLE``.
    Returns the number of rows written.

    Raises ``SystemExit`` before writing anything if ``check_out`` refuses ``out``, if the
    runs file is not one, holds a run twice or mixes recipes (``check_runs``), or if some
    class has fewer than ``min_seeds`` runs. The table is written to a temporary file and
    renamed over ``out``, so an interrupted finalise leaves ``out`` as it was.
    """
    partial = DEFAULT_RUNS if partial is None else partial
    out = DEFAULT_TABLE if out is None else out
    check_out(partial, out, force)
    by_cell = _group(read_partial(partial))
    rep_of = {c.canonical(): c for c in Cell.unique()}
    missing = [str(c) for c in rep_of.values() if len(by_cell.get(str(c), [])) < min_seeds]
    if missing:
        raise SystemExit(f"{len(missing)} unique cells have fewer than {min_seeds} runs "
                         f"(first: {missing[0]}); finish the build first")
    uid = {canon: k for k, canon in enumerate(rep_of)}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for cell in Cell.all():
        canon = cell.canonical()
        runs = by_cell[str(rep_of[canon])]
        w.writerow([
            str(cell), uid[canon], runs[0]["params"], runs[0]["flops"],
            round(statistics.fmean(_cost(r) for r in runs), 3),
            round(statistics.fmean(r["val_acc"] for r in runs), 2),
            round(statistics.fmean(r["test_acc"] for r in runs), 2),
            len(runs), ";".join(str(r["seed"]) for r in runs),
            ";".join(f"{r['val_acc']:g}" for r in runs),
            ";".join(f"{r['test_acc']:g}" for r in runs),
            ";".join(":".join(f"{v:g}" for v in r["val_curve"]) for r in runs),
        ])
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=9) as f:
        f.write(buf.getvalue())
    os.replace(tmp, out)
    return len(Cell.all())


# ----------------------------------------------------------------------------- quality
QUANTILES = (0, 10, 25, 50, 75, 90, 100)  # percent, for ``quality``'s ``val_q*``


def quality(rows: list[dict[str, Any]]) -> dict[str, float]:
    """The figures the issue asks of a table worth searching, over cells with >= 2 seeds
    (connected ones for the rank statistics; disconnected ones for the chance check):

    - ``tau_seed``: Kendall tau between seed-0 and seed-1 final validation accuracy (and
      ``tau_seed_se``, its bootstrap standard error over cells);
    - ``tau_val_test``: Kendall tau between mean validation and mean test accuracy;
    - ``best_minus_median``: best minus median mean validation accuracy, in points;
    - ``disconnected_max``: the highest accuracy any disconnected cell got (chance is ~10);
    - ``seconds_per_run``: mean training seconds of the trained runs;

    and, to see *why* ``tau_seed`` is what it is: ``tau_seed_better_half`` /
    ``tau_seed_worse_half`` (the same tau within the cells whose seed-0 accuracy is at or
    above / below its median), ``noise_sd`` (one run's noise: the SD of seed 0 minus seed 1 over
    sqrt 2) and the quantiles ``val_q0``, ``val_q10``, ..., ``val_q100`` of the mean
    validation accuracy over connected cells.
    """
    from scipy.stats import kendalltau

    by_cell = _group(rows)
    conn = {c: r for c, r in by_cell.items() if not Cell.from_string(c).is_disconnected}
    two = {c: r for c, r in conn.items() if len(r) >= 2}
    out: dict[str, float] = {"n_cells": float(len(conn)), "n_cells_2_seeds": float(len(two))}
    if len(two) >= 3:
        v0 = [r[0]["val_acc"] for r in two.values()]
        v1 = [r[1]["val_acc"] for r in two.values()]
        out["tau_seed"] = kendalltau(v0, v1).statistic
        # Its sampling error over cells: bootstrap (200 resamples of the cells, fixed seed).
        rng = random.Random(0)
        boot = []
        for _ in range(200):
            ix = [rng.randrange(len(v0)) for _ in v0]
            boot.append(kendalltau([v0[k] for k in ix], [v1[k] for k in ix]).statistic)
        out["tau_seed_se"] = statistics.stdev(float(t) for t in boot)
        out["noise_sd"] = statistics.stdev(a - b for a, b in zip(v0, v1)) / 2 ** 0.5
        # Halves by seed 0 alone: choosing them by the two seeds' mean would bias the tau
        # within each half downwards (selecting on seed 0 + seed 1 makes the two
        # anti-correlated inside a half, about -0.3 for pure noise); by one seed it is 0.
        mid = statistics.median(v0)
        for name, keep in (("better", lambda v: v >= mid), ("worse", lambda v: v < mid)):
            part = [k for k, v in enumerate(v0) if keep(v)]
            if len(part) >= 3:
                out[f"tau_seed_{name}_half"] = kendalltau([v0[k] for k in part],
                                                          [v1[k] for k in part]).statistic
    mean_val = [statistics.fmean(x["val_acc"] for x in r) for r in conn.values()]
    mean_test = [statistics.fmean(x["test_acc"] for x in r) for r in conn.values()]
    if len(conn) >= 3:
        out["tau_val_test"] = kendalltau(mean_val, mean_test).statistic
        out["best_minus_median"] = max(mean_val) - statistics.median(mean_val)
        out["best_val"], out["median_val"] = max(mean_val), statistics.median(mean_val)
        percentiles = statistics.quantiles(mean_val, n=100, method="inclusive")  # 1..99 %
        out["val_q0"], out["val_q100"] = min(mean_val), max(mean_val)
        for pct in QUANTILES[1:-1]:
            out[f"val_q{pct}"] = percentiles[pct - 1]
    disc = [x for c, r in by_cell.items() if c not in conn for x in r]
    if disc:
        out["disconnected_max"] = max(max(x["val_acc"], x["test_acc"]) for x in disc)
    trained = [x for r in conn.values() for x in r]
    if trained:
        out["seconds_per_run"] = statistics.fmean(x["seconds"] for x in trained)
        out["cpu_seconds_per_run"] = statistics.fmean(x.get("cpu_seconds", 0.0) for x in trained)
    return out


def format_quality(q: dict[str, float]) -> str:
    """``quality`` as readable lines with the issue's thresholds."""
    checks = [("tau_seed", ">=", 0.6), ("tau_val_test", ">=", 0.7),
              ("best_minus_median", ">=", 5.0), ("disconnected_max", "<=", 15.0)]
    lines = [f"cells (connected): {int(q['n_cells'])}, with 2+ seeds: "
             f"{int(q['n_cells_2_seeds'])}"]
    for key, op, bound in checks:
        if key in q:
            ok = q[key] >= bound if op == ">=" else q[key] <= bound
            se = f"  (bootstrap SE {q['tau_seed_se']:.3f})" if key == "tau_seed" else ""
            lines.append(f"{key:18s} {q[key]:7.3f}  (want {op} {bound})  "
                         f"{'ok' if ok else 'FAIL'}{se}")
    if "best_val" in q:
        lines.append(f"best val {q['best_val']:.2f}  median val {q['median_val']:.2f}")
        lines.append("mean val quantiles " + ", ".join(
            f"{pct} %: {q[f'val_q{pct}']:.1f}" for pct in QUANTILES))
    if "noise_sd" in q:
        halves = [f"{h} half {q[f'tau_seed_{h}_half']:.3f}" for h in ("better", "worse")
                  if f"tau_seed_{h}_half" in q]
        within = f"tau_seed within the {'  '.join(halves)} (by seed 0); " if halves else ""
        lines.append(f"{within}one run's noise SD {q['noise_sd']:.2f}")
    if "seconds_per_run" in q:
        lines.append(f"training seconds per run {q['seconds_per_run']:.3f} wall, "
                     f"{q['cpu_seconds_per_run']:.3f} CPU")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- command line
def recipe_from_args(args: argparse.Namespace) -> Recipe:
    base = Recipe()
    kw = {k: getattr(args, k) for k in base.as_dict() if getattr(args, k, None) is not None}
    return Recipe(**kw)


def add_recipe_args(p: argparse.ArgumentParser) -> None:
    for k, v in Recipe().as_dict().items():
        p.add_argument(f"--{k.replace('_', '-')}", dest=k, type=type(v), default=None,
                       help=f"recipe: {k} (default {v})")


def _at_least(low: int) -> Callable[[str], int]:
    """An argparse type: an integer >= ``low``, or an error saying so."""
    def parse(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None
        if n < low:
            raise argparse.ArgumentTypeError(f"must be an integer >= {low}, got {text!r}")
        return n
    return parse


def main(argv: list[str] | None = None, prog: str = "python -m nasdemo.nas.table.build") -> None:
    """The builder's command line (also ``python -m nasdemo build-table``, as ``prog``)."""
    p = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    p.add_argument("--workers", type=_at_least(1), default=os.cpu_count() or 1,
                   help="processes, one thread each (default: all cores)")
    p.add_argument("--seeds", type=_at_least(1), default=2,
                   help="seeds per unique cell (default 2)")
    p.add_argument("--population", type=_at_least(1), default=32,
                   help="networks trained together as one vectorised model (default 32)")
    p.add_argument("--partial", type=Path, default=DEFAULT_RUNS,
                   help="the runs file: append-only JSON lines (reading also .gz)")
    p.add_argument("--out", type=Path, default=DEFAULT_TABLE, help="the finalised table")
    p.add_argument("--force", action="store_true",
                   help="with --finalise: replace the shipped table, or a file that is not a "
                        "table this builder wrote")
    p.add_argument("--limit", type=_at_least(1), default=None,
                   help="only the first N unique cells of the (shuffled) plan: a pilot")
    p.add_argument("--pilot", type=_at_least(0), default=120,
                   help="train this many cells with all seeds first (default 120)")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT", default=None,
                   help="train on the workers of this running Dask scheduler instead of "
                        "--workers local processes (needs pip install \"nasdemo[cluster]\")")
    p.add_argument("--finalise", action="store_true", help="write the table and stop")
    p.add_argument("--stats", action="store_true", help="print quality figures and stop")
    add_recipe_args(p)
    args = p.parse_args(argv)
    try:
        recipe = recipe_from_args(args)
    except ValueError as e:  # Recipe checks its own fields; name the flag
        p.error(re.sub(r"Recipe\.(\w+)", lambda m: "--" + m[1].replace("_", "-"), str(e)))

    if args.stats:
        print(format_quality(quality(read_partial(args.partial))))
        return
    if args.finalise:
        n = finalise(args.partial, args.out, min_seeds=args.seeds, force=args.force)
        size = args.out.stat().st_size
        print(f"wrote {n} rows to {args.out} ({size / 1e6:.2f} MB)")
        print(format_quality(quality(read_partial(args.partial))))
        return
    cells = Cell.unique()
    random.Random(0).shuffle(cells)
    if args.limit is not None:
        cells = cells[:args.limit]
    jobs = plan(cells, range(args.seeds), pilot=args.pilot)
    if args.scheduler is None:
        run_jobs(jobs, recipe, args.partial, workers=args.workers, population=args.population)
    else:
        from ...cluster import connect
        try:
            client = connect(args.scheduler)
        except (ValueError, RuntimeError) as e:
            p.error(str(e))
        with client:
            run_jobs(jobs, recipe, args.partial, population=args.population, executor=client)
    print(format_quality(quality(read_partial(args.partial))), flush=True)


if __name__ == "__main__":
    main()
