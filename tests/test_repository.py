"""House rules of the repository that no other test would notice breaking."""

import ast
import json
import re
import subprocess

import pytest

from .conftest import ROOT

TEXT_SUFFIXES = {".py", ".md", ".ipynb", ".toml", ".yml", ".yaml", ".txt", ".cfg", ""}


def tracked_text_files():
    try:
        names = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    paths = [ROOT / name for name in names.splitlines()]
    return [p for p in paths if p.is_file() and p.suffix in TEXT_SUFFIXES and not p.name.endswith(".gz")]


def notebooks():
    return sorted((ROOT / "notebooks").glob("*.ipynb"))


def repository_address():
    """``owner/name`` from README.md's Binder link, the one place the address is written."""
    match = re.search(r"^\[binder\]: https://mybinder\.org/v2/gh/([\w.-]+/[\w.-]+)/\S*urlpath=lab/tree/notebooks/00_index\.ipynb$",
                      (ROOT / "README.md").read_text(), re.MULTILINE)
    assert match, "README.md has no Binder link opening notebooks/00_index.ipynb in JupyterLab"
    return match.group(1)


def test_the_repository_address_is_written_once():
    """A fork changes one line: the Binder link in README.md."""
    address = repository_address()
    lines = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in tracked_text_files()
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if address in line
    ]
    assert len(lines) == 1 and lines[0].startswith("README.md:"), lines


def test_no_absolute_paths_of_a_build_machine():
    pattern = re.compile(r"(/work/|/root/|/home/[a-z]+/|/tmp/pytest|site-packages)")
    offenders = [
        str(path.relative_to(ROOT))
        for path in tracked_text_files()
        if path.name != "test_repository.py" and pattern.search(path.read_text(errors="replace"))
    ]
    assert offenders == []


def test_the_package_reaches_other_objects_only_through_their_public_names():
    """A model uses another's kernels (``gibbs.hidden_probabilities(v, rbm.W, rbm.c)``), never ``rbm._method``."""
    # `name._private` or `name[i]._private`, but not self's, cls's or IPython's `_repr_*_` protocol
    private_use = re.compile(r"\b(?!self\b|cls\b|super\b)[A-Za-z_]\w*(?:\[[^\]]*\])?\._(?!repr_)[a-z]\w*")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {match.group(0)}"
        for path in sorted((ROOT / "dbn_course").rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        for match in private_use.finditer(line.split("#")[0])
    ]
    assert offenders == []


def package_modules():
    return sorted((ROOT / "dbn_course").rglob("*.py"))


def code_lines(paths):
    """``(path, number, line)`` of every line of code in .py files and notebooks' code cells.

    Comments and docstrings are left out: they may quote any number or keyword.
    """
    for path in paths:
        if path.suffix == ".ipynb":
            cells = json.loads(path.read_text())["cells"]
            sources = ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]
        else:
            sources = [path.read_text()]
        for source in sources:
            prose = set()
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value,
                                                                                                     str):
                    prose.update(range(node.lineno, node.end_lineno + 1))
            for number, line in enumerate(source.splitlines(), 1):
                if number not in prose:
                    yield path, number, line.split("#")[0]


def test_every_module_owns_one_idea_in_at_most_450_lines():
    long = {str(path.relative_to(ROOT)): n for path in package_modules()
            if (n := len(path.read_text().splitlines())) > 450}
    assert long == {}


def test_the_recipes_settings_and_the_published_figures_are_typed_once():
    """Weight decay and momentum live in recipe.py; the papers' error rates and likelihoods in results.py."""
    settings = re.compile(r"weight_decay=[0-9.]*[1-9]|momentum=0\.5\b")
    published = re.compile(r"\b(1\.25|1\.2|0\.92|86\.34|125\.0)\b")
    places = [*package_modules(), *(ROOT / "benchmarks").glob("*.py"), *(ROOT / "tools").glob("*.py"), *notebooks()]
    offenders = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
                 for path, number, line in code_lines(p for p in places if p.name not in {"recipe.py", "results.py"})
                 if settings.search(line) or (path.parent.name != "dbn_course" and path.parent.name != "widgets"
                                              and published.search(line))]
    assert offenders == []


