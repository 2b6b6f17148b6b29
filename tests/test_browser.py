"""A learner in a real browser: JupyterLab, headless Chromium, every chapter with a panel (02-07).

The tests copy the chapter notebooks into a temporary folder (so autosave never touches
the committed ones), serve that folder with JupyterLab on localhost, and drive Debian's
``chromium`` through Playwright -- no browser download, no network. For each chapter a
learner's session:

* the committed notebook, opened untrusted before anything runs, shows each panel's
  last status and figure as ordinary outputs and its controls as words;
* Run All; the panel's figure is shown at its own aspect ratio and no larger than drawn
  (never stretched or blurred), and no control's label is cut off;
* the training panels (03-06) and the annealing panel (07): Train (Run) for a long run;
  Stop; the status never goes back to an epoch's message after "stopping...", and the
  figure, the status and the Train button change together at the end; re-running the
  panel's cell while it trains stops the old run; the RBM chapter also moves a slider
  with the keyboard, runs another cell while the panel trains and watches the figure
  redraw;
* the controls each chapter's lesson needs are there: the up-down rate and top-level k
  (05), the optimiser and dropout (06), the temperatures, runs and chains (07);
* save, shut the kernel down, reopen: the status and the figure are still there.

Screenshots of each step are saved under the test's temporary folder, whose path is
printed.

Marked ``browser``: the default run leaves it out; ``python -m pytest -m browser`` runs
it. Skipped, with the reason, when Playwright, JupyterLab or a Chromium binary is missing
(``.ci/run`` installs all three); ``DBN_COURSE_CHROMIUM`` names another binary. What is
missing is checked before anything starts.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request

import pytest

from .chromium import chromium_binary, free_port, launched, screenshot
from .conftest import ROOT

sync_api = pytest.importorskip("playwright.sync_api", reason="the browser test needs the playwright package")

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("jupyterlab")]  # one server

SLOW_MS = 240_000  # a cold kernel start and a notebook's run on a shared 2-core machine

# Each panel notebook: its file, what its status line says when done, (for the training
# panels) the slider that asks for a long run and the value to type into it, and the
# controls the chapter's lesson turns, by their descriptions.
CHAPTERS = {
    "02": ("02_hopfield_boltzmann.ipynb", r"recalled exactly|total-variation distance", None, ()),
    "03": ("03_rbm.ipynb", r"^trained \d+ epochs? in", ("epochs", "50"), ("hidden units", "CD steps k")),
    "04": ("04_dbn_pretraining.ipynb", r"^trained in [\s\S]*test digits", ("epochs per layer", "30"), ()),
    "05": ("05_dbn_generation.ipynb", r"^trained in [\s\S]*test digits", ("up-down epochs", "30"),
           ("up-down rate", "up-down CD steps k", "Gibbs steps at top")),
    "06": ("06_dbn_classifier.ipynb", r"^trained in [\s\S]*test error", ("backprop epochs", "30"),
           ("optimiser", "dropout", "backprop rate")),
    "07": ("07_measuring.ipynb", r"^annealed \d+ schedules", ("AIS runs", "1000"),
           ("temperatures up to", "AIS runs", "RAISE chains per image")),
}
RUNNING = re.compile(r"(epoch|schedule) \d+ of \d+")
ENDED = re.compile(r"^(trained|annealed|stopped after)")
RUN_BUTTON = re.compile(r"^\s*(Train|Run)\s*$")


@pytest.fixture(scope="module")
def chromium():
    """The Chromium binary to drive; skip, before anything starts, without one or without JupyterLab."""
    if importlib.util.find_spec("jupyterlab") is None:
        pytest.skip("JupyterLab is not installed (pip install -e \".[lab]\")")
    binary = chromium_binary()
    if binary is None:
        pytest.skip("no chromium binary (apt-get install chromium, or set DBN_COURSE_CHROMIUM)")
    return binary


@pytest.fixture(scope="module")
def lab(chromium, tmp_path_factory):
    """JupyterLab serving copies of the panel notebooks from a temporary folder; yields (url, folder)."""
    root = tmp_path_factory.mktemp("lab")
    for notebook, *_ in CHAPTERS.values():
        shutil.copy(ROOT / "notebooks" / notebook, root / notebook)
    settings = root / "lab-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    # No "get Jupyter news?" prompt over the panel, and no attempt to fetch news or updates.
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    # Every cell in the page, not only those scrolled into view, so each panel can be found.
    notebook_settings = root / "lab-settings" / "@jupyterlab" / "notebook-extension"
    notebook_settings.mkdir(parents=True)
    (notebook_settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    port = free_port()
    env = dict(os.environ, DBN_COURSE_QUICK="1", DBN_COURSE_OFFLINE="1",
               JUPYTER_CONFIG_DIR=str(root / "jupyter-config"),
               JUPYTER_RUNTIME_DIR=str(root / "jupyter-runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(root / "lab-settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(root / "lab-workspaces"))
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--ServerApp.port={port}",
               "--ServerApp.ip=127.0.0.1", "--ServerApp.token=", "--ServerApp.password=",
               "--ServerApp.port_retries=0", f"--ServerApp.root_dir={root}",
               "--LabApp.expose_app_in_browser=True"]
    if hasattr(os, "getuid") and os.getuid() == 0:
        command.append("--allow-root")
    log = open(root / "jupyterlab.log", "w")
    server = subprocess.Popen(command, env=env, cwd=root, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{url}/api", timeout=2).read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not start:\n" + (root / "jupyterlab.log").read_text()[-3000:])
                time.sleep(0.5)
        yield url, root
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def browser(chromium):
    with launched(chromium) as browser:
        yield browser


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    try:
        yield context.new_page()
    finally:
        context.close()


PROMPTS = "[...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.textContent.trim())"
# A command is sent and not awaited: the tests wait for what the page then shows. (Awaited, Run All
# resolves only when every cell has run -- never, if the kernel it was sent to is replaced.)
EXECUTE = "command => { window.jupyterapp.commands.execute(command); }"
RUN_ALL_MS = 900_000  # a guard against a hang: a chapter's Run All beside other work on two cores


def open_notebook(page, url, notebook):
    """Open ``notebook`` alone: ``?reset`` forgets the tabs an earlier test left open."""
    page.goto(f"{url}/lab/tree/{notebook}?reset")
    page.wait_for_function("window.jupyterapp !== undefined", timeout=SLOW_MS)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=SLOW_MS)
    page.locator(".jp-Notebook .jp-Cell").first.click()  # the notebook becomes the current widget


def run_all(page):
    """Clear the committed outputs and run every cell; return once every code cell has run.

    The kernel connects a moment after the notebook opens and a command sent before then
    is lost, so the run is requested again until a cell starts.
    """
    page.evaluate(EXECUTE, "notebook:clear-all-cell-outputs")
    page.wait_for_function(f"() => {PROMPTS}.every(p => !/\\d/.test(p))", timeout=30_000)
    deadline = time.monotonic() + SLOW_MS / 1000
    while True:
        page.evaluate(EXECUTE, "notebook:run-all-cells")
        try:
            page.wait_for_function(f"() => {PROMPTS}.some(p => /\\*|\\d/.test(p))", timeout=10_000)
            break
        except sync_api.TimeoutError:
            assert time.monotonic() < deadline, "the notebook never started running"
    page.wait_for_function(f"() => {PROMPTS}.every(p => /\\[\\d+\\]/.test(p))", timeout=RUN_ALL_MS)


def panel_cells(page):
    """The code cells that create a panel."""
    return page.locator(".jp-CodeCell").filter(
        has=page.locator(".jp-InputArea", has_text=re.compile(r"\b(RBM|DBN|FineTune|Hopfield|Boltzmann|AIS)Panel\(")))


def status_of(cell):
    """The panel's status line: the cell's text output that is not a widget."""
    return cell.locator(".jp-OutputArea-output[data-mime-type='text/plain']").last


def figure_of(cell):
    """The panel's figure: the cell's image output."""
    return cell.locator(".jp-OutputArea-output[data-mime-type='image/png'] img").last


def run_cell(page, cell):
    cell.locator(".jp-InputArea").click()
    page.keyboard.press("Escape")
    page.keyboard.press("Control+Enter")


def check_reads_well_without_a_kernel(cell, status_pattern):
    """Status and figure are ordinary outputs; the controls, where no widget can be drawn, are words."""
    sync_api.expect(status_of(cell)).to_have_text(re.compile(status_pattern), timeout=30_000)
    sync_api.expect(figure_of(cell)).to_be_visible()
    assert figure_of(cell).evaluate("img => img.naturalWidth") > 100


def check_layout(cell):
    """The figure keeps its aspect ratio, is not enlarged, and no label is cut off."""
    shown = figure_of(cell).evaluate("img => [img.naturalWidth, img.naturalHeight, img.clientWidth, "
                                     "img.clientHeight]")
    natural_w, natural_h, width, height = shown
    assert width <= natural_w + 1, f"figure enlarged: {shown}"
    assert abs(width / height - natural_w / natural_h) < 0.02 * natural_w / natural_h, f"figure stretched: {shown}"
    cut = cell.evaluate("""cell => [...cell.querySelectorAll('.widget-label, .widget-label-basic, label, button')]
        .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)""")
    assert not cut, f"labels cut off: {cut}"


def type_into_slider(cell, label, value, page):
    readout = cell.locator(".widget-slider").filter(has_text=label).first.locator(".widget-readout")
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(value)
    page.keyboard.press("Enter")
    sync_api.expect(readout).to_have_text(value)


def watch(page, cell, seconds, until):
    """Poll the status, the figure and the Train button every 50 ms until ``until(status)`` or ``seconds``."""
    samples = []
    deadline = time.monotonic() + seconds
    train = cell.locator("button", has_text=RUN_BUTTON)
    while time.monotonic() < deadline:
        status = status_of(cell).inner_text()
        samples.append((time.monotonic(), status, figure_of(cell).get_attribute("src"), train.is_enabled()))
        if until(status):
            break
        time.sleep(0.05)
    return samples


def train_then_stop(page, cell, slider, value, shot):
    """Train for a long run, Stop it, and check what the learner sees, in order."""
    type_into_slider(cell, slider, value, page)
    cell.locator("button", has_text=RUN_BUTTON).click()
    sync_api.expect(status_of(cell)).to_have_text(RUNNING, timeout=SLOW_MS)
    stop = cell.locator("button", has_text="Stop")
    sync_api.expect(stop).to_be_enabled()
    shot("training")
    before_stop = figure_of(cell).get_attribute("src")
    stop.click()
    samples = watch(page, cell, 120, lambda status: bool(ENDED.search(status)))
    statuses = [status for _, status, _, _ in samples]
    assert ENDED.search(statuses[-1]), f"never reported the end: {statuses[-5:]}"
    # "stopping..." is never followed by an epoch's message: messages do not go back in time
    if "stopping..." in statuses:
        after = statuses[statuses.index("stopping..."):]
        assert not any(RUNNING.match(status) for status in after), after
    assert statuses[-1].startswith("stopped after"), statuses[-1]
    # the figure, the status and Train change together: the final figure is in place when the
    # final status appears, and Train is enabled with it (the kernel publishes the three in that
    # order, one after the other -- tests/test_widgets.py checks the order exactly; the page may
    # take a moment on a loaded machine to show the last of them)
    assert samples[-1][2] != before_stop, "the final status came before the final figure"
    sync_api.expect(cell.locator("button", has_text=RUN_BUTTON)).to_be_enabled(timeout=30_000)
    sync_api.expect(stop).to_be_disabled()
    shot("stopped")
    return statuses[-1]


def rerun_while_training(page, cell, slider, value):
    """Re-run the panel's cell during a long run: the old run stops, one panel trains at a time."""
    type_into_slider(cell, slider, value, page)
    cell.locator("button", has_text=RUN_BUTTON).click()
    sync_api.expect(status_of(cell)).to_have_text(RUNNING, timeout=SLOW_MS)
    prompt = cell.locator(".jp-InputPrompt")
    before = prompt.inner_text()
    run_cell(page, cell)
    sync_api.expect(prompt).not_to_have_text(before, timeout=30_000)  # "[*]" while it runs
    sync_api.expect(prompt).to_have_text(re.compile(r"\[\d+\]"), timeout=SLOW_MS)
    # a new cell at the end asks the kernel how many training threads are alive
    page.locator(".jp-Notebook .jp-Cell").last.click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    page.keyboard.press("Enter")
    page.keyboard.type("import threading; print('training threads:', sum(t.name == 'dbn-course training' "
                       "and t.is_alive() for t in threading.enumerate()))")
    page.keyboard.press("Shift+Enter")
    answer = page.locator(".jp-OutputArea-output").filter(has_text="training threads:")
    sync_api.expect(answer).to_have_text(re.compile(r"training threads: 0"), timeout=60_000)


