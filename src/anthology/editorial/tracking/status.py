"""Where the book stands: one row per chapter and a summary, as a table, JSON, CSV or Markdown.

Pure: the book, `today` and whatever else is known are passed in. Word counts and last
submissions come from other parts of anthology (the word counter, git reading); `build_status`
takes them as optional mappings keyed by chapter id and shows "–" where they are unknown.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from anthology.core.model import Book, Chapter, Review, Status
from anthology.core.terminal import safe_for_terminal
from anthology.editorial.tracking import reviews, workflow
from anthology.editorial.tracking.workflow import Mover

UNKNOWN = "–"
SOON_DAYS = 14


@dataclass(frozen=True)
class LastSubmission:
    """The last time a chapter's text arrived (from git, once git reading exists)."""

    date: dt.date
    by: str | None = None
    commit: str | None = None


@dataclass(frozen=True)
class ChapterRow:
    """One chapter as the status table shows it."""

    number: int | None
    id: str
    title: str
    authors: tuple[str, ...]
    author_ids: tuple[str, ...]
    state: Status
    round: int | None
    move: Mover
    next_move: str
    since: dt.date | None
    due: dt.date | None
    days_overdue: int
    days_left: int | None
    words: int | None
    word_limit: int | None
    last_submission: LastSubmission | None
    part: str | None = None
    surnames: tuple[str, ...] = ()
    reviews: tuple[Review, ...] = ()  # of the round under way (or about to start)

    @property
    def review_note(self) -> str:
        """'round 1: 2 reviews, 1 outstanding, due 1 Jul 2026' (empty without reviews)."""
        from anthology.editorial.tracking.reviews import summary

        if not self.reviews:
            return ""
        text = f"round {self.reviews[0].round}: {summary(self.reviews)}"
        due = [r.due for r in self.reviews if r.outstanding and r.due]
        return text + (f", due {_date(min(due))}" if due else "")

    @property
    def short_authors(self) -> str:
        """'Begum & Whitfield', or 'Begum et al.' for three or more authors."""
        names = list(self.surnames) or [surname(n) for n in self.authors]
        if len(names) > 2:
            return f"{names[0]} et al."
        return " & ".join(names)

    @property
    def overdue(self) -> bool:
        """True when the next move is past its deadline."""
        return self.days_overdue > 0

    @property
    def due_soon(self) -> bool:
        """True when the deadline is within two weeks."""
        return self.days_left is not None and 0 <= self.days_left <= SOON_DAYS

    @property
    def over_limit(self) -> bool:
        """True when the chapter has more words than its limit."""
        return self.words is not None and self.word_limit is not None and \
            self.words > self.word_limit

    def to_dict(self) -> dict[str, object]:
        """The stable JSON form of a row."""
        sub = self.last_submission
        return {
            "number": self.number, "id": self.id, "title": self.title,
            "authors": list(self.author_ids), "author_names": list(self.authors),
            "state": self.state.value, "round": self.round, "whose_move": self.move.value,
            "next_move": self.next_move or None,
            "since": self.since.isoformat() if self.since else None,
            "due": self.due.isoformat() if self.due else None,
            "days_overdue": self.days_overdue, "words": self.words,
            "word_limit": self.word_limit,
            "last_submission": None if sub is None else {
                "date": sub.date.isoformat(), "by": sub.by, "commit": sub.commit},
            "part": self.part,
            "reviews": [{"reviewer": r.reviewer, "round": r.round, "blind": r.blind,
                         "due": r.due.isoformat() if r.due else None,
                         "recommendation": r.recommendation, "outstanding": r.outstanding}
                        for r in self.reviews],
        }


