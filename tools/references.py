"""Write each chapter's "References" cell from references.bib.

Run from the repository's root:

    python tools/references.py           # rewrite the cells that are out of date
    python tools/references.py --check   # list them and exit 1, changing nothing

A chapter cites a work when its text (markdown, the code cells, and the Markdown its code
cells display: the tables of results beside the literature, which ``dbn_course.course.results``
builds) names the work's authors followed by its year: "Hinton, Osindero and Teh
(2006)", "(Tieleman, 2008)", "Hinton's practical guide (2010)", "Srivastava et al. 2014".
Every surname must appear before the year, except that a work of four or more authors
may be named by the first one and "et al." (so "LeCun et al. (1998)" is the article of
four, never the web page of LeCun, Cortes and Burges). The year is the first four-digit number
after the first surname, so "Hinton (2002) and Tieleman (2008)" cites Hinton 2002 only
once and Hinton 2008 not at all. Citations stay plain text, readable in JupyterLab and on
GitHub; the cell, the chapter's last, lists what was found.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
BIB = ROOT / "references.bib"
NOTEBOOKS = ROOT / "notebooks"
MARK = {"generated": "references"}  # cell metadata "dbn_course" of the generated cell
WINDOW = 80  # most characters between a work's first surname and its year
LATEX = {r"{\'e}": "é", r'{\"o}': "ö", r'{\"u}': "ü", r"{\c{s}}": "ş", "``": "“", "''": "”", "--": "–"}


@dataclass(frozen=True)
class Work:
    key: str
    fields: dict

    @property
    def authors(self) -> list[tuple[str, str]]:
        """(surname, given names) of each author, in order."""
        people = []
        for name in re.split(r"\s+and\s+", self.fields["author"]):
            surname, _, given = name.partition(",")
            people.append((surname.strip(), given.strip()))
        return people

    @property
    def year(self) -> str:
        return self.fields["year"]

    def cited_in(self, text: str) -> bool:
        """Whether ``text`` names this work's authors and then its year (see the module's docstring)."""
        surnames = [_name_pattern(surname) for surname, _ in self.authors]
        for match in re.finditer(r"\b" + surnames[0] + r"\b", text):
            year = re.search(r"\b(1[89]|20)\d\d\b", text[match.start():match.start() + WINDOW + 4])
            if year is None or year.group(0) != self.year:
                continue
            named = text[match.start():match.start() + year.start()]
            everyone = all(re.search(surname, named) for surname in surnames)
            if everyone or (len(surnames) >= 4 and "et al" in named):
                return True
        return False

    def entry(self) -> str:
        """The work as one line of the references cell, in Markdown."""
        names = [f"{surname}, {_initials(given)}".rstrip(", ") for surname, given in self.authors]
        authors = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        f = self.fields
        venue = f.get("journal") or f.get("booktitle") or f.get("publisher") or f.get("institution") or ""
        parts = [f"{authors} ({self.year}). {f['title']}."]
        if venue:
            details = f"*{venue}*"
            if f.get("volume"):
                details += f" {f['volume']}" + (f"({f['number']})" if f.get("number") else "")
            elif f.get("number"):
                details += f", {f['number']}"
            if f.get("pages"):
                details += f", {f['pages']}"
            parts.append(details + ".")
        if f.get("howpublished"):
            parts.append(f["howpublished"])
        return " ".join(parts)


def _name_pattern(surname: str) -> str:
    """A regular expression for ``surname`` whose words may be split by any white space ("Le Roux")."""
    return r"\s+".join(map(re.escape, surname.split()))


def _initials(given: str) -> str:
    """"Yee-Whye" -> "Y.-W.", "Christopher J. C." -> "C. J. C."."""
    return " ".join("-".join(piece[0] + "." for piece in part.split("-") if piece)
                    for part in given.split())


def _plain(value: str) -> str:
    value = re.sub(r"\\url\{([^{}]*)\}", r"<\1>", value)
    for latex, text in LATEX.items():
        value = value.replace(latex, text)
    value = re.sub(r"\{([^{}]*)\}", r"\1", value)  # protective braces
    return unicodedata.normalize("NFC", " ".join(value.split()))


def read_bib(path: Path = BIB) -> list[Work]:
    """The works of ``path``: a BibTeX file of @type{key, field = {value}, ...} entries."""
    works = []
    for key, body in re.findall(r"@\w+\{([^,\s]+),(.*?)\n\}", path.read_text(), re.DOTALL):
        fields = {name.lower(): _plain(value) for name, value in
                  re.findall(r"(\w+)\s*=\s*\{((?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*)\}", body)}
        missing = {"author", "title", "year"} - set(fields)
        if missing:
            raise ValueError(f"{path.name}: {key} has no {', '.join(sorted(missing))}")
        works.append(Work(key, fields))
    keys = [w.key for w in works]
    if len(set(keys)) != len(keys):
        raise ValueError(f"{path.name}: a key is used twice")
    return works


def chapter_text(nb) -> str:
    """What a reader of the chapter reads: its cells and the Markdown tables they display."""
    parts = []
    for cell in nb.cells:
        if cell.metadata.get("dbn_course") == MARK:
            continue
        parts.append(cell.source)
        for output in cell.get("outputs", []):
            shown = output.get("data", {}).get("text/markdown")
            if shown:
                parts.append(shown if isinstance(shown, str) else "".join(shown))
    return "\n".join(parts)


def references_cell(works: list[Work], text: str) -> str | None:
    """The Markdown of the references cell for a chapter whose text is ``text``; None if it cites nothing."""
    cited = sorted((w for w in works if w.cited_in(text)), key=lambda w: (w.authors[0][0], w.year))
    if not cited:
        return None
    return "## References\n\n" + "\n".join(f"- {w.entry()}" for w in cited)


def update(path: Path, works: list[Work], write: bool) -> bool:
    """Bring ``path``'s references cell up to date; True if it was (or would be) changed."""
    nb = nbformat.read(path, as_version=4)
    wanted = references_cell(works, chapter_text(nb))
    present = [i for i, cell in enumerate(nb.cells) if cell.metadata.get("dbn_course") == MARK]
    current = nb.cells[present[0]].source if present else None
    if current == wanted and present in ([], [len(nb.cells) - 1]):
        return False
    if write:
        for i in reversed(present):
            del nb.cells[i]
        if wanted:
            cell = nbformat.v4.new_markdown_cell(wanted)
            cell.metadata["dbn_course"] = dict(MARK)
            nb.cells.append(cell)
        nbformat.write(nb, path)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a cell is out of date")
    args = parser.parse_args(argv)
    works = read_bib()
    stale = [path for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")) if update(path, works, not args.check)]
    for path in stale:
        print(f"{path.relative_to(ROOT)}: references {'out of date' if args.check else 'rewritten'}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
