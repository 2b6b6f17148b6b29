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


# ------------------------------------------------------------------ the package's layering

LAYERS = {
    # Each module's layer, by its folder; a layer imports only from the layers listed after it, and its own.
    "course": ("course", "training", "models", "sampling", "base"),  # dbn_course/course/
    "training": ("training", "models", "sampling", "base"),  # dbn_course/training/
    "models": ("models", "sampling", "base"),  # the book's modules at the top, saving, evaluation, pretrained/
    "sampling": ("sampling", "base"),  # dbn_course/sampling/
    "base": ("base",),  # data/, checks, config, runtime, deprecation
}
BASE = {"checks", "config", "runtime", "deprecation"}
FACES = {"dbn_course", "dbn_course.reproduce"}  # the package's root and the shipped models' writer compose the rest
NOTEBOOK_LIBRARIES = ("ipywidgets", "matplotlib", "IPython")


def layer_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in ("course", "training", "sampling"):
        return parts[1]
    if len(parts) > 1 and (parts[1] == "data" or parts[1] in BASE):
        return "base"
    return "models"


def package_imports():
    """``(module, imported, lineno)`` for every import statement in the package, at module level or in a function."""
    for path in package_modules():
        relative = path.relative_to(ROOT).with_suffix("")
        module = ".".join(relative.parts[:-1] if relative.name == "__init__" else relative.parts)
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                yield from ((module, alias.name, node.lineno) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{module}:{node.lineno}: the package imports its modules by their full names"
                yield from ((module, f"{node.module}.{alias.name}", node.lineno) for alias in node.names)


def package_graph() -> dict[str, set[str]]:
    """The package's modules and, for each, the package's modules it imports."""
    modules = {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
               for p in package_modules()}
    graph = {module: set() for module in modules}
    for module, imported, _ in package_imports():
        while imported not in modules and "." in imported:  # `from dbn_course.sampling import gibbs` -> the module
            imported = imported.rsplit(".", 1)[0]
        if imported in modules and imported != module and imported != "dbn_course":
            graph[module].add(imported)
    return graph


def test_the_package_is_layered():
    """Models and samplers never import the training loop or the course layer; each layer only what lies below it.

    The book's training methods on the models (``rbm.cd_update``, ``dbn.pretrain``, ...) reach
    the training code when called, through ``importlib``, so importing a model never loads it.
    """
    offenders = [f"{module} ({layer_of(module)}) imports {target} ({layer_of(target)})"
                 for module, targets in package_graph().items() if module not in FACES
                 for target in targets if layer_of(target) not in LAYERS[layer_of(module)]]
    assert offenders == []


def test_only_the_course_layer_imports_notebook_libraries():
    """The engine reports progress through a bar the course layer sets; panels and plots live in the course layer."""
    offenders = [f"{module}:{line}: {imported}" for module, imported, line in package_imports()
                 if imported.split(".")[0] in NOTEBOOK_LIBRARIES and layer_of(module) != "course"]
    assert offenders == []


def test_the_package_has_no_import_cycles():
    graph = package_graph()
    done, path, cycles = set(), [], []

    def visit(module):
        if module in path:
            cycles.append(path[path.index(module):] + [module])
            return
        if module in done:
            return
        path.append(module)
        for target in sorted(graph[module]):
            visit(target)
        path.pop()
        done.add(module)

    for module in sorted(graph):
        visit(module)
    assert cycles == []


MODELS = ("dbn_course.rbm", "dbn_course.dbn", "dbn_course.hopfield", "dbn_course.boltzmann",
          "dbn_course.sampling.annealing")


def test_importing_the_package_and_its_models_loads_no_training_loop_and_no_course_layer():
    """``import dbn_course`` is light; the models load their maths, the sampler and the data boundary, no more."""
    import sys

    def modules_after(code):
        code += "\nimport json, sys; print(json.dumps(sorted(sys.modules)))"
        printed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        return set(json.loads(printed.splitlines()[-1]))

    # TensorFlow starts on import (quietly, within the CPU quota), and Keras 3 loads matplotlib.pyplot and
    # IPython when they are installed; the package adds no notebook library or TensorFlow Probability of its own.
    tensorflow = modules_after("import tensorflow")
    bare = modules_after("import dbn_course")
    loaded = sorted(name for name in bare if name.split(".")[0] == "dbn_course")
    assert len(loaded) <= 12, loaded
    assert sorted(name for name in bare - tensorflow
                  if name.split(".")[0] in (*NOTEBOOK_LIBRARIES, "tensorflow_probability")) == []
    models = modules_after(f"import {', '.join(MODELS)}")
    assert sorted(name for name in models if name.startswith(("dbn_course.training", "dbn_course.course"))) == []
    assert sorted(name for name in models - tensorflow if name.split(".")[0] in NOTEBOOK_LIBRARIES) == []


def test_the_rbms_training_step_reads_on_one_screen():
    """Chapter 03 shows the RBM's module as the book's class, fixed: its CD step is one function of about 40 lines."""
    from dbn_course import rbm

    tree = ast.parse((ROOT / "dbn_course" / "rbm.py").read_text())
    step = next(node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "cd_step")
    assert step.end_lineno - step.lineno + 1 <= 45
    assert callable(rbm.cd_step) and "cd_step" in rbm.__all__


def test_the_recipes_settings_and_the_published_figures_are_typed_once():
    """Weight decay and momentum live in recipe.py; the papers' error rates and likelihoods in results.py."""
    settings = re.compile(r"weight_decay=[0-9.]*[1-9]|momentum=0\.5\b")
    published = re.compile(r"\b(1\.25|1\.2|0\.92|86\.34|125\.0)\b")
    places = [*package_modules(), *(ROOT / "benchmarks").glob("*.py"), *(ROOT / "tools").glob("*.py"), *notebooks()]
    offenders = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
                 for path, number, line in code_lines(p for p in places if p.name not in {"recipe.py", "results.py"})
                 if settings.search(line) or ("dbn_course" not in path.relative_to(ROOT).parts
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