def save_close_reopen(page, url, notebook, lab_root):
    """Save, shut the kernel down, close the notebook, and open it again."""
    page.evaluate(EXECUTE, "docmanager:save")
    page.wait_for_function("() => !document.querySelector('.jp-mod-dirty')", timeout=30_000)
    page.evaluate("() => window.jupyterapp.serviceManager.kernels.shutdownAll()")
    assert json.loads(urllib.request.urlopen(f"{url}/api/kernels").read()) == [], "a kernel is still running"
    page.goto("about:blank")
    open_notebook(page, url, notebook)


@pytest.mark.parametrize("chapter", sorted(CHAPTERS))
def test_a_learner_uses_the_panels_of_chapter(chapter, lab, page, tmp_path):
    url, root = lab
    notebook, done, long_run, lesson_controls = CHAPTERS[chapter]
    shots = tmp_path / "screenshots"
    shots.mkdir()
    print(f"screenshots in {shots}")
    step = iter(range(1, 100))

    def shot(name):
        screenshot(page, shots / f"{chapter}-{next(step)}-{name}.png", full_page=False)

    open_notebook(page, url, notebook)
    cells = panel_cells(page)
    sync_api.expect(cells.first).to_be_attached(timeout=SLOW_MS)
    # As committed and untrusted: each panel's status and figure, and its controls in words.
    for index in range(cells.count()):
        cells.nth(index).scroll_into_view_if_needed()
        check_reads_well_without_a_kernel(cells.nth(index), done)
        sync_api.expect(cells.nth(index)).to_contain_text("interactive in a running notebook")
    shot("committed")

    run_all(page)
    for index in range(cells.count()):
        cell = cells.nth(index)
        cell.scroll_into_view_if_needed()
        check_reads_well_without_a_kernel(cell, done)
        check_layout(cell)
    for description in lesson_controls:  # drawn, and not cut off (check_layout)
        sync_api.expect(cells.last.locator(".widget-label", has_text=description).first).to_be_visible()
    shot("ran")

    if long_run is not None:
        cell = cells.last
        cell.scroll_into_view_if_needed()
        if chapter == "03":
            rbm_learner_steps(page, cell, shot)
        final = train_then_stop(page, cell, *long_run, shot)
        if chapter == "04":  # stopped during pretraining: the status says what was never trained
            assert "never trained" in final, final
        rerun_while_training(page, cell, *long_run)
        check_reads_well_without_a_kernel(cell, done)

    save_close_reopen(page, url, notebook, root)
    for index in range(cells.count()):
        cells.nth(index).scroll_into_view_if_needed()
        check_reads_well_without_a_kernel(cells.nth(index), done)
    shot("reopened")


