"""Build nasdemo's tabular benchmark: train every unique NAS-Bench-201 cell on MNIST-1D.

NAS-Bench-201 (Dong & Yang 2020) trains each of its 15,625 cells with one fixed recipe and
records the learning curves; we do the same at laptop scale. Only one cell per isomorphism
class (``Cell.unique()``, 6,466) is trained, with ``--seeds`` seeds each, and ``finalise``
copies each class's numbers to all its members.

Usage::

    python -m nasdemo.nas.build_table --workers 2            # build (or resume) the partial file
    python -m nasdemo.nas.build_table --finalise             # partial file -> shipped table
    python -m nasdemo.nas.build_table --stats                # the quality figures

Runs are trained ``--population`` at a time as one vectorised model
(``train.train_population``: K independent networks stacked along the channel axis), which
pays PyTorch's per-op overhead once for K networks.

The partial file is append-only JSON lines, one finished run per line, flushed and synced
as soon as its population ends: a crash loses at most the populations in flight, and a
restart (here or on another machine, after committing the file) skips every run already in
it. Each line holds the recipe it was trained with; mixing recipes in one file is refused.
A line's ``seconds`` and ``cpu_seconds`` are its population's training time divided by the
number of networks trained in it (``population`` says how many were trained together).
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
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Iterable, Iterator

from .cell import Cell
from .train import Recipe, train_population

__all__ = ["DEFAULT_PARTIAL", "DEFAULT_TABLE", "plan", "read_partial", "run_jobs",
           "finalise", "quality", "main"]

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_PARTIAL = DATA_DIR / "nb201_mnist1d_partial.jsonl"
DEFAULT_TABLE = DATA_DIR / "nb201_mnist1d.csv.gz"

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


def read_partial(path: Path) -> list[dict[str, Any]]:
    """The finished runs in a partial file; a torn last line (a crash mid-write) is skipped."""
    if not path.exists():
        return []
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            line = line.strip()
            if not line:
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                print(f"warning: {path}:{n} is not complete JSON, ignored", file=sys.stderr)
    return rows


# ----------------------------------------------------------------------------- running
_RECIPE: Recipe | None = None


def _init_worker(recipe: Recipe) -> None:
    # One thread per worker: N workers use N cores without oversubscribing them.
    import torch
    torch.set_num_threads(1)
    global _RECIPE
    _RECIPE = recipe
    from .data import load_mnist1d
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
             report_every: int = 50, population: int = 32) -> None:
    """Run the ``jobs`` not already in ``out``, appending each result to it as it ends.

    Jobs are trained ``population`` at a time, in plan order, as one vectorised model per
    worker (``train_population``): a crash loses at most the populations in flight. A
    result line's ``seconds`` / ``cpu_seconds`` are its population's time divided by the
    number of networks trained in it, and ``population`` is that group's size.
    Prints progress (done/total, runs per minute, mean training seconds, ETA) every
    ``report_every`` runs or so.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    done_rows = read_partial(out)
    for row in done_rows:
        if row.get("recipe") != recipe.as_dict():
            raise SystemExit(f"{out} holds runs made with recipe {row.get('recipe')}, not "
                             f"{recipe.as_dict()}; use another --partial file")
    done = {(r["cell"], r["seed"]) for r in done_rows}
    todo = [j for j in jobs if j not in done]
    total = len(jobs)
    print(f"{len(jobs) - len(todo)}/{total} runs already done; {len(todo)} to go with "
          f"{workers} worker(s), populations of {population}; recipe {recipe.as_dict()}",
          flush=True)
    if not todo:
        return
    # Repair a torn last line so the next append starts on a fresh line.
    if out.exists() and out.stat().st_size > 0:
        with open(out, "rb") as f:
            f.seek(-1, os.SEEK_END)
            torn = f.read(1) != b"\n"
        if torn:
            with open(out, "a", encoding="utf-8") as f:
                f.write("\n")

    groups = [todo[k:k + population] for k in range(0, len(todo), max(1, population))]
    start, n_done, train_s, cpu_s, n_trained, last = time.perf_counter(), 0, 0.0, 0.0, 0, 0
    with open(out, "a", encoding="utf-8") as f:
        for rows in _results(groups, recipe, workers):
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


def _results(groups: list[list[Job]], recipe: Recipe,
             workers: int) -> Iterator[list[dict[str, Any]]]:
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


def finalise(partial: Path = DEFAULT_PARTIAL, out: Path = DEFAULT_TABLE,
             min_seeds: int = 2) -> int:
    """Write the shipped table: one CSV row for each of the 15,625 cells, holding its
    isomorphism class's results (gzip-compressed). Per-seed values are ``;``-separated, a
    seed's learning curve ``:``-separated; ``seconds`` is the mean training cost per run
    (``_cost``). Returns the number of rows written.

    Raises ``SystemExit`` if some class has fewer than ``min_seeds`` runs.
    """
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
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=9) as f:
        f.write(buf.getvalue())
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


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m nasdemo.nas.build_table",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                   help="processes, one thread each (default: all cores)")
    p.add_argument("--seeds", type=int, default=2, help="seeds per unique cell (default 2)")
    p.add_argument("--population", type=int, default=32,
                   help="networks trained together as one vectorised model (default 32)")
    p.add_argument("--partial", type=Path, default=DEFAULT_PARTIAL,
                   help="append-only JSON-lines results file")
    p.add_argument("--out", type=Path, default=DEFAULT_TABLE, help="the finalised table")
    p.add_argument("--limit", type=int, default=None,
                   help="only the first N unique cells of the (shuffled) plan: a pilot")
    p.add_argument("--pilot", type=int, default=120,
                   help="train this many cells with all seeds first (default 120)")
    p.add_argument("--finalise", action="store_true", help="write the table and stop")
    p.add_argument("--stats", action="store_true", help="print quality figures and stop")
    add_recipe_args(p)
    args = p.parse_args(argv)

    if args.stats:
        print(format_quality(quality(read_partial(args.partial))))
        return
    if args.finalise:
        n = finalise(args.partial, args.out, min_seeds=args.seeds)
        size = args.out.stat().st_size
        print(f"wrote {n} rows to {args.out} ({size / 1e6:.2f} MB)")
        print(format_quality(quality(read_partial(args.partial))))
        return
    cells = Cell.unique()
    random.Random(0).shuffle(cells)
    if args.limit is not None:
        cells = cells[:args.limit]
    jobs = plan(cells, range(args.seeds), pilot=args.pilot)
    run_jobs(jobs, recipe_from_args(args), args.partial, workers=args.workers,
             population=args.population)
    print(format_quality(quality(read_partial(args.partial))), flush=True)


if __name__ == "__main__":
    main()
