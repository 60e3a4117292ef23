"""``python -m nasdemo site``: the static site to read without running.

One site is built in fast mode from two real notebooks (00 and 03, the latter by its number)
and shared by the tests that read it; the failure and refusal paths use tiny notebooks made
here, which run in a second or two. The browser test opens every page in headless Chromium.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from nasdemo.__main__ import main

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from widget_check import ARGS, CHROMIUM  # noqa: E402  the browser the notebook checks use

CHROMIUM = Path(CHROMIUM)


def nasdemo_site(*args: str | Path) -> subprocess.CompletedProcess:
    """Run ``python -m nasdemo site ARGS`` with this checkout's nasdemo first on the path (the
    real command line, for builds; input errors are checked in-process with ``site_errors``)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in [env.get("PYTHONPATH")] if p])
    return subprocess.run([sys.executable, "-m", "nasdemo", "site", *map(str, args)],
                          capture_output=True, text=True, env=env, timeout=600)


def site_errors(capsys: pytest.CaptureFixture, *args: str | Path) -> tuple[int, str]:
    """``main(["site", *args])`` in this process: its exit code and what it wrote to stderr."""
    code = main(["site", *map(str, args)])
    return code, capsys.readouterr().err


class Links(HTMLParser):
    """Every <a href>, <a class>, and <script src> of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.anchors: list[tuple[str, str]] = []  # (class, href)
        self.scripts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.anchors.append((a.get("class") or "", a["href"]))
        if tag == "script" and a.get("src"):
            self.scripts.append(a["src"])


def links(path: Path) -> Links:
    parser = Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    result = nasdemo_site("--fast", "--only", "00_welcome", "03", "--out", out)
    assert result.returncode == 0, result.stderr
    return out


def marker(out: Path) -> dict:
    return json.loads((out / ".nasdemo-site.json").read_text())


PAGES = ["00_welcome.html", "03_simulated_annealing.html"]


def test_index_lists_the_pages_in_lecture_order_with_slides_and_summary(site: Path) -> None:
    index = (site / "index.html").read_text()
    hrefs = [h for _, h in links(site / "index.html").anchors]
    assert hrefs == PAGES
    assert all((site / h).is_file() for h in hrefs)
    # slides and summary come from the README's notebook table, titles from the headings
    assert "Black Box Optimization" in index and "Brief Intro – Simulated Annealing" in index
    assert "the ask/tell loop" in index and "Simulated annealing: accept worse moves" in index
    assert "fast-mode" in index, "a fast build says so"


def test_pages_link_to_index_previous_and_next(site: Path) -> None:
    first = links(site / PAGES[0]).anchors
    second = links(site / PAGES[1]).anchors
    assert ("nav-index", "index.html") in first and ("nav-index", "index.html") in second
    assert ("nav-next", PAGES[1]) in first and not any(c == "nav-prev" for c, _ in first)
    assert ("nav-prev", PAGES[0]) in second and not any(c == "nav-next" for c, _ in second)


def test_plotly_js_once_per_site_and_referenced_locally(site: Path) -> None:
    js = site / "plotly.min.js"
    header = js.read_text(encoding="utf-8")[:200]
    assert re.search(r"plotly\.js v\d", header)
    assert [p.name for p in site.glob("*.js")] == ["plotly.min.js"]
    for name in ["index.html", *PAGES]:
        html = (site / name).read_text(encoding="utf-8")
        scripts = links(site / name).scripts
        assert scripts == ([] if name == "index.html" else ["plotly.min.js"]), (name, scripts)
        assert not re.search(r"plotly\.js v\d", html), f"{name} inlines plotly.js"
        assert not re.search(r"<script[^>]+src=[\"'][^\"']*(cdn|https?://)", html, re.I), name


def test_plotly_outputs_become_figures_and_maths_mathml(site: Path) -> None:
    pages = {p["file"]: p for p in marker(site)["pages"]}
    assert [p["ok"] for p in pages.values()] == [True, True]
    for name in PAGES:
        html = (site / name).read_text(encoding="utf-8")
        n = pages[name]["plotly_figures"]
        assert n > 0, f"{name} has plotly figures in fast mode"
        assert html.count("Plotly.newPlot(") == n
        assert "<math" in html, "maths written as MathML"
    assert "data:image/png;base64," in (site / PAGES[0]).read_text(), \
        "matplotlib figures are captured (inline backend, not pytest's Agg)"
    assert marker(site)["settings"] == {"NASDEMO_FAST": "1", "NASDEMO_VIZ": "static"}


def test_bad_only_name_is_named(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code, err = site_errors(capsys, "--only", "00", "no_such_notebook", "--out", tmp_path / "site")
    assert code == 2
    assert "'no_such_notebook'" in err and "00_welcome" in err
    assert not (tmp_path / "site").exists(), "nothing written on bad input"


def test_refuses_a_non_empty_folder_that_is_not_a_site(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    code, err = site_errors(capsys, "--fast", "--only", "00", "--out", tmp_path)
    assert code == 2
    assert "not a site built by" in err and str(tmp_path) in err and "--force" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    (tmp_path / "file").write_text("")
    code, err = site_errors(capsys, "--out", tmp_path / "file")
    assert code == 2 and "not a directory" in err


# --- tiny notebooks of our own: failures, lecture settings, rebuilds ---------------------------


def make_project(root: Path, notebooks: dict[str, str], readme_rows: list[str] | None = None) -> Path:
    """A README with a notebook table and notebooks/NN_name.ipynb, one code cell each."""
    (root / "notebooks").mkdir(parents=True)
    rows = readme_rows if readme_rows is not None else list(notebooks)
    (root / "README.md").write_text("| notebook | lecture slides | what you will see |\n|---|---|---|\n"
                                    + "".join(f"| `{s}` | slide {s} | summary of {s} |\n" for s in rows))
    for stem, code in notebooks.items():
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# {stem} · a test"),
                                             nbformat.v4.new_code_cell(code)])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, root / "notebooks" / f"{stem}.ipynb")
    return root / "notebooks"


ENV_CELL = "import os; print('settings:', os.environ['NASDEMO_FAST'], os.environ['NASDEMO_VIZ'])"


def test_failed_notebook_is_named_the_build_goes_on_and_exits_non_zero(tmp_path: Path) -> None:
    nbs = make_project(tmp_path / "proj", {"00_ok": ENV_CELL,
                                           "01_bad": "raise ValueError('broken on purpose')",
                                           "02_after": "print('after')"})
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")  # --force writes into it, deleting nothing of ours
    result = nasdemo_site("--notebooks", nbs, "--out", out, "--force")
    assert result.returncode == 1
    assert "FAILED 01_bad: a cell raised ValueError: broken on purpose" in result.stderr
    assert {"00_ok.html", "01_bad.html", "02_after.html", "notes.txt"} <= {p.name for p in out.iterdir()}
    assert "settings: 0 static" in (out / "00_ok.html").read_text(), "lecture settings by default"
    assert "did not run to the end" in (out / "01_bad.html").read_text()
    assert "did not run to the end" in (out / "index.html").read_text()
    assert [p["ok"] for p in marker(out)["pages"]] == [True, False, True]

    # a site we wrote is rebuilt without --force; its old pages go, other files stay
    result = nasdemo_site("--notebooks", nbs, "--out", out, "--only", "00_ok", "--fast")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        ".nasdemo-site.json", "00_ok.html", "index.html", "notes.txt", "plotly.min.js"]
    assert "settings: 1 static" in (out / "00_ok.html").read_text()


def test_notebook_missing_from_readme_table_is_named(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture) -> None:
    nbs = make_project(tmp_path, {"00_ok": "1", "01_new": "2"}, readme_rows=["00_ok"])
    code, err = site_errors(capsys, "--notebooks", nbs, "--out", tmp_path / "out")
    assert code == 2 and "no row for 01_new" in err


# --- in the browser ------------------------------------------------------------------------


def test_every_page_opens_in_chromium_with_its_figures_and_links(site: Path) -> None:
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium to run the browser check")
    figures = {p["file"]: p["plotly_figures"] for p in marker(site)["pages"]}
    errors: list[str] = []
    remote: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))

        def offline(route) -> None:  # noqa: ANN001 - playwright's Route
            if route.request.url.startswith("file://"):
                route.continue_()
            else:
                remote.append(route.request.url)
                route.abort()

        page.route("**/*", offline)
        for name in ["index.html", *figures]:
            page.goto((site / name).as_uri(), wait_until="load")
            n = figures.get(name, 0)
            page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot').length >= {n}",
                                   timeout=20_000)
            assert page.locator(".js-plotly-plot").count() == n, name
            if n:  # the figures are drawn, not just placed: plotly made their SVG
                assert page.locator(".js-plotly-plot .main-svg").count() >= n, name

        page.goto((site / "index.html").as_uri())
        page.click(f"a[href='{PAGES[0]}']")
        assert page.url.endswith(PAGES[0])
        page.locator("a.nav-next").first.click()
        assert page.url.endswith(PAGES[1])
        page.locator("a.nav-prev").first.click()
        assert page.url.endswith(PAGES[0])
        page.locator("a.nav-index").last.click()
        assert page.url.endswith("index.html")
        browser.close()
    assert not errors, errors
    assert not remote, f"pages asked the network for {remote}"


def test_an_interrupted_build_keeps_its_pages_and_says_so(tmp_path, monkeypatch, capsys):
    """Ctrl-C during a build: a clear line, exit 130, and the folder stays a site that the
    same command can rebuild (its marker is written before the first page)."""
    import nasdemo.site as site_module

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(site_module, "_execute", interrupted)
    out = tmp_path / "site"
    assert main(["site", "--fast", "--only", "00", "--out", str(out)]) == 130
    assert "interrupted; what it finished is kept" in capsys.readouterr().err
    assert (out / ".nasdemo-site.json").exists()
