"""Sphinx configuration of the course website.

Build it from the repository's root (README.md, "The course as a website"):

    python -m sphinx -M html docs docs/_build -W --keep-going     # the site in docs/_build/html

The chapters are the committed notebooks, shown with the outputs they were committed with:
myst-nb never executes them. Each build first copies ``notebooks/*.ipynb`` into
``docs/notebooks/`` (ignored by git), so a chapter's page lives at ``notebooks/NN_name.html``
and its path below ``docs/`` is its path in the repository, which is what the Binder launch
button opens. The API reference is written from the package's docstrings into
``docs/api/`` at the same moment. Nothing is fetched from the network, while building or
while reading: MathJax is served from the site (``sphinx-mathjax-offline``), the widget
scripts myst-nb would load from a CDN are switched off (a panel's page shows its last
figure and status, which the notebook saves as ordinary outputs, and a line naming its
controls), and there is no intersphinx.

The repository's address is written once, in README.md's Binder link; ``binder_link``
reads it from there.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import shutil
import sys
from pathlib import Path
from typing import NamedTuple

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
CHAPTERS = DOCS / "notebooks"  # copies of ROOT / "notebooks", made by each build
API = DOCS / "api"  # one page per module, written by each build
PACKAGE = "dbn_course"
RECORD = "application/vnd.dbn-course.record+json"  # dbn_course.course.notebook's record of a chapter's run


class BinderLink(NamedTuple):
    """What README.md's Binder link names: the hub, the repository and the git reference."""

    hub: str  # https://mybinder.org
    provider: str  # gh
    repository: str  # owner/name
    ref: str  # HEAD, a branch or a tag

    @property
    def repository_url(self) -> str:
        hosts = {"gh": "https://github.com", "gl": "https://gitlab.com"}
        return f"{hosts[self.provider]}/{self.repository}"


def binder_link(readme: str) -> BinderLink:
    """Parse the ``[binder]: https://HUB/v2/PROVIDER/OWNER/NAME/REF?urlpath=...`` line of README.md."""
    match = re.search(r"^\[binder\]: (https://[^/\s]+)/v2/(gh|gl)/([\w.-]+/[\w.-]+)/([^?\s]+)\?urlpath=\S+$",
                      readme, re.MULTILINE)
    if match is None:
        raise ValueError("README.md has no Binder link, a line '[binder]: https://mybinder.org/v2/gh/OWNER/NAME/"
                         "REF?urlpath=...'; the site's launch buttons are built from it")
    return BinderLink(*match.groups())


def package_version(init: Path) -> str:
    """``__version__`` as ``dbn_course/__init__.py`` writes it (read, not imported: no TensorFlow at start-up)."""
    match = re.search(r'^__version__ = "([^"]+)"$', init.read_text(), re.MULTILINE)
    if match is None:
        raise ValueError(f"no __version__ line in {init}")
    return match.group(1)


def without_records(notebook: dict) -> dict:
    """The notebook less the outputs that hold only a record for the tests (nothing a reader sees)."""
    for cell in notebook["cells"]:
        if "outputs" in cell:
            cell["outputs"] = [output for output in cell["outputs"] if set(output.get("data", {"": None})) != {RECORD}]
    return notebook


def copy_chapters(source: Path = ROOT / "notebooks", target: Path = CHAPTERS) -> list[str]:
    """Mirror the committed notebooks into the site's source folder, less their records; return their names.

    Each copy is the committed notebook with its outputs, cells and metadata, except the
    outputs that carry only a chapter's record for the tests (timings and peak memory, which
    JupyterLab does not display either). A copy keeps its notebook's modification time, so
    Sphinx rebuilds only the chapters that changed; a notebook deleted from ``notebooks/`` is
    deleted here too.
    """
    target.mkdir(exist_ok=True)
    names = sorted(path.name for path in source.glob("*.ipynb"))
    for stale in set(path.name for path in target.iterdir()) - set(names):
        path = target / stale
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    for name in names:
        original, copy = source / name, target / name
        if copy.exists() and copy.stat().st_mtime == original.stat().st_mtime:
            continue
        notebook = without_records(json.loads(original.read_text(encoding="utf-8")))
        copy.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        shutil.copystat(original, copy)
    return names


def public_modules(package: str = PACKAGE) -> list[str]:
    """Every module of the package a learner may import: not private, not a deprecated one."""
    root = importlib.import_module(package)
    names = [package]
    for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        if module_summary(info.name).startswith("Deprecated"):  # kept one version for old imports, not taught
            continue
        names.append(info.name)
    return sorted(names)


FOLDERS = {
    # The package's folders, in the order the README's layout table gives them; the models sit at its top.
    "models": "The models, where the book imports them",
    "data": "`data/`: MNIST and the data boundary",
    "sampling": "`sampling/`: Gibbs sampling, tempering, annealing",
    "training": "`training/`: the engine, and what is composed around each model's step",
    "course": "`course/`: what the chapters use",
    "pretrained": "`pretrained/`: the shipped models",
    "package": "The package itself",
}
MODELS = {"hopfield", "boltzmann", "explaining_away", "rbm", "top_level", "dbn", "classifier", "evaluation", "saving"}


