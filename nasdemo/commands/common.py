"""What the subcommands share: the table options, argument types that say what is wrong,
the search methods by name, and where the work runs (here, local processes, a Dask cluster)."""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path
from typing import Any, Callable, Iterator

from ..utils import check_int

__all__ = ["CommandError", "int_at_least", "int_list", "add_table_arguments", "load_table",
           "searching", "add_executor_arguments", "executor_from_args", "method_names"]


class CommandError(Exception):
    """Bad input found after parsing (a table that cannot be read, a file we must not
    overwrite): ``python -m nasdemo`` prints the message and exits with status 2."""


def int_at_least(minimum: int, what: str) -> Callable[[str], int]:
    """An argparse type: an integer >= ``minimum`` (checked by ``nasdemo.utils.check_int``)."""
    def parse(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None
        try:
            return check_int(n, what, minimum=minimum)
        except ValueError as e:  # argparse names the flag already: "argument --budget: ..."
            raise argparse.ArgumentTypeError(str(e).removeprefix(f"{what} ")) from None
    return parse


def int_list(minimum: int, what: str) -> Callable[[str], list[int]]:
    """An argparse type: comma-separated integers >= ``minimum``, e.g. ``50,100,150``."""
    one = int_at_least(minimum, what)

    def parse(text: str) -> list[int]:
        items = [t.strip() for t in text.split(",")]
        if not all(items):
            raise argparse.ArgumentTypeError(f"comma-separated integers such as 50,100,150, "
                                             f"got {text!r}")
        values = [one(t) for t in items]
        if len(set(values)) != len(values):
            raise argparse.ArgumentTypeError(f"{text!r} names a value twice")
        return values
    return parse


def add_table_arguments(parser: argparse.ArgumentParser) -> None:
    """``--table`` and its columns: the benchmark to search (default the shipped one)."""
    g = parser.add_argument_group("the benchmark table (default: nasdemo's MNIST-1D table)")
    g.add_argument("--table", type=Path, metavar="PATH.csv",
                   help="a CSV (plain or .gz) with one row per NAS-Bench-201 cell, e.g. a "
                        "NAS-Bench-201 export (see nasdemo.nas.Benchmark)")
    g.add_argument("--arch-column", default="arch", metavar="NAME",
                   help="its column of architecture strings (default arch)")
    g.add_argument("--metric-column", default="val_acc", metavar="NAME",
                   help="its column of validation accuracies in percent (default val_acc)")
    g.add_argument("--test-column", metavar="NAME",
                   help="its column of test accuracies in percent, if it has one")
    g.add_argument("--seconds-column", metavar="NAME",
                   help="its column of training seconds, if it has one")


def load_table(args: argparse.Namespace) -> Any:
    """The ``Benchmark`` the table options name; ``CommandError`` saying why one cannot be
    read (missing file, missing column, a malformed row)."""
    from ..nas import Benchmark

    if args.table is None:
        for flag in ("test_column", "seconds_column"):
            if getattr(args, flag):
                raise CommandError(f"--{flag.replace('_', '-')} needs --table")
        return Benchmark.default()
    if not args.table.is_file():
        raise CommandError(f"--table {args.table}: no such file")
    try:
        return Benchmark.from_csv(args.table, args.arch_column, args.metric_column,
                                  test_column=args.test_column,
                                  seconds_column=args.seconds_column)
    except (ValueError, OSError, EOFError) as e:
        raise CommandError(f"--table {args.table}: {e}") from None


@contextlib.contextmanager
def searching(table: Path | None) -> Iterator[None]:
    """Turn a search's ``KeyError`` for a cell the table lacks into a ``CommandError``
    saying why: the searches sample the whole space."""
    try:
        yield
    except KeyError as e:
        raise CommandError(f"--table {table}: {e.args[0]}; the searches sample all 15,625 "
                           "cells, so the table must hold every one") from None


def add_executor_arguments(parser: argparse.ArgumentParser) -> None:
    """``--workers`` and ``--scheduler``: where the runs go."""
    g = parser.add_mutually_exclusive_group()
    g.add_argument("--workers", type=int_at_least(1, "--workers"), default=1, metavar="N",
                   help="local processes to run on (default 1: this process)")
    g.add_argument("--scheduler", metavar="tcp://HOST:PORT", type=_scheduler_address,
                   help="run on the workers of this running Dask scheduler (needs "
                        'pip install "nasdemo[cluster]")')


def _scheduler_address(text: str) -> str:
    """An argparse type: a Dask scheduler address (``nasdemo.cluster.check_address``)."""
    from ..cluster import check_address

    try:
        return check_address(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e).removeprefix("--scheduler ")) from None


@contextlib.contextmanager
def executor_from_args(args: argparse.Namespace) -> Iterator[Any]:
    """None (run here), a ``ProcessPoolExecutor`` of ``--workers`` processes, or a Dask
    ``Client`` of ``--scheduler``; shut down when the block ends."""
    if args.scheduler:
        from ..cluster import connect
        try:
            client = connect(args.scheduler)
        except (ValueError, RuntimeError) as e:
            raise CommandError(str(e)) from None
        with client:
            yield client
    elif args.workers > 1:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        # spawn: no forked torch/OpenMP state, and the same behaviour on every OS
        with ProcessPoolExecutor(args.workers, mp_context=mp.get_context("spawn")) as pool:
            yield pool
    else:
        yield None


def method_names(single: bool = False) -> Callable[[str], list[str]]:
    """An argparse type: comma-separated names from ``nasdemo.nas.METHODS`` (one name with
    ``single``; ``all`` for every one otherwise), each checked by ``get_method``, whose error
    lists the names there are."""
    from ..nas.methods import METHODS, get_method

    def parse(text: str) -> list[str]:
        if not single and text.strip() == "all":
            return list(METHODS)
        names = [t.strip() for t in text.split(",")]
        if single and len(names) > 1:
            raise argparse.ArgumentTypeError(f"one method name, got {text!r}")
        if not all(names):
            raise argparse.ArgumentTypeError(f"comma-separated method names, got {text!r}")
        if len(set(names)) != len(names):
            raise argparse.ArgumentTypeError(f"{text!r} names a method twice")
        for name in names:
            try:
                get_method(name)
            except ValueError as e:
                raise argparse.ArgumentTypeError(str(e)) from None
        return names
    return parse
