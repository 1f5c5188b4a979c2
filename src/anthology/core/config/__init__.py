"""Load and validate a book folder: every problem reported at once, nothing written.

`load_book` reads book.yaml, contributors.yaml and chapters.yaml, checks them against each other
and returns a `Book`, or raises `ConfigError` carrying one Finding per problem. The modules:
`keys` (how a key is declared and read), `book` (book.yaml's keys), `registries`
(contributors.yaml and chapters.yaml), `reviews` (a chapter's reviews), `reading` (finding the
book, reading and caching its YAML files), `loader` (the three files together), `reference`
(the README's tables of keys, written from the declarations), `identifiers` and `suggest`.
"""

from anthology.core.config.book import BOOK
from anthology.core.config.identifiers import (
    EMAIL_PATTERN,
    ID_PATTERN,
    isbn_problem,
    orcid_problem,
    slugify,
)
from anthology.core.config.keys import MAX_COUNT, Key, Kind, Table, as_written, describe
from anthology.core.config.loader import load_book, load_book_texts
from anthology.core.config.reading import (
    BOOK_FILE,
    CHAPTERS_FILE,
    CONTRIBUTORS_FILE,
    ENV_BOOK,
    find_book_root,
    unreadable,
)
from anthology.core.config.registries import CHAPTER, CONTRIBUTOR, EVENT, parse_status
from anthology.core.config.reviews import REVIEW
from anthology.core.config.suggest import did_you_mean, suggest
from anthology.core.model import BookConfig

__all__ = [
    "BOOK",
    "BOOK_FILE",
    "CHAPTER",
    "CHAPTERS_FILE",
    "CONTRIBUTOR",
    "CONTRIBUTORS_FILE",
    "EMAIL_PATTERN",
    "ENV_BOOK",
    "EVENT",
    "ID_PATTERN",
    "MAX_COUNT",
    "REVIEW",
    "BookConfig",
    "Key",
    "Kind",
    "Table",
    "as_written",
    "describe",
    "did_you_mean",
    "find_book_root",
    "isbn_problem",
    "load_book",
    "load_book_texts",
    "orcid_problem",
    "parse_status",
    "slugify",
    "suggest",
    "unreadable",
]
