"""`load_book`: book.yaml, contributors.yaml and chapters.yaml read, checked against each other
and made into a `Book`, or a ConfigError carrying one Finding per problem."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from anthology.core.config.book import book_config
from anthology.core.config.reading import (
    BOOK_FILE,
    CHAPTERS_FILE,
    CONTRIBUTORS_FILE,
    ParsedFiles,
    read_yaml,
)
from anthology.core.config.registries import chapters, contributors
from anthology.core.config.suggest import did_you_mean
from anthology.core.errors import ConfigError
from anthology.core.findings import Finding, error
from anthology.core.model import Book
from anthology.core.yamlio import YList


def load_book(root: Path, *, keep_parsed: bool = False) -> Book:
    """Read and validate the whole book folder; raise ConfigError listing every problem.

    The parsed YAML files are kept in build/.cache when a command has made that folder, or
    with `keep_parsed` (for the commands that fill it: the next one need not parse them).
    """
    return _load_book(root, {}, keep_parsed)


def load_book_texts(root: Path, texts: Mapping[str, str]) -> Book:
    """Like `load_book`, with some files' text given (by name) instead of read from disk.

    Writers validate what they are about to write with this before writing it.
    """
    return _load_book(root, texts, False)


def _load_book(root: Path, texts: Mapping[str, str], keep_parsed: bool) -> Book:
    findings: list[Finding] = []
    parsed = ParsedFiles(root)
    book_data = read_yaml(root, BOOK_FILE, findings, required=True, texts=texts, parsed=parsed)
    before = len(findings)
    contributors_data = read_yaml(root, CONTRIBUTORS_FILE, findings, required=False,
                                  texts=texts, parsed=parsed)
    # When contributors.yaml cannot be read, every author and editor would look unknown: say
    # what is wrong with the file once rather than bury it under one message per chapter.
    people_known = len(findings) == before
    chapters_data = read_yaml(root, CHAPTERS_FILE, findings, required=False, texts=texts,
                              parsed=parsed)
    config = book_config(root, book_data, findings) if book_data is not None else None
    people = contributors(root, contributors_data, findings)
    ids = {p.id for p in people}
    plan = chapters(root, chapters_data, ids if people_known else None, findings)
    if config is not None and book_data is not None and people_known:
        editors = book_data.get("editors")
        for index, editor in enumerate(config.editors):
            if editor not in ids:
                line = editors.line_of(index) if isinstance(editors, YList) else \
                    book_data.line_of("editors")
                findings.append(error("config.unknown-contributor", BOOK_FILE, line,
                                      f"the editor '{editor}' is not in {CONTRIBUTORS_FILE}.",
                                      did_you_mean(editor, ids) or
                                      "Add them with `anthology contributor add`, or fix the id."))
    if findings or config is None:
        raise ConfigError(_config_summary(findings), findings)
    parsed.save(create=keep_parsed)
    return Book(root, config, people, plan)


def _config_summary(findings: list[Finding]) -> str:
    n = len(findings)
    return (f"The book's configuration has {n} problem{'' if n == 1 else 's'}; nothing was "
            "changed. Fix them and run the command again.")
