"""The people of the book: `anthology contributor add|list|show|edit|remove`.

Registered with the tracking commands (anthology.cli.tracking). Each parses options, calls one
function of `anthology.editorial.tracking.people` and prints.
"""

from __future__ import annotations

import click

from anthology.cli.common import echo, echo_json, format_option, state
from anthology.core.model import Book, Contributor


@click.group("contributor")
def contributor_group() -> None:
    """Add, list, show, edit and remove the people of the book (contributors.yaml).

    Example:

    \b
        anthology contributor add "Jane Doe" --email jane.doe@example.ac.uk
    """


def _person_lines(book: Book, person: Contributor) -> list[str]:
    from anthology.editorial.tracking.people import chapters_of

    lines = [f"{person.name} ({person.id})"]
    for label, value in (("Sorting name", person.sort_name),
                         ("E-mail", ", ".join(person.emails)),
                         ("Affiliation", person.affiliation), ("ORCID", person.orcid),
                         ("Roles", ", ".join(person.roles)), ("Bio", person.bio)):
        if value:
            lines.append(f"  {label + ':':<14}{value}")
    chapters = chapters_of(book, person.id)
    if chapters:
        lines.append("  Chapters:     " + ", ".join(f"{c.id} ({c.status.value})"
                                                     for c in chapters))
    if person.id in book.config.editors:
        lines.append("  Editor of the book.")
    return lines


@contributor_group.command("add")
@click.argument("name")
@click.option("--id", "ident", help="The id (default: made from the name, e.g. jane-doe).")
@click.option("--email", "emails", multiple=True, required=True,
              help="E-mail address; repeat for more (the first gets the mail; all are the "
                   "person's git identities).")
@click.option("--sort-name", help='Name as sorted, e.g. "Doe, Jane".')
@click.option("--affiliation", help="Institution or organisation.")
@click.option("--orcid", help="ORCID iD, e.g. 0000-0002-1825-0097 (checked).")
@click.option("--bio", help="Short biography for the Notes on Contributors.")
@click.option("--role", "roles", multiple=True,
              help="Role tag (academic, practitioner, carer, lived experience, ...); repeatable.")
def contributor_add_command(name: str, ident: str | None, emails: tuple[str, ...],
                            sort_name: str | None, affiliation: str | None, orcid: str | None,
                            bio: str | None, roles: tuple[str, ...]) -> None:
    """Add a person to contributors.yaml.

    Example:

    \b
        anthology contributor add "Jane Doe" --email jane.doe@example.ac.uk
    """
    from anthology.editorial.tracking.people import add_contributor

    person = add_contributor(state().root(), name, emails, ident, sort_name=sort_name,
                             affiliation=affiliation, orcid=orcid, bio=bio,
                             roles=list(roles) or None)
    echo(f"Added {person.name} as '{person.id}'.")


@contributor_group.command("list")
@format_option("text", "json")
def contributor_list_command(fmt: str) -> None:
    """List the people of the book with their chapters.

    Example:

    \b
        anthology contributor list
    """
    from anthology.editorial.tracking.people import chapters_of

    book = state().book()
    if fmt == "json":
        echo_json([{
            "id": p.id, "name": p.name, "sort_name": p.sort_name, "emails": list(p.emails),
            "affiliation": p.affiliation, "orcid": p.orcid, "bio": p.bio,
            "roles": list(p.roles), "chapters": [c.id for c in chapters_of(book, p.id)],
            "editor": p.id in book.config.editors} for p in book.contributors])
        return
    if not book.contributors:
        echo("No contributors yet. Add one with `anthology contributor add`.")
        return
    width = max(len(p.id) for p in book.contributors)
    for person in book.contributors:
        chapters = ", ".join(c.id for c in chapters_of(book, person.id))
        role = " (editor)" if person.id in book.config.editors else ""
        line = f"{person.id:<{width}}  {person.name}{role}"
        if person.affiliation:
            line += f", {person.affiliation}"
        if chapters:
            line += f"  [{chapters}]"
        echo(line)


@contributor_group.command("show")
@click.argument("contributor_id")
def contributor_show_command(contributor_id: str) -> None:
    """Show everything known about one person.

    Example:

    \b
        anthology contributor show jane-doe
    """
    from anthology.editorial.tracking.people import find_contributor

    book = state().book()
    echo("\n".join(_person_lines(book, find_contributor(book, contributor_id))))


@contributor_group.command("edit")
@click.argument("contributor_id")
@click.option("--name", help="Full name.")
@click.option("--sort-name", help='Name as sorted, e.g. "Doe, Jane" ("" removes it).')
@click.option("--email", "emails", multiple=True,
              help="E-mail address; repeat for more. Replaces the list.")
@click.option("--affiliation", help='Institution ("" removes it).')
@click.option("--orcid", help='ORCID iD ("" removes it).')
@click.option("--bio", help='Short biography ("" removes it).')
@click.option("--role", "roles", multiple=True, help="Role tag; repeatable. Replaces the list.")
def contributor_edit_command(contributor_id: str, name: str | None, sort_name: str | None,
                             emails: tuple[str, ...], affiliation: str | None,
                             orcid: str | None, bio: str | None,
                             roles: tuple[str, ...]) -> None:
    """Change a person's details; other fields and hand edits are kept.

    Example:

    \b
        anthology contributor edit jane-doe --affiliation "University of Leeds"
    """
    from anthology.editorial.tracking.people import edit_contributor

    person = edit_contributor(state().root(), contributor_id, name=name, sort_name=sort_name,
                              emails=list(emails) or None, affiliation=affiliation,
                              orcid=orcid, bio=bio, roles=list(roles) or None)
    echo(f"Updated {person.name} ({person.id}).")


@contributor_group.command("remove")
@click.argument("contributor_id")
def contributor_remove_command(contributor_id: str) -> None:
    """Remove a person who is not an author of any chapter.

    Example:

    \b
        anthology contributor remove jane-doe
    """
    from anthology.editorial.tracking.people import remove_contributor

    person = remove_contributor(state().root(), contributor_id)
    echo(f"Removed {person.name} ({person.id}).")
