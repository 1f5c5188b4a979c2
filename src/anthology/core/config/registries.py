"""contributors.yaml and chapters.yaml: the keys of a person, a chapter and a history event,
each declared once, and the Contributors and Chapters made from them."""

from __future__ import annotations

from pathlib import Path

from anthology.core.config.book import SCHEDULE, deadlines
from anthology.core.config.identifiers import EMAIL_PATTERN, ID_PATTERN, orcid_problem, slugify
from anthology.core.config.keys import (
    Check,
    Context,
    Field,
    Items,
    Key,
    Kind,
    Section,
    Table,
    Values,
    make,
)
from anthology.core.config.reading import (
    CHAPTERS_FILE,
    CONTRIBUTORS_FILE,
    inside_file,
    inside_path,
)
from anthology.core.config.reviews import REVIEWS
from anthology.core.config.suggest import did_you_mean
from anthology.core.findings import Finding
from anthology.core.model import Chapter, Contributor, Event, Status
from anthology.core.yamlio import YDict, YList


def parse_status(value: str) -> Status | None:
    """The Status named by `value`, or None."""
    try:
        return Status(value.strip().lower())
    except ValueError:
        return None


def _status(field: Field, value: str) -> Status | None:
    status = parse_status(value)
    if status is None:
        states = [x.value for x in Status]
        field.problem(f"'{value}' is not a workflow state.",
                      did_you_mean(value, states) or f"Use one of: {', '.join(states)}.",
                      "config.state")
    return status


def _id(field: Field, ident: str) -> str | None:
    if not ID_PATTERN.match(ident):
        field.problem(f"the id '{ident}' should be lowercase letters, digits and hyphens.",
                      f"For example: id: {slugify(ident)}", "config.id")
        return None
    return ident


def _unique(items: list[Values], what: str) -> list[str | None]:
    """Each item's id, None where an earlier item has it (and a problem there)."""
    seen: dict[str, int] = {}
    idents: list[str | None] = []
    for item in items:
        ident = item["id"]
        if ident is not None and ident in seen:
            item.section.problem("id", f"the id '{ident}' is used twice (also on line "
                                 f"{seen[ident]}).", f"Give each {what} a different id.",
                                 "config.duplicate-id")
            ident = None
        elif ident is not None:
            seen[ident] = item.section.data.line_of("id")
        idents.append(ident)
    return idents


def _emails(field: Field, emails: tuple[str, ...]) -> tuple[str, ...]:
    for email in emails:
        if not EMAIL_PATTERN.match(email):
            field.problem(f"'{email}' does not look like an e-mail address.",
                          "Write it as name@example.org.")
    return emails


def _orcid(field: Field, orcid: str) -> str | None:
    why = orcid_problem(orcid)
    if why:
        field.problem(f"the ORCID iD {orcid} of {field.values['name'] or field.values['id']} is "
                      f"not valid: {why}.", "Copy it again from the person's orcid.org page.",
                      "config.orcid")
        return None
    return orcid[-19:]


CONTRIBUTOR = Table((
    Key("id", Kind.TEXT, "lowercase letters, digits and hyphens",
        lambda values: slugify(values["name"] or "jane-doe"), required=True, check=_id,
        needs=("name",)),
    Key("name", Kind.TEXT, "the name as printed", "Jane Doe", required=True),
    Key("sort_name", Kind.TEXT, "the name as sorted (`Surname, Given`)"),
    Key("emails", Kind.LIST, "e-mail addresses: the first is for mail; all are matched "
        "against git commits", "[jane.doe@example.ac.uk]", check=_emails),
    Key("affiliation", Kind.TEXT, "university or organisation"),
    Key("orcid", Kind.TEXT, "ORCID iD, checksum verified", "0000-0002-1825-0097",
        check=_orcid, needs=("id", "name")),
    Key("bio", Kind.TEXT, "a short biography, for the Notes on Contributors"),
    Key("roles", Kind.LIST, "such as academic, practitioner, carer, lived experience, reviewer"),
), what="a contributor")


def _people(field: Field, items: list[Values]) -> tuple[Contributor, ...]:
    people = []
    for item, ident in zip(items, _unique(items, "person"), strict=True):
        if ident is None or item["name"] is None:
            continue
        people.append(make(Contributor, item, id=ident, line=item.section.data.line))
    return tuple(people)


EVENT = Table((
    Key("date", Kind.DATE, "the day of the change", required=True),
    Key("state", Kind.TEXT, "the state the chapter moved to", "draft", required=True,
        check=_status),
    Key("by", Kind.TEXT, "who made the change"),
    Key("note", Kind.TEXT, "a note on the change"),
    Key("commit", Kind.TEXT, "the git commit it came from", number_ok=True),
    Key("round", Kind.WHOLE, "the review round the change belongs to", minimum=1,
        maximum=1000),
    Key("forced", Kind.BOOL, "recorded with --force, against the workflow", default=False),
), what="a history event")


def _history(field: Field, items: list[Values]) -> tuple[Event, ...]:
    return tuple(make(Event, e) for e in items if e["date"] is not None
                 and e["state"] is not None)


def _authors(field: Field, authors: tuple[str, ...]) -> tuple[str, ...]:
    people = field.context.people
    listed = field.section.data.get("authors")
    for author in authors:
        if people is not None and author not in people:
            line = listed.line_of(authors.index(author)) if isinstance(listed, YList) else \
                field.line
            field.problem(f"chapter '{field.values['id']}' names the author '{author}', who is "
                          f"not in {CONTRIBUTORS_FILE}.", did_you_mean(author, people) or
                          "Add them with `anthology contributor add`, or fix the id.",
                          "config.unknown-contributor", line=line)
    return authors


