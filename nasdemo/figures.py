"""``python -m nasdemo figures --out DIR``: regenerate, headless, the paper figures the
notebooks reproduce, as HTML (interactive, offline) and PNG.

``FIGURES`` maps a name to a function that builds one figure from scratch (running the
searches it needs) and returns a plotly ``go.Figure``, or a matplotlib ``Figure`` where the
notebook draws it with matplotlib; one line per figure, so a notebook's figure joins with one
line. ``--fast`` builds them with ``NASDEMO_FAST=1`` (the notebooks' small budgets).

Written to ``DIR``: ``NAME.html`` for every figure (plotly pages share one ``plotly.min.js``;
a matplotlib figure's page shows its PNG), ``NAME.png`` (matplotlib's own export; plotly's
needs kaleido and a Chrome or Chromium, ``pip install "nasdemo[figures]"``: without it the
PNGs of plotly figures are skipped and the command says so), and the marker
``.nasdemo-figures.json`` listing what was written. A non-empty ``DIR`` without the marker is
refused unless ``--force`` (the rule of ``python -m nasdemo site``).
"""

from __future__ import annotations

import argparse
import html
import json
import os
import shutil
import sys
import time
from functools import lru_cache
from importlib import resources as importlib_resources
from pathlib import Path
from typing import Any, Callable

from .utils import pick

__all__ = ["FIGURES", "write_figures", "add_arguments", "run"]

MARKER = ".nasdemo-figures.json"
PLOTLY_JS = "plotly.min.js"


# ---------------------------------------------------------------------------------------------
# The figures


def amoebanet_figure3() -> Any:
    """AmoebaNet's Figure 3 (Real et al. 2019) as notebook 06 draws it: best validation
    accuracy so far against models evaluated, aging evolution, REINFORCE and random search
    on the shipped table, median and 25-75 % band over seeds (matplotlib)."""
    import matplotlib.pyplot as plt

    from .nas import Benchmark, aging_evolution, compare, random_search, reinforce
    from .viz import plot_runs

    bench = Benchmark.default()
    best_val = bench.best()[1]
    result = compare(bench, {"aging evolution": aging_evolution, "REINFORCE": reinforce,
                             "random search": random_search}, 150, seeds=pick(200, 40),
                     progress=True)
    fig, ax = plt.subplots(figsize=(9, 4))
    plot_runs(result.curves, ax=ax, log_y=False, band="iqr", xlabel="models evaluated",
              ylabel="best validation accuracy so far, %",
              title="Figure 3 on the MNIST-1D table (median, 25-75 % band)")
    ax.axhline(best_val, color="#000000", ls=":", lw=1, label="table optimum")
    ax.set_ylim(best_val - 8, best_val + 0.5)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    fig.tight_layout()
    return fig


@lru_cache(maxsize=1)
def _darts_run() -> Any:
    """Notebook 07's first-order DARTS search on the NAS-Bench-201 supernet (shared by the
    DARTS figures, run once per command)."""
    from .nas import NB201Supernet, Splits, darts_search, load_mnist1d
    from .utils import get_device

    device = get_device()
    data = load_mnist1d()
    n = pick(3000, 1000)
    search_data = Splits(data.x_train[:n], data.y_train[:n], data.x_val, data.y_val,
                         data.x_test, data.y_test)
    return darts_search(NB201Supernet(channels=8, device=device), search_data,
                        epochs=pick(15, 6), order=1, seed=0, device=device)


def darts_alpha_evolution() -> Any:
    """DARTS's softmax(alpha) on each edge, epoch by epoch, as an animation with a slider,
    as notebook 07 shows it; it opens (and its PNG shows) the last epoch."""
    from .nas import EDGES, OPS
    from .viz import alpha_figure, spread_of, step_through

    run = _darts_run()
    per_epoch = run.alphas["alpha"][::run.steps_per_epoch]
    fig = alpha_figure(per_epoch[0], EDGES, OPS, spread=spread_of(per_epoch), height=430)
    steps = [{0: {"z": p.numpy(), "text": p.numpy().round(2)}} for p in per_epoch]
    titles = ["α at initialisation"] + [f"α after epoch {e + 1}: derives {c}"
                                        for e, c in enumerate(run.derived)]
    return step_through(fig, steps, [str(e) for e in range(len(steps))], title=titles,
                        mode="static", start=len(steps) - 1, show=False)  # PNG: the end


