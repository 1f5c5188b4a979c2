"""One key in two chapters' bibliographies: one work with different details, or two works."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from anthology.chapters.bibentries import BibEntry
from anthology.core.findings import Finding
from anthology.editorial.checks.variants import differing_fields, one_work, same_title
from tests.checks.conftest import texts

Check = Callable[..., list[Finding]]


@pytest.mark.parametrize(("a", "b", "same"), [
    ("Modelling Peer Support", "Modeling peer support", True),
    ("Why Software Matters", "Why software matter", True),
    ("Qualitative Research: Introduction, Methods", "Qualitative research: introduction and "
     "methods", True),
    ("The Colour of Organisation", "The Color of Organization", True),
    ("Centre and Theatre", "Center and theater", True),
    ("Asylums: Essays on the Social Situation of Mental Patients", "Asylums", True),
    ("<i>Asylums</i>", "Asylums", True),
    ("Python for Data Analysis", "R for Data Analysis", False),
    ("Deep Learning", "Deep Learning for Genomics", False),
    ("Recovery", "Rehabilitation", False),
    ("", "Anything", False),
])
def test_same_title(a: str, b: str, same: bool) -> None:
    assert same_title(a, b) is same


def entry(key: str = "k", **item: Any) -> BibEntry:
    return BibEntry(key, 1, {"id": key, **item})


ADA = [{"family": "Lovelace", "given": "Ada"}, {"family": "Babbage", "given": "Charles"}]
YEAR = {"date-parts": [[1843]]}


@pytest.mark.parametrize(("a", "b", "same"), [
    (entry(author=ADA, title="Notes", issued=YEAR),
     entry(author=ADA[::-1], title="Notes", issued=YEAR), True),  # authors in another order
    (entry(author=ADA, title="Notes", issued=YEAR),
     entry(author=ADA[:1], title="Notes", issued=YEAR), True),  # the same first author
    (entry(author=ADA, title="Notes", issued=YEAR),
     entry(author=ADA, title="Notes", issued={"date-parts": [[1844]]}), False),
    (entry(author=ADA, title="Notes", issued=YEAR),
     entry(author=[{"family": "Menabrea"}], title="Notes", issued=YEAR), False),
    (entry(author=ADA, title="Notes", issued=YEAR, DOI="10.1/x"),
     entry(author=ADA, title="Notes", issued=YEAR), True),  # one copy with a DOI
    (entry(title="Other", DOI="10.1/X"), entry(title="Else", URL="https://doi.org/10.1/x"), True),
    (entry(author=ADA, title="Notes", issued=YEAR, DOI="10.1/x"),
     entry(author=ADA, title="Notes", issued=YEAR, DOI="10.1/y"), False),
])
def test_one_work(a: BibEntry, b: BibEntry, same: bool) -> None:
    assert one_work(a, b) is same


def test_differing_fields_are_named_as_in_bibtex() -> None:
    assert differing_fields({"id": "a", "title": "T", "DOI": "10.1/x", "issued": YEAR},
                            {"id": "a", "title": "t", "issued": YEAR,
                             "container-title": "J"}) == ["doi", "journal or book title",
                                                          "title"]


INTRO = ("---\ntitle: Introduction\nauthors: [ada-editor]\nbibliography: [intro.bib]\n---\n\n"
         "See [@shared].\n")
PEER = ("---\ntitle: Peer Support\nauthors: [ben-writer]\nbibliography: [peer.bib]\n---\n\n"
        "See [@shared].\n")
BOOK = "format: 1\ntitle: A Small Book\neditors: [ada-editor]\n"
FIRST = """\
@article{shared,
  author = {Mead, Shery and Hilton, David and Curtis, Laurie},
  title = {Peer Support: A Theoretical Perspective},
  journal = {Psychiatric Rehabilitation Journal},
  year = {2001}
}
"""


def test_the_same_work_with_other_details_is_a_variant(check: Check) -> None:
    second = (FIRST.replace("Mead, Shery and Hilton, David", "Hilton, David and Mead, Shery")
              .replace("Peer Support: A Theoretical Perspective",
                       "Peer support - a theoretical perspective")
              .replace("  year", "  doi = {10.1037/h0095032},\n  year"))
    findings = check({"book.yaml": BOOK, "chapters/01-intro.md": INTRO,
                      "chapters/02-peer.md": PEER, "chapters/intro.bib": FIRST,
                      "chapters/peer.bib": "\n\n" + second})
    assert texts(findings, "bibliography") == [
        "chapters/peer.bib:3: warning: 'shared' is the same work here as in chapters/intro.bib:1 "
        "(chapter 'intro'), with a different author, doi and title. Each chapter prints its own "
        "entry; copy the better one into both bibliographies if the book should cite the work "
        "one way. [bibliography.key-variant]"]


def test_a_different_work_under_the_same_key_is_still_a_conflict(check: Check) -> None:
    second = FIRST.replace("Peer Support: A Theoretical Perspective",
                           "Peer Support in Mental Health Services")
    findings = check({"book.yaml": BOOK, "chapters/01-intro.md": INTRO,
                      "chapters/02-peer.md": PEER, "chapters/intro.bib": FIRST,
                      "chapters/peer.bib": second})
    assert texts(findings, "bibliography") == [
        "chapters/peer.bib:1: error: 'shared' means a different work here than in "
        "chapters/intro.bib:1 (chapter 'intro'); a merged bibliography would cite the wrong "
        "one. Give one of the two works another key, and cite it by that key. "
        "[bibliography.key-conflict]"]
