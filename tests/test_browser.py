"""A learner in a real browser: JupyterLab, headless Chromium, the RBM chapter's panel.

The test copies the chapter notebook into a temporary folder (so autosave never touches
the committed one), serves that folder with JupyterLab on localhost, and drives Debian's
``chromium`` through Playwright -- no browser download, no network. It runs the notebook,
moves a slider, presses Train for a long run, runs another cell while the panel trains
(the kernel must answer: training runs in a background thread), watches the panel's
figures change, presses Stop, and checks that the panel reports the stop and kept the
model. Screenshots of each step are saved under the test's temporary folder, whose path
is printed.

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
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from .conftest import ROOT

sync_api = pytest.importorskip("playwright.sync_api", reason="the browser test needs the playwright package")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTEBOOK = "03_rbm.ipynb"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SLOW_MS = 240_000  # a cold kernel start and the notebook's run on a shared 2-core machine


def chromium_binary() -> str | None:
    named = os.environ.get("DBN_COURSE_CHROMIUM")
    if named:
        return named
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def chromium():
    """The Chromium binary to drive; skip, before anything starts, without one or without JupyterLab."""
    if importlib.util.find_spec("jupyterlab") is None:
        pytest.skip("JupyterLab is not installed (pip install -e \".[lab]\")")
    binary = chromium_binary()
    if binary is None:
        pytest.skip("no chromium binary (apt-get install chromium, or set DBN_COURSE_CHROMIUM)")
    return binary


@pytest.fixture
def lab(chromium, tmp_path):
    """JupyterLab serving a copy of the notebook from ``tmp_path``; yields its URL."""
    shutil.copy(ROOT / "notebooks" / NOTEBOOK, tmp_path / NOTEBOOK)
    settings = tmp_path / "lab-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    # No "get Jupyter news?" prompt over the panel, and no attempt to fetch news or updates.
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    port = free_port()
    env = dict(os.environ, DBN_COURSE_QUICK="1", DBN_COURSE_OFFLINE="1",
               JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "jupyter-runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "lab-settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "lab-workspaces"))
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--ServerApp.port={port}",
               "--ServerApp.ip=127.0.0.1", "--ServerApp.token=", "--ServerApp.password=",
               "--ServerApp.port_retries=0", f"--ServerApp.root_dir={tmp_path}",
               "--LabApp.expose_app_in_browser=True"]
    if hasattr(os, "getuid") and os.getuid() == 0:
        command.append("--allow-root")
    log = open(tmp_path / "jupyterlab.log", "w")
    server = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{url}/api", timeout=2).read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not start:\n" + (tmp_path / "jupyterlab.log").read_text()[-3000:])
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_a_learner_trains_and_stops_the_rbm_panel_in_jupyterlab(chromium, lab, tmp_path):
    binary = chromium
    shots = tmp_path / "screenshots"
    shots.mkdir()
    print(f"screenshots in {shots}")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=binary, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            _learner_steps(page, lab, shots)
        finally:
            browser.close()


PROMPTS = "[...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.textContent.trim())"


def run_all(page):
    """Clear the committed outputs and run every cell; return once every code cell has run.

    The kernel connects a moment after the notebook opens and a command sent before then
    is lost, so the run is requested again until a cell starts.
    """
    execute = "command => window.jupyterapp.commands.execute(command)"
    page.evaluate(execute, "notebook:clear-all-cell-outputs")
    page.wait_for_function(f"() => {PROMPTS}.every(p => !/\\d/.test(p))", timeout=30_000)
    deadline = time.monotonic() + SLOW_MS / 1000
    while True:
        page.evaluate(execute, "notebook:run-all-cells")
        try:
            page.wait_for_function(f"() => {PROMPTS}.some(p => /\\*|\\d/.test(p))", timeout=10_000)
            break
        except sync_api.TimeoutError:
            assert time.monotonic() < deadline, "the notebook never started running"
    page.wait_for_function(f"() => {PROMPTS}.every(p => /\\[\\d+\\]/.test(p))", timeout=SLOW_MS)


def _learner_steps(page, url, shots):
    def shot(name):
        page.screenshot(path=str(shots / f"{name}.png"))

    page.goto(f"{url}/lab/tree/{NOTEBOOK}")
    page.wait_for_function("window.jupyterapp !== undefined", timeout=SLOW_MS)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=SLOW_MS)
    page.locator(".jp-Notebook .jp-Cell").first.click()  # the notebook becomes the current widget
    run_all(page)
    status = page.locator(".widget-label").filter(has_text=re.compile(r"trained in|epoch \d+ of|stopped after"))
    sync_api.expect(status).to_have_text(re.compile(r"trained in .* nats per image"), timeout=SLOW_MS)
    panel = page.locator(".widget-vbox").filter(has=page.locator("button", has_text="Stop")).first  # outermost
    panel.scroll_into_view_if_needed()
    shot("1-notebook-ran")
    figures = panel.locator("img")
    assert figures.count() == 3
    first_costs = figures.nth(0).get_attribute("src")

    # Move the hidden-units slider with the keyboard, as a learner can.
    hidden = panel.locator(".widget-slider").filter(has_text="hidden units")
    readout = hidden.locator(".widget-readout")
    before = int(readout.inner_text())
    hidden.locator(".noUi-handle").focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    sync_api.expect(readout).to_have_text(str(before + 3 * 4))
    # Ask for a long run by typing into the epochs readout.
    epochs = panel.locator(".widget-slider").filter(has_text="epochs").locator(".widget-readout")
    epochs.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("50")
    page.keyboard.press("Enter")
    sync_api.expect(epochs).to_have_text("50")
    shot("2-sliders-moved")

    panel.locator("button", has_text="Train").click()
    sync_api.expect(status).to_have_text(re.compile(r"epoch \d+ of 50"), timeout=SLOW_MS)
    stop = panel.locator("button", has_text="Stop")
    sync_api.expect(stop).to_be_enabled()

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
    sync_api.expect(status).to_have_text(re.compile(r"epoch \d+ of 50"))  # and training goes on
    panel.scroll_into_view_if_needed()
    # The figures are redrawn while it trains.
    page.wait_for_function("([img, src]) => img.getAttribute('src') !== src",
                           arg=[figures.nth(0).element_handle(), first_costs], timeout=60_000)
    shot("3-training-live")

    stop.click()
    sync_api.expect(status).to_have_text(re.compile(r"stopped after \d+ of 50 epochs"), timeout=60_000)
    done = int(re.search(r"stopped after (\d+) of 50", status.inner_text()).group(1))
    assert 1 <= done < 50
    sync_api.expect(panel.locator("button", has_text="Train")).to_be_enabled()
    sync_api.expect(stop).to_be_disabled()
    shot("4-stopped")
