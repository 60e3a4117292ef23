"""Drive the notebooks in a real browser: JupyterLab in headless Chromium, as a student sees them.

nbval runs every notebook, but a kernel alone cannot tell what the front end draws: a widget
update the browser mis-applies, or a callback that raises, is only visible there. This module
starts JupyterLab on a copy of ``notebooks/`` (fast mode, widgets forced on), opens each
notebook in a 1280 px window with the file browser open, runs all cells, and checks that:

- every code cell ran, and no cell printed an error or a traceback;
- **what the browser draws is what the kernel built**: for every plotly figure on the page,
  each trace's x, y, z (lengths and values) and marker colour, symbol, size and colour bar as
  plotly.js holds them, against the kernel's own figure -- the ``FigureWidget`` in the kernel
  (found by its traces' uids) for live figures, the saved output's JSON for static ones;
  again after every slider move;
- every figure fits the notebook's width (nothing cut off on the right), and no matplotlib
  image is shrunk so much that its text becomes tiny;
- there are as many step sliders as the notebook has ``step_through(`` calls, and each
  slider's figure is retitled by Home and End and shows its first title again when moved back;
- notebook 05's cell designer and notebook 06's interact button answer;
- neither the browser console nor the kernel (the server's log) reported an error.

On a failure it saves a full-page screenshot and the browser console next to the report
(``--artifacts DIR``; the pytest module ``tests/test_browser.py`` uses ``browser-artifacts/``).

    apt-get install chromium          # Debian's; Playwright's own browser download is not used
    pip install playwright
    python tools/widget_check.py [NOTEBOOK_NAME ...]      # default: all notebooks
"""

from __future__ import annotations

import base64
import json
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# The flags that keep headless Chromium off the network and quiet.
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 900}  # a laptop; JupyterLab opens with its file browser
# Matplotlib images are saved at 150 dpi (nasdemo.viz.use_matplotlib_style), 1.5x their size
# on screen; one shrunk over 2x to fit shows 10 pt text under 10 px high: too small to read.
SHRINK_LIMIT = 2.0
FIELDS = ("x", "y", "z", "marker.color", "marker.symbol", "marker.size", "marker.showscale")
Check = tuple[str, bool]

TITLES_JS = """() => [...document.querySelectorAll('.js-plotly-plot')]
    .map(gd => (gd.querySelector('.gtitle') || {}).textContent || '')"""

# Every plotly figure on the page: where it sits, how wide it is against the room it has, and
# its traces' data as plotly.js holds them (typed arrays turned into plain arrays).
FIGURES_JS = """() => {
  const cells = [...document.querySelectorAll('.jp-Notebook .jp-Cell')];
  const plain = v => ArrayBuffer.isView(v) ? Array.from(v)
                   : Array.isArray(v) ? v.map(plain) : v;
  const pick = (t, path) => path.split('.').reduce((o, k) => o == null ? undefined : o[k], t);
  return [...document.querySelectorAll('.js-plotly-plot')].map(gd => {
    const out = gd.closest('.jp-OutputArea-output');
    const fields = %s;
    return {
      cell: cells.indexOf(gd.closest('.jp-Cell')),
      widget: !!gd.closest('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.widget-view+json"]'),
      title: (gd.querySelector('.gtitle') || {}).textContent || '',
      width: gd.getBoundingClientRect().width,
      room: out ? out.getBoundingClientRect().width : 1e9,
      traces: (gd.data || []).map(t => {
        const r = {uid: t.uid || null, type: t.type || 'scatter'};
        for (const f of fields) { const v = pick(t, f); if (v !== undefined) r[f] = plain(v); }
        return r;
      }),
    };
  });
}""" % json.dumps(FIELDS)