def _file(field: Field, file: str) -> str:
    # A file missing is not a problem of the configuration: the commands that only read or
    # edit the plan go on (and fix it), `check` and `build` report it
    # (checks.runner.missing_files).
    root, ident = field.context.root, field.values["id"]
    path = root / file
    if path.is_dir() and not path.is_symlink() and inside_path(root, path):
        field.problem(f"the file {file} of chapter '{ident}' is a folder, not a file.",
                      "Give the path of the chapter's Markdown file in 'file:', or move the "
                      "folder out of the way.", "config.file")
    elif not inside_file(root, file) and (path.is_symlink() or path.exists()
                                          or file.startswith("/") or ".." in file):
        field.problem(f"the file {file} of chapter '{ident}' is not inside the book folder.",
                      "Keep chapters in the chapters/ folder of the book.", "config.file")
    return file


CHAPTER = Table((
    Key("id", Kind.TEXT, "lowercase letters, digits and hyphens", "peer-support",
        required=True, check=_id),
    Key("title", Kind.TEXT, "the planned title", "Peer support in practice", required=True),
    Key("authors", Kind.LIST, "contributor ids, in order", "[jane-doe]", check=_authors,
        needs=("id",)),
    Key("file", Kind.TEXT, "the chapter's Markdown file, from the book folder",
        lambda values: f"chapters/{values['id']}.md", check=_file, needs=("id",)),
    Key("status", Kind.TEXT, "the chapter's workflow state (default `proposed`)", "draft",
        check=_status),
    Key("history", Kind.ITEMS, "the chapter's events, one group of keys each (a history "
        "event, below)", keys=EVENT, check=_history, items=Items(
            ("'history' should be a list of events.",
             "Each event looks like: - {date: 2026-05-01, state: draft}"),
            ("event {n} of 'history' should have 'date:' and 'state:'.",
             "For example: - {date: 2026-05-01, state: draft}"), where="history.")),
    Key("part", Kind.TEXT, "the part of the book it belongs to"),
    Key("word_limit", Kind.WHOLE, "this chapter's word limit (overrides `words.chapter_limit`)"),
    Key("due", Kind.GROUP, "deadline overrides, keys as in `schedule`", keys=SCHEDULE,
        check=deadlines, summary=True),
    Key("abstract", Kind.TEXT, "the planned abstract, for the proposal until the chapter's "
        "file exists"),
    Key("doi", Kind.TEXT, "the chapter's own DOI, for its offprint and the delivery metadata"),
    REVIEWS,
), what="a chapter")


def _chapters(field: Field, items: list[Values]) -> tuple[Chapter, ...]:
    chapters = []
    files: dict[str, str] = {}
    for item, ident in zip(items, _unique(items, "chapter"), strict=True):
        s, status, history, file = item.section, item["status"], item["history"], item["file"]
        if history and status is not None and history[-1].state is not status:
            s.problem("status", f"chapter '{ident}' has status '{status}', but the last event "
                      f"in its history is '{history[-1].state}'.",
                      "Make them agree: use `anthology mark` to record changes.",
                      "config.state")
        if file is not None:
            if file in files:
                s.problem("file", f"chapters '{files[file]}' and '{ident}' both use the file "
                          f"{file}.", "Give each chapter its own file.", "config.duplicate-file")
            files[file] = ident or "?"
        if ident is None or item["title"] is None:
            continue
        chapters.append(make(Chapter, item, id=ident, status=status or Status.PROPOSED,
                             line=s.data.line, file_line=s.data.line_of("file")))
    return tuple(chapters)


def _registry(file: str, key: str, table: Table, check: Check) -> Table:
    """A registry file: `format`, and the list under `key`."""
    return Table((
        Key("format", Kind.WHOLE, "file format version (1)", "1"),
        Key(key, Kind.ITEMS, f"the list of {key}", keys=table, check=check,
            items=Items((f"'{key}' should be a list (each item starting with '- id:'), not "
                         "{value}.", "Compare it with the example in the README."),
                        (f"item {{n}} of '{key}' should be a group of keys starting with "
                         "'id:', not {value}.", "Check the indentation."))),
    ), what=file)


CONTRIBUTORS = _registry(CONTRIBUTORS_FILE, "contributors", CONTRIBUTOR, _people)
CHAPTERS = _registry(CHAPTERS_FILE, "chapters", CHAPTER, _chapters)


def contributors(root: Path, data: YDict | None, findings: list[Finding]
                 ) -> tuple[Contributor, ...]:
    """contributors.yaml as Contributors; its problems go to `findings`."""
    if data is None:
        return ()
    values = CONTRIBUTORS.read(Section(CONTRIBUTORS_FILE, data, findings), Context(root))
    return values["contributors"]  # type: ignore[no-any-return]


def chapters(root: Path, data: YDict | None, people: set[str] | None,
             findings: list[Finding]) -> tuple[Chapter, ...]:
    """chapters.yaml as Chapters; authors and reviewers are checked against `people` unless it
    is None (contributors.yaml unreadable)."""
    if data is None:
        return ()
    context = Context(root, frozenset(people) if people is not None else None)
    values = CHAPTERS.read(Section(CHAPTERS_FILE, data, findings), context)
    return values["chapters"]  # type: ignore[no-any-return]
