"""``python -m nasdemo build-table``: the table builder (``python -m
nasdemo.nas.table.build``) under the package's command; every option is the builder's."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """None here: ``python -m nasdemo`` hands everything after ``build-table`` (``--help``
    included) to the builder as ``args.builder_args``."""


def run(args: argparse.Namespace) -> int:
    """Run the builder with the arguments given; its own errors exit as it does."""
    from ..nas.table import build

    build.main(args.builder_args, prog="python -m nasdemo build-table")
    return 0