IMAGES_JS = """() => [...document.querySelectorAll('.jp-OutputArea-output img')]
    .filter(im => im.naturalWidth > 0)
    .map(im => ({cell: [...document.querySelectorAll('.jp-Notebook .jp-Cell')]
                   .indexOf(im.closest('.jp-Cell')),
                 natural: im.naturalWidth, shown: im.getBoundingClientRect().width}))"""

# Run in the notebook's kernel: every live FigureWidget's traces, keyed by its first trace's uid.
# nasdemo's live figures (step_through, LiveCurves, DartsMonitor) keep as ``_meant`` the figure
# they should show now (for a slider, its step's): the widget's own Python copy is no
# reference, since plotly.js sends its view of each restyle back and that copy can lose
# properties the browser still draws (07's monitor heatmap lost its x and y there).
KERNEL_FIGURES = """
import gc as _gc, json as _json, warnings as _warnings
import plotly.graph_objects as _go
_out = {}
with _warnings.catch_warnings():  # isinstance on lazy modules' objects may warn
    _warnings.simplefilter("ignore")
    for _o in _gc.get_objects():
        try:  # a dead weak proxy raises ReferenceError when looked at
            _live = isinstance(_o, _go.FigureWidget) and len(_o.data) > 0
        except ReferenceError:
            continue
        if _live:  # nasdemo's live figures say what they mean; the widget's own copy may not
            _meant = _o._meant() if hasattr(_o, "_meant") else _o
            _out[_o.data[0].uid] = [_t.to_plotly_json() for _t in _meant.data]
print(_json.dumps(_out, cls=__import__('plotly').utils.PlotlyJSONEncoder))
del _gc, _json, _warnings, _go, _out, _o
"""