@dataclass(frozen=True)
class StatusReport:
    """The status table and its summary."""

    title: str
    today: dt.date
    rows: tuple[ChapterRow, ...]
    per_state: Mapping[str, int] = field(default_factory=dict)
    words_total: int | None = None
    words_counted: int = 0
    book_limit: int | None = None
    overdue: tuple[ChapterRow, ...] = ()
    # Outstanding reviews past their due date: (chapter id, reviewer, days late).
    late_reviews: tuple[tuple[str, str, int], ...] = ()

    def to_dict(self) -> dict[str, object]:
        """`{"chapters": [...], "summary": {...}}` for `--format json`."""
        return {
            "book": self.title, "today": self.today.isoformat(),
            "chapters": [r.to_dict() for r in self.rows],
            "summary": {
                "chapters": len(self.rows),
                "per_state": dict(self.per_state),
                "words": self.words_total, "words_counted": self.words_counted,
                "book_limit": self.book_limit,
                "overdue": [{"id": r.id, "days": r.days_overdue, "whose_move": r.move.value}
                            for r in self.overdue],
                "reviews_overdue": [{"id": c, "reviewer": who, "days": days}
                                    for c, who, days in self.late_reviews],
            },
        }


# Words that belong to the family name that follows them: 'van der Berg', 'ap Gwilym',
# 'Ní Dhuibhir', 'de la Cruz'. The first word of a name is always a given name.
_PARTICLES = frozenset({
    "ab", "al", "ap", "bin", "binti", "d'", "da", "das", "de", "del", "della", "den", "der",
    "di", "do", "dos", "du", "el", "la", "le", "lo", "mac", "mc", "mhic", "ní", "nic", "ó",
    "ten", "ter", "ua", "uí", "van", "von", "y", "zu"})


def _is_particle(word: str) -> bool:
    # 'O'Brien-Ní' in 'Siobhán O'Brien-Ní Dhuibhir' ends in one: the whole is a family name.
    return word.casefold() in _PARTICLES or word.rsplit("-", 1)[-1].casefold() in _PARTICLES


def surname(name: str, sort_name: str | None = None) -> str:
    """The family name, which is what a table has room for: from the sort name ('ap Gwilym,
    Dafydd') when there is one, else the last word of the name with the particles before it
    ('van der Berg'); a single name ('Teuila') is itself."""
    if sort_name and "," in sort_name:
        return sort_name.split(",", 1)[0].strip()
    words = name.split()
    if not words:
        return name
    start = len(words) - 1
    while start > 1 and _is_particle(words[start - 1]):
        start -= 1
    return " ".join(words[start:])


def _row(book: Book, chapter: Chapter, today: dt.date, words: Mapping[str, int] | None,
         submissions: Mapping[str, LastSubmission] | None) -> ChapterRow:
    due = workflow.deadline(chapter, book.config.schedule)
    closed = chapter.status in workflow.CLOSED
    people, surnames = [], []
    for ident in chapter.authors:
        try:
            person = book.contributor(ident)
        except KeyError:
            people.append(ident)
            surnames.append(ident)
        else:
            people.append(person.name)
            surnames.append(surname(person.name, person.sort_name))
    return ChapterRow(
        number=book.number(chapter.id) if chapter in book.active_chapters else None,
        id=chapter.id, title=chapter.title, authors=tuple(people), author_ids=chapter.authors,
        state=chapter.status, round=workflow.current_round(chapter),
        move=workflow.whose_move(chapter.status), next_move=workflow.NEXT_MOVE[chapter.status],
        since=workflow.since(chapter), due=None if closed else due,
        days_overdue=0 if closed else workflow.days_overdue(due, today),
        days_left=None if closed or due is None else (due - today).days,
        words=(words or {}).get(chapter.id),
        word_limit=chapter.word_limit or book.config.words.chapter_limit,
        last_submission=(submissions or {}).get(chapter.id), part=chapter.part,
        surnames=tuple(surnames),
        reviews=reviews.current_reviews(chapter) if chapter.status in reviews.ASSIGNABLE
        else ())


