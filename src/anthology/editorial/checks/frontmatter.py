"""Front matter: a title and authors, registered contributors, and agreement with chapters.yaml.

A chapter's front matter is the truth about its text; chapters.yaml is the truth about the plan.
Where they disagree the editor has to decide which is right, so we say so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from anthology.chapters.manuscript import Manuscript
from anthology.core.config import as_written, describe, did_you_mean
from anthology.core.findings import Finding, error, warning
from anthology.core.model import Chapter


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def check_front_matter(manuscript: Manuscript, chapter: Chapter,
                       people: Collection[str]) -> list[Finding]:
    """frontmatter.type, no-title, no-authors, unknown-author, title-differs,
    authors-differ."""
    broken = {"frontmatter.missing", "frontmatter.syntax", "frontmatter.unclosed"}
    if not manuscript.readable or broken & {f.code for f in manuscript.findings}:
        return []
    wrong = _type_problems(manuscript, chapter)
    out = list(wrong.values())
    name, lines = manuscript.name, manuscript.meta_lines
    title = manuscript.text("title")
    if "title" in wrong:
        pass  # reported as the wrong type
    elif title is None:
        out.append(error("frontmatter.no-title", name, lines.get("title", 2),
                         "the front matter has no title.",
                         f"Add a line such as: title: \"{chapter.title}\"", chapter=chapter.id))
    elif not _same(title, chapter.title):
        out.append(warning("frontmatter.title-differs", name, lines.get("title"),
                           f"the title '{title}' differs from the title in chapters.yaml, "
                           f"'{chapter.title}'.", "Ask the editors which one is right, and make "
                           "them the same.", chapter=chapter.id))
    if "authors" in wrong:
        return out
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


TEXT_KEYS = ("title", "subtitle", "short-title", "abstract", "lang")
LIST_KEYS = ("authors", "keywords", "bibliography")


def _type_problems(manuscript: Manuscript, chapter: Chapter) -> dict[str, Finding]:
    """frontmatter.type, by key: text keys that are not text, list keys not lists of text."""
    out: dict[str, Finding] = {}
    for key, value in manuscript.meta.items():
        line = manuscript.meta_lines.get(key)
        if key in TEXT_KEYS and value is not None and not isinstance(value, str):
            hint = (f'Put it in quotes: {key}: "{as_written(value)}"'
                    if isinstance(value, (int, float, bool, dt.date)) else
                    f'Write it as one line of text: {key}: "..."')
            out[key] = (error("frontmatter.type", manuscript.name, line,
                             f"'{key}' should be text, not {describe(value)}.", hint,
                             chapter=chapter.id))
        elif key in LIST_KEYS and value is not None:
            if isinstance(value, str):
                out[key] = (error("frontmatter.type", manuscript.name, line,
                                 f"'{key}' should be a list, not the text '{value}'.",
                                 f"Write it as a list: {key}: [{value}]", chapter=chapter.id))
            elif not isinstance(value, list):
                out[key] = (error("frontmatter.type", manuscript.name, line,
                                 f"'{key}' should be a list, not {describe(value)}.",
                                 f"Write it as a list: {key}: [...]", chapter=chapter.id))
            elif any(not isinstance(item, str) for item in value):
                bad = next(item for item in value if not isinstance(item, str))
                out[key] = (error("frontmatter.type", manuscript.name, line,
                                 f"each item of '{key}' should be text, not "
                                 f"{describe(bad)}.", f'Put it in quotes: "{as_written(bad)}"',
                                 chapter=chapter.id))
    return out