# ---------------------------------------------------------------- comparing trace data
def decode(v: Any) -> Any:
    """Plain Python values from plotly JSON: base64 typed arrays (``{"dtype", "bdata"}``)
    decoded, nested lists and dicts walked."""
    if isinstance(v, dict) and "bdata" in v and "dtype" in v:
        import numpy as np

        a = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        if "shape" in v:
            a = a.reshape([int(s) for s in str(v["shape"]).split(",")])
        return a.tolist()
    if isinstance(v, dict):
        return {k: decode(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [decode(x) for x in v]
    return v


def field(trace: dict, path: str) -> Any:
    for key in path.split("."):
        if not isinstance(trace, dict) or key not in trace:
            return None
        trace = trace[key]
    return decode(trace)


def same(a: Any, b: Any) -> bool:
    """Equal up to float rounding; None and NaN are the same (JSON has no NaN)."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    nan = lambda v: v is None or (isinstance(v, float) and math.isnan(v))  # noqa: E731
    if nan(a) or nan(b):
        return nan(a) and nan(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) \
            and not isinstance(a, bool) and not isinstance(b, bool):
        return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)
    return a == b


def describe(v: Any) -> str:
    if isinstance(v, list):
        return f"{len(v)} values {str(v[:3])[:60]}"
    return repr(v)[:60]


def trace_differences(browser: list[dict], kernel: list[dict]) -> list[str]:
    """What differs between the traces the browser holds and the kernel's; [] if nothing."""
    if len(browser) != len(kernel):
        return [f"{len(browser)} traces in the browser, {len(kernel)} in the kernel"]
    diffs = []
    for i, (b, k) in enumerate(zip(browser, kernel)):
        for f in FIELDS:
            bv, kv = decode(b.get(f)), field(k, f)
            if not same(bv, kv):
                diffs.append(f"trace {i} {f}: browser {describe(bv)}, kernel {describe(kv)}")
    return diffs


def static_figures(notebook: Path) -> list[tuple[int, list[dict]]]:
    """(cell index, traces) of every static plotly output in a saved notebook, in order."""
    out = []
    for i, cell in enumerate(json.loads(notebook.read_text())["cells"]):
        for o in cell.get("outputs", []):
            fig = o.get("data", {}).get("application/vnd.plotly.v1+json")
            if fig is not None:
                out.append((i, fig.get("data", [])))
    return out


# ---------------------------------------------------------------- the lab and the kernel
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


class Lab:
    """JupyterLab on a copy of the notebooks, without a token, its output (the kernels'
    included) in a log; notebooks render every cell (no windowing, so the checks see every
    figure) and no news pop-up covers them."""

    def __init__(self, workdir: Path) -> None:
        self.workdir, self.log, self.port = workdir, workdir / "lab.log", _free_port()
        self.runtime = workdir / ".runtime"
        settings = workdir / ".settings"
        for ext, body in (("notebook-extension/tracker", {"windowingMode": "none"}),
                          ("apputils-extension/notification", {"fetchNews": "false"})):
            f = settings / "@jupyterlab" / f"{ext}.jupyterlab-settings"
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_text(json.dumps(body))
        env = {**os.environ, "NASDEMO_FAST": "1", "NASDEMO_VIZ": "widget",
               "JUPYTERLAB_SETTINGS_DIR": str(settings), "JUPYTER_RUNTIME_DIR": str(self.runtime)}
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={self.port}",
                 "--allow-root", "--ServerApp.token=", "--ServerApp.password=",
                 "--ServerApp.disable_check_xsrf=True", f"--ServerApp.root_dir={workdir}"],
                env=env, stdout=out, stderr=subprocess.STDOUT)
        for _ in range(90):
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with code {self.proc.returncode}: "
                                   f"{self.log.read_text()[-2000:]}")
            try:
                urllib.request.urlopen(self.url("api/status"))
                return
            except OSError:
                time.sleep(1)
        self.close()
        raise RuntimeError("JupyterLab did not start in 90 s")

    def url(self, path: str) -> str:
        return f"http://localhost:{self.port}/{path}"

    def kernels(self) -> list[str]:
        return [k["id"] for k in json.load(urllib.request.urlopen(self.url("api/kernels")))]

    def run_in_kernel(self, code: str) -> str:
        """Run ``code`` in the (only) running kernel from a second client; its stdout."""
        from jupyter_client import BlockingKernelClient

        ids = self.kernels()
        if len(ids) != 1:
            raise RuntimeError(f"expected one running kernel, found {len(ids)}")
        kc = BlockingKernelClient(connection_file=str(self.runtime / f"kernel-{ids[0]}.json"))
        kc.load_connection_file()
        kc.start_channels()
        try:
            chunks: list[str] = []
            reply = kc.execute_interactive(
                code, silent=False, store_history=False, timeout=60,
                output_hook=lambda m: chunks.append(m["content"].get("text", ""))
                if m["msg_type"] == "stream" and m["content"].get("name") == "stdout" else None)
            if reply["content"]["status"] != "ok":
                raise RuntimeError(f"kernel query failed: {reply['content'].get('evalue')}")
            return "".join(chunks)
        finally:
            kc.stop_channels()

    def shutdown_kernels(self) -> None:
        for k in self.kernels():
            urllib.request.urlopen(urllib.request.Request(self.url(f"api/kernels/{k}"),
                                                          method="DELETE"))

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@contextmanager
def lab_and_browser() -> Iterator[tuple[Lab, Any]]:
    """A JupyterLab on a temporary copy of ``notebooks/`` and a headless Chromium."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        for nb in (ROOT / "notebooks").glob("*.ipynb"):
            shutil.copy(nb, tmp)
        lab = Lab(Path(tmp))
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                try:
                    yield lab, browser
                finally:
                    browser.close()
        finally:
            lab.close()


# ---------------------------------------------------------------- the checks
def code_cells(path: Path) -> list[str]:
    return ["".join(c["source"]) for c in json.loads(path.read_text())["cells"]
            if c["cell_type"] == "code"]


def run_all(lab: Lab, page: Any, name: str, n_code: int, timeout: float = 600) -> Check:
    """Open ``name`` in a fresh workspace and run all cells; done when all ``n_code`` code
    cells have an execution count, failed when nothing runs any more but some have none."""
    page.goto(lab.url(f"lab/workspaces/w{time.time_ns()}/tree/{name}?reset"))
    idle = ".jp-Notebook-ExecutionIndicator[data-status='idle']"
    accept = ".jp-Dialog .jp-mod-accept"  # a fresh workspace may ask which kernel to start
    page.wait_for_selector(f"{idle}, {accept}", timeout=120_000)
    if page.locator(accept).count():
        page.locator(accept).click()
    page.wait_for_selector(idle, timeout=120_000)

    def click_run_all() -> None:
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()

    click_run_all()
    t0 = time.time()
    idle_since, done, started, retries = None, 0, False, 0
    while time.time() - t0 < timeout:
        time.sleep(1)
        prompts = page.evaluate("""() => [...document.querySelectorAll(
            '.jp-CodeCell .jp-InputPrompt')].map(e => e.textContent)""")
        done = sum(bool(re.search(r"\[\d+\]", p)) for p in prompts)
        if len(prompts) == n_code and done == n_code:
            time.sleep(1)  # let the last outputs render
            return f"all {n_code} code cells ran in {time.time() - t0:.0f} s", True
        if any("*" in p for p in prompts):
            idle_since, started = None, True
        elif idle_since is None:
            idle_since = time.time()
        elif time.time() - idle_since > 10:
            if not started and done == 0 and retries < 2:
                # nothing was ever queued: on a busy machine the menu can swallow the click
                retries += 1
                click_run_all()
                idle_since = None
                continue
            return f"only {done} of {n_code} code cells ran", False  # stopped at an error
    return f"{done} of {n_code} code cells ran in {timeout:.0f} s", False


def save(page: Any, path: Path) -> None:
    """Save the notebook from the browser (so its outputs are on disk) and wait for it."""
    before = path.stat().st_mtime
    page.keyboard.press("Control+s")
    for _ in range(40):
        time.sleep(0.25)
        if path.stat().st_mtime != before:
            time.sleep(0.5)
            return
    raise RuntimeError(f"saving {path.name} from the browser did not write it")


def check_figures(lab: Lab, page: Any, path: Path, when: str = "first step",
                  only: int | None = None) -> list[Check]:
    """Every plotly figure (or only figure ``only``): the browser's trace data against the
    kernel's, and its width against the room it has."""
    figures = page.evaluate(FIGURES_JS)
    kernel = json.loads(lab.run_in_kernel(KERNEL_FIGURES) or "{}")
    static = iter(static_figures(path)) if only is None else iter(())
    checks = []
    for i, fig in enumerate(figures):
        if only is not None and i != only:
            continue
        where = f"figure {i} (cell {fig['cell']}, {fig['title'][:40]!r})"
        uid = fig["traces"][0]["uid"] if fig["traces"] else None
        if fig["widget"] or uid in kernel:
            meant = kernel.get(uid)
            if meant is None:
                checks.append((f"{where}: no kernel FigureWidget has trace uid {uid}", False))
                continue
        else:
            cell, meant = next(static, (None, None))
            if meant is None or cell != fig["cell"]:
                checks.append((f"{where}: no static output matches it (next is cell {cell})",
                               False))
                continue
        diffs = trace_differences(fig["traces"], meant)
        checks.append((f"{where} at {when}: " + ("browser = kernel" if not diffs else
                                                 "; ".join(diffs[:4])), not diffs))
        if only is None:
            fits = fig["width"] <= fig["room"] + 2
            checks.append((f"{where}: {fig['width']:.0f} px wide in {fig['room']:.0f} px", fits))
    return checks


