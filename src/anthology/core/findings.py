"""One Finding type for every check and every bad input, and one renderer for them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How bad a finding is; errors stop builds and fail checks."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Finding:
    """A problem found in a file: where, what, and how to fix it."""

    severity: Severity
    code: str
    file: str | None
    line: int | None
    column: int | None
    message: str
    hint: str | None = None
    chapter: str | None = None

    @property
    def location(self) -> str:
        """`file:line:column` as far as it is known."""
        parts = [self.file or "(book)"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def to_text(self) -> str:
        """One line, like a compiler: `file:line:col: error: message hint [code]`."""
        text = f"{self.location}: {self.severity.value}: {self.message}"
        if self.hint:
            text += f" {self.hint}"
        return f"{text} [{self.code}]"

    def to_dict(self) -> dict[str, object]:
        """The stable JSON form: exactly the documented fields."""
        data = asdict(self)
        data["severity"] = self.severity.value
        return {key: data[key] for key in FIELDS}


FIELDS = ("severity", "code", "file", "line", "column", "chapter", "message", "hint")
_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def error(code: str, file: str | None, line: int | None, message: str,
          hint: str | None = None, *, column: int | None = None,
          chapter: str | None = None) -> Finding:
    """Shorthand for an error finding."""
    return Finding(Severity.ERROR, code, file, line, column, message, hint, chapter)


def warning(code: str, file: str | None, line: int | None, message: str,
            hint: str | None = None, *, column: int | None = None,
            chapter: str | None = None) -> Finding:
    """Shorthand for a warning finding."""
    return Finding(Severity.WARNING, code, file, line, column, message, hint, chapter)


def info(code: str, file: str | None, line: int | None, message: str,
         hint: str | None = None, *, column: int | None = None,
         chapter: str | None = None) -> Finding:
    """Shorthand for an informational finding."""
    return Finding(Severity.INFO, code, file, line, column, message, hint, chapter)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Group by file, then by line, then by severity; findings without a file come last."""
    return sorted(findings, key=lambda f: (f.file is None, f.file or "", f.line or 0,
                                           f.column or 0, _ORDER[f.severity], f.code))


def has_errors(findings: Iterable[Finding]) -> bool:
    """True when any finding is an error."""
    return any(f.severity is Severity.ERROR for f in findings)


def summary_line(findings: Sequence[Finding]) -> str:
    """`3 problems (2 errors, 1 warning) in 2 files.` or `No problems found.`"""
    if not findings:
        return "No problems found."
    counts = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
    files = len({f.file for f in findings})
    where = f"in {files} file{'' if files == 1 else 's'}."
    notes = counts[Severity.INFO]
    if notes == len(findings):  # notes alone are not problems
        return f"{notes} note{'' if notes == 1 else 's'} {where}"
    parts = []
    for severity, word in ((Severity.ERROR, "error"), (Severity.WARNING, "warning"),
                           (Severity.INFO, "note")):
        if counts[severity]:
            n = counts[severity]
            parts.append(f"{n} {word}{'' if n == 1 else 's'}")
    problems = counts[Severity.ERROR] + counts[Severity.WARNING]
    return f"{problems} problem{'' if problems == 1 else 's'} ({', '.join(parts)}) {where}"


def render_text(findings: Sequence[Finding]) -> str:
    """Compiler-style lines grouped by file, then the summary line."""
    lines = [f.to_text() for f in sort_findings(findings)]
    lines.append(summary_line(findings))
    return "\n".join(lines)


def render_json(findings: Sequence[Finding]) -> str:
    """A JSON list of findings with the documented fields (null where unknown)."""
    return json.dumps([f.to_dict() for f in sort_findings(findings)], indent=2,
                      ensure_ascii=False)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(findings: Sequence[Finding]) -> str:
    """GitHub Actions workflow commands (`::error file=..,line=..::message`)."""
    out = []
    level = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
    for f in sort_findings(findings):
        props = []
        if f.file:
            props.append(f"file={_escape_property(f.file)}")
        if f.line is not None:
            props.append(f"line={f.line}")
        if f.column is not None:
            props.append(f"col={f.column}")
        props.append(f"title={_escape_property(f.code)}")
        message = f.message + (f" {f.hint}" if f.hint else "")
        out.append(f"::{level[f.severity]} {','.join(props)}::{_escape_data(message)}")
    return "\n".join(out)


def render(findings: Sequence[Finding], fmt: str) -> str:
    """Render findings as `text`, `json` or `github`."""
    if fmt == "json":
        return render_json(findings)
    if fmt == "github":
        return render_github(findings)
    return render_text(findings)