def rbm_learner_steps(page, panel, shot):
    """Chapter 03: a slider moved with the keyboard; a cell runs while the panel trains; live redraws."""
    hidden = panel.locator(".widget-slider").filter(has_text="hidden units")
    readout = hidden.locator(".widget-readout")
    before = int(readout.inner_text())
    hidden.locator(".noUi-handle").focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    sync_api.expect(readout).to_have_text(str(before + 3 * 4))
    type_into_slider(panel, "epochs", "50", page)
    first_figure = figure_of(panel).get_attribute("src")

    panel.locator("button", has_text=RUN_BUTTON).click()
    status = status_of(panel)
    sync_api.expect(status).to_have_text(re.compile(r"epoch \d+ of 50"), timeout=SLOW_MS)
    # The kernel answers while the panel trains: run a new cell at the end of the notebook.
    page.locator(".jp-Notebook .jp-Cell").last.click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    page.keyboard.press("Enter")
    page.keyboard.type("print('kernel answered at epoch', panel.progress.value)")
    page.keyboard.press("Shift+Enter")
    answer = page.locator(".jp-OutputArea-output").filter(has_text="kernel answered at epoch")
    sync_api.expect(answer).to_be_visible(timeout=60_000)
    answered_at = int(re.search(r"epoch (\d+)", answer.inner_text()).group(1))
    assert answered_at < 50, "the cell waited for training to end"
    panel.scroll_into_view_if_needed()
    sync_api.expect(status).to_have_text(re.compile(r"epoch \d+ of 50"))  # and training goes on
    # The figure is redrawn while it trains (each drawing replaces the image element: ask afresh).
    deadline = time.monotonic() + 60
    while figure_of(panel).get_attribute("src") == first_figure:
        assert time.monotonic() < deadline, "the figure was not redrawn"
        time.sleep(0.1)
    shot("training-live")
    if RUNNING.match(status.inner_text()):  # (on a fast machine the run may be over; Stop is tested next)
        panel.locator("button", has_text="Stop").click()
        sync_api.expect(status).to_have_text(re.compile(r"stopped after \d+ of 50 epochs"), timeout=60_000)
    sync_api.expect(panel.locator("button", has_text=RUN_BUTTON)).to_be_enabled(timeout=60_000)