def check_images(page: Any) -> list[Check]:
    shrunk = [im for im in page.evaluate(IMAGES_JS) if im["natural"] > SHRINK_LIMIT * im["shown"]]
    return [(f"{len(shrunk)} matplotlib images shrunk over {SHRINK_LIMIT}x (tiny text): "
             + ", ".join(f"cell {im['cell']} {im['natural']}->{im['shown']:.0f} px"
                         for im in shrunk[:4]), not shrunk)]


def _wait_title(page: Any, i: int, old: str, timeout: float = 6.0) -> str:
    """Figure ``i``'s title once it is no longer ``old`` (or after ``timeout`` seconds)."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        time.sleep(0.3)
        title = page.evaluate(TITLES_JS)[i]
        if title != old:
            break
    time.sleep(0.5)  # the restyle and the retitle arrive in one batch; let it draw
    return page.evaluate(TITLES_JS)[i]


def check_sliders(lab: Lab, page: Any, path: Path, expected: int) -> list[Check]:
    """Every step slider: Home and End retitle its figure, back where it started the figure
    shows the title it was drawn with, and at each position the browser draws the kernel's
    data."""
    first_titles = page.evaluate(TITLES_JS)
    plots = page.locator(".js-plotly-plot")
    results, found = [], 0
    for i in range(plots.count()):
        box = plots.nth(i).locator("xpath=ancestor::div[contains(@class,'widget-vbox')][1]")
        if box.count() == 0 or box.locator(".noUi-handle").count() == 0:
            continue
        found += 1
        handle = box.locator(".noUi-handle").first
        start = round(float(handle.get_attribute("aria-valuenow")))
        handle.scroll_into_view_if_needed()
        handle.focus()
        last = round(float(handle.get_attribute("aria-valuemax")))
        titles, at = [], start
        for name, keys, to in (("Home", ["Home"], 0), ("End", ["End"], last),
                               (f"back at {start}", ["Home"] + ["ArrowRight"] * start, start)):
            old = page.evaluate(TITLES_JS)[i]
            for key in keys:
                page.keyboard.press(key)
            # a move that lands where it started changes nothing: wait for a change only if due
            titles.append(_wait_title(page, i, old, timeout=6.0 if to != at else 0.5))
            at = to
            results += check_figures(lab, page, path, when=f"slider {name}", only=i)
        ok = titles[0] != titles[1] and titles[2] == first_titles[i]
        results.append((f"slider {i}: {titles[0][:40]!r} -> {titles[1][:40]!r}, back at step "
                        f"{start}: {titles[2][:40]!r}", ok))
    results.append((f"{found} step sliders for {expected} step_through calls", found == expected))
    return results


def check_cell_designer(lab: Lab, page: Any, path: Path) -> list[Check]:
    """Notebook 05: changing an edge's op retitles the cell with its accuracy and rank."""
    before = page.evaluate(TITLES_JS)[-1]
    page.locator(".widget-dropdown select").nth(0).select_option("none")
    after = _wait_title(page, -1, before)
    return [(f"cell designer: {before!r} -> {after!r}", before != after and "rank" in after)]


