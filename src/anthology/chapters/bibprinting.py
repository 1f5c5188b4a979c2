"""Bibliography entries that parse but will print wrong: an organisation read as people, a
publisher split in two, a law case typed as something else, a field the style shows missing.

Read from the raw BibTeX text (what the editor wrote, to quote it back) and from pandoc's CSL
reading of it (what citeproc will print).
"""

from __future__ import annotations

import re

from anthology.chapters.bibentries import BibEntry, BibFile
from anthology.core.findings import Finding, warning

# Words that make a name an organisation's, not a person's.
_INSTITUTIONAL = re.compile(
    r"\b(?:Institute|Institution|Council|Department|Dept\.?|Organi[sz]ation|Association|"
    r"University|Ministry|Agency|Partnership|Trust|Board|Committee|Society|Foundation|"
    r"Government|Office|Commission|Centre|Center|Service|Services|Authority|Federation|"
    r"Alliance|Consortium|Network|Group|Team|Project|Collaboration|College|School|Academy|"
    r"Bureau|Unit|Corporation|Company|Inc\.?|Ltd\.?|Limited|Press|Parliament|Assembly|NHS|"
    r"Nations|Union|Bank|Fund|Programme|Program|Initiative|Working)\b")
# Name fields (pandoc reads "A and B" as two people) and BibLaTeX list fields (pandoc reads
# "A and B" as a list and prints it "A; B").
_NAME_FIELDS = ("author", "editor", "translator")
_LIST_FIELDS = ("publisher", "institution", "organization", "school", "location", "address")
_AND = re.compile(r"\s+and\s+")
_FIELD = re.compile(r"\s*,?\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*")
# "Montgomery v Lanarkshire Health Board", "Roe v. Wade", "R v Secretary of State".
_CASE_TITLE = re.compile(r"^\s*\{*\s*[\w'’.()-]+(?:\s+[\w'’.()&-]+){0,6}\s+v\.?\s+\{*[A-Z]")
# What each type shows in the reference list whatever the style (CSL variable, BibTeX field,
# what it is): without it the reference cannot be found. (A book's publisher is not asked
# for: many books are cited from a plan without one, and `check` already asks for the basics.)
_NEEDED: dict[str, tuple[tuple[str, str, str], ...]] = {
    "article-journal": (("container-title", "journal", "journal"),),
    "chapter": (("container-title", "booktitle", "book title"),),
    "paper-conference": (("container-title", "booktitle", "proceedings title"),),
    "thesis": (("publisher", "school", "university"),),
    "webpage": (("URL", "url", "address (URL)"), ("accessed", "urldate", "date accessed")),
}


def _closing(text: str, start: int) -> int:
    """The index of the brace closing the one at `start` (or the end of the text)."""
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return index
    return len(text)


def raw_fields(text: str, line: int) -> dict[str, str]:
    """The fields of the BibTeX entry starting on `line`, as written (braces and quotes off
    the outside only; concatenations and macros left as they are)."""
    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        return {}
    start = sum(len(x) + 1 for x in lines[:line - 1])
    opening = text.find("{", start)
    if opening < 0:
        return {}
    end = _closing(text, opening)
    body = text[opening + 1:end]
    comma = body.find(",")
    if comma < 0:
        return {}
    fields: dict[str, str] = {}
    position = comma + 1
    while True:
        match = _FIELD.match(body, position)
        if match is None:
            break
        name = match.group(1).lower()
        index = match.end()
        if index < len(body) and body[index] == "{":
            close = _closing(body, index)
            value, position = body[index + 1:close], close + 1
        elif index < len(body) and body[index] == '"':
            close = body.find('"', index + 1)
            close = len(body) if close < 0 else close
            value, position = body[index + 1:close], close + 1
        else:
            stop = body.find(",", index)
            stop = len(body) if stop < 0 else stop
            value, position = body[index:stop].strip(), stop
        fields.setdefault(name, value)
    return fields


def _top_level_parts(value: str) -> list[str]:
    """`value` split on the word 'and' outside braces."""
    parts, depth, start, index = [], 0, 0, 0
    while index < len(value):
        char = value[index]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif depth == 0:
            match = _AND.match(value, index)
            if match is not None:
                parts.append(value[start:index])
                start = index = match.end()
                continue
        index += 1
    parts.append(value[start:])
    return [part.strip() for part in parts]


