"""Bibliography entries that parse but would print wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from anthology.chapters.bibliography import load_bibliography
from anthology.chapters.bibprinting import raw_fields
from tests.checks.conftest import texts
from tests.conftest import CORPUS

CODES = ("bibliography.corporate-name", "bibliography.legal-case", "bibliography.missing-field")


def findings_of(tmp_path: Path, text: str, name: str = "x.bib") -> list[str]:
    path = tmp_path / name
    path.write_text(text)
    return texts(load_bibliography(path, name, None).findings, *CODES)


def test_an_organisation_as_author_without_braces(tmp_path: Path) -> None:
    assert findings_of(tmp_path, (
        "@techreport{nice2014,\n  author = {National Institute for Health and Care Excellence},"
        "\n  title = {Guidance},\n  institution = {{National Institute for Health and Care "
        "Excellence}},\n  year = {2014}\n}\n")) == [
        "x.bib:1: warning: the entry 'nice2014' gives the organisation \"National Institute for "
        "Health and Care Excellence\" as its author without double braces, so it is read as 2 "
        "people's names (surname and initials) and printed wrong. Put the organisation's name "
        "in double braces: author = {{National Institute for Health and Care Excellence}}. For "
        "several authors, brace each organisation: {Name One} and {Name Two}. "
        "[bibliography.corporate-name]"]


def test_an_organisation_without_and_is_still_read_as_a_person(tmp_path: Path) -> None:
    assert findings_of(tmp_path, "@book{dh,\n author = {Department of Health},\n title = {T},"
                       "\n year = 2011\n}\n") == [
        "x.bib:1: warning: the entry 'dh' gives the organisation \"Department of Health\" as its "
        "author without double braces, so it is read as a person's name (surname and "
        "initials) and printed wrong. Put the organisation's name in double braces: author = "
        "{{Department of Health}}. For several authors, brace each organisation: {Name One} "
        "and {Name Two}. [bibliography.corporate-name]"]


@pytest.mark.parametrize("author", [
    "{{National Institute for Health and Care Excellence}}",
    "{{Department of Health} and Smith, Ann}",
    "{Board, Jane and Trust, Tom}",  # people who happen to be called Board and Trust
    "{Smith, Ann and Jones, Bo}",
])
def test_people_and_braced_organisations_are_fine(tmp_path: Path, author: str) -> None:
    assert findings_of(tmp_path, f"@book{{a,\n author = {author},\n title = {{T}},\n"
                       "  year = {2000}\n}\n") == []


def test_a_publisher_with_and_is_split_by_biblatex(tmp_path: Path) -> None:
    text = ("@techreport{nice2011,\n  author = {{NICE}},\n  title = {Guidance},\n"
            "  institution = {National Institute for Health and Clinical Excellence},\n"
            "  year = {2011}\n}\n")
    assert findings_of(tmp_path, text) == [
        "x.bib:1: warning: the entry 'nice2011' has institution = {National Institute for Health "
        "and Clinical Excellence}, which BibLaTeX reads as a list of 2 and prints as \"National "
        "Institute for Health; Clinical Excellence\". If it is one name, put it in double "
        "braces: institution = {{National Institute for Health and Clinical Excellence}}. "
        "[bibliography.corporate-name]"]
    # pandoc's BibTeX reader (a .bibtex file) keeps it whole.
    assert findings_of(tmp_path, text, "x.bibtex") == []


def test_a_law_case_typed_as_misc(tmp_path: Path) -> None:
    assert findings_of(tmp_path, (
        "@misc{montgomery2015,\n  title = {{Montgomery v Lanarkshire Health Board}},\n"
        "  howpublished = {UK Supreme Court},\n  year = {2015}\n}\n")) == [
        "x.bib:1: warning: the entry 'montgomery2015' looks like a law case (\"Montgomery v "
        "Lanarkshire Health Board\") but is typed @misc, so its name is not printed in italics "
        "as a case's is, and its citation may be left out. Make it @jurisdiction{montgomery2015, "
        "title = {{Montgomery v Lanarkshire Health Board}}, number = {[2015] UKSC 11}, "
        "institution = {UK Supreme Court}, date = {2015-03-11}}, with its own neutral citation "
        "in number. [bibliography.legal-case]"]


def test_a_law_case_typed_right_and_other_titles_are_fine(tmp_path: Path) -> None:
    assert findings_of(tmp_path, (
        "@jurisdiction{montgomery2015,\n  title = {{Montgomery v Lanarkshire Health Board}},\n"
        "  number = {[2015] UKSC 11},\n  date = {2015-03-11}\n}\n"
        "@book{b,\n  author = {Smith, Ann},\n  title = {Love in a Cold Climate},\n"
        "  year = {2000}\n}\n")) == []


def test_a_law_case_in_csl_json(tmp_path: Path) -> None:
    items = [{"id": "roe", "type": "book", "title": "Roe v. Wade",
              "issued": {"date-parts": [[1973]]}, "author": [{"literal": "US Supreme Court"}]}]
    assert findings_of(tmp_path, json.dumps(items, indent=2), "x.json") == [
        "x.json:3: warning: the entry 'roe' looks like a law case (\"Roe v. Wade\") but is typed "
        "@book, so its name is not printed in italics as a case's is, and its citation may be "
        "left out. Give it \"type\": \"legal_case\", with the neutral citation in \"number\" "
        "(for example \"[2015] UKSC 11\") and the court in \"authority\". "
        "[bibliography.legal-case]"]


def test_fields_the_reference_list_shows(tmp_path: Path) -> None:
    assert findings_of(tmp_path, (
        "@article{a,\n  author = {Smith, Ann},\n  title = {T},\n  year = {2000}\n}\n"
        "@online{w,\n  title = {A page},\n  url = {https://example.org}\n}\n")) == [
        "x.bib:1: warning: the entry 'a' (@article) has no journal, which the reference list "
        "shows for this kind of work. Add journal = {...}. [bibliography.missing-field]",
        "x.bib:6: warning: the entry 'w' (@online) has no date accessed, which the reference "
        "list shows for this kind of work. Add urldate = {...}. [bibliography.missing-field]"]


def test_raw_fields_as_written() -> None:
    text = ('@string{x = {y}}\n@book{a,\n  author = {{A and B}} ,\n  title = "Quoted {T}",\n'
            "  year = 2000,\n  note = {a {nested} note}\n}\n")
    assert raw_fields(text, 2) == {"author": "{A and B}", "title": "Quoted {T}",
                                   "year": "2000", "note": "a {nested} note"}
    assert raw_fields(text, 99) == {}


@pytest.mark.parametrize(("name", "expected"), [
    ("py-rse.bib", ["py-rse.bib:510: bibliography.corporate-name"]),
    ("500lines.bib", ["500lines.bib:224: bibliography.corporate-name"]),
])
def test_real_bibliographies(name: str, expected: list[str]) -> None:
    """Every finding on two real books' bibliographies is a real problem (Meil2016's publisher
    and Schmidt:08z's department are printed split in two)."""
    bib = load_bibliography(CORPUS / name, name, None)
    assert [f"{f.file}:{f.line}: {f.code}" for f in bib.findings
            if f.code in CODES[:2] or "which the reference list" in f.message] == expected