def test_one_writer_of_shipped_models_and_one_notebook_runner():
    """Only dbn_course/reproduce.py writes shipped models; pretrained/ loads, benchmarks measure, tools/ runs notebooks."""
    writes = re.compile(r"\b(save_float16|save_top_level|save_model|savez\w*|_update_metadata|write_text)\(|\.save\(")
    offenders = [f"{path.relative_to(ROOT)}:{number}"
                 for path, number, line in code_lines([*(ROOT / "dbn_course" / "pretrained").glob("*.py"),
                                                       *(ROOT / "benchmarks").glob("*.py")])
                 if writes.search(line) and "common.py" not in path.name]
    assert offenders == []
    runners = [str(path.relative_to(ROOT)) for path in package_modules()
               if re.search(r"^\s*(import|from) (papermill|nbclient)\b|^\s+import (papermill|nbclient)\b",
                            path.read_text(), re.MULTILINE)]
    assert runners == []


def test_epochs_is_num_epochs_except_at_keras_fit():
    """The chapter's keyword is num_epochs; a bare epochs= is Keras' own, at a fit call."""
    bare = re.compile(r"(?:[(,]\s*|^\s*)epochs=")  # a keyword argument, not a variable
    offenders = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
                 for path, number, line in code_lines([*package_modules(), *notebooks()])
                 if bare.search(line) and ".fit(" not in line and "renamed_keyword" not in line]
    assert offenders == []


@pytest.mark.parametrize("path", notebooks(), ids=lambda p: p.name)
def test_notebook_conventions(path):
    nb = json.loads(path.read_text())
    assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    code_cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert "parameters" in code_cells[0]["metadata"].get("tags", []), "the first code cell holds the parameters"
    for cell in code_cells:
        assert cell["execution_count"] is not None, "notebooks are committed executed"
        for output in cell["outputs"]:
            assert output["output_type"] != "error", "a committed notebook shows no traceback"
            assert output.get("name") != "stderr", f"stderr in a committed notebook: {output.get('text')}"
    markdown = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    if not path.name.startswith("00_"):
        assert "## Where this departs from the book's listing" in markdown
        assert "## Exercises" in markdown


@pytest.mark.parametrize("path", notebooks(), ids=lambda p: p.name)
def test_every_figure_has_alt_text(path):
    """A figure's description lives in its cell's metadata, ``mystnb.image.alt``: one sentence,
    for a screen reader on the course website (myst-nb reads that key) and for anyone
    reading the notebook's JSON. One figure per cell, so each description fits its figure."""
    nb = json.loads(path.read_text())
    for cell in (c for c in nb["cells"] if c["cell_type"] == "code"):
        figures = sum("image/png" in output.get("data", {}) for output in cell["outputs"])
        alt = cell["metadata"].get("mystnb", {}).get("image", {}).get("alt", "")
        first_line = "".join(cell["source"]).splitlines()[0]
        assert figures <= 1, f"{path.name}: a cell draws {figures} figures: {first_line}"
        if figures:
            assert alt.endswith(".") and len(alt.split()) >= 8, f"{path.name}: no alt text for {first_line}"
        else:
            assert not alt, f"{path.name}: alt text on a cell with no figure: {first_line}"