def _braced(part: str) -> bool:
    return part.startswith("{") and _closing(part, 0) == len(part) - 1


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _corporate_names(name: str, entry: BibEntry, fields: dict[str, str]) -> list[Finding]:
    out = []
    for field in _NAME_FIELDS:
        value = fields.get(field)
        if value is None or _braced(value.strip()):
            continue
        parts = _top_level_parts(value)
        institutional = [p for p in parts if not _braced(p) and _INSTITUTIONAL.search(p) and
                         not re.fullmatch(r"[^\s,{}]+,\s*[^,]+", p)]  # "Board, Jane": a person
        if not institutional:
            continue
        whole = _one_line(value)
        people = len(entry.item.get(field, []) or [])
        how = f"as {people} people's names" if people > 1 else "as a person's name"
        out.append(warning(
            "bibliography.corporate-name", name, entry.line,
            f"the entry '{entry.key}' gives the organisation \"{whole}\" as its {field} without "
            f"double braces, so it is read {how} (surname and initials) and printed wrong.",
            f"Put the organisation's name in double braces: {field} = {{{{{whole}}}}}. For "
            f"several authors, brace each organisation: {{Name One}} and {{Name Two}}."))
    return out


def _split_lists(name: str, entry: BibEntry, fields: dict[str, str]) -> list[Finding]:
    if not name.lower().endswith(".bib"):  # only the BibLaTeX reader splits these fields
        return []
    out = []
    for field in _LIST_FIELDS:
        value = fields.get(field)
        if value is None or _braced(value.strip()):
            continue
        parts = _top_level_parts(value)
        if len(parts) < 2:
            continue
        whole = _one_line(value)
        out.append(warning(
            "bibliography.corporate-name", name, entry.line,
            f"the entry '{entry.key}' has {field} = {{{whole}}}, which BibLaTeX reads as a "
            f"list of {len(parts)} and prints as \"{'; '.join(_one_line(p) for p in parts)}\".",
            f"If it is one name, put it in double braces: {field} = {{{{{whole}}}}}."))
    return out


def _legal_case(name: str, entry: BibEntry, csl_file: bool) -> list[Finding]:
    title = entry.title or ""
    kind = str(entry.item.get("type", ""))
    if kind == "legal_case" or not _CASE_TITLE.match(title):
        return []
    if csl_file:
        hint = 'Give it "type": "legal_case", with the neutral citation in "number" (for ' \
               'example "[2015] UKSC 11") and the court in "authority".'
    else:
        hint = (f"Make it @jurisdiction{{{entry.key}, title = {{{{{title}}}}}, number = "
                "{[2015] UKSC 11}, institution = {UK Supreme Court}, date = {2015-03-11}}, "
                "with its own neutral citation in number.")
    shown = f"@{entry.kind}" if entry.kind else f"'{kind or 'no type'}'"
    return [warning("bibliography.legal-case", name, entry.line,
                    f"the entry '{entry.key}' looks like a law case (\"{title}\") but is typed "
                    f"{shown}, so its name is not printed in italics as a case's is, and "
                    "its citation may be left out.", hint)]


def _needed_fields(name: str, entry: BibEntry, csl_file: bool) -> list[Finding]:
    kind = str(entry.item.get("type", ""))
    missing = [(variable, field, what) for variable, field, what in _NEEDED.get(kind, ())
               if not entry.item.get(variable)]
    if not missing:
        return []
    what = " and ".join(f"no {w}" for _, _, w in missing)
    if csl_file:
        add = ", ".join(f'"{v}"' for v, _, _ in missing)
    else:
        add = ", ".join(f"{f} = {{...}}" for _, f, _ in missing)
    shown = f"@{entry.kind}" if entry.kind else kind
    return [warning("bibliography.missing-field", name, entry.line,
                    f"the entry '{entry.key}' ({shown}) has {what}, which the reference list "
                    "shows for this kind of work.", f"Add {add}.")]


def printing_problems(bib: BibFile, text: str) -> list[Finding]:
    """Entries that will print wrong: organisations read as people, lists split, law cases
    typed as something else, fields the style shows missing."""
    csl_file = bib.name.lower().endswith((".json", ".yaml", ".yml"))
    out: list[Finding] = []
    for entry in bib.entries:
        if not csl_file and entry.line:
            fields = raw_fields(text, entry.line)
            out += _corporate_names(bib.name, entry, fields)
            out += _split_lists(bib.name, entry, fields)
        out += _legal_case(bib.name, entry, csl_file)
        out += _needed_fields(bib.name, entry, csl_file)
    return out