def build_status(book: Book, today: dt.date, *, words: Mapping[str, int] | None = None,
                 submissions: Mapping[str, LastSubmission] | None = None,
                 overdue_only: bool = False, state: Status | None = None,
                 author: str | None = None) -> StatusReport:
    """The status of every chapter in book order, filtered, with a summary of the whole book.

    `words` (chapter id -> words counted against the limit) and `submissions` (chapter id ->
    last submission) are filled in by callers that know them; the rest shows "–".
    """
    rows = [_row(book, c, today, words, submissions) for c in book.chapters]
    per_state = {s.value: sum(1 for r in rows if r.state is s) for s in Status}
    counted = [r.words for r in rows if r.words is not None and r.state in _COUNTED]
    all_overdue = tuple(r for r in rows if r.overdue)
    late = tuple((c.id, review.reviewer, days) for c in book.chapters
                 for review, days in reviews.late_reviews(c, today))
    shown = [r for r in rows
             if (not overdue_only or r.overdue) and (state is None or r.state is state)
             and (author is None or author in r.author_ids)]
    return StatusReport(
        title=book.config.title, today=today, rows=tuple(shown),
        per_state={k: v for k, v in per_state.items() if v},
        words_total=sum(counted) if counted else None, words_counted=len(counted),
        book_limit=book.config.words.book_limit, overdue=all_overdue, late_reviews=late)


_COUNTED = frozenset(s for s in Status if s not in (Status.DECLINED, Status.WITHDRAWN))


# Rendering

def _date(value: dt.date | None) -> str:
    return value.strftime("%d %b %Y").lstrip("0") if value else UNKNOWN


def _words(row: ChapterRow) -> str:
    if row.words is None:
        return UNKNOWN
    if row.word_limit is None:
        return f"{row.words:,}"
    text = f"{row.words:,}/{row.word_limit:,}"
    return f"{text} (+{row.words - row.word_limit:,})" if row.over_limit else text


def _late(row: ChapterRow) -> str:
    if row.overdue:
        return f"{row.days_overdue} d late"
    if row.days_left is not None and row.due_soon:
        return "today" if row.days_left == 0 else f"in {row.days_left} d"
    return ""