def folder_of(name: str) -> str:
    """The heading a module is listed under in the API reference: its folder, or the models."""
    parts = name.split(".")
    if len(parts) > 2 or (len(parts) == 2 and parts[1] in FOLDERS):
        return parts[1]
    return "models" if len(parts) == 2 and parts[1] in MODELS else "package"


def module_summary(name: str) -> str:
    """The first sentence of a module's docstring, on one line."""
    doc = (importlib.import_module(name).__doc__ or "").strip()
    first_paragraph = " ".join(doc.split("\n\n")[0].split())
    return first_paragraph.rstrip(".") + "." if first_paragraph else ""


def write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def write_api_pages(target: Path = API) -> list[str]:
    """One page per public module (``automodule`` with its members) and an index with a table."""
    target.mkdir(exist_ok=True)
    modules = public_modules()
    for stale in set(p.name for p in target.glob("*.md")) - {f"{m}.md" for m in modules} - {"index.md"}:
        (target / stale).unlink()
    rows = {folder: [] for folder in FOLDERS}
    for name in modules:
        title = name.removeprefix(f"{PACKAGE}.")  # short in the sidebar: "rbm", "course.exercises.hopfield"
        write_if_changed(target / f"{name}.md", (
            f"# {title}\n\n"
            f"```{{eval-rst}}\n.. automodule:: {name}\n   :members:\n   :show-inheritance:\n```\n"))
        summary = module_summary(name).replace("|", r"\|")
        rows[folder_of(name)].append(f"| [`{name}`]({name}.md) | {summary} |")
    tables = []
    for folder, heading in FOLDERS.items():
        tables += [f"## {heading}", "", "| module | what it holds |", "|---|---|", *rows[folder], ""]
    write_if_changed(target / "index.md", "\n".join([
        "# API reference",
        "",
        f"Every public module of `{PACKAGE}`, the package the chapters import, documented from its",
        "docstrings. A notebook's code cell calls these; read a function here to see its maths",
        "in the chapters' symbols, its arguments and what it raises on a wrong value. The modules",
        "are grouped by the package's folders (the README's layout section draws how they depend",
        "on each other).",
        "",
        *tables,
        "```{toctree}",
        ":hidden:",
        "",
        *modules,
        "```",
        "",
    ]))
    return modules


BINDER = binder_link((ROOT / "README.md").read_text())

project = "dbn-course"
author = "the dbn-course authors"
copyright = "the dbn-course authors; code under the MIT licence, MNIST under CC BY-SA 3.0"
release = version = package_version(ROOT / PACKAGE / "__init__.py")

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinxcontrib.bibtex",
    "sphinx-mathjax-offline",  # MathJax 3, copied into _static/mathjax/ and loaded from there
]
exclude_patterns = ["_build", "**/.ipynb_checkpoints"]
root_doc = "index"

# The chapters as committed: never re-executed, never fetching widget scripts from a CDN.
nb_execution_mode = "off"
nb_ipywidgets_js = {}
nb_render_markdown_format = "myst"  # the tables chapters 06 and 07 display as Markdown
nb_mime_priority_overrides = [
    # A panel's live controls need a kernel: the page shows the line the panel writes
    # beside them (what it controls, with the values they started at), its status and figure.
    ("html", "application/vnd.jupyter.widget-view+json", None),
]
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3

# The API reference, from the package's docstrings (Google style: Args, Returns, Raises).
autodoc_member_order = "bysource"
autodoc_default_options = {"ignore-module-all": True}  # each name on the page of the module defining it
autodoc_inherit_docstrings = False  # Keras's and tqdm's docstrings are theirs, in their markup
autodoc_typehints = "description"
autodoc_preserve_defaults = True
napoleon_google_docstring = True
napoleon_numpy_docstring = False

# The bibliography page lists every work in the course's BibTeX file; each chapter's own
# "References" cell is written from the same file by tools/references.py.
bibtex_bibfiles = [str(ROOT / "references.bib")]
bibtex_default_style = "plain"
bibtex_reference_style = "author_year"

html_theme = "sphinx_book_theme"
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_title = "How networks learned to generate digits"
html_copy_source = True  # the .ipynb download button serves _sources/notebooks/NN_name.ipynb
html_show_sourcelink = False
html_last_updated_fmt = None
html_theme_options = {
    "repository_url": BINDER.repository_url,
    "repository_branch": BINDER.ref,
    "path_to_docs": "",  # docs/notebooks/NN.ipynb is notebooks/NN.ipynb in the repository
    "use_repository_button": True,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "launch_buttons": {"binderhub_url": BINDER.hub, "notebook_interface": "jupyterlab"},
    "home_page_in_toc": False,  # chapter 00, the course's own index, opens the list
    "navbar_persistent": [],  # one search field, the sidebar's
    "show_toc_level": 2,
}


def _prepare_sources(app) -> None:
    copy_chapters()
    sys.path.insert(0, str(ROOT))  # the package of this checkout, installed or not
    write_api_pages()


def setup(app):
    app.connect("builder-inited", _prepare_sources)
    return {"parallel_read_safe": True}
