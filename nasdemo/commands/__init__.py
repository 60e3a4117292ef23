"""The subcommands of ``python -m nasdemo`` (``search``, ``compare``, ``build-table``), one
module each with ``add_arguments(parser)`` and ``run(args) -> exit code``, and what
they share (``common``). ``site`` and ``figures`` live with their own code
(:mod:`nasdemo.site`, :mod:`nasdemo.figures`)."""