def _state(row: ChapterRow) -> str:
    if row.round and row.round > 1 and row.state in (Status.REVIEW, Status.REVISIONS):
        return f"{row.state.value} {row.round}"
    return row.state.value


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal: wide (CJK) characters take two, accents none."""
    return sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def _short(text: str, width: int) -> str:
    if display_width(text) <= width:
        return text
    while display_width(text) > width - 1:
        text = text[:-1]
    return text.rstrip() + "…"


def _submission(row: ChapterRow) -> str:
    sub = row.last_submission
    if sub is None:
        return UNKNOWN
    return _date(sub.date) + (f" ({surname(sub.by)})" if sub.by else "")


def _move(row: ChapterRow) -> str:
    if row.move is Mover.NOBODY:
        return ""
    return f"{row.move.value}: {row.next_move}"


COLUMNS = ("#", "Chapter", "Authors", "State", "Whose move", "Due", "Late", "Words",
           "Last submission")


def table_cells(row: ChapterRow) -> list[str]:
    """The text cells of a row, in COLUMNS order."""
    return [str(row.number) if row.number else UNKNOWN, _short(row.title, 34), row.short_authors,
            _state(row), _move(row), _date(row.due) if row.due else "", _late(row), _words(row),
            _submission(row)]


def summary_lines(report: StatusReport) -> list[str]:
    """The summary under the table, in plain words."""
    states = ", ".join(f"{n} {s}" for s, n in report.per_state.items())
    total = sum(report.per_state.values())
    lines = [f"{_count(total, 'chapter')}: {states}." if states
             else "No chapters in the plan yet. Add one with `anthology chapter add`."]
    if report.words_total is not None:
        words = f"Words: {report.words_total:,} in {_count(report.words_counted, 'chapter')}"
        if report.book_limit:
            words += f", against {report.book_limit:,} in the contract"
            left = report.book_limit - report.words_total
            words += f" ({left:,} to spare)." if left >= 0 else f" ({-left:,} over)."
        else:
            words += "."
        lines.append(words)
    elif report.book_limit:
        lines.append(f"Words: not counted yet; the contract allows {report.book_limit:,}.")
    if report.overdue:
        late = "; ".join(f"{r.id} {r.days_overdue} d ({r.move.value})" for r in report.overdue)
        lines.append(f"Overdue: {late}.")
    elif not report.late_reviews:
        lines.append("Nothing is overdue.")
    if report.late_reviews:
        late = "; ".join(f"{c} by {who} {days} d" for c, who, days in report.late_reviews)
        lines.append(f"Reviews overdue: {late}.")
    return lines


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def render_text(report: StatusReport, colour: bool = False) -> str:
    """An aligned table for the terminal, then the summary; colour only when asked."""
    # Made safe for the terminal here, before widths are measured and colour added.
    cells = [[safe_for_terminal(c) for c in table_cells(r)] for r in report.rows]
    widths = [max(len(h), *(display_width(c[i]) for c in cells)) if cells else len(h)
              for i, h in enumerate(COLUMNS)]
    # Drop the words and submission columns while nothing is known about them.
    keep = [i for i in range(len(COLUMNS))
            if not cells or any(c[i] not in ("", UNKNOWN) for c in cells) or i < 7]
    columns: tuple[str, ...] = COLUMNS
    if any(r.reviews for r in report.rows):  # a column of their own, once there are any
        columns = (*COLUMNS, "Reviews")
        cells = [[*c, safe_for_terminal(r.review_note)] for c, r in zip(cells, report.rows,
                                                                         strict=True)]
        widths.append(max(len(columns[-1]), *(display_width(c[-1]) for c in cells)))
        keep.append(len(COLUMNS))

    def line(values: Sequence[str]) -> str:
        return "  ".join(_pad(values[i], widths[i]) for i in keep).rstrip()

    out = [safe_for_terminal(f"{report.title}: status on {_date(report.today)}"), ""]
    header = line(columns)
    out.append(_paint(header, "bold", colour))
    for row, values in zip(report.rows, cells, strict=True):
        text = line(values)
        if row.overdue:
            text = _paint(text, "red", colour)
        elif row.due_soon:
            text = _paint(text, "yellow", colour)
        elif row.state in (Status.FINAL,):
            text = _paint(text, "green", colour)
        elif row.state in workflow.CLOSED:
            text = _paint(text, "dim", colour)
        out.append(text)
    if not report.rows:
        out.append("(no chapter matches)")
    out.append("")
    out.extend(safe_for_terminal(s) for s in summary_lines(report))
    return "\n".join(out)


_STYLES = {"red": "\x1b[31m", "yellow": "\x1b[33m", "green": "\x1b[32m", "bold": "\x1b[1m",
           "dim": "\x1b[2m"}


def _paint(text: str, style: str, colour: bool) -> str:
    return f"{_STYLES[style]}{text}\x1b[0m" if colour else text


def render_json(report: StatusReport) -> str:
    """The report as a JSON object with a `chapters` list and a `summary`."""
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False)


CSV_FIELDS = ("number", "id", "title", "authors", "state", "round", "whose_move", "next_move",
              "since", "due", "days_overdue", "words", "word_limit", "last_submission")


def render_csv(report: StatusReport) -> str:
    """One CSV row per chapter (no summary), for spreadsheets."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for row in report.rows:
        data = row.to_dict()
        sub = row.last_submission
        writer.writerow([
            data["number"] or "", row.id, row.title, "; ".join(row.authors), row.state.value,
            row.round or "", row.move.value, row.next_move, data["since"] or "",
            data["due"] or "", row.days_overdue, "" if row.words is None else row.words,
            row.word_limit or "", sub.date.isoformat() if sub else ""])
    return buffer.getvalue().rstrip("\n")


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(report: StatusReport) -> str:
    """A Markdown table and the summary, for a wiki or an e-mail to the co-editor."""
    with_reviews = any(r.reviews for r in report.rows)
    columns: tuple[str, ...] = (*COLUMNS, "Reviews") if with_reviews else COLUMNS
    out = [f"# {_md(report.title)}: status on {_date(report.today)}", "",
           "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in report.rows:
        cells = table_cells(row) + ([row.review_note] if with_reviews else [])
        cells[1] = row.title
        if row.overdue:
            cells[6] = f"**{cells[6]}**"
        out.append("| " + " | ".join(_md(c) for c in cells) + " |")
    out.append("")
    out.extend(summary_lines(report))
    return "\n".join(out)


def render(report: StatusReport, fmt: str, colour: bool = False) -> str:
    """Render as `text`, `json`, `csv` or `markdown`."""
    if fmt == "json":
        return render_json(report)
    if fmt == "csv":
        return render_csv(report)
    if fmt == "markdown":
        return render_markdown(report)
    return render_text(report, colour)
