"""references.bib, the chapters' citations and their generated "References" cells agree."""

import importlib.util
import sys

import nbformat
import pytest

from .conftest import ROOT

spec = importlib.util.spec_from_file_location("references_tool", ROOT / "tools" / "references.py")
references = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = references  # dataclasses look their module up by name
spec.loader.exec_module(references)

WORKS = {work.key: work for work in references.read_bib()}
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_each_chapter_ends_with_the_references_it_cites(path):
    """`python tools/references.py` would change nothing: run it after adding a citation."""
    assert not references.update(path, list(WORKS.values()), write=False)
    last = nbformat.read(path, as_version=4).cells[-1]
    assert last.metadata.get("dbn_course") == references.MARK and last.source.startswith("## References")


def test_every_work_in_the_file_is_cited_somewhere():
    text = "\n".join(references.chapter_text(nbformat.read(path, as_version=4)) for path in CHAPTERS)
    assert [key for key, work in WORKS.items() if not work.cited_in(text)] == []


@pytest.mark.parametrize("text, cited", [
    ("as Hinton, Osindero and Teh (2006) showed", {"hinton2006fast"}),
    ("(Hinton and Salakhutdinov, 2006)", {"hinton2006science"}),
    ("Hinton (2002) and Tieleman (2008)", {"hinton2002", "tieleman2008"}),
    ("Hinton's practical guide (2010)", {"hinton2010"}),
    ("LeCun et al. (1998)", {"lecun1998"}),  # four authors: "et al." names the article, not the web page
    ("LeCun, Cortes and Burges (1998)", {"lecun1998mnist"}),
    ("Le Roux and\nBengio, 2008", {"leroux2008"}),
    ("Srivastava et al. 2014", {"srivastava2014"}),
    ("Hinton et al. (2006)", set()),  # three authors are named in full
    ("Hinton wrote in 2006", set()),
    ("Tieleman's persistent chains, which the 784-500-500-2000 network of 2008 used", set()),
])
def test_a_citation_is_the_authors_then_the_year(text, cited):
    assert {key for key, work in WORKS.items() if work.cited_in(text)} == cited


def test_entries_read_as_references():
    assert WORKS["hinton2006fast"].entry().startswith("Hinton, G. E., Osindero, S. and Teh, Y.-W. (2006). A fast")
    assert "*Neural Computation* 18(7), 1527–1554." in WORKS["hinton2006fast"].entry()
    assert WORKS["lecun1998mnist"].entry().endswith("<http://yann.lecun.com/exdb/mnist/>")
    assert "Cireşan" in WORKS["ciresan2012"].entry() and "{" not in WORKS["ciresan2012"].entry()


def test_an_entry_without_a_year_is_refused(tmp_path):
    bib = tmp_path / "bad.bib"
    bib.write_text("@article{nameless,\n  author = {Doe, Jane},\n  title = {Untitled}\n}\n")
    with pytest.raises(ValueError, match="nameless has no year"):
        references.read_bib(bib)


def test_a_table_a_chapter_displays_cites_its_works():
    """The results tables are built by dbn_course.course.results; the works they name are the chapter's citations."""
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("display(Markdown(results.test_error_table()))")
    cell.outputs.append(nbformat.v4.new_output("display_data", data={
        "text/markdown": "| DBN, dropout fine-tuning | published: Srivastava et al. (2014) | 0.92% |"}))
    nb.cells.append(cell)
    cited = [key for key, work in WORKS.items() if work.cited_in(references.chapter_text(nb))]
    assert cited == ["srivastava2014"]
