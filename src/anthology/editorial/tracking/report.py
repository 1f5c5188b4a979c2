"""build/status.html: a one-page board of the book's progress.

Chapters as rows through the workflow, a bar of words against the limit, deadlines on a time
line, overdue in a warning colour. Self-contained: inline CSS and SVG, no scripts, nothing
fetched from anywhere. The layout is computed here; the template only draws it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from anthology.core.model import SCHEDULE_KEYS, Book, Status
from anthology.core.resources import TEMPLATES_DIR
from anthology.editorial.tracking import workflow
from anthology.editorial.tracking.status import ChapterRow, StatusReport, summary_lines

TEMPLATES = TEMPLATES_DIR / "report"

STAGE_LABELS = {
    Status.PROPOSED: "proposed", Status.INVITED: "invited", Status.AGREED: "agreed",
    Status.ABSTRACT: "abstract", Status.DRAFT: "draft", Status.REVIEW: "review",
    Status.REVISIONS: "revisions", Status.ACCEPTED: "accepted",
    Status.COPYEDITED: "copyedited", Status.PROOFS: "proofs", Status.FINAL: "final",
}

TIMELINE_WIDTH = 1000


@dataclass(frozen=True)
class Milestone:
    """A deadline of the book's schedule, placed on the time line."""

    key: str
    date: dt.date
    x: float
    past: bool
    level: int = 0  # 0 next to the time line; higher levels above it, for labels close by
    label_width: float = 0.0


@dataclass(frozen=True)
class BoardRow:
    """A chapter drawn on the board."""

    row: ChapterRow
    stage: int | None  # index in the pipeline; None for declined or withdrawn
    authors: str
    words_fraction: float | None
    due_x: float | None
    css: str


def _x(date: dt.date, start: dt.date, end: dt.date) -> float:
    span = max((end - start).days, 1)
    return round(max(0.0, min(1.0, (date - start).days / span)) * TIMELINE_WIDTH, 1)


# Label widths on the time line, in its own units (the SVG scales its text with it): about
# 0.6 em a character at 11 (bold name) and 10 (date) units, and a gap between labels.
LEVEL_HEIGHT = 26


def _label_width(key: str, date: dt.date) -> float:
    return max(len(key) * 6.8, len(f"{date.day} {date:%b %Y}") * 6.0) + 8


def stagger(milestones: list[Milestone]) -> list[Milestone]:
    """Give each milestone the lowest level where its label overlaps no other's."""
    ends: list[float] = []  # right edge of the last label on each level
    placed = []
    for m in sorted(milestones, key=lambda m: m.x):
        half = _label_width(m.key, m.date) / 2
        level = next((n for n, end in enumerate(ends) if m.x - half >= end), len(ends))
        if level == len(ends):
            ends.append(0.0)
        ends[level] = m.x + half
        placed.append(Milestone(m.key, m.date, m.x, m.past, level, 2 * half))
    return placed


def board(book: Book, report: StatusReport) -> dict[str, Any]:
    """Everything the template draws, laid out."""
    today = report.today
    schedule = book.config.schedule
    dates = [*schedule.values(), today, *(r.due for r in report.rows if r.due)]
    start = min(dates) - dt.timedelta(days=30)
    end = max(dates) + dt.timedelta(days=30)
    milestones = stagger([Milestone(k, schedule[k], _x(schedule[k], start, end),
                                    schedule[k] < today) for k in SCHEDULE_KEYS if k in schedule])
    levels = max((m.level for m in milestones), default=0) + 1
    months = []
    month = dt.date(start.year, start.month, 1)
    while month <= end:
        if month >= start:
            months.append((month.strftime("%b") if month.month != 1 else str(month.year),
                           _x(month, start, end)))
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    rows = []
    for row in report.rows:
        stage = workflow.PIPELINE.index(row.state) if row.state in workflow.PIPELINE else None
        fraction = None
        if row.words is not None and row.word_limit:
            fraction = row.words / row.word_limit
        css = "overdue" if row.overdue else "soon" if row.due_soon else \
            "closed" if row.state in (Status.DECLINED, Status.WITHDRAWN) else \
            "done" if row.state is Status.FINAL else ""
        rows.append(BoardRow(row, stage, row.short_authors, fraction,
                             _x(row.due, start, end) if row.due else None, css))
    return {
        "book": book.config, "report": report, "rows": rows,
        "stages": [STAGE_LABELS[s] for s in workflow.PIPELINE],
        "milestones": milestones, "months": months, "today_x": _x(today, start, end),
        "width": TIMELINE_WIDTH, "summary": summary_lines(report),
        "line_y": 52 + LEVEL_HEIGHT * (levels - 1), "level_height": LEVEL_HEIGHT,
        "today": today, "overdue": len(report.overdue),
        "per_state": report.per_state,
    }


def render_report(book: Book, report: StatusReport) -> str:
    """The HTML page (the book's `templates/report/status.html.j2` overrides the built-in)."""
    from jinja2 import (
        ChoiceLoader,
        FileSystemLoader,
        StrictUndefined,
        TemplateError,
        select_autoescape,
    )
    from jinja2.sandbox import SandboxedEnvironment

    from anthology.core.errors import AnthologyError
    from anthology.engines.jinja import BookTemplates, template_error_message

    loaders: list[FileSystemLoader] = []
    own = book.root / "templates" / "report"
    if own.is_dir():
        loaders.append(BookTemplates(own))
    loaders.append(FileSystemLoader(TEMPLATES))
    env = SandboxedEnvironment(loader=ChoiceLoader(loaders),
                               autoescape=select_autoescape(default=True,
                                                            default_for_string=True),
                               undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["shortdate"] = lambda d: f"{d.day} {d:%b %Y}" if d else "–"
    try:
        return str(env.get_template("status.html.j2").render(board(book, report)))
    except TemplateError as exc:
        raise AnthologyError(template_error_message(book.root, "report/status.html.j2",
                                                    exc)) from None
