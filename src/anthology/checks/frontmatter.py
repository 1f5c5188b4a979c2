"""Front matter: a title and authors, registered contributors, and agreement with chapters.yaml.

A chapter's front matter is the truth about its text; chapters.yaml is the truth about the plan.
Where they disagree the editor has to decide which is right, so we say so.
"""

from __future__ import annotations

from collections.abc import Collection

from anthology.config import did_you_mean
from anthology.findings import Finding, error, warning
from anthology.manuscript import Manuscript
from anthology.model import Chapter


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def check_front_matter(manuscript: Manuscript, chapter: Chapter,
                       people: Collection[str]) -> list[Finding]:
    """frontmatter.no-title, no-authors, unknown-author, title-differs, authors-differ."""
    broken = {"frontmatter.missing", "frontmatter.syntax", "frontmatter.unclosed"}
    if not manuscript.readable or broken & {f.code for f in manuscript.findings}:
        return []
    out: list[Finding] = []
    name, lines = manuscript.name, manuscript.meta_lines
    title = manuscript.text("title")
    if title is None:
        out.append(error("frontmatter.no-title", name, lines.get("title", 2),
                         "the front matter has no title.",
                         f"Add a line such as: title: \"{chapter.title}\"", chapter=chapter.id))
    elif not _same(title, chapter.title):
        out.append(warning("frontmatter.title-differs", name, lines.get("title"),
                           f"the title '{title}' differs from the title in chapters.yaml, "
                           f"'{chapter.title}'.", "Ask the editors which one is right, and make "
                           "them the same.", chapter=chapter.id))
    authors = manuscript.text_list("authors")
    if not authors:
        example = ", ".join(chapter.authors) or "your-id"
        out.append(error("frontmatter.no-authors", name, lines.get("authors", 2),
                         "the front matter names no authors.",
                         f"Add a line such as: authors: [{example}]", chapter=chapter.id))
        return out
    for author in authors:
        if author not in people:
            out.append(error("frontmatter.unknown-author", name, lines.get("authors"),
                             f"the author '{author}' is not a registered contributor.",
                             did_you_mean(author, people) or "Use the id from contributors.yaml, "
                             "or ask the editors to register you.", chapter=chapter.id))
    if chapter.authors and tuple(authors) != tuple(chapter.authors):
        out.append(warning("frontmatter.authors-differ", name, lines.get("authors"),
                           f"the authors [{', '.join(authors)}] differ from chapters.yaml, which "
                           f"has [{', '.join(chapter.authors)}].", "Ask the editors which list "
                           "is right (order counts), and make them the same.",
                           chapter=chapter.id))
    return out
