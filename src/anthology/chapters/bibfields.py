"""What pandoc leaves of TeX in a bibliography's fields: URLs and DOIs as BibTeX authors write
them (`\\url{...}`, `\\_`, `\\%`), and TeX in titles that pandoc could not read.

pandoc's BibTeX reader keeps `url` and `doi` fields verbatim, so `url = {\\url{https://x.org/a\\_b}}`
reached the reference list as a link to `\\url{https://x.org/a\\_b}` (and EPUBCheck refused the
book). The fields are read here as their authors meant them; a URL that is still not an address
after that is reported, and printed as text rather than as a link.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from anthology.chapters.bibentries import BibEntry
from anthology.core.findings import Finding, warning

_WRAPPER = r"^\\(?:url|path|nolinkurl)\s*\{(.*)\}$"
_HREF = r"^\\href\s*\{([^{}]*)\}\s*\{.*\}$"
# TeX escapes and their characters, as LaTeX prints them in running text (the forms authors
# write to get a character that TeX would otherwise read: ~ _ % & # $).
_ESCAPES = ((r"\$\\sim\$", "~"), (r"\\textasciitilde(?:\{\}|\s+|(?![A-Za-z]))", "~"),
            (r"\\~(?:\{\})?", "~"), (r"\\textunderscore(?:\{\}|\s+|(?![A-Za-z]))", "_"),
            (r"\\([_%&#$])", r"\1"), (r"\\slash(?:\{\}|\s+|(?![A-Za-z]))", "/"))
_ADDRESS = r"^(?:https?|ftp)://(?:[^@/?#]*@)?([^/?#]*)"
_HOST = r"^(?:[\w-]+(?:\.[\w-]+)+\.?|localhost|\[[0-9A-Fa-f:.]+\])(?::\d*)?$"
_NOT_IN_ADDRESS = '\\{}<>"^`|'
_TEX = r"\$[^$]*\$|\\[A-Za-z]+|\\[^A-Za-z\s]"
# Fields that print a title, and how to name them to someone who wrote the BibTeX.
TITLE_FIELDS = {"title": "title", "container-title": "journal or book title",
                "collection-title": "series title", "volume-title": "volume title",
                "original-title": "original title", "event-title": "event title"}


def _unwrap(value: str) -> str:
    """`{x}`, `\\url{x}` and `\\href{x}{text}` (nested, with spaces around) to x."""
    for _ in range(8):  # a bound: each turn removes a layer
        value = value.strip()
        match = re.match(_WRAPPER, value, re.DOTALL) or re.match(_HREF, value, re.DOTALL)
        if match is not None:
            value = match.group(1)
        elif value.startswith("{") and value.endswith("}") and _balanced(value[1:-1]):
            value = value[1:-1]
        else:
            break
    return value


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def tex_to_text(value: str) -> str:
    """A URL or DOI field as its author meant it: wrappers, escapes and grouping braces gone."""
    value = _unwrap(value)
    if "\\" not in value and "{" not in value and "$" not in value:
        return value
    for pattern, replacement in _ESCAPES:
        value = re.sub(pattern, replacement, value)
    if "\\" not in value:  # braces left are TeX grouping ({~}user), never part of an address
        value = value.replace("{", "").replace("}", "")
    return value.strip()


def normal_url(value: str) -> str:
    """A URL field as its author meant it; `doi:10.x` as the address it names."""
    url = tex_to_text(value)
    if url.lower().startswith("doi:"):
        url = "https://doi.org/" + url[4:].strip()
    return url


def normal_doi(value: str) -> str:
    """A DOI field as its author meant it: TeX read, a `doi:` prefix and spaces around gone
    (citeproc would put both in the address)."""
    return re.sub(r"^doi:\s*", "", tex_to_text(value), flags=re.IGNORECASE)


def url_problem(url: str) -> str | None:
    """Why `url` is not an address a reader can follow, in plain words; None when it is one."""
    if not url:
        return "is empty"
    if any(char.isspace() for char in url):
        return "has a space in it (words after the address?)"
    if "\\" in url or "{" in url or "}" in url:
        return "still has TeX in it"
    match = re.match(_ADDRESS, url, re.IGNORECASE)
    if match is None:
        return "does not start with https://, http:// or ftp://"
    if not re.match(_HOST, match.group(1)):
        return f"does not name a site after '//' ('{match.group(1)}')"
    bad = sorted({char for char in url if char in _NOT_IN_ADDRESS})
    if bad:
        return f"has characters an address cannot hold ({' '.join(bad)})"
    return None


def followable(target: str) -> bool:
    """True for a link a reader can follow: a web address, mailto:, or a place in the book."""
    return target.startswith(("#", "mailto:")) or url_problem(target) is None


def normal_item(item: dict[str, Any]) -> dict[str, Any]:
    """The CSL item with its URL and DOI read as their authors meant them (the item itself
    when they need nothing)."""
    changes: dict[str, str] = {}
    url = item.get("URL")
    if isinstance(url, str) and normal_url(url) != url:
        changes["URL"] = normal_url(url)
    doi = item.get("DOI")
    if isinstance(doi, str) and normal_doi(doi) != doi:
        changes["DOI"] = normal_doi(doi)
    return {**item, **changes} if changes else item


def field_findings(name: str, entries: Iterable[BibEntry]) -> list[Finding]:
    """bibliography.bad-url and bibliography.markup for the entries of one file."""
    out = []
    for entry in entries:
        url = entry.item.get("URL")
        problem = url_problem(url) if isinstance(url, str) else None
        if problem is not None:
            out.append(warning(
                "bibliography.bad-url", name, entry.line,
                f"the entry '{entry.key}' has the URL '{url}', which {problem}; it is printed "
                "as text, not as a link.", "Write the address alone in the url field, starting "
                "with https:// (put anything else in the note field)."))
        doi = entry.item.get("DOI")
        problem = url_problem("https://doi.org/" + doi.strip()) if isinstance(doi, str) \
            else None
        if problem is not None:
            out.append(warning(
                "bibliography.bad-url", name, entry.line,
                f"the entry '{entry.key}' has the DOI '{doi}', whose address {problem}; it is "
                "printed as text, not as a link.", "Write the DOI alone in the doi field, such "
                "as 10.1000/xyz123."))
        for field, what in TITLE_FIELDS.items():
            value = entry.item.get(field)
            tex = re.findall(_TEX, value) if isinstance(value, str) else []
            if tex:
                shown = ", ".join(dict.fromkeys(tex))
                out.append(warning(
                    "bibliography.markup", name, entry.line,
                    f"the {what} of '{entry.key}' has TeX that is printed as it is: {shown}.",
                    "Write it as plain text, with Unicode characters where needed (14th, ≤, "
                    "α), and {\\em ...} or \\emph{...} for italics."))
    return out


def has_bad_links(items: Iterable[dict[str, Any]]) -> bool:
    """True when citeproc would make a link no reader can follow from one of these CSL items
    (from its URL, or its DOI's address)."""
    for item in items:
        url, doi = item.get("URL"), item.get("DOI")
        if isinstance(url, str) and not followable(url):
            return True
        if isinstance(doi, str) and not followable("https://doi.org/" + doi.strip()):
            return True
    return False


def unlink_bad_urls(ast: dict[str, Any]) -> dict[str, Any]:
    """The cited AST with each link citeproc made (in its reference list, and in citations,
    which hold whole references in a note style) that a reader cannot follow made text (what
    bibliography.bad-url reports): the text stays, the link goes. Links the author wrote are
    left to the sanitizer."""

    def unlink(item: Any) -> Any:
        if isinstance(item, list):
            return [unlink(child) for child in item]
        if isinstance(item, dict):
            if item.get("t") == "Link" and not followable(item["c"][2][0]):
                return {"t": "Span", "c": [["", [], []], unlink(item["c"][1])]}
            return {key: unlink(value) for key, value in item.items()}
        return item

    def walk(item: Any) -> Any:
        if isinstance(item, list):
            return [walk(child) for child in item]
        if isinstance(item, dict):
            kind = item.get("t")
            if kind == "Div" and item["c"][0][0] == "refs":
                return unlink(item)
            if kind == "Cite":
                return {"t": "Cite", "c": [item["c"][0], unlink(item["c"][1])]}
            if "c" in item:
                return {**item, "c": walk(item["c"])}
        return item

    return {**ast, "blocks": walk(ast.get("blocks", []))}
