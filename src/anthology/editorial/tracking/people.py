"""Contributors: add, edit and remove people in contributors.yaml, with clear refusals."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from anthology.core.config import EMAIL_PATTERN, ID_PATTERN, did_you_mean, orcid_problem, slugify
from anthology.core.errors import AnthologyError, UsageError
from anthology.core.model import Book, Chapter, Contributor
from anthology.editorial.tracking.store import editing

T = TypeVar("T")


def find_by_id(look_up: Callable[[str], T], ident: str, what: str, known: Iterable[str],
               otherwise: str) -> T:
    """`look_up(ident)`, or a UsageError saying there is no such `what` and suggesting the
    closest `known` id (else saying `otherwise`)."""
    try:
        return look_up(ident)
    except KeyError:
        hint = did_you_mean(ident, known) or otherwise
        raise UsageError(f"There is no {what} '{ident}'. {hint}") from None


def find_contributor(book: Book, ident: str) -> Contributor:
    """The contributor with this id, or a UsageError that suggests the closest one."""
    return find_by_id(book.contributor, ident, "contributor", (p.id for p in book.contributors),
                      "Run `anthology contributor list` to see who is in the book.")


def chapters_of(book: Book, ident: str) -> tuple[Chapter, ...]:
    """The chapters this person is an author of, in book order."""
    return tuple(c for c in book.chapters if ident in c.authors)


def check_id(ident: str) -> str:
    """`ident` if it is a valid id, else a UsageError with an example."""
    if not ID_PATTERN.match(ident):
        raise UsageError(f"The id '{ident}' should be lowercase letters, digits and hyphens, "
                         f"for example '{slugify(ident)}'.")
    return ident


def check_email(email: str) -> str:
    """`email` if it looks like an address, else a UsageError."""
    email = email.strip()
    if not EMAIL_PATTERN.match(email):
        raise UsageError(f"'{email}' does not look like an e-mail address. "
                         "Write it as name@example.org.")
    return email


def check_orcid(orcid: str) -> str:
    """The ORCID iD without its URL prefix, or a UsageError saying why it is not valid."""
    why = orcid_problem(orcid)
    if why:
        raise UsageError(f"The ORCID iD {orcid} is not valid: {why}. Copy it again from the "
                         "person's orcid.org page.")
    return orcid.strip()[-19:]


def _clean(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Validate the fields a command gives; empty text means 'remove this field'."""
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if value is None:
            continue
        if key == "emails":
            out[key] = [check_email(e) for e in value]
        elif key == "roles":
            out[key] = [r.strip() for r in value if r.strip()]
        elif key == "orcid" and value.strip():
            out[key] = check_orcid(value)
        elif key == "name" and not value.strip():
            raise UsageError("A contributor's name cannot be empty.")
        else:
            out[key] = value.strip() if isinstance(value, str) else value
    return out


def _id_for(name: str, emails: Sequence[str]) -> str:
    """An id from the name, else (a name in a script with no Latin form) from the e-mail."""
    ident = slugify(name, fallback="")
    if not ident and emails:
        ident = slugify(emails[0].split("@", 1)[0], fallback="")
    if not ident:
        raise UsageError(f"Cannot make an id from the name '{name.strip()}'. Give one with "
                         "--id, for example --id li-xiaolong.")
    return ident


def add_contributor(root: Path, name: str, emails: Sequence[str], ident: str | None = None,
                    **fields: str | Sequence[str] | None) -> Contributor:
    """Add a person to contributors.yaml; the id is made from the name unless given."""
    if not name.strip():
        raise UsageError("A contributor's name cannot be empty.")
    ident = check_id(ident) if ident else _id_for(name, emails)
    record = {"id": ident, "name": name.strip(),
              **_clean({"emails": list(emails), **fields})}
    record = {k: v for k, v in record.items() if v not in ("", [], None)}
    with editing(root) as edit:
        existing = {p.id: p for p in edit.book.contributors}
        if ident in existing:
            raise UsageError(f"There is already a contributor with the id '{ident}' "
                             f"({existing[ident].name}). Choose another with --id.")
        edit.contributors.insert(len(edit.contributors), record)
    assert edit.result is not None
    return edit.result.contributor(ident)


def edit_contributor(root: Path, ident: str, **fields: str | Sequence[str] | None
                     ) -> Contributor:
    """Change the given fields of a person; empty text removes an optional field."""
    changes = _clean(fields)
    with editing(root) as edit:
        find_contributor(edit.book, ident)
        if not changes:
            raise UsageError("Nothing to change: give at least one option, such as "
                             "--affiliation.")
        record = edit.contributors.get(ident)
        for key, value in changes.items():
            if value in ("", []):
                record.pop(key, None)
            else:
                record[key] = value
        edit.contributors.put(ident, record)
    assert edit.result is not None
    return edit.result.contributor(ident)


def remove_contributor(root: Path, ident: str) -> Contributor:
    """Remove a person who is neither an author of a chapter nor an editor of the book."""
    with editing(root) as edit:
        person = find_contributor(edit.book, ident)
        chapters = chapters_of(edit.book, ident)
        if chapters:
            names = ", ".join(f"'{c.id}'" for c in chapters)
            word = "chapter" if len(chapters) == 1 else "chapters"
            raise AnthologyError(f"Cannot remove '{ident}': they are an author of the {word} "
                                 f"{names}. Take them off with `anthology chapter edit CHAPTER "
                                 "--author ...` first, or remove the chapter.")
        reviewed = [c for c in edit.book.chapters if any(r.reviewer == ident for r in c.reviews)]
        if reviewed:
            names = ", ".join(f"'{c.id}'" for c in reviewed)
            word = "chapter" if len(reviewed) == 1 else "chapters"
            raise AnthologyError(f"Cannot remove '{ident}': they review the {word} {names}. "
                                 "Take their reviews out of 'reviews:' in chapters.yaml first.")
        if ident in edit.book.config.editors:
            raise AnthologyError(f"Cannot remove '{ident}': they are an editor of the book. "
                                 "Take them out of 'editors' in book.yaml first.")
        edit.contributors.remove(ident)
    return person