def darts_derived_cell() -> Any:
    """The cell DARTS derives at the end of that search, with its true accuracy and rank in
    the table (notebook 07)."""
    from .nas import Benchmark
    from .viz import cell_figure

    bench = Benchmark.default()
    derived = _darts_run().architecture
    return cell_figure(derived, title=f"derived cell: {bench.lookup(derived):.1f} %, rank "
                                      f"{bench.rank(derived):,}")


def nao_embedding_space() -> Any:
    """NAO's embedding space (notebook 08, the lecture's "Example - Embedding Space"): every
    cell encoded by a 150-query search's final model, projected to 2-D, coloured by accuracy,
    with the last round's gradient-ascent arrows (eq. 2) from its best seeds."""
    from .nas import Benchmark, nao
    from .viz import embedding_figure

    bench = Benchmark.default()
    return embedding_figure(nao(bench, 150, seed=0, record=True), bench)


def neural_predictor_figure6() -> Any:
    """Wen et al.'s Figure 6 on the shipped table (notebook 09): oracle, random search, aging
    evolution and the Neural Predictor with and without the cascade (N = 100), mean test
    accuracy of the deployed cell against N + K."""
    from .nas import Benchmark, figure6_data
    from .viz import figure6

    return figure6(figure6_data(Benchmark.default(), runs=pick(100, 4)))


def neural_predictor_figure7() -> Any:
    """Wen et al.'s Figure 7 on the shipped table (notebook 09): the Neural Predictor against
    N + K for several N, the trade-off between training and validating."""
    from .nas import Benchmark, figure7_data
    from .viz import figure7

    return figure7(figure7_data(Benchmark.default(), runs=pick(100, 4)))


def showdown() -> Any:
    """Notebook 10's showdown: every strategy in ``nasdemo.nas.METHODS`` on the shipped
    table, 150 queries, the returned cell's test accuracy against queries (mean, 95 % band)."""
    from .nas import METHODS, Benchmark, compare
    from .viz import showdown_queries_figure

    bench = Benchmark.default()
    comp = compare(bench, METHODS, 150, seeds=pick(20, 3), progress=True)
    return showdown_queries_figure(comp, bench, title="Every method of the lecture, 150 queries")


FIGURES: dict[str, Callable[[], Any]] = {
    "amoebanet_figure3": amoebanet_figure3,
    "darts_alpha_evolution": darts_alpha_evolution,
    "darts_derived_cell": darts_derived_cell,
    "nao_embedding_space": nao_embedding_space,
    "neural_predictor_figure6": neural_predictor_figure6,
    "neural_predictor_figure7": neural_predictor_figure7,
    "showdown": showdown,
}


# ---------------------------------------------------------------------------------------------
# Writing them


def _png_exporter() -> str | None:
    """Why plotly figures cannot be written as PNG here, or None when they can."""
    try:
        import kaleido  # noqa: F401
    except ImportError:
        return ('kaleido is not installed (pip install "nasdemo[figures]"; it also needs '
                "Chrome or Chromium)")
    return None


def _is_plotly(fig: Any) -> bool:
    import plotly.graph_objects as go

    return isinstance(fig, go.Figure)


