"""URLs and DOIs written as TeX, URLs no reader can follow, TeX left in titles."""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from anthology.chapters.bibfields import (
    normal_doi,
    normal_url,
    unlink_bad_urls,
    url_problem,
)
from anthology.chapters.bibliography import load_bibliography, read_bibliography
from anthology.core.findings import Finding
from tests.checks.conftest import texts
from tests.conftest import CORPUS

Check = Callable[..., list[Finding]]


@pytest.mark.parametrize(("written", "meant"), [
    (r"\url{https://x.org/a\_b}", "https://x.org/a_b"),
    (r"{\url{https://x.org/a\_b}}", "https://x.org/a_b"),
    (r"https://x.org/a\_b\%20c", "https://x.org/a_b%20c"),
    ("  {https://x.org/d}  ", "https://x.org/d"),
    (r"https://x.org/e?x=1\&y=2\#top", "https://x.org/e?x=1&y=2#top"),
    (r"https://x.org/\~{}ada/\textasciitilde bob/{\textasciitilde}cy", "https://x.org/~ada/~bob/~cy"),
    (r"https://x.org/$\sim$ada", "https://x.org/~ada"),
    (r"\href{https://x.org/f}{the site}", "https://x.org/f"),
    ("doi:10.1000/xyz", "https://doi.org/10.1000/xyz"),
    ("https://x.org/plain", "https://x.org/plain"),
])
def test_urls_are_read_as_their_authors_meant_them(written: str, meant: str) -> None:
    assert normal_url(written) == meant
    assert url_problem(meant) is None


@pytest.mark.parametrize(("written", "meant"), [
    (r"10.1000/a\_b", "10.1000/a_b"),
    ("doi:10.1000/x", "10.1000/x"),
    (" 10.1000/y ", "10.1000/y"),
    ("{10.1000/z}", "10.1000/z"),
    ("https://doi.org/10.1000/w", "https://doi.org/10.1000/w"),  # pandoc links it as it is
])
def test_dois_are_read_as_their_authors_meant_them(written: str, meant: str) -> None:
    assert normal_doi(written) == meant


@pytest.mark.parametrize(("url", "problem"), [
    ("https://x.org/page NS -", "has a space in it (words after the address?)"),
    ("www.example.org", "does not start with https://, http:// or ftp://"),
    ("javascript:alert(1)", "does not start with https://, http:// or ftp://"),
    ("https://intranet/x", "does not name a site after '//' ('intranet')"),
    (r"https://x.org/\textbf{a}", "still has TeX in it"),
    ("https://x.org/a<b>", "has characters an address cannot hold (< >)"),
    ("", "is empty"),
])
def test_what_is_not_an_address(url: str, problem: str) -> None:
    assert url_problem(url) == problem


BAD = """\
@misc{good,
  title = {Good},
  url = {\\url{https://x.org/a\\_b}},
  doi = {10.1000/a\\_b}
}

@misc{junk,
  title = {Junk},
  url = {https://x.org/page NS -}
}

@misc{baddoi,
  title = {Bad DOI},
  doi = {10.1000/xyz NS -}
}

@article{maths,
  author = {Ada, B.},
  title = {Sums $\\less$ {\\it products} and \\emph{more}},
  journal = {Proceedings of the $14^{th}$ Meeting},
  year = {2001}
}
"""


def test_bad_urls_and_markup_are_reported_at_their_entries(tmp_path: Path) -> None:
    from anthology.engines.pandoc import bibliography_to_csl

    path = tmp_path / "refs.bib"
    path.write_text(BAD)
    bib = read_bibliography("refs.bib", BAD, bibliography_to_csl(path, "refs.bib"), None)
    good = bib.first("good")
    assert good is not None and good.item["URL"] == "https://x.org/a_b"
    assert good.item["DOI"] == "10.1000/a_b"
    assert texts(bib.findings, "bibliography") == [
        "refs.bib:7: warning: the entry 'junk' has the URL 'https://x.org/page NS -', which has "
        "a space in it (words after the address?); it is printed as text, not as a link. Write "
        "the address alone in the url field, starting with https:// (put anything else in the "
        "note field). [bibliography.bad-url]",
        "refs.bib:12: warning: the entry 'baddoi' has the DOI '10.1000/xyz NS -', whose address "
        "has a space in it (words after the address?); it is printed as text, not as a link. "
        "Write the DOI alone in the doi field, such as 10.1000/xyz123. [bibliography.bad-url]",
        "refs.bib:17: warning: the title of 'maths' has TeX that is printed as it is: $\\less$. "
        "Write it as plain text, with Unicode characters where needed (14th, ≤, α), and "
        "{\\em ...} or \\emph{...} for italics. [bibliography.markup]",
        "refs.bib:17: warning: the journal or book title of 'maths' has TeX that is printed as "
        "it is: $14^{th}$. Write it as plain text, with Unicode characters where needed (14th, "
        "≤, α), and {\\em ...} or \\emph{...} for italics. [bibliography.markup]"]


