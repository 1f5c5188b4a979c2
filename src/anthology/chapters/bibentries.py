"""A bibliography as the chapter pipeline and the checks hold it: each entry as citeproc will
see it (a CSL JSON item) with its line in the file, and the file with what reading it found.

bibliography.py reads files into these; the checks (editorial/checks/bibliography.py) compare
them across files and chapters.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Any

from anthology.core.findings import Finding, Severity


@dataclass(frozen=True)
class BibEntry:
    """One entry as citeproc will see it (a CSL JSON item), with its line in the file.

    `identity` is what `works` returns, worked out once when the file is read (and cached with
    it), since comparing every entry of a big bibliography with every other is done on each
    check; an entry made without it works it out when asked.
    """

    key: str
    line: int | None
    item: dict[str, Any]
    kind: str = ""
    year: str | None = None
    identity: tuple[tuple[str, ...], ...] | None = field(default=None, compare=False,
                                                          repr=False)

    @property
    def title(self) -> str | None:
        """The entry's title."""
        value = self.item.get("title")
        return value if isinstance(value, str) and value.strip() else None

    @property
    def issued_year(self) -> int | None:
        """The year it was published, if it has one."""
        issued = self.item.get("issued")
        if isinstance(issued, dict):
            parts = issued.get("date-parts")
            if parts and parts[0] and isinstance(parts[0][0], int):
                return parts[0][0]
        return None

    @property
    def doi(self) -> str | None:
        """The DOI, lower-case, without a resolver prefix."""
        value = self.item.get("DOI") or ""
        if not value:
            url = str(self.item.get("URL") or "")
            match = re.search(r"doi\.org/(10\.\S+)", url, re.IGNORECASE)
            value = match.group(1) if match else ""
        value = re.sub(r"^(?:https?://)?(?:dx\.)?(?:doi\.org/)?(?:doi:)?", "", str(value).strip(),
                       flags=re.IGNORECASE)
        return value.lower() or None

    def works(self) -> list[tuple[str, ...]]:
        """What identifies the work: its DOI, and its title with its year."""
        if self.identity is not None:
            return list(self.identity)
        out: list[tuple[str, ...]] = []
        if self.doi:
            out.append(("doi", self.doi))
        title = normal_title(self.title or "")
        if title:
            out.append(("title", title, str(self.issued_year or "")))
        return out

    def identified(self) -> BibEntry:
        """The same entry with `identity` worked out."""
        if self.identity is not None:
            return self
        return replace(self, identity=tuple(self.works()))


def normal_title(title: str) -> str:
    """A title reduced to lower-case letters and digits, for comparing works."""
    text = unicodedata.normalize("NFKD", title).casefold()
    return "".join(char for char in text if char.isalnum())


@dataclass
class BibFile:
    """A bibliography file read and checked on its own."""

    name: str
    entries: list[BibEntry] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    failed: bool = False

    def keys(self) -> set[str]:
        """Every key in the file."""
        return {entry.key for entry in self.entries}

    def first(self, key: str) -> BibEntry | None:
        """The first entry with this key."""
        return next((entry for entry in self.entries if entry.key == key), None)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form for the cache."""
        return {"name": self.name, "failed": self.failed,
                "entries": [[e.key, e.line, e.item, e.kind, e.year,
                             [list(work) for work in e.works()]] for e in self.entries],
                "findings": [f.to_dict() for f in self.findings]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BibFile:
        """Read back `to_json`."""
        return cls(data["name"], [BibEntry(key, line, item, kind, year,
                                           tuple(tuple(work) for work in works))
                                  for key, line, item, kind, year, works in data["entries"]],
                   [finding_from_dict(f) for f in data["findings"]], data["failed"])


def finding_from_dict(data: dict[str, Any]) -> Finding:
    """A Finding from its JSON form."""
    return Finding(Severity(data["severity"]), data["code"], data["file"], data["line"],
                   data["column"], data["message"], data["hint"], data["chapter"])
