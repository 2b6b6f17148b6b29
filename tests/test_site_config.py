"""The website's configuration (docs/conf.py), without building the site.

What the site is built from: the Binder link of README.md (the one place the repository's
address is written), the committed chapters less their test records, and every public
module of the package. Building and reading the site is ``tests/test_site.py`` (browser tier).
"""

from __future__ import annotations

import importlib.util
import json
import os

import pytest

from .conftest import ROOT
from .test_repository import repository_address


@pytest.fixture(scope="module")
def conf():
    spec = importlib.util.spec_from_file_location("site_conf", ROOT / "docs" / "conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_launch_buttons_take_the_address_from_the_readme(conf):
    link = conf.BINDER
    assert link.repository == repository_address()
    assert link.hub == "https://mybinder.org" and link.provider == "gh"
    assert conf.html_theme_options["repository_url"] == f"https://github.com/{repository_address()}"
    assert conf.html_theme_options["repository_branch"] == link.ref
    assert conf.html_theme_options["launch_buttons"]["binderhub_url"] == link.hub
    assert conf.html_theme_options["launch_buttons"]["notebook_interface"] == "jupyterlab"


def test_a_fork_changes_one_line(conf):
    fork = "[binder]: https://mybinder.org/v2/gh/someone/my-course/main?urlpath=lab/tree/notebooks/00_index.ipynb\n"
    link = conf.binder_link("# A fork\n\nSome text.\n\n" + fork)
    assert (link.repository, link.ref, link.repository_url) == ("someone/my-course", "main",
                                                                 "https://github.com/someone/my-course")


@pytest.mark.parametrize("readme", ["# no link at all\n",
                                    "[binder]: https://mybinder.org/badge_logo.svg\n",
                                    "see [binder]: https://mybinder.org/v2/gh/a/b/HEAD?urlpath=lab\n"])
def test_a_readme_without_the_binder_link_stops_the_build_with_a_message(conf, readme):
    with pytest.raises(ValueError, match="no Binder link"):
        conf.binder_link(readme)


def test_the_version_is_the_packages(conf):
    import dbn_course

    assert conf.release == dbn_course.__version__


def test_the_chapters_are_copied_whole_but_for_their_records(conf, tmp_path):
    source, target = tmp_path / "notebooks", tmp_path / "site"
    source.mkdir()
    record = {"output_type": "display_data", "metadata": {}, "data": {conf.RECORD: {"name": "x", "value": 1}}}
    figure = {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBO", "text/plain": ["<Figure>"]}}
    printed = {"output_type": "stream", "name": "stdout", "text": ["trained\n"]}
    cell = {"cell_type": "code", "execution_count": 1, "metadata": {"mystnb": {"image": {"alt": "A figure."}}},
            "source": ["draw()"], "outputs": [printed, record, figure]}
    notebook = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# Title"]}, cell],
                "metadata": {"kernelspec": {"name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}
    (source / "01_one.ipynb").write_text(json.dumps(notebook))
    (source / "notes.txt").write_text("not a chapter")
    (target / "old").mkdir(parents=True)
    (target / "00_deleted.ipynb").write_text("{}")

    assert conf.copy_chapters(source, target) == ["01_one.ipynb"]
    assert sorted(p.name for p in target.iterdir()) == ["01_one.ipynb"]
    copied = json.loads((target / "01_one.ipynb").read_text())
    assert copied["cells"][1]["outputs"] == [printed, figure]
    assert copied["cells"][1]["metadata"] == cell["metadata"] and copied["metadata"] == notebook["metadata"]
    assert (target / "01_one.ipynb").stat().st_mtime == (source / "01_one.ipynb").stat().st_mtime

    # An unchanged chapter is not written again (Sphinx then skips it); a changed one is.
    (target / "01_one.ipynb").write_text("kept")
    os.utime(target / "01_one.ipynb", ns=(0, (source / "01_one.ipynb").stat().st_mtime_ns))
    conf.copy_chapters(source, target)
    assert (target / "01_one.ipynb").read_text() == "kept"
    os.utime(source / "01_one.ipynb", ns=(0, 10**18))
    conf.copy_chapters(source, target)
    assert json.loads((target / "01_one.ipynb").read_text())["cells"][1]["outputs"] == [printed, figure]


def test_every_public_module_has_a_page_that_says_what_it_holds(conf, tmp_path):
    pages = conf.write_api_pages(tmp_path)
    assert "dbn_course.rbm" in pages and "dbn_course.course.exercises.hopfield" in pages
    assert not any(part.startswith("_") for name in pages for part in name.split("."))
    index = (tmp_path / "index.md").read_text()
    # Grouped by folder, as the package is: the RBM among the models, the CD loop under training.
    assert index.index("## The models") < index.index("[`dbn_course.rbm`]") < index.index("## `data/`") \
        < index.index("## `training/`") < index.index("[`dbn_course.training.cd`]") < index.index("## `course/`")
    for name in pages:
        assert f"[`{name}`]({name}.md)" in index
        assert conf.module_summary(name), f"{name} has no docstring to summarise"
        assert f".. automodule:: {name}" in (tmp_path / f"{name}.md").read_text()