def _write_one(name: str, fig: Any, out: Path, png_blocker: str | None) -> list[str]:
    """``fig`` as ``out/name.html`` and, when possible, ``out/name.png``; the files written."""
    written = []
    if _is_plotly(fig):
        (out / f"{name}.html").write_text(fig.to_html(include_plotlyjs=PLOTLY_JS),
                                          encoding="utf-8")
        written.append(f"{name}.html")
        if png_blocker is None:
            fig.write_image(out / f"{name}.png", width=fig.layout.width or 860, scale=2)
            written.append(f"{name}.png")
        return written
    import matplotlib.pyplot as plt

    fig.savefig(out / f"{name}.png", dpi=150, bbox_inches="tight")
    plt.close(fig)
    page = (f"<!doctype html><meta charset='utf-8'><title>{html.escape(name)}</title>"
            f"<img src='{html.escape(name)}.png' alt='{html.escape(name)}' "
            "style='max-width:100%'>\n")
    (out / f"{name}.html").write_text(page, encoding="utf-8")
    return [f"{name}.png", f"{name}.html"]


def write_figures(out: Path, names: list[str] | None = None, force: bool = False,
                  log: Callable[[str], None] = print) -> dict[str, Any]:
    """Build the figures ``names`` (default all of ``FIGURES``) and write them into ``out``;
    returns the marker's content (what was written, and why PNGs were skipped if they were).
    ``ValueError`` for an unknown name; ``nasdemo.site.SiteError`` for an ``out`` we must
    not write into."""
    from .site import _prepare_out

    names = list(FIGURES) if names is None else names
    unknown = [n for n in names if n not in FIGURES]
    if unknown:
        raise ValueError(f"unknown figure {unknown[0]!r}; the figures are "
                         f"{', '.join(FIGURES)}")
    _prepare_out(out, force, marker=MARKER,
                 what="a folder written by `python -m nasdemo figures`")
    png_blocker = _png_exporter()
    shutil.copyfile(str(importlib_resources.files("plotly") / "package_data" / PLOTLY_JS),
                    out / PLOTLY_JS)
    done: dict[str, Any] = {"generator": "python -m nasdemo figures",
                            "NASDEMO_FAST": os.environ.get("NASDEMO_FAST", ""),
                            "png_skipped": png_blocker, "figures": {}, "files": [PLOTLY_JS]}
    for name in names:
        t0 = time.perf_counter()
        log(f"{name}: building")
        files = _write_one(name, FIGURES[name](), out, png_blocker)
        done["figures"][name] = {"seconds": round(time.perf_counter() - t0, 1),
                                 "files": files}
        done["files"] += files
        (out / MARKER).write_text(json.dumps(done, indent=1) + "\n", encoding="utf-8")
        log(f"{name}: {', '.join(files)} in {done['figures'][name]['seconds']:.0f} s")
    return done


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``figures`` subcommand's options."""
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="folder to write to: new, empty, or one this command wrote")
    parser.add_argument("--only", nargs="+", metavar="NAME",
                        help=f"only these figures, among {', '.join(FIGURES)}")
    parser.add_argument("--fast", action="store_true",
                        help="build with NASDEMO_FAST=1: the notebooks' small budgets")
    parser.add_argument("--force", action="store_true",
                        help="write into a non-empty --out this command did not write")


def run(args: argparse.Namespace) -> int:
    """Run the ``figures`` subcommand: 0 written, 2 bad input."""
    import matplotlib

    matplotlib.use("Agg")  # headless: no display needed
    from .commands.common import CommandError
    from .site import SiteError
    from .utils import few_threads

    unknown = [n for n in args.only or [] if n not in FIGURES]
    if unknown:
        raise CommandError(f"--only: unknown figure {unknown[0]!r}; the figures are "
                           f"{', '.join(FIGURES)}")
    if args.fast:
        os.environ["NASDEMO_FAST"] = "1"
    try:
        with few_threads():  # as the notebooks run: small models, one thread is faster
            done = write_figures(args.out, args.only, args.force,
                                 log=lambda m: print(m, file=sys.stderr))
    except SiteError as e:  # an --out we must not write into
        raise CommandError(str(e)) from None
    if done["png_skipped"]:
        print(f"PNG of the plotly figures skipped: {done['png_skipped']}", file=sys.stderr)
    print(f"{len(done['figures'])} figures in {args.out}")
    return 0
