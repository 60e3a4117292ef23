"""A static HTML site of the notebooks, to read without running anything.

``python -m nasdemo site --out DIR`` executes every notebook with the lecture's settings
(``NASDEMO_FAST=0``; ``--fast`` for a quick build) and writes::

    DIR/index.html          the notebooks in lecture order: title, lecture slides, summary
    DIR/NN_name.html        one page per notebook with its outputs, linked to index/prev/next
    DIR/plotly.min.js       plotly.js, once for the whole site (from the installed plotly)
    DIR/.nasdemo-site.json  the marker: what was built, how, and which files we wrote

Pages need no network and no kernel: plotly figures stay interactive (zoom, hover, the
animation slider) through the local ``plotly.min.js``; matplotlib figures are inline PNGs.
The kernel runs with ``NASDEMO_VIZ=static`` so that ``step_through`` and the other live views
emit self-contained plotly animations instead of ipywidgets, which would need a kernel.
Maths in markdown cells is turned into MathML when the page is written (latex2mathml, a
small pure-Python package), which browsers draw natively: MathJax, which JupyterLab uses,
would have to come from a CDN, since no standalone copy is installed with the lecture's
environment. A formula latex2mathml cannot read stays LaTeX source and is reported.

Why nbconvert (with nbclient) rather than our own HTML, mkdocs-jupyter or Jupyter Book: it is
the Jupyter project's own, maintained converter and is already installed with JupyterLab, so
the site needs no new dependency; nbclient runs each notebook in a real kernel exactly as
JupyterLab would, and the ``lab`` template renders outputs with JupyterLab's own CSS.
mkdocs-jupyter and Jupyter Book would bring a documentation framework (MkDocs or Sphinx and
their plugins) for eight pages, and both execute and convert through nbclient/nbconvert (or
myst-nb) underneath. What this module adds is small: a preprocessor that gives plotly's JSON
outputs an HTML view drawn by the page's shared plotly.js, a markdown renderer that writes
maths as MathML, a template extending ``lab`` with index/previous/next links and no CDN
scripts, the index page, and the build's bookkeeping.

The index's slides and summaries come from the README's notebook table (one source of
truth, which the README's readers see too); each page's title is its notebook's heading.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import resources as importlib_resources
from pathlib import Path
from typing import Any, Callable

import jinja2
import markupsafe
import nbformat
import plotly.io as pio
from latex2mathml.converter import convert as latex_to_mathml
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbconvert.preprocessors import Preprocessor

from . import __version__

__all__ = ["Notebook", "SiteError", "build", "find_notebooks", "add_arguments", "run"]

ROOT = Path(__file__).resolve().parents[1]  # the checkout (or site-packages) holding nasdemo/
DEFAULT_NOTEBOOKS = ROOT / "notebooks"
MARKER = ".nasdemo-site.json"
PLOTLY_JS = "plotly.min.js"
PLOTLY_MIME = "application/vnd.plotly.v1+json"
PAGE_TEMPLATE = "nasdemo_page.html.j2"


class SiteError(Exception):
    """Bad input, or an output directory we must not write into; the message says which."""


@dataclass
class Notebook:
    """One notebook of the site: where it is and what the index says about it."""

    stem: str  # e.g. "03_simulated_annealing"; the page is f"{stem}.html"
    path: Path
    title: str  # the notebook's heading without the leading "# "
    slides: str  # README table, "lecture slides" column
    summary: str  # README table, "what you will see" column

    @property
    def page(self) -> str:
        return f"{self.stem}.html"


@dataclass
class Page:
    """What building one notebook gave: kept in the marker file and reported."""

    notebook: str
    file: str
    ok: bool
    seconds: float
    plotly_figures: int
    error: str | None = None


@dataclass
class Report:
    """The whole build: pages in lecture order, the folder, and the wall time."""

    out: Path
    fast: bool
    pages: list[Page] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[Page]:
        return [p for p in self.pages if not p.ok]


# ---------------------------------------------------------------------------------------------
# What to build


def _readme_table(readme: Path) -> dict[str, tuple[str, str]]:
    """The README's notebook table: stem -> (lecture slides, what you will see)."""
    if not readme.is_file():
        raise SiteError(f"{readme} not found: its notebook table gives the index's slides and "
                        "summaries (it must sit next to the notebooks folder)")
    rows: dict[str, tuple[str, str]] = {}
    for line in readme.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\|\s*`(\d\d_\w+)`\s*\|", line)
        if m:
            cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            if len(cells) != 3:
                raise SiteError(f"{readme}: the notebook table row for {m.group(1)} has "
                                f"{len(cells)} columns, expected 3 (notebook | slides | summary)")
            rows[m.group(1)] = (cells[1], cells[2])
    return rows