@pytest.mark.parametrize(("name", "counts"), [
    ("py-rse.bib", {}),
    ("500lines.bib", {"bibliography.markup": 1}),
])
def test_real_bibliographies(name: str, counts: dict[str, int]) -> None:
    bib = load_bibliography(CORPUS / name, name, None)
    found = Counter(f.code for f in bib.findings
                    if f.code in ("bibliography.bad-url", "bibliography.markup"))
    assert found == counts
    urls = [e.item["URL"] for e in bib.entries if "URL" in e.item]
    assert urls and all(url_problem(url) is None for url in urls)


def test_only_the_links_citeproc_made_become_text() -> None:
    def link(target: str) -> dict[str, Any]:
        return {"t": "Link", "c": [["", [], []], [{"t": "Str", "c": target}], [target, ""]]}

    def text(target: str) -> dict[str, Any]:
        return {"t": "Span", "c": [["", [], []], [{"t": "Str", "c": target}]]}

    junk, good, mine = "https://x.org/page NS -", "https://x.org/", "https://intranet/a"
    cite = {"t": "Cite", "c": [[{"citationId": "junk"}], [link(junk), link("#ref-junk")]]}
    body = {"t": "Para", "c": [link(mine), {"t": "Note", "c": [{"t": "Para", "c": [cite]}]}]}
    refs = {"t": "Div", "c": [["refs", [], []], [{"t": "Para", "c": [link(junk), link(good)]}]]}
    ast = {"pandoc-api-version": [1, 23, 1], "meta": {}, "blocks": [body, refs]}
    out = unlink_bad_urls(ast)
    assert out["blocks"][0]["c"][0] == link(mine)  # the author's: the sanitizer's business
    assert out["blocks"][0]["c"][1]["c"][0]["c"][0]["c"][1] == [text(junk), link("#ref-junk")]
    assert out["blocks"][1]["c"][1][0]["c"] == [text(junk), link(good)]


TINY_CHAPTER = """\
---
title: Introduction
authors: [ada-editor]
bibliography: [links.bib]
---

Four sites [@good; @site; @junk; @baddoi].
"""
SITE = """\
@misc{site,
  title = {Site},
  url = {{\\url{https://x.org/a\\_b\\%20c}}}
}

"""


@pytest.mark.slow
def test_an_epub_citing_tex_urls_passes_epubcheck(make_book: Callable[..., Path]) -> None:
    from tests.render.conftest import build, epubcheck

    root = make_book({"chapters/01-intro.md": TINY_CHAPTER,
                      "chapters/links.bib": SITE + BAD.split("@article")[0],
                      "book.yaml": "format: 1\ntitle: Links\neditors: [ada-editor]\n"
                                   "csl: chicago-author-date\n"})
    built = build(root, ("epub",))
    with zipfile.ZipFile(built.epub) as archive:
        xhtml = "".join(archive.read(n).decode() for n in archive.namelist()
                        if n.endswith(".xhtml"))
    assert 'href="https://x.org/a_b%20c"' in xhtml
    assert 'href="https://doi.org/10.1000/a_b"' in xhtml  # the style prints the DOI
    assert "https://x.org/page NS -" in xhtml  # printed, as text
    assert "https://doi.org/10.1000/xyz NS -" in xhtml
    assert not re.search(r'href="[^"]*NS -', xhtml)
    report = epubcheck(built.epub)
    assert "Messages: 0 fatals / 0 errors / 0 warnings / 0 infos" in report, report