def _wait_for_text(element: Any, answer: re.Pattern, timeout: float = 120) -> str:
    """``element``'s text once it matches ``answer`` or shows a traceback (or at
    ``timeout`` seconds): what a widget printed after a click."""
    text, t0 = "", time.time()
    while time.time() - t0 < timeout:
        time.sleep(0.5)
        text = element.text_content() or ""
        if answer.search(text) or "Traceback" in text:
            break
    return text


def check_interact(lab: Lab, page: Any, path: Path) -> list[Check]:
    """Notebook 06: 'Run Interact' prints evolution against random search."""
    page.locator("button:has-text('Run Interact')").first.click()
    answer = re.compile(r"evolution \d+\.\d+ % vs random search \d+\.\d+ %")
    text = _wait_for_text(page.locator(".widget-interact").first, answer)
    return [(f"interact: {text[-90:]!r}", bool(answer.search(text)) and "Traceback" not in text)]


def check_showdown(lab: Lab, page: Any, path: Path) -> list[Check]:
    """Notebook 10: unticking a method and pressing 'Run the showdown' prints a ranking
    without it."""
    panel = page.locator(".showdown-widget").first
    panel.locator("input[type='checkbox']").first.uncheck()  # random_search, the first method
    panel.locator("button:has-text('Run the showdown')").click()
    answer = re.compile(r"\b1 [a-z_]+ +\d+ +\d+\.\d+ ±.*methods x \d+ runs in", re.S)
    text = _wait_for_text(panel.locator(".widget-output").first, answer)
    ranked = re.findall(r"^ *\d+ ([a-z_]+) +\d+ ", text, re.M)
    ok = bool(answer.search(text)) and "Traceback" not in text and bool(ranked) and \
        "random_search" not in ranked
    return [(f"showdown widget: {text[-90:]!r}", ok)]