def _title(nb: nbformat.NotebookNode, path: Path) -> str:
    """The first markdown cell's heading ("# 03 · Simulated annealing: ...")."""
    first = nb.cells[0] if nb.cells else None
    line = first.source.lstrip().splitlines()[0] if first is not None and first.source.strip() else ""
    if first is None or first.cell_type != "markdown" or not line.startswith("# "):
        raise SiteError(f"{path.name}: the first cell must be markdown starting with a "
                        "'# ' heading (the page title)")
    return line[2:].strip()


def find_notebooks(notebooks_dir: Path = DEFAULT_NOTEBOOKS) -> list[Notebook]:
    """Every ``NN_name.ipynb`` in ``notebooks_dir`` in lecture (file-name) order, with the title
    from its heading and its slides and summary from the README next to the folder."""
    if not notebooks_dir.is_dir():
        raise SiteError(f"notebooks folder {notebooks_dir} not found (pass --notebooks DIR)")
    paths = sorted(notebooks_dir.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        raise SiteError(f"no numbered notebooks (NN_name.ipynb) in {notebooks_dir}")
    readme = notebooks_dir.resolve().parent / "README.md"
    table = _readme_table(readme)
    found = []
    for path in paths:
        if path.stem not in table:
            raise SiteError(f"{readme} has no row for {path.stem} in its notebook table "
                            "(| `NN_name` | lecture slides | what you will see |); add one")
        slides, summary = table[path.stem]
        title = _title(nbformat.read(path, as_version=4), path)
        found.append(Notebook(path.stem, path, title, slides, summary))
    return found


def _select(notebooks: list[Notebook], only: list[str] | None) -> list[Notebook]:
    """The notebooks named by ``--only`` (a stem, a file name or the number), in lecture order."""
    if not only:
        return notebooks
    wanted: set[str] = set()
    for name in only:
        key = name.removesuffix(".ipynb")
        hits = [n.stem for n in notebooks if key in (n.stem, n.stem[:2])]
        if not hits:
            raise SiteError(f"--only: no notebook named {name!r}; choose from "
                            + ", ".join(n.stem for n in notebooks))
        wanted.update(hits)
    return [n for n in notebooks if n.stem in wanted]


# ---------------------------------------------------------------------------------------------
# The output folder


def _read_marker(out: Path, name: str = MARKER) -> dict[str, Any] | None:
    marker = out / name
    if not marker.exists():
        return None
    try:
        return json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise SiteError(f"{marker} is not a readable marker file ({e}); remove it or choose "
                        "another --out") from e


def _prepare_out(out: Path, force: bool, marker: str = MARKER,
                 what: str = "a site built by `python -m nasdemo site`") -> None:
    """Make ``out`` ready: new or empty, or a folder we wrote (``marker`` lists its files,
    which we remove first so no stale page survives), or anything with ``force`` (written
    over, nothing removed). ``python -m nasdemo figures`` uses it too, with its own
    ``marker`` and ``what``."""
    if out.exists() and not out.is_dir():
        raise SiteError(f"--out {out} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()):
        old = _read_marker(out, marker)
        if old is None and not force:
            raise SiteError(f"--out {out} is not empty and is not {what} (no {marker}); "
                            "refusing to write into it. Choose a new or empty directory, or "
                            "pass --force.")
        for name in (old or {}).get("files", []):
            target = out / name
            if Path(name).name == name and target.is_file():  # a plain name inside out/ only
                target.unlink()
    out.mkdir(parents=True, exist_ok=True)


def _write_marker(report: Report, files: list[str]) -> None:
    data = {
        "generator": "python -m nasdemo site",
        "nasdemo_version": __version__,
        "built": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "settings": {"NASDEMO_FAST": "1" if report.fast else "0", "NASDEMO_VIZ": "static"},
        "seconds": round(report.seconds, 1),
        "pages": [vars(p) for p in report.pages],
        "files": files,
    }
    (report.out / MARKER).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Executing and rendering one notebook


def kernel_env(fast: bool) -> dict[str, str]:
    """The kernel's environment: ours, with the build's settings.

    ``NASDEMO_VIZ=static`` makes live views self-contained animations; MPLBACKEND is dropped
    so ipykernel picks its inline backend (pytest's Agg would swallow every matplotlib
    figure); the folder holding this nasdemo goes first on PYTHONPATH so the kernel imports
    the same package that builds the site.
    """
    env = dict(os.environ)
    env["NASDEMO_FAST"] = "1" if fast else "0"
    env["NASDEMO_VIZ"] = "static"
    env.pop("MPLBACKEND", None)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in [env.get("PYTHONPATH")] if p])
    return env