@pytest.mark.parametrize("path", [p for p in notebooks() if not p.name.startswith("00_")], ids=lambda p: p.name)
def test_each_chapter_opens_with_objectives_and_times_and_closes_with_a_summary(path):
    """The opening's times are checked: reading against the words (75 to 150 a minute, for
    text with equations), running against benchmarks/results/notebooks_one_cpu.json."""
    nb = json.loads(path.read_text())
    markdown = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]
    opening = next((m for m in markdown if "**In this chapter you will**" in m), "")
    assert markdown.index(opening) == 1, "the objectives follow the title cell"
    assert "Shut Down Kernel" in opening, "the opening tells Binder users to stop the previous kernel"
    times = re.search(r"\*\*Time:\*\* about (\d+) min to read, (\d+) min to run on one CPU.*?, (\d+) min for the "
                      r"exercises", opening, re.S)
    assert times, "the opening says how long reading, running and the exercises take"
    read, run, _ = map(int, times.groups())
    words = len(re.findall(r"[A-Za-z]+", " ".join(m for m in markdown if not m.startswith("## References"))))
    assert words / 150 <= read <= words / 75, f"{words} words: about {round(words / 100)} min to read"
    measured = json.loads((ROOT / "benchmarks" / "results" / "notebooks_one_cpu.json").read_text())["figures"]
    seconds = measured[f"notebook_{path.stem}_s"]
    assert run == max(1, -(-int(seconds) // 60)), f"the benchmark measured {seconds:.0f} s on one CPU"
    headings = [line for m in markdown for line in m.splitlines() if line.startswith("## ")]
    assert headings.index("## Summary") == headings.index("## Where this departs from the book's listing") - 1


def test_index_links_every_chapter():
    index = (ROOT / "notebooks" / "00_index.ipynb").read_text()
    for path in notebooks():
        if not path.name.startswith("00_"):
            assert f"]({path.name})" in index, f"00_index.ipynb does not link {path.name}"


PANEL = re.compile(r"^\s*(?:panel = )?(?:RBM|DBN|FineTune|Hopfield|Boltzmann|AIS)Panel\(", re.M)
WIDGET = "application/vnd.jupyter.widget-view+json"


@pytest.mark.parametrize("path", notebooks(), ids=lambda p: p.name)
def test_a_saved_notebook_reads_well_without_a_kernel(path):
    """A widget needs the kernel that made it: saved and reopened, opened untrusted, or on
    GitHub, it shows an error or its raw repr. So only a panel's controls are widgets, and
    their stand-in text says what they were set to; the panel's status line and figure are
    ordinary outputs, and progress bars are text."""
    nb = json.loads(path.read_text())
    for cell in (c for c in nb["cells"] if c["cell_type"] == "code"):
        source = "".join(cell["source"])
        outputs = [o for o in cell["outputs"] if "data" in o]
        widgets = [o for o in outputs if WIDGET in o["data"]]
        panels = len(PANEL.findall(source))
        assert len(widgets) == panels, f"{path.name}: {len(widgets)} widget outputs: {source.splitlines()[0]}"
        if not panels:
            continue
        for output in widgets:
            assert "interactive in a running notebook" in "".join(output["data"]["text/plain"])
        texts = [o for o in outputs if set(o["data"]) == {"text/plain"}]
        images = [o for o in outputs if "image/png" in o["data"]]
        assert len(texts) >= panels and len(images) == panels, f"{path.name}: a panel without its status or figure"


def panel_notebooks():
    return [path for path in notebooks()
            if any(PANEL.search("".join(cell["source"])) for cell in json.loads(path.read_text())["cells"])]


@pytest.mark.parametrize("path", panel_notebooks(), ids=lambda p: p.name)
def test_nbconvert_html_shows_each_panels_status_and_figure(path):
    """nbconvert's HTML -- what a site built from the notebooks shows -- without a kernel."""
    nbconvert = pytest.importorskip("nbconvert")
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(path, as_version=4)
    html, _ = nbconvert.HTMLExporter().from_notebook_node(nb)
    for cell in (c for c in nb.cells if c.cell_type == "code" and PANEL.search(c.source)):
        status = next(o for o in cell.outputs if "data" in o and set(o.data) == {"text/plain"})
        first_line = status.data["text/plain"].splitlines()[0]
        assert first_line.replace("'", "&#39;") in html or first_line in html, first_line
        image = next(o for o in cell.outputs if "data" in o and "image/png" in o.data)
        assert image.data["image/png"][:100] in html


def test_the_changelog_describes_this_version():
    from dbn_course import __version__
    from dbn_course.deprecation import REMOVED_IN

    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert re.search(rf"^## {re.escape(__version__)} -- \d{{4}}-\d{{2}}-\d{{2}}$", changelog, re.MULTILINE)
    assert f"removed in {REMOVED_IN}" in changelog
