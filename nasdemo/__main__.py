"""``python -m nasdemo COMMAND``: the package's command line.

One subcommand per task; each lives in its own module, which adds its arguments with
``add_arguments(parser)`` and runs with ``run(args) -> exit code``. Today:

- ``site``: execute every notebook and write a static HTML site to read without running
  (:mod:`nasdemo.site`).
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` (default: ``sys.argv[1:]``), run the chosen subcommand, return its exit code."""
    from . import site

    parser = argparse.ArgumentParser(prog="python -m nasdemo", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    site_parser = commands.add_parser("site", help=site.HELP, description=site.HELP)
    site.add_arguments(site_parser)
    site_parser.set_defaults(run=site.run)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:  # what each command finished is on disk already
        print(f"python -m nasdemo {args.command}: interrupted; what it finished is kept "
              "(run the same command again to redo the rest)", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
