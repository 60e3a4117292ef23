"""A tabular NAS benchmark: "training" an architecture becomes a table look-up.

NAS-Bench-201 (Dong & Yang 2020) made NAS research reproducible by training every cell of its
space once and publishing the results; a search then costs queries, not GPU-days, and can be
rerun hundreds of times. ``Benchmark`` is that table: nasdemo's own MNIST-1D table
(``Benchmark.default()``, built by ``python -m nasdemo.nas.table.build``) or one exported
from NAS-Bench-201 / NATS-Bench (``Benchmark.from_csv``).

Exporting the real NAS-Bench-201 numbers (where you have its data, e.g. on Colab) with the
``nats_bench`` API::

    from nats_bench import create
    import csv
    api = create(None, "tss", fast_mode=True, verbose=False)  # needs $TORCH_HOME/NATS-tss-*
    with open("nb201_cifar10.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["arch", "val_acc", "test_acc", "seconds"])
        for i, arch in enumerate(api):
            v = api.get_more_info(i, "cifar10-valid", hp="200", is_random=False)
            t = api.get_more_info(i, "cifar10", hp="200", is_random=False)
            w.writerow([arch, v["valid-accuracy"], t["test-accuracy"], v["train-all-time"]])

    bench = Benchmark.from_csv("nb201_cifar10.csv", arch_column="arch",
                               metric_column="val_acc", test_column="test_acc",
                               seconds_column="seconds")
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from .cell import Cell

__all__ = ["Benchmark"]

DEFAULT_TABLE = Path(__file__).resolve().parent.parent / "data" / "nb201_mnist1d.csv.gz"


GZIP_MAGIC = b"\x1f\x8b"


def _open_text(path: Path) -> io.TextIOBase:
    """``path`` opened for reading text: gzip-compressed or not, told by its first two bytes
    (not its name, so ``t.csv`` holding gzip data or ``T.CSV.GZ`` both work), and a UTF-8
    byte-order mark (what some spreadsheet programs write) dropped."""
    with open(path, "rb") as f:
        gz = f.read(2) == GZIP_MAGIC
    if gz:
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")  # type: ignore[return-value]
    return open(path, encoding="utf-8-sig", newline="")


def _number(text: str, column: str, line: int, path: Path) -> float:
    try:
        x = float(text)
    except (TypeError, ValueError):
        raise ValueError(f"{path}:{line}: column {column!r} must be a number, got {text!r}") from None
    if not math.isfinite(x):
        raise ValueError(f"{path}:{line}: column {column!r} must be finite, got {text!r}")
    return x


def _percent(text: str, column: str, line: int, path: Path) -> float:
    """An accuracy cell: a finite number in 0-100 (percent), or a ValueError naming it."""
    x = _number(text, column, line, path)
    if not 0.0 <= x <= 100.0:
        raise ValueError(f"{path}:{line}: column {column!r} is an accuracy in percent, "
                         f"0-100; got {text!r}")
    return x


def _check_percent_not_fractions(values: list[float], column: str, path: Path) -> None:
    """Refuse a column of accuracies that are all in [0, 1]: fractions where the table wants
    percent (chance alone is 10 % on ten classes, so no real percent column stays below 1)."""
    if values and max(values) <= 1.0:
        raise ValueError(f"{path}: column {column!r} holds only values in [0, 1] (largest "
                         f"{max(values):g}): fractions? accuracies must be percent, 0-100; "
                         "multiply them by 100")


def _seconds(text: str, column: str, line: int, path: Path) -> float:
    x = _number(text, column, line, path)
    if x < 0:
        raise ValueError(f"{path}:{line}: column {column!r} is a training time, >= 0; "
                         f"got {text!r}")
    return x


#: The columns of a table written by the builder (``nasdemo.nas.table.build.COLUMNS``).
BUILT_COLUMNS = ("arch", "seconds", "val_acc", "test_acc", "val_acc_per_seed",
                 "test_acc_per_seed", "val_curve_per_seed")


def _explain_bad_row(row: dict[str, str], line: int, path: Path) -> None:
    """Raise the ValueError naming the first bad number of a built table's row."""
    for column in ("val_acc", "test_acc"):
        _percent(row[column], column, line, path)
    _seconds(row["seconds"], "seconds", line, path)
    for column, sep in (("val_acc_per_seed", ";"), ("test_acc_per_seed", ";"),
                        ("val_curve_per_seed", r"[;:]")):
        for x in re.split(sep, row[column]):
            _percent(x, column, line, path)
    raise AssertionError("unreachable: the row was rejected for a reason not found")