EXTRA: dict[str, Callable[[Lab, Any, Path], list[Check]]] = {
    "05_search_space_and_benchmark": check_cell_designer,
    "06_aging_evolution": check_interact,
    "10_showdown": check_showdown,
}


def error_outputs(page: Any) -> int:
    return page.locator("[data-mime-type='application/vnd.jupyter.stderr'],"
                        "[data-mime-type='application/vnd.jupyter.error']").count()


def check_notebook(lab: Lab, browser: Any, name: str,
                   artifacts: Path | None = None) -> list[Check]:
    """Every check on one notebook, in a fresh page; on a failure a full-page screenshot and
    the console log go to ``artifacts``."""
    path = lab.workdir / f"{name}.ipynb"
    page = browser.new_page(viewport=VIEWPORT)
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    log_start = lab.log.stat().st_size
    cells = code_cells(path)
    checks = [run_all(lab, page, path.name, len(cells))]
    try:
        if checks[0][1]:
            save(page, path)
            checks += check_figures(lab, page, path)
            checks += check_images(page)
            checks += check_sliders(lab, page, path, sum(c.count("step_through(") for c in cells))
            if name in EXTRA:
                checks += EXTRA[name](lab, page, path)
    except Exception as e:  # a check that cannot run is a failed check, with what it said
        checks.append((f"check raised {type(e).__name__}: {e}", False))
    checks.append((f"{error_outputs(page)} error outputs", error_outputs(page) == 0))
    with open(lab.log, errors="replace") as f:
        f.seek(log_start)
        kernel_log = f.read()
    tb = kernel_log.find("Traceback")
    checks.append(("kernel log: " + (repr(kernel_log[tb:tb + 300]) if tb >= 0 else "no traceback"),
                   tb < 0))
    errors = [c for c in console if c.startswith("error")]
    checks.append((f"browser console errors: {errors[:3]}", not errors))
    if artifacts is not None and not all(ok for _, ok in checks):
        artifacts.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
        (artifacts / f"{name}.console.log").write_text("\n".join(console))
        (artifacts / f"{name}.checks.txt").write_text(
            "\n".join(f"{'ok  ' if ok else 'FAIL'} {t}" for t, ok in checks))
    page.close()
    lab.shutdown_kernels()
    return checks


def main(argv: list[str]) -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", help="notebook names without .ipynb (default: all)")
    ap.add_argument("--artifacts", type=Path, default=ROOT / "browser-artifacts",
                    help="where a failed notebook's screenshot and console log go")
    args = ap.parse_args(argv)
    available = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    unknown = [n for n in args.names if n not in available]
    if unknown:
        raise SystemExit(f"no notebook {unknown}; there are {available}")
    failed = 0
    with lab_and_browser() as (lab, browser):
        for name in args.names or available:
            for text, ok in check_notebook(lab, browser, name, args.artifacts):
                print(f"{'ok  ' if ok else 'FAIL'} {name}: {text}", flush=True)
                failed += not ok
    print(f"{failed} check(s) failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
