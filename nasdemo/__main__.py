"""``python -m nasdemo COMMAND`` (or ``nasdemo COMMAND``): the package's command line.

One subcommand per task; each lives in its own module, which adds its arguments with
``add_arguments(parser)`` and runs with ``run(args) -> exit code``. Only the chosen
command's module is imported (``site`` alone pulls in nbconvert), so ``--help`` and quick
commands start quickly:

- ``search``: one architecture search, and the cell it returns (:mod:`nasdemo.commands.search`);
- ``compare``: search methods over many seeds and budgets, as a table
  (:mod:`nasdemo.commands.compare`);
- ``figures``: the paper figures the notebooks reproduce, as HTML and PNG (:mod:`nasdemo.figures`);
- ``build-table``: the table builder, ``python -m nasdemo.nas.table.build``
  (:mod:`nasdemo.commands.build_table`);
- ``site``: execute every notebook and write a static HTML site to read without running
  (:mod:`nasdemo.site`).

Bad arguments exit with status 2 and a message naming what was wrong.
"""

from __future__ import annotations

import argparse
import importlib
import sys

#: command -> (its module, its one line of help: here, so --help imports no module)
COMMANDS = {
    "search": ("nasdemo.commands.search",
               "run one architecture search and print the cell it returns, its accuracy and "
               "rank"),
    "compare": ("nasdemo.commands.compare",
                "compare search methods over many seeds and budgets, printed as a table"),
    "figures": ("nasdemo.figures",
                "regenerate the paper figures the notebooks reproduce, as HTML and PNG files"),
    "build-table": ("nasdemo.commands.build_table",
                    "build (or resume, finalise, check) a tabular benchmark: train every cell"),
    "site": ("nasdemo.site",
             "execute the notebooks and write a static HTML site to read without running them"),
}
PROG = "python -m nasdemo"


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` (default: ``sys.argv[1:]``), run the chosen subcommand, return its exit code."""
    from .commands.common import CommandError

    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = next((a for a in argv if not a.startswith("-")), None)
    for name, (module_name, help_text) in COMMANDS.items():
        sub = commands.add_parser(name, help=help_text, description=help_text,
                                  add_help=name != "build-table")  # the builder has its own
        if name == chosen:
            module = importlib.import_module(module_name)
            module.add_arguments(sub)
            sub.set_defaults(run=module.run)
    if chosen == "build-table":  # everything after it, --help included, is the builder's
        args, args.builder_args = parser.parse_known_args(argv)
    else:
        args = parser.parse_args(argv)
    try:
        return args.run(args)
    except CommandError as e:
        print(f"{PROG} {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # what each command finished is on disk already
        print(f"{PROG} {args.command}: interrupted; what it finished is kept "
              "(run the same command again to redo the rest)", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