class Benchmark:
    """A table of architectures and their accuracies (percent; higher is better).

    ``query(cell)`` returns the cell's validation accuracy, counts one query and adds the
    cell's training time to ``seconds`` (what the search would have spent training). Options
    ask for test accuracy, one seed, or an earlier epoch where the table has them.
    """

    def __init__(self, cells: list[Cell], val: list[float], *, test: list[float] | None = None,
                 seconds: list[float] | None = None,
                 val_per_seed: list[list[float]] | None = None,
                 test_per_seed: list[list[float]] | None = None,
                 curves: list[list[list[float]]] | None = None, name: str = "table") -> None:
        if len(set(cells)) != len(cells):
            raise ValueError("the table lists some architecture more than once")
        n = len(cells)
        for label, col in (("val", val), ("test", test), ("seconds", seconds),
                           ("val_per_seed", val_per_seed), ("test_per_seed", test_per_seed),
                           ("curves", curves)):
            if col is not None and len(col) != n:
                raise ValueError(f"{label} has {len(col)} entries for {n} architectures")
        if n == 0:
            raise ValueError("the table is empty")
        self.name = name
        self._cells = list(cells)
        self._index = {c: i for i, c in enumerate(self._cells)}
        self._by_str = {str(c): i for i, c in enumerate(self._cells)}
        self._val = list(val)
        self._test = test
        self._seconds = list(seconds) if seconds is not None else [0.0] * n
        self._val_per_seed = val_per_seed
        self._test_per_seed = test_per_seed
        self._curves = curves
        self.n_queries = 0
        self.seconds = 0.0

    # ------------------------------------------------------------------ loading
    @classmethod
    def default(cls) -> "Benchmark":
        """nasdemo's shipped MNIST-1D table: all 15,625 NAS-Bench-201 cells, 2 seeds each
        (see ``nasdemo/data/nb201_mnist1d.md`` for how it was made). Each call returns a fresh
        object (own counters) over one cached copy of the data."""
        b = _default_table()
        fresh = object.__new__(cls)
        fresh.__dict__.update(b.__dict__)
        fresh.reset()
        return fresh

    @classmethod
    def from_csv(cls, path: str | Path, arch_column: str = "arch",
                 metric_column: str = "val_acc", *, test_column: str | None = None,
                 seconds_column: str | None = None, name: str | None = None) -> "Benchmark":
        """Load a CSV (plain or gzip-compressed, told by its content; a UTF-8 byte-order mark
        is fine) with one row per architecture: the NAS-Bench-201 string in ``arch_column``,
        accuracy in percent (0-100) in ``metric_column``, optionally test accuracy and
        training seconds. The table may hold part of the space; querying a cell it lacks
        raises a ``KeyError`` naming the cell. Raises ``ValueError`` naming the file, line and
        column of a malformed row (not a number, not finite, an accuracy outside 0-100), for a
        column of fractions where percent is expected, or listing the columns when one is
        missing."""
        path = Path(path)
        with _open_text(path) as f:
            reader = csv.DictReader(f)
            header = reader.fieldnames or []
            wanted = [c for c in (arch_column, metric_column, test_column, seconds_column) if c]
            missing = [c for c in wanted if c not in header]
            if missing:
                raise ValueError(f"{path}: no column {missing[0]!r}; the columns are {header}")
            cells, val, test, secs = [], [], [], []
            seen: dict[Cell, int] = {}
            for line, row in enumerate(reader, start=2):
                try:
                    cell = Cell.from_string(row[arch_column] or "")
                except ValueError as e:
                    raise ValueError(f"{path}:{line}: bad architecture: {e}") from None
                if cell in seen:
                    raise ValueError(f"{path}:{line}: {cell} already given on line {seen[cell]}")
                seen[cell] = line
                cells.append(cell)
                val.append(_percent(row[metric_column], metric_column, line, path))
                if test_column:
                    test.append(_percent(row[test_column], test_column, line, path))
                if seconds_column:
                    secs.append(_seconds(row[seconds_column], seconds_column, line, path))
        _check_percent_not_fractions(val, metric_column, path)
        if test_column:
            _check_percent_not_fractions(test, test_column, path)
        return cls(cells, val, test=test if test_column else None,
                   seconds=secs if seconds_column else None, name=name or path.name)

    def to_csv(self, path: str | Path, *, force: bool = False) -> Path:
        """Write the table in the format ``from_csv`` reads (columns ``arch``, ``val_acc``,
        ``test_acc`` where the table has test accuracies, ``seconds``; one row per
        architecture, table order, numbers written exactly), so it can be loaded back as a
        NAS-Bench-201 export would be. Per-seed results and curves are not written. Refuses to
        overwrite an existing file unless ``force``. Returns the path."""
        path = Path(path)
        if path.exists() and not force:
            raise FileExistsError(f"{path} exists; pass force=True to overwrite it")
        header = ["arch", "val_acc"] + (["test_acc"] if self._test is not None else []) + \
            ["seconds"]
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(header)
            for i, cell in enumerate(self._cells):
                test = [repr(self._test[i])] if self._test is not None else []
                w.writerow([str(cell), repr(self._val[i]), *test, repr(self._seconds[i])])
        return path

    @classmethod
    def _from_built_table(cls, path: Path) -> "Benchmark":
        """Load the format ``nasdemo.nas.table.build --finalise`` writes (one row per cell,
        per-seed values ``;``-separated, a curve's epochs ``:``-separated), checking what a
        search relies on: every column there, every number a finite percentage, every one of
        the 15,625 cells present once. Errors name the file and line."""
        cells, val, test, secs, vps, tps, curves = [], [], [], [], [], [], []
        with _open_text(path) as f:
            reader = csv.DictReader(f)
            header = reader.fieldnames or []
            missing = [c for c in BUILT_COLUMNS if c not in header]
            if missing:
                raise ValueError(
                    f"{path} is not a table written by `python -m nasdemo.nas.table.build "
                    f"--finalise`: no column {missing[0]!r} (the columns are {header}). "
                    "Load other tables with Benchmark.from_csv")
            for line, row in enumerate(reader, start=2):
                try:
                    cell = Cell.from_string(row["arch"] or "")
                    v, t = float(row["val_acc"]), float(row["test_acc"])
                    s = float(row["seconds"])
                    vs = [float(x) for x in row["val_acc_per_seed"].split(";")]
                    ts = [float(x) for x in row["test_acc_per_seed"].split(";")]
                    cs = [[float(x) for x in run.split(":")]
                          for run in row["val_curve_per_seed"].split(";")]
                except (ValueError, AttributeError) as e:  # AttributeError: a short row's None
                    raise ValueError(f"{path}:{line}: {e}") from None
                # One comparison chain per value rejects nan (every comparison is False),
                # +-inf and anything outside 0-100; only a failing row is looked at closely.
                if not (0 <= v <= 100 and 0 <= t <= 100 and 0 <= s < math.inf
                        and all(0 <= x <= 100 for x in vs) and all(0 <= x <= 100 for x in ts)
                        and all(0 <= x <= 100 for c in cs for x in c)):
                    _explain_bad_row(row, line, path)
                cells.append(cell)
                val.append(v)
                test.append(t)
                secs.append(s)
                vps.append(vs)
                tps.append(ts)
                curves.append(cs)
        _check_percent_not_fractions(val, "val_acc", path)
        seen = set(cells)
        if len(seen) != len(cells):
            first: dict[Cell, int] = {}
            for line, cell in enumerate(cells, start=2):
                if cell in first:
                    raise ValueError(f"{path}:{line}: {cell} already given on line "
                                     f"{first[cell]}")
                first[cell] = line
        if len(cells) != len(Cell.all()):
            absent = next(c for c in Cell.all() if c not in seen)
            raise ValueError(f"{path} covers {len(cells):,} of the {len(Cell.all()):,} cells "
                             f"(first missing: {absent}); a search samples the whole space, "
                             "so a built table must hold every cell")
        return cls(cells, val, test=test, seconds=secs, val_per_seed=vps, test_per_seed=tps,
                   curves=curves, name=path.name)

    # ------------------------------------------------------------------ queries
    def query(self, cell: Cell | str, *, test: bool = False, seed: int | None = None,
              epoch: int | None = None) -> float:
        """Accuracy of ``cell`` in percent: validation (mean over seeds) by default; the test
        accuracy with ``test=True``; one seed's number with ``seed`` (an index into the
        table's seeds); the validation accuracy after ``epoch`` (1-based) of training. Counts
        one query and the simulated training seconds (a fraction for an earlier epoch); a
        query that raises counts nothing."""
        i = self._index.get(cell) if isinstance(cell, Cell) else self._by_str.get(cell)
        if i is None:
            i = self._missing(cell)
        if epoch is None:
            acc = self._val[i] if not test and seed is None else self._lookup(i, test, seed)
            self.seconds += self._seconds[i]
        else:
            acc = self._at_epoch(i, epoch, seed, test)
        self.n_queries += 1  # only now: a query that raised was never answered
        return acc

    def _missing(self, cell: Cell | str) -> int:
        if isinstance(cell, str):
            c = Cell.from_string(cell)  # a malformed string gets its ValueError here
            if c in self._index:
                return self._index[c]
        elif not isinstance(cell, Cell):
            raise TypeError(f"query takes a Cell or an architecture string, got "
                            f"{type(cell).__name__}")
        raise KeyError(f"{cell} is not in the benchmark table {self.name!r} "
                       f"({len(self):,} of the {len(Cell.all()):,} architectures)")

    def _lookup(self, i: int, test: bool, seed: int | None) -> float:
        if seed is None:
            if self._test is None:
                raise ValueError(f"table {self.name!r} has no test accuracies")
            return self._test[i]
        per_seed = self._test_per_seed if test else self._val_per_seed
        if per_seed is None:
            raise ValueError(f"table {self.name!r} has no per-seed results")
        if not 0 <= seed < len(per_seed[i]):
            raise ValueError(f"seed must be in 0..{len(per_seed[i]) - 1}, got {seed}")
        return per_seed[i][seed]

    def _at_epoch(self, i: int, epoch: int, seed: int | None, test: bool) -> float:
        if self._curves is None:
            raise ValueError(f"table {self.name!r} has no learning curves")
        if test:
            raise ValueError("learning curves are validation accuracies; drop test=True")
        n_epochs = len(self._curves[i][0])
        if not 1 <= epoch <= n_epochs:
            raise ValueError(f"epoch must be in 1..{n_epochs}, got {epoch}")
        if seed is not None and not 0 <= seed < len(self._curves[i]):
            raise ValueError(f"seed must be in 0..{len(self._curves[i]) - 1}, got {seed}")
        runs = self._curves[i] if seed is None else [self._curves[i][seed]]
        self.seconds += self._seconds[i] * epoch / n_epochs
        return sum(r[epoch - 1] for r in runs) / len(runs)

    def lookup(self, cell: Cell | str, *, test: bool = False) -> float:
        """The mean validation (or test) accuracy of ``cell`` *without* counting a query: for
        reporting a search's result, not for making one."""
        i = self._index_of(cell)
        return self._val[i] if not test else self._lookup(i, True, None)

    def per_seed(self, *, test: bool = False) -> list[list[float]]:
        """Every cell's validation (or test) accuracy per training seed, in table order (what
        the seed-vs-seed agreement of the table is measured on)."""
        col = self._test_per_seed if test else self._val_per_seed
        if col is None:
            raise ValueError(f"table {self.name!r} has no per-seed results")
        return [list(x) for x in col]

    def curve(self, cell: Cell | str, seed: int | None = None) -> list[float]:
        """Validation accuracy after each epoch of training (mean over seeds, or one seed's),
        without counting a query: for plotting learning curves."""
        if self._curves is None:
            raise ValueError(f"table {self.name!r} has no learning curves")
        runs = self._curves[self._index_of(cell)]
        if seed is not None:
            if not 0 <= seed < len(runs):
                raise ValueError(f"seed must be in 0..{len(runs) - 1}, got {seed}")
            return list(runs[seed])
        return [sum(v) / len(v) for v in zip(*runs)]

    def training_seconds(self, cell: Cell | str) -> float:
        """What training ``cell`` once cost when the table was built (mean over seeds), without
        counting a query."""
        return self._seconds[self._index_of(cell)]

    @property
    def n_seeds(self) -> int:
        """How many training seeds the table has per cell (0 if it has no per-seed results)."""
        return len(self._val_per_seed[0]) if self._val_per_seed else 0

    def reset(self) -> None:
        """Zero the query and seconds counters (start a new search)."""
        self.n_queries = 0
        self.seconds = 0.0

    # ------------------------------------------------------------------ the table itself
    def best(self, *, test: bool = False) -> tuple[Cell, float]:
        """The optimum: the cell with the highest mean validation (or test) accuracy. Does
        not count as a query."""
        col = self._test if test else self._val
        if col is None:
            raise ValueError(f"table {self.name!r} has no test accuracies")
        i = max(range(len(col)), key=col.__getitem__)
        return self._cells[i], col[i]

    def rank(self, cell: Cell | str) -> int:
        """1 for the best cell by validation accuracy; ties share the better rank."""
        v = self._val[self._index_of(cell)]
        return 1 + sum(x > v for x in self._val)

    def _index_of(self, cell: Cell | str) -> int:
        i = self._index.get(cell) if isinstance(cell, Cell) else self._by_str.get(cell)
        return i if i is not None else self._missing(cell)

    def cells(self) -> list[Cell]:
        """The architectures in table order."""
        return list(self._cells)

    def accuracies(self, *, test: bool = False) -> list[float]:
        """Every cell's mean validation (or test) accuracy, in table order."""
        col = self._test if test else self._val
        if col is None:
            raise ValueError(f"table {self.name!r} has no test accuracies")
        return list(col)

    def __len__(self) -> int:
        return len(self._cells)

    def __contains__(self, cell: object) -> bool:
        return cell in self._index or (isinstance(cell, str) and cell in self._by_str)

    def __iter__(self) -> Iterator[Cell]:
        return iter(self._cells)

    def __repr__(self) -> str:
        return (f"Benchmark({self.name!r}, {len(self)} architectures, "
                f"{self.n_queries} queries, {self.seconds:.0f} simulated s)")


def default_table_path() -> Path:
    """The table ``Benchmark.default()`` loads: ``$NASDEMO_TABLE`` if set (a table written by
    ``python -m nasdemo.nas.table.build --finalise --out ...``, e.g. one built with another
    recipe), else the shipped one."""
    env = os.environ.get("NASDEMO_TABLE")
    return Path(env) if env else DEFAULT_TABLE


def _default_table() -> Benchmark:
    return _load_built_table(default_table_path())


@lru_cache(maxsize=2)
def _load_built_table(path: Path) -> Benchmark:
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: build it with `python -m nasdemo.nas.table.build` "
            "and `python -m nasdemo.nas.table.build --finalise`")
    return Benchmark._from_built_table(path)
