"""The course website as a reader gets it: every page of the built site in headless Chromium, offline.

The site is built with README.md's command (``python -m sphinx -M html docs ... -W``: a
broken cross-reference, a missing image or a docstring docutils cannot read fails the
build) into a temporary folder, or read from ``DBN_COURSE_SITE`` when that names a built
site (``.ci/run`` builds it once, then runs this tier). It is served on localhost, and
Chromium may fetch nothing else: every other request is aborted and recorded, and a page
that tried one fails. On each chapter page:

* the maths is typeset by the MathJax the site serves, with no TeX error;
* every figure has loaded and has its alt text;
* the Binder launch button opens this chapter's notebook in JupyterLab, in the repository
  and at the git reference of README.md's Binder link;
* the download button serves the chapter's ``.ipynb`` from the site itself;
* no output shows a raw widget repr (``VBox(``, ``HBox(``) or a stuck progress bar
  (``0%|``), and the panels show the line naming their controls.

The home page lists the chapters in order, search finds a chapter by a word of its text,
and the API reference and the bibliography load. A full-page screenshot of each page is
saved under the test's temporary folder, whose path is printed.

Marked ``browser`` (``python -m pytest -m browser``). Skipped, with the reason, when
Playwright, Chromium or the site's tools (``pip install -e ".[site]"``) are missing.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from .chromium import chromium_binary, launched, screenshot
from .conftest import ROOT

pytest.importorskip("playwright.sync_api", reason="the browser test needs the playwright package")

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("site")]  # one build, one server

CHAPTERS = sorted(path.stem for path in (ROOT / "notebooks").glob("*.ipynb"))
STUCK_BAR = re.compile(r"(?<![\d.])0%\|")
RAW_WIDGET = re.compile(r"\b[VH]Box\(")
PAGE_MS = 60_000


def binder_link():
    spec = importlib.util.spec_from_file_location("site_conf", ROOT / "docs" / "conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    return conf.BINDER


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The built site's folder: ``DBN_COURSE_SITE``, or a build of this checkout."""
    named = os.environ.get("DBN_COURSE_SITE")
    if named:
        folder = Path(named).resolve()
        assert (folder / "index.html").is_file(), f"DBN_COURSE_SITE={named} holds no built site"
        return folder
    for module in ("sphinx", "myst_nb", "sphinx_book_theme", "sphinxcontrib.bibtex"):
        if importlib.util.find_spec(module.split(".")[0]) is None or importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed (pip install -e \".[site]\")")
    out = tmp_path_factory.mktemp("site")
    build = subprocess.run([sys.executable, "-m", "sphinx", "-M", "html", "docs", str(out), "-W", "--keep-going", "-q"],
                           cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert build.returncode == 0, f"the site did not build:\n{build.stdout[-4000:]}\n{build.stderr[-8000:]}"
    return out / "html"


@pytest.fixture(scope="module")
def server(site):
    """The site on a localhost port, as ``python -m http.server`` serves it; yields its address."""
    handler = functools.partial(QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    binary = chromium_binary()
    if binary is None:
        pytest.skip("no chromium binary (apt-get install chromium, or set DBN_COURSE_CHROMIUM)")
    with launched(binary) as browser:
        yield browser


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("site-screenshots")
    print(f"screenshots of the site's pages: {folder}")
    return folder


@pytest.fixture
def offline_page(browser, server):
    """A page that may load only from the site's server; yields (page, the requests it was refused)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    refused = []

    def only_the_site(route):
        if route.request.url.startswith(server + "/"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_site)
    try:
        yield context.new_page(), refused
    finally:
        context.close()


def open_page(page, refused, url):
    """Load ``url``; fail at once if it asked for anything the site does not serve."""
    response = page.goto(url, wait_until="load", timeout=PAGE_MS)
    assert response is not None and response.ok, f"{url}: {response.status if response else 'no response'}"
    assert refused == [], f"{url} asked the network for {refused}"


def wait_for_mathjax(page) -> int:
    """Wait until MathJax has typeset the page; return how many formulas the page holds."""
    formulas = page.locator(".math").count()
    if formulas:
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                               timeout=PAGE_MS)
        page.evaluate("() => MathJax.startup.promise")
    return formulas


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_a_chapter_page_reads_well_offline(chapter, server, offline_page, screenshots):
    page, refused = offline_page
    open_page(page, refused, f"{server}/notebooks/{chapter}.html")
    notebook = json.loads((ROOT / "notebooks" / f"{chapter}.ipynb").read_text(encoding="utf-8"))

    formulas = wait_for_mathjax(page)
    markdown = "".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown")
    if "$" in markdown:
        assert formulas > 0, "the chapter's text has maths and the page none"
    typeset = page.locator(".math mjx-container").count()
    assert typeset == formulas, f"{formulas - typeset} of {formulas} formulas were not typeset"
    assert page.locator("mjx-merror").count() == 0, page.locator("mjx-merror").first.text_content()

    figures = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"
               and any("image/png" in output.get("data", {}) for output in cell["outputs"])]
    images = page.locator(".cell_output img")
    assert images.count() == len(figures), f"{len(figures)} figures in the notebook, {images.count()} on the page"
    loaded = images.evaluate_all("images => images.map(i => i.complete && i.naturalWidth > 0)")
    assert all(loaded), f"figures not loaded: {[i for i, ok in enumerate(loaded) if not ok]}"
    alts = images.evaluate_all("images => images.map(i => i.alt)")
    assert alts == [cell["metadata"]["mystnb"]["image"]["alt"] for cell in figures]

    link = binder_link()
    launch = page.locator("a[href*='/v2/']").first.get_attribute("href")
    assert launch == (f"{link.hub}/v2/{link.provider}/{link.repository}/{link.ref}"
                      f"?urlpath=lab/tree/notebooks/{chapter}.ipynb")

    download = page.locator(f"a[href$='_sources/notebooks/{chapter}.ipynb']")
    assert download.count() == 1, "no .ipynb download link"
    served = page.request.get(f"{server}/_sources/notebooks/{chapter}.ipynb")
    assert served.ok
    assert [c["source"] for c in json.loads(served.text())["cells"]] == [c["source"] for c in notebook["cells"]]

    outputs = page.locator(".cell_output").all_inner_texts()
    for text in outputs:
        assert not RAW_WIDGET.search(text), f"a raw widget repr: {text[:300]}"
        assert not STUCK_BAR.search(text), f"a stuck progress bar: {text[:300]}"
        assert "No renderer" not in text
    panels = sum("application/vnd.jupyter.widget-view+json" in output.get("data", {})
                 for cell in notebook["cells"] for output in cell.get("outputs", []))
    assert sum("(interactive in a running notebook)" in text for text in outputs) == panels

    screenshot(page, screenshots / f"{chapter}.png")
    assert refused == [], f"the page asked the network for {refused}"


def test_the_home_page_lists_the_chapters_and_search_finds_them(server, offline_page, screenshots):
    page, refused = offline_page
    open_page(page, refused, f"{server}/index.html")
    listed = page.locator("#main-content .toctree-wrapper a.reference.internal").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")
    chapters = [href for href in listed if href.startswith("notebooks/")]
    assert chapters == [f"notebooks/{name}.html" for name in CHAPTERS]
    screenshot(page, screenshots / "index.png")

    open_page(page, refused, f"{server}/search.html?q=contrastive+divergence")
    results = page.locator("#search-results ul.search li a")
    results.first.wait_for(timeout=PAGE_MS)
    found = results.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert any("notebooks/03_rbm.html" in href for href in found), found
    screenshot(page, screenshots / "search.png")
    assert refused == [], f"the pages asked the network for {refused}"


@pytest.mark.parametrize("name", ["api/index", "api/dbn_course.rbm", "bibliography"])
def test_the_reference_pages_load(name, server, offline_page, screenshots):
    page, refused = offline_page
    open_page(page, refused, f"{server}/{name}.html")
    wait_for_mathjax(page)
    if name == "api/index":
        modules = page.locator("#main-content table a.reference.internal").count()
        assert modules >= 20, f"the API index links {modules} modules"
    elif name == "api/dbn_course.rbm":
        assert page.locator("dl.py.class dt#dbn_course\\.rbm\\.RBM").count() == 1
        assert page.locator("dl.py.method").count() > 5
    else:
        entries = page.locator("#main-content .citation, #main-content dl.citation > dt").count()
        works = len(re.findall(r"^@\w+\{", (ROOT / "references.bib").read_text(), re.MULTILINE))
        assert entries >= works, f"{works} works in references.bib, {entries} on the page"
    screenshot(page, screenshots / f"{name.replace('/', '_')}.png")
    assert refused == [], f"the page asked the network for {refused}"