def _execute(nb: nbformat.NotebookNode, path: Path, fast: bool, timeout: int) -> str | None:
    """Run ``nb`` in place in a fresh kernel (cwd: its folder); None, or what went wrong."""
    client = NotebookClient(nb, timeout=timeout, store_widget_state=False,
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute(env=kernel_env(fast))
    except CellExecutionError as e:
        return f"a cell raised {e.ename}: {e.evalue}"
    except CellTimeoutError:
        return f"a cell ran longer than --timeout {timeout} s"
    except DeadKernelError as e:
        return f"the kernel died ({e})"
    return None


class PlotlyToHTML(Preprocessor):
    """Give every plotly output (its JSON mime bundle, which nbconvert cannot draw) an HTML
    view: a div and a ``Plotly.newPlot`` call that use the page's one shared plotly.js.

    Div ids are the page's name and the figure's number, so a rebuild gives the same HTML.
    Animations do not autoplay: they open at the frame the notebook chose.
    """

    def preprocess(self, nb: nbformat.NotebookNode, resources: dict[str, Any]) -> tuple[Any, Any]:
        stem = resources["nasdemo"]["stem"]
        n = 0
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if PLOTLY_MIME not in data:
                    continue
                fig = dict(data[PLOTLY_MIME])
                config = {**fig.pop("config", {}), "responsive": True}
                data["text/html"] = pio.to_html(
                    fig, config=config, include_plotlyjs=False, full_html=False, validate=False,
                    auto_play=False, default_height="525px", div_id=f"{stem}-plotly-{n}")
                n += 1
        resources["nasdemo"]["plotly_figures"] = n
        return nb, resources


_PAGE = r"""
{%- extends 'index.html.j2' -%}
{% macro nav(site) -%}
<nav class="nasdemo-nav">
  {%- if site.prev %}<a class="nav-prev" rel="prev" href="{{ site.prev.page }}">&larr; {{ site.prev.title }}</a>{% else %}<span></span>{% endif %}
  <a class="nav-index" href="index.html">index</a>
  {%- if site.next %}<a class="nav-next" rel="next" href="{{ site.next.page }}">{{ site.next.title }} &rarr;</a>{% else %}<span></span>{% endif %}
</nav>
{%- endmacro %}
{%- block html_head_js_requirejs -%}
<script src="plotly.min.js"></script>
{%- endblock html_head_js_requirejs -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_css -%}
<style type="text/css">
.nasdemo-nav { display: flex; justify-content: space-between; gap: 1em; padding: 0.6em 1em;
  font-family: var(--jp-ui-font-family); font-size: 14px; background: #f3f5f8;
  border-bottom: 1px solid #d0d7de; }
.nasdemo-nav a { text-decoration: none; }
.nasdemo-nav .nav-prev, .nasdemo-nav .nav-next, .nasdemo-nav span { flex: 1 1 0; }
.nasdemo-nav .nav-next { text-align: right; }
.nasdemo-banner { margin: 0.6em 1em; padding: 0.5em 1em; background: #fff4e5;
  border-left: 4px solid #e69500; font-family: var(--jp-ui-font-family); }
</style>
{%- endblock html_head_css -%}
{%- block body_header -%}
{{ super() }}
{{ nav(resources.nasdemo) }}
{%- if resources.nasdemo.error %}
<div class="nasdemo-banner">This notebook did not run to the end: {{ resources.nasdemo.error | e }}</div>
{%- endif %}
{%- if resources.nasdemo.fast %}
<div class="nasdemo-banner">Built in fast mode (NASDEMO_FAST=1): small budgets, so numbers and
figures differ from the lecture's.</div>
{%- endif %}
{%- endblock body_header -%}
{% block body_footer %}
{{ nav(resources.nasdemo) }}
{{ super() }}
{% endblock body_footer %}
"""

def _inline_md(text: str) -> markupsafe.Markup:
    """README table text as HTML: escaped, with `code` spans kept as code."""
    return markupsafe.Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(markupsafe.escape(text))))


_INDEX_ENV = jinja2.Environment(autoescape=True)
_INDEX_ENV.filters["md"] = _inline_md
_INDEX = _INDEX_ENV.from_string(r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>nasdemo: the notebooks</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 58em; margin: 2em auto; padding: 0 1em;
  line-height: 1.45; color: #1f2328; }
li { margin-bottom: 1.1em; }
.title { font-size: 1.1em; font-weight: 600; }
.slides { color: #57606a; }
.failed { color: #b00020; font-weight: 600; }
code { background: #f3f5f8; padding: 0 0.2em; }
</style>
</head>
<body>
<h1>nasdemo: black-box optimisation and neural architecture search, hands on</h1>
<p>The notebooks of the lecture <em>Deep Learning Optimization — Neural Architecture Search 2</em>,
executed with {% if fast %}<strong>fast-mode</strong> settings (<code>NASDEMO_FAST=1</code>: small
budgets, so numbers differ from the lecture's){% else %}the lecture's settings
(<code>NASDEMO_FAST=0</code>){% endif %} on {{ built }} and saved with their outputs. Figures are
interactive and need no network and no Python. To run and change them yourself, see the
project's README.</p>
<ol class="notebooks">
{%- for nb, page in entries %}
<li value="{{ nb.stem[:2] | int }}"><a class="title" href="{{ nb.page }}">{{ nb.title }}</a>
{%- if not page.ok %} <span class="failed">(did not run to the end: {{ page.error }})</span>{% endif %}<br>
<span class="slides">Lecture: {{ nb.slides | md }}</span><br>
<span class="summary">{{ nb.summary | md }}</span></li>
{%- endfor %}
</ol>
</body>
</html>
""")


class MathMLRenderer(IPythonRenderer):
    """nbconvert's markdown renderer, with ``$...$``, ``$$...$$`` and ``\\begin{env}`` maths
    written as MathML instead of left for MathJax. What latex2mathml cannot read is kept as
    LaTeX source and added to ``failed``."""

    def __init__(self, failed: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.failed = failed

    def _mathml(self, tex: str, display: str, fallback: str) -> str:
        try:
            # a literal underscore (\_, as in \texttt{skip\_connect}) is kept as "\_" by latex2mathml
            return latex_to_mathml(tex, display=display).replace("\\_", "_")
        except Exception:  # noqa: BLE001 - latex2mathml raises many types; keep the source
            self.failed.append(tex)
            return fallback

    def block_math(self, body: str) -> str:
        return self._mathml(body, "block", super().block_math(body))

    def inline_math(self, body: str) -> str:
        return self._mathml(body, "inline", super().inline_math(body))

    def latex_environment(self, name: str, body: str) -> str:
        tex = f"\\begin{{{name}}}{body}\\end{{{name}}}"
        return self._mathml(tex, "block", super().latex_environment(name, body))


class SiteExporter(HTMLExporter):
    """nbconvert's HTML exporter with the ``lab`` template extended by our page template,
    plotly outputs drawn (:class:`PlotlyToHTML`) and maths as MathML (:class:`MathMLRenderer`)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(template_name="lab", template_file=PAGE_TEMPLATE,
                         extra_loaders=[jinja2.DictLoader({PAGE_TEMPLATE: _PAGE})], **kwargs)
        self.register_preprocessor(PlotlyToHTML(), enabled=True)
        self.math_failed: list[str] = []

    @jinja2.pass_context
    def markdown2html(self, context: Any, source: str) -> str:
        """As HTMLExporter.markdown2html, with the MathML renderer."""
        cell = context.get("cell", {})
        path = context.get("resources", {}).get("metadata", {}).get("path", "")
        renderer = MathMLRenderer(
            self.math_failed, escape=False, attachments=cell.get("attachments", {}),
            embed_images=self.embed_images, path=path, anchor_link_text=self.anchor_link_text,
            exclude_anchor_links=self.exclude_anchor_links, **self.lexer_options)
        return MarkdownWithMath(renderer=renderer).render(source)


# ---------------------------------------------------------------------------------------------
# The build


def build(
    out: Path,
    *,
    notebooks_dir: Path = DEFAULT_NOTEBOOKS,
    only: list[str] | None = None,
    fast: bool = False,
    timeout: int = 1800,
    force: bool = False,
    log: Callable[[str], None] = lambda s: print(s, file=sys.stderr, flush=True),
) -> Report:
    """Execute the chosen notebooks and write the site to ``out`` (see the module docstring).

    A notebook that fails still gets its page (outputs up to the error, and a banner) and the
    build goes on with the next; ``Report.failed`` lists them. Raises SiteError on bad input
    or an ``out`` that is not ours, before executing anything.
    """
    if timeout <= 0:
        raise SiteError(f"--timeout must be positive seconds per cell, got {timeout}")
    chosen = _select(find_notebooks(notebooks_dir), only)
    _prepare_out(out, force)
    report = Report(out=out, fast=fast)
    files = [PLOTLY_JS, "index.html"]
    started = time.perf_counter()
    _write_marker(report, files)  # mark the folder as ours at once: an interrupted build can be redone
    shutil.copyfile(str(importlib_resources.files("plotly") / "package_data" / PLOTLY_JS),
                    out / PLOTLY_JS)
    exporter = SiteExporter()
    for k, nb_info in enumerate(chosen):
        log(f"[{k + 1}/{len(chosen)}] {nb_info.stem}: executing (NASDEMO_FAST={int(fast)}) ...")
        t0 = time.perf_counter()
        nb = nbformat.read(nb_info.path, as_version=4)
        error = _execute(nb, nb_info.path, fast, timeout)
        seconds = time.perf_counter() - t0
        site = {"stem": nb_info.stem, "error": error, "fast": fast,
                "prev": chosen[k - 1] if k > 0 else None,
                "next": chosen[k + 1] if k + 1 < len(chosen) else None}
        html, resources = exporter.from_notebook_node(
            nb, resources={"metadata": {"name": nb_info.title}, "nasdemo": site})
        (out / nb_info.page).write_text(html, encoding="utf-8")
        for tex in exporter.math_failed:
            log(f"    maths left as LaTeX (latex2mathml could not read it): {tex!r}")
        exporter.math_failed.clear()
        files.append(nb_info.page)
        page = Page(nb_info.stem, nb_info.page, error is None, round(seconds, 1),
                    resources["nasdemo"]["plotly_figures"], error)
        report.pages.append(page)
        report.seconds = time.perf_counter() - started
        _write_marker(report, files)
        size = (out / nb_info.page).stat().st_size / 1e6
        log(f"    {'ok' if page.ok else 'FAILED: ' + str(error)}; {seconds:.1f} s, "
            f"{page.plotly_figures} plotly figures, {size:.1f} MB page")
    built = datetime.now().strftime("%Y-%m-%d")
    (out / "index.html").write_text(
        _INDEX.render(entries=list(zip(chosen, report.pages)), fast=fast, built=built),
        encoding="utf-8")
    report.seconds = time.perf_counter() - started
    _write_marker(report, files)
    return report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``site`` subcommand's options."""
    parser.add_argument("--out", type=Path, required=True,
                        help="folder to write the site to: new, empty, or a site this command "
                             "built before (whose old pages are removed first)")
    parser.add_argument("--fast", action="store_true",
                        help="run with NASDEMO_FAST=1 (small budgets; quick builds and tests) "
                             "instead of the lecture's settings")
    parser.add_argument("--only", nargs="+", metavar="NAME",
                        help="build only these notebooks (stem such as 03_simulated_annealing, "
                             "or its number 03)")
    parser.add_argument("--timeout", type=int, default=1800, metavar="SECONDS",
                        help="longest a single cell may run (default 1800)")
    parser.add_argument("--force", action="store_true",
                        help="write into a non-empty --out that is not a nasdemo site")
    parser.add_argument("--notebooks", type=Path, default=DEFAULT_NOTEBOOKS, metavar="DIR",
                        help="folder of NN_name.ipynb notebooks; README.md next to it gives the "
                             "index's slides and summaries (default: the checkout's notebooks/)")


def run(args: argparse.Namespace) -> int:
    """Run the ``site`` subcommand: 0 built, 1 a notebook failed, 2 bad input."""
    try:
        report = build(args.out, notebooks_dir=args.notebooks, only=args.only, fast=args.fast,
                       timeout=args.timeout, force=args.force)
    except SiteError as e:
        print(f"python -m nasdemo site: error: {e}", file=sys.stderr)
        return 2
    size = sum(f.stat().st_size for f in report.out.iterdir() if f.is_file()) / 1e6
    print(f"{len(report.pages)} pages in {report.out} ({size:.1f} MB) in {report.seconds:.0f} s; "
          f"open {report.out / 'index.html'}", file=sys.stderr)
    for page in report.failed:
        print(f"FAILED {page.notebook}: {page.error} (its page shows the outputs up to the error)",
              file=sys.stderr)
    return 1 if report.failed else 0
