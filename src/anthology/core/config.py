"""Load and validate a book folder: every problem reported at once, nothing written.

`load_book` reads book.yaml, contributors.yaml and chapters.yaml, checks them against each other
and returns a `Book`, or raises `ConfigError` carrying one Finding per problem.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from anthology.core.errors import ConfigError
from anthology.core.findings import Finding, error
from anthology.core.model import (
    FORMAT_VERSION,
    SCHEDULE_KEYS,
    WORD_PARTS,
    Book,
    BookConfig,
    BuildOptions,
    Chapter,
    Contributor,
    Event,
    PageSetup,
    Status,
    WordRules,
)
from anthology.core.typography import QUOTE_STYLES
from anthology.core.yamlio import (
    ImpossibleDate,
    YamlError,
    YDict,
    YList,
    document_from_json,
    document_to_json,
    load_yaml,
    parser_identity,
)

BOOK_FILE = "book.yaml"
CONTRIBUTORS_FILE = "contributors.yaml"
CHAPTERS_FILE = "chapters.yaml"
ENV_BOOK = "ANTHOLOGY_BOOK"

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
EMAIL_PATTERN = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
LENGTH_PATTERN = re.compile(r"^[0-9]+(?:\.[0-9]+)?(?:mm|cm|in|pt|px)$")
LANGUAGE_PATTERN = re.compile(r"^[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{2,8})*$")
CSL_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# The largest count (words, rounds) a book can mean: larger is a typing slip.
MAX_COUNT = 10_000_000

T = TypeVar("T")


def find_book_root(start: Path, explicit: Path | None = None) -> Path:
    """The book folder: `--book`, else `ANTHOLOGY_BOOK`, else the nearest parent with book.yaml."""
    chosen = explicit or (Path(os.environ[ENV_BOOK]) if os.environ.get(ENV_BOOK) else None)
    if chosen is not None:
        if not (chosen / BOOK_FILE).is_file():
            raise ConfigError(f"{chosen} is not a book folder: it has no {BOOK_FILE}. "
                              "Give the folder that holds book.yaml, or run `anthology init "
                              f"{chosen}` to start a new book there.")
        return chosen.resolve()
    here = start.resolve()
    for folder in (here, *here.parents):
        if (folder / BOOK_FILE).is_file():
            return folder
    raise ConfigError(f"No book found: neither {here} nor any folder above it has a {BOOK_FILE}. "
                      "Run anthology inside a book folder, pass --book DIR, or start a new book "
                      "with `anthology init DIR`.")


# Letters that Unicode does not decompose into an ASCII letter and an accent, so that
# 'Łukasiewicz' is not 'ukasiewicz' and 'Þórðarson' not 'orarson'; Greek and Cyrillic names
# get a plain transliteration (ELOT 743 and a simple Russian/Ukrainian scheme).
_TRANSLITERATION = str.maketrans({
    "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "ŀ": "l", "ŧ": "t", "ŋ": "ng",
    "æ": "ae", "œ": "oe", "ß": "ss", "þ": "th", "ð": "d", "ĳ": "ij",
    "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th",
    "ι": "i", "κ": "k", "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p",
    "ρ": "r", "σ": "s", "ς": "s", "τ": "t", "υ": "y", "φ": "f", "χ": "ch", "ψ": "ps",
    "ω": "o",
    "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "є": "ye",
    "ё": "yo", "ж": "zh", "з": "z", "и": "i", "і": "i", "ї": "yi", "й": "y", "к": "k",
    "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "",
    "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
})


def slugify(text: str, fallback: str = "book") -> str:
    """A lowercase ASCII id made of words and hyphens: 'Jane O'Neil' -> 'jane-oneil'.

    Latin letters lose their accents, Greek and Cyrillic are transliterated; text with no
    letter that can be written in ASCII (a name in Chinese, say) gives `fallback`.
    """
    lowered = unicodedata.normalize("NFKD", text.lower())
    lowered = "".join(c for c in lowered if not unicodedata.combining(c))
    for digraph, latin in (("ου", "ou"), ("αυ", "av"), ("ευ", "ev")):
        lowered = lowered.replace(digraph, latin)
    ascii_text = lowered.translate(_TRANSLITERATION).encode("ascii", "ignore").decode()
    ascii_text = re.sub(r"['\u2019]", "", ascii_text)
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-") or fallback


def suggest(word: str, choices: Iterable[str]) -> str | None:
    """The closest choice to `word`, if one is close enough."""
    import difflib

    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`Did you mean 'x'?` or an empty string."""
    match = suggest(word, choices)
    return f"Did you mean '{match}'?" if match else ""


def orcid_problem(orcid: str) -> str | None:
    """Why an ORCID iD is not valid (form, or ISO 7064 11,2 check digit), or None."""
    value = orcid.strip()
    for prefix in ("https://orcid.org/", "http://orcid.org/", "orcid.org/"):
        if value.startswith(prefix):
            value = value[len(prefix):]
    if not re.fullmatch(r"[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]", value):
        return "an ORCID iD has the form 0000-0002-1825-0097 (16 digits in four groups; the last "\
               "may be X)"
    digits = value.replace("-", "")
    total = 0
    for char in digits[:-1]:
        total = (total + int(char)) * 2
    check = (12 - total % 11) % 11
    expected = "X" if check == 10 else str(check)
    if digits[-1] != expected:
        return f"its last character should be {expected} by the ORCID checksum, so a digit is "\
               "probably mistyped"
    return None


def isbn_problem(isbn: str) -> str | None:
    """Why an ISBN-13 is not valid, or None."""
    digits = re.sub(r"[\s-]", "", isbn)
    if not re.fullmatch(r"97[89][0-9]{10}", digits):
        return "an ISBN has 13 digits starting with 978 or 979"
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits[:12]))
    check = (10 - total % 10) % 10
    if int(digits[-1]) != check:
        return f"its check digit should be {check}, so a digit is probably mistyped"
    return None


_TYPE_WORDS = {str: "text", int: "a whole number", bool: "true or false", dt.date: "a date",
               list: "a list", dict: "a group of keys", float: "a number",
               YDict: "a group of indented keys"}


def as_written(value: Any) -> str:
    """A YAML scalar as it was written in the file: `true`, `2027-03-31`, `42`."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _describe(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, (YDict, dict)):
        return "a group of keys"
    if isinstance(value, (YList, list)):
        return "a list"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return f"the text '{value}'"


def describe(value: Any) -> str:
    """A YAML value in words, for messages: "the number 42", "a list", "the text 'x'"."""
    return _describe(value)


class _Section:
    """Reads typed values out of one YAML mapping, collecting a Finding for each problem."""

    def __init__(self, file: str, data: YDict, findings: list[Finding], where: str = "") -> None:
        self.file = file
        self.data = data
        self.findings = findings
        self.where = where

    def _name(self, key: str) -> str:
        return f"'{self.where}{key}'"

    def problem(self, key: str | None, message: str, hint: str, code: str = "config.value",
                line: int | None = None) -> None:
        self.findings.append(error(code, self.file, line or (
            self.data.line_of(key) if key else self.data.line), message, hint))

    def check_keys(self, allowed: Iterable[str], what: str) -> None:
        allowed = list(allowed)
        for key in self.data:
            if key not in allowed:
                hint = did_you_mean(key, allowed) or \
                       f"Remove it; {what} accepts: {', '.join(allowed)}."
                self.problem(key, f"unknown key {self._name(key)}.", hint, "config.unknown-key")

    def _typed(self, key: str, kind: type, required: bool, example: str,
               number_ok: bool = False) -> Any:
        if key not in self.data or self.data[key] is None:
            if required:
                self.problem(None, f"the required key {self._name(key)} is missing.",
                             f"Add it, for example: {key}: {example}", "config.missing-key")
            return None
        value = self.data[key]
        if kind is str and isinstance(value, (int, float)) and not isinstance(value, bool):
            # YAML reads `title: 1984` as a number: text keys want it quoted, so that what is
            # printed is what was written (`01234` would be 668, `2.10` would be 2.1).
            if not number_ok:
                self.problem(key, f"{self._name(key)} should be text, not {_describe(value)}.",
                             f'Put it in quotes: {key}: "{value}"', "config.type")
                return None
            value = str(value)
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if not ok:
            if kind is dt.date and isinstance(value, ImpossibleDate):
                self.problem(key, f"{self._name(key)} is '{value}', which is not a real date.",
                             "Write dates as YYYY-MM-DD, for example 2027-03-31.", "config.date")
            elif kind is dt.date:
                self.problem(key, f"{self._name(key)} should be a date written YYYY-MM-DD, not "
                             f"{_describe(value)}.", f"For example: {key}: {example}",
                             "config.date")
            else:
                quote = kind is str and isinstance(value, (bool, dt.date))
                hint = f'Put it in quotes: {key}: "{as_written(value)}"' if quote else \
                    f"For example: {key}: {example}"
                self.problem(key, f"{self._name(key)} should be {_TYPE_WORDS[kind]}, not "
                             f"{_describe(value)}.", hint, "config.type")
            return None
        return value

    def text(self, key: str, required: bool = False, example: str = "...",
             number_ok: bool = False) -> str | None:
        value = self._typed(key, str, required, example, number_ok)
        if isinstance(value, str) and not value.strip():
            if required:
                self.problem(key, f"{self._name(key)} is empty.", f"Write it, for example: "
                             f"{key}: {example}", "config.missing-key")
            return None
        return value.strip() if isinstance(value, str) else None

    def integer(self, key: str, required: bool = False, example: str = "8000",
                minimum: int | None = 0, maximum: int = MAX_COUNT) -> int | None:
        value = self._typed(key, int, required, example)
        if isinstance(value, int) and minimum is not None and value < minimum:
            self.problem(key, f"{self._name(key)} should be at least {minimum}, not {value}.",
                         f"For example: {key}: {example}")
            return None
        if isinstance(value, int) and value > maximum:
            self.problem(key, f"{self._name(key)} should be at most {maximum:,}, not "
                         f"{value:,}.", f"For example: {key}: {example}")
            return None
        return value  # type: ignore[no-any-return]

    def boolean(self, key: str, default: bool) -> bool:
        value = self._typed(key, bool, False, "true")
        return default if value is None else bool(value)

    def date(self, key: str, required: bool = False, example: str = "2027-03-31") -> dt.date | None:
        return self._typed(key, dt.date, required, example)  # type: ignore[no-any-return]

    def section(self, key: str) -> _Section | None:
        value = self._typed(key, YDict, False, "(indented keys)")
        if value is None:
            return None
        return _Section(self.file, value, self.findings, f"{self.where}{key}.")

    def text_list(self, key: str, required: bool = False, example: str = "[a, b]"
                  ) -> tuple[str, ...]:
        if key not in self.data or self.data[key] is None:
            if required:
                self.problem(None, f"the required key {self._name(key)} is missing.",
                             f"Add it, for example: {key}: {example}", "config.missing-key")
            return ()
        value = self.data[key]
        if not isinstance(value, YList):
            hint = f"Write it as a list: {key}: [{value}]" if isinstance(value, str) else \
                f"For example: {key}: {example}"
            self.problem(key, f"{self._name(key)} should be a list, not {_describe(value)}.",
                         hint, "config.type")
            return ()
        items: list[str] = []
        for index, item in enumerate(value):
            if isinstance(item, (int, float)) and not isinstance(item, bool):
                item = str(item)
            if not isinstance(item, str) or not item.strip():
                self.problem(key, f"item {index + 1} of {self._name(key)} should be text, not "
                             f"{_describe(item)}.", f"For example: {key}: {example}",
                             "config.type", line=value.line_of(index))
                continue
            items.append(item.strip())
        return tuple(items)


class _Parsed:
    """The book's YAML files as parsed before, under build/.cache/yaml: one entry per file,
    trusted only when its key (the file's text, anthology's version and the parser's code)
    matches, so an unchanged file is not parsed again. PyYAML's pure-Python parser (needed for
    the line numbers) is most of a command's time on a big book otherwise.

    Entries are written only once the whole book has loaded without a problem (a bad
    configuration changes nothing), and only where a command has made the cache folder already,
    unless the command is about to fill it anyway (`keep_parsed`).
    """

    def __init__(self, root: Path) -> None:
        from anthology.core.cache import Cache

        self.cache = Cache(root / "build" / ".cache")
        self.fresh: list[tuple[str, dict[str, Any]]] = []

    @staticmethod
    def _slot(name: str) -> str:
        from anthology.core.cache import digest

        return digest("yaml-slot", name)

    def load(self, name: str, text: str) -> Any:
        """`load_yaml(text)`, from the cache when the text was parsed before."""
        key = _parse_key(text)
        slot = self._slot(name)
        try:
            stored = self.cache.get_json("yaml", slot)
        except OSError:
            stored = None
        if isinstance(stored, dict) and stored.get("key") == key:
            with contextlib.suppress(ValueError, TypeError, IndexError, KeyError):
                return document_from_json(stored["data"])
        data = load_yaml(text)
        self.fresh.append((slot, {"key": key, "data": document_to_json(data)}))
        return data

    def save(self, create: bool = False) -> None:
        """Store what was parsed afresh, in a cache folder that exists (or is `create`d); a
        cache that cannot be written is left alone."""
        if not self.fresh or not (create or self.cache.folder.is_dir()):
            return
        for slot, value in self.fresh:
            with contextlib.suppress(OSError, UnicodeError):
                self.cache.put_json("yaml", slot, value)
        self.fresh = []


def _parse_key(text: str) -> str:
    from anthology import __version__
    from anthology.core.cache import digest

    return digest("yaml", __version__, parser_identity(), text)


def _read_yaml(root: Path, name: str, findings: list[Finding], required: bool,
               texts: Mapping[str, str] | None = None,
               parsed: _Parsed | None = None) -> YDict | None:
    path = root / name
    if texts is not None and name in texts:
        text = texts[name]
        parsed = None  # text about to be written, not the file's
    elif not path.exists():
        if required:
            findings.append(error("config.missing-file", name, None, f"{name} is missing.",
                                  "Create it (run `anthology init` in an empty folder to see "
                                  "an example)."))
        return None
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            line = path.read_bytes()[:exc.start].count(b"\n") + 1
            findings.append(error("config.encoding", name, line,
                                  f"is not UTF-8 text (byte {exc.start}).",
                                  "Save the file as UTF-8 in your editor."))
            return None
        except OSError as exc:
            findings.append(unreadable(name, exc))
            return None
    try:
        data = parsed.load(name, text) if parsed is not None else load_yaml(text)
    except YamlError as exc:
        code = "config.conflict" if "conflict" in exc.message else "config.yaml"
        findings.append(error(code, name, exc.line, f"{name} {exc.message}", exc.hint or None))
        return None
    if data is None:
        data = YDict()
        data.line, data.key_lines = 1, {}
    if not isinstance(data, YDict):
        findings.append(error("config.type", name, 1, f"{name} should be a set of keys such as "
                              "'title: ...', not a list or a single value.",
                              "Compare it with the example in the README."))
        return None
    version = data.get("format", FORMAT_VERSION)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        findings.append(error("config.type", name, data.line_of("format"),
                              f"'format' should be a whole number such as {FORMAT_VERSION}, not "
                              f"{_describe(version)}.", f"Write: format: {FORMAT_VERSION}"))
        return None
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        from anthology.core.installation import running_installation

        findings.append(error("config.format", name, data.line_of("format"),
                              f"{name} was written by a newer version of anthology "
                              f"(format {version}; this version reads format {FORMAT_VERSION}).",
                              "Upgrade anthology before using it on this book: "
                              f"{running_installation().upgrade_line}."))
        return None
    return data


def unreadable(name: str, exc: OSError, code: str = "config.unreadable") -> Finding:
    """The finding for a file that exists but cannot be read (permissions, a folder)."""
    if isinstance(exc, IsADirectoryError) or Path(name).is_dir():
        return error(code, name, None, f"{name} is a folder, not a file.",
                     "Put the file itself at this path.")
    if isinstance(exc, PermissionError):
        return error(code, name, None, f"{name} cannot be read: permission denied.",
                     f"Let your user read it (for example: chmod u+rw {name}).")
    return error(code, name, None, f"{name} cannot be read: "
                 f"{(exc.strerror or str(exc)).lower()}.", "Check the file and the disk.")


def _page(section: _Section | None) -> PageSetup:
    if section is None:
        return PageSetup()
    section.check_keys(("size", "margins"), "page")
    default = PageSetup()
    width, height = default.width, default.height
    size = section.text_list("size", example="[156mm, 234mm]")
    if size:
        if len(size) != 2 or not all(LENGTH_PATTERN.match(s) for s in size):
            section.problem("size", f"'page.size' should be a width and a height such as "
                            f"[156mm, 234mm], not {list(size)}.",
                            "Use lengths in mm, cm, in or pt.")
        else:
            width, height = size
    margins = {"top": default.top, "bottom": default.bottom, "inner": default.inner,
               "outer": default.outer}
    margin_section = section.section("margins")
    if margin_section is not None:
        margin_section.check_keys(margins, "page.margins")
        for key in margins:
            value = margin_section.text(key, example="20mm")
            if value is None:
                continue
            if not LENGTH_PATTERN.match(value):
                margin_section.problem(key, f"'page.margins.{key}' should be a length such as "
                                       f"20mm, not '{value}'.", "Use mm, cm, in or pt.")
            else:
                margins[key] = value
    return PageSetup(width, height, margins["top"], margins["bottom"], margins["inner"],
                     margins["outer"])


def _words(section: _Section | None) -> WordRules:
    if section is None:
        return WordRules()
    section.check_keys(("chapter_limit", "chapter_minimum", "book_limit", "count"), "words")
    count = section.text_list("count", example="[body, notes]") or ("body", "notes")
    for part in count:
        if part not in WORD_PARTS:
            section.problem("count", f"'words.count' names '{part}', which is not a part of a "
                            "chapter anthology counts.",
                            did_you_mean(part, WORD_PARTS) or
                            f"Choose from: {', '.join(WORD_PARTS)}.")
    return WordRules(section.integer("chapter_limit"), section.integer("chapter_minimum"),
                     section.integer("book_limit", example="100000"), count)


def _schedule(section: _Section | None, what: str) -> dict[str, dt.date]:
    if section is None:
        return {}
    section.check_keys(SCHEDULE_KEYS, what)
    schedule = {}
    for key in SCHEDULE_KEYS:
        value = section.date(key)
        if value is not None:
            schedule[key] = value
    return schedule


def _book_file(root: Path, section: _Section, key: str, example: str) -> str | None:
    """A key naming a file of the book (build.css, build.cover): None, and a problem, when the
    file is missing or outside the book folder."""
    name = section.text(key, example=example)
    if name is None or _inside_file(root, name):
        return name
    if Path(name).is_absolute() or ".." in Path(name).parts or (root / name).is_symlink() \
            or (root / name).exists():
        section.problem(key, f"{section._name(key)} names {name}, which is not inside the book "
                        "folder.", f"Put the file in the book folder and name it from there, "
                        f"for example: {key}: {example}", "config.path")
    else:
        section.problem(key, f"{section._name(key)} names {name}, which does not exist.",
                        f"Check the file name, for example: {key}: {example}",
                        "config.missing-file")
    return None


def _build_options(root: Path, section: _Section | None) -> BuildOptions:
    if section is None:
        return BuildOptions()
    section.check_keys(("abstracts", "keywords", "notes", "list_of_figures", "list_of_tables",
                        "raw_html", "cover", "css", "index"), "build")
    notes = section.text("notes", example="footnotes") or "footnotes"
    if notes not in ("footnotes", "endnotes"):
        section.problem("notes", f"'build.notes' should be footnotes or endnotes, not '{notes}'.",
                        "For example: notes: footnotes")
        notes = "footnotes"
    default = BuildOptions()
    return BuildOptions(
        abstracts=section.boolean("abstracts", default.abstracts),
        keywords=section.boolean("keywords", default.keywords),
        notes=notes,
        list_of_figures=section.boolean("list_of_figures", default.list_of_figures),
        list_of_tables=section.boolean("list_of_tables", default.list_of_tables),
        raw_html=section.boolean("raw_html", default.raw_html),
        index=section.boolean("index", default.index),
        cover=_book_file(root, section, "cover", "covers/front.png"),
        css=_book_file(root, section, "css", "styles/book.css"),
    )


BOOK_KEYS = ("format", "title", "subtitle", "slug", "editors", "publisher", "place", "year",
             "edition", "language", "isbn", "doi", "licence", "subject", "keywords",
             "description", "csl", "bibliography", "page", "words", "schedule", "build",
             "typography")


def _quotes(section: _Section | None) -> str | None:
    """`typography.quotes`: single or double, or None to follow the book's language."""
    if section is None:
        return None
    section.check_keys(("quotes",), "typography")
    quotes = section.text("quotes", example="single")
    if quotes is not None and quotes not in QUOTE_STYLES:
        section.problem("quotes", f"'typography.quotes' should be single or double, not "
                        f"'{quotes}'.", "For example: quotes: single (British: ‘outer "
                        "“inner”’) or quotes: double (American).")
        return None
    return quotes


def _book_config(root: Path, data: YDict, findings: list[Finding]) -> BookConfig:
    s = _Section(BOOK_FILE, data, findings)
    s.check_keys(BOOK_KEYS, BOOK_FILE)
    title = s.text("title", required=True, example="Co-production in Mental Health") or ""
    slug = s.text("slug", example="my-book") or slugify(title)
    if not ID_PATTERN.match(slug):
        s.problem("slug", f"'slug' should be lowercase letters, digits and hyphens, not '{slug}'.",
                  f"For example: slug: {slugify(slug)}")
    language = s.text("language", example="en-GB") or "en-GB"
    if not LANGUAGE_PATTERN.match(language):
        s.problem("language", f"'language' should be a language tag such as en-GB, not "
                  f"'{language}'.", "For example: language: en-GB")
    isbn_print = isbn_epub = None
    isbn = s.section("isbn")
    if isbn is not None:
        isbn.check_keys(("print", "epub"), "isbn")
        isbn_print = isbn.text("print", example='"978-1-2345-6789-7"', number_ok=True)
        isbn_epub = isbn.text("epub", example='"978-1-2345-6789-7"', number_ok=True)
        for key, value in (("print", isbn_print), ("epub", isbn_epub)):
            why = isbn_problem(value) if value else None
            if why:
                isbn.problem(key, f"'isbn.{key}' {value} is not a valid ISBN: {why}.",
                             "Copy the ISBN again from the publisher's letter.")
    csl = s.text("csl", example="harvard-cite-them-right") or "chicago-author-date"
    if csl.endswith(".csl"):
        if not _inside_file(root, csl):
            s.problem("csl", f"'csl' names the style file {csl}, which does not exist inside "
                      "the book folder.", "Check the path, or give a style name such as "
                      "harvard-cite-them-right.", "config.csl")
            csl = "chicago-author-date"
    elif not CSL_NAME_PATTERN.match(csl):
        s.problem("csl", f"'csl' should be a style name such as harvard-cite-them-right or a "
                  f"file ending in .csl, not '{csl}'.", "For example: csl: apa", "config.csl")
        csl = "chicago-author-date"
    bibliography = s.text_list("bibliography", example="[references/book.bib]")
    for index, name in enumerate(bibliography):
        line = data["bibliography"].line_of(index) if isinstance(data.get("bibliography"),
                                                                 YList) else data.line_of(
            "bibliography")
        if not _inside_file(root, name):
            s.problem(None, f"the bibliography {name} does not exist inside the book folder.",
                      "Check the file name, or remove it from 'bibliography'.",
                      "config.missing-file", line=line)
    year = s.integer("year", example="2027", minimum=1000, maximum=9999)
    return BookConfig(
        title=title, slug=slug, subtitle=s.text("subtitle"),
        editors=s.text_list("editors", required=True, example="[jane-doe]"),
        publisher=s.text("publisher"), place=s.text("place"), year=year,
        edition=s.text("edition", number_ok=True), language=language, isbn_print=isbn_print,
        isbn_epub=isbn_epub, doi=s.text("doi"), licence=s.text("licence"),
        subject=s.text("subject"), keywords=s.text_list("keywords"),
        description=s.text("description"), csl=csl, bibliography=bibliography,
        page=_page(s.section("page")), words=_words(s.section("words")),
        schedule=_schedule(s.section("schedule"), "schedule"),
        build=_build_options(root, s.section("build")),
        quotes=_quotes(s.section("typography")),
    )


def _inside_path(root: Path, path: Path) -> bool:
    from anthology.core.files import is_inside

    return is_inside(root, path)


def _inside_file(root: Path, name: str) -> bool:
    from anthology.core.files import resolve_inside

    return resolve_inside(root, root, name) is not None


CONTRIBUTOR_KEYS = ("id", "name", "sort_name", "emails", "affiliation", "orcid", "bio", "roles")


def _items(data: YDict | None, key: str, file: str, findings: list[Finding]
           ) -> list[tuple[YDict, int]]:
    if data is None:
        return []
    s = _Section(file, data, findings)
    s.check_keys(("format", key), file)
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, YList):
        s.problem(key, f"'{key}' should be a list (each item starting with '- id:'), not "
                  f"{_describe(value)}.", "Compare it with the example in the README.",
                  "config.type")
        return []
    out = []
    for index, item in enumerate(value):
        if not isinstance(item, YDict):
            s.problem(None, f"item {index + 1} of '{key}' should be a group of keys starting "
                      f"with 'id:', not {_describe(item)}.", "Check the indentation.",
                      "config.type", line=value.line_of(index))
            continue
        out.append((item, index))
    return out


def _unique_id(s: _Section, seen: dict[str, int], what: str, example: str) -> str | None:
    ident = s.text("id", required=True, example=example)
    if ident is None:
        return None
    if not ID_PATTERN.match(ident):
        s.problem("id", f"the id '{ident}' should be lowercase letters, digits and hyphens.",
                  f"For example: id: {slugify(ident)}", "config.id")
        return None
    if ident in seen:
        s.problem("id", f"the id '{ident}' is used twice (also on line {seen[ident]}).",
                  f"Give each {what} a different id.", "config.duplicate-id")
        return None
    seen[ident] = s.data.line_of("id")
    return ident


def _contributors(data: YDict | None, findings: list[Finding]) -> tuple[Contributor, ...]:
    people = []
    seen: dict[str, int] = {}
    for item, _ in _items(data, "contributors", CONTRIBUTORS_FILE, findings):
        s = _Section(CONTRIBUTORS_FILE, item, findings)
        s.check_keys(CONTRIBUTOR_KEYS, "a contributor")
        name = s.text("name", required=True, example="Jane Doe")
        ident = _unique_id(s, seen, "person", slugify(name or "jane-doe"))
        emails = s.text_list("emails", example="[jane.doe@example.ac.uk]")
        for email in emails:
            if not EMAIL_PATTERN.match(email):
                s.problem("emails", f"'{email}' does not look like an e-mail address.",
                          "Write it as name@example.org.")
        orcid = s.text("orcid", example="0000-0002-1825-0097")
        if orcid is not None:
            why = orcid_problem(orcid)
            if why:
                s.problem("orcid", f"the ORCID iD {orcid} of {name or ident} is not valid: "
                          f"{why}.", "Copy it again from the person's orcid.org page.",
                          "config.orcid")
                orcid = None
            else:
                orcid = orcid[-19:]
        if ident is None or name is None:
            continue
        people.append(Contributor(ident, name, s.text("sort_name"), emails,
                                  s.text("affiliation"), orcid, s.text("bio"),
                                  s.text_list("roles"), item.line))
    return tuple(people)


CHAPTER_KEYS = ("id", "title", "authors", "file", "status", "history", "part", "word_limit",
                "due", "abstract", "doi", "reviews")
EVENT_KEYS = ("date", "state", "by", "note", "commit", "round", "forced")


def parse_status(value: str) -> Status | None:
    """The Status named by `value`, or None."""
    try:
        return Status(value.strip().lower())
    except ValueError:
        return None


def _status(s: _Section, key: str, line: int | None = None) -> Status | None:
    value = s.text(key, example="draft")
    if value is None:
        return None
    status = parse_status(value)
    if status is None:
        states = [x.value for x in Status]
        s.problem(key, f"'{value}' is not a workflow state.",
                  did_you_mean(value, states) or f"Use one of: {', '.join(states)}.",
                  "config.state", line=line)
    return status


def _history(s: _Section, findings: list[Finding]) -> tuple[Event, ...]:
    value = s.data.get("history")
    if value is None:
        return ()
    if not isinstance(value, YList):
        s.problem("history", "'history' should be a list of events.",
                  "Each event looks like: - {date: 2026-05-01, state: draft}", "config.type")
        return ()
    events = []
    for index, item in enumerate(value):
        if not isinstance(item, YDict):
            s.problem(None, f"event {index + 1} of 'history' should have 'date:' and 'state:'.",
                      "For example: - {date: 2026-05-01, state: draft}", "config.type",
                      line=value.line_of(index))
            continue
        e = _Section(s.file, item, findings, "history.")
        e.check_keys(EVENT_KEYS, "a history event")
        date = e.date("date", required=True)
        state = _status(e, "state")
        if "state" not in item:
            e.problem(None, "the required key 'history.state' is missing.",
                      "Add it, for example: state: draft", "config.missing-key")
        if date is None or state is None:
            continue
        events.append(Event(date, state, e.text("by"), e.text("note"),
                            e.text("commit", number_ok=True),
                            e.integer("round", minimum=1, maximum=1000),
                            e.boolean("forced", False)))
    return tuple(events)


def _chapters(root: Path, data: YDict | None, people: set[str] | None,
              findings: list[Finding]) -> tuple[Chapter, ...]:
    """The chapters; authors are checked against `people` unless it is None (unreadable)."""
    chapters = []
    seen: dict[str, int] = {}
    files: dict[str, str] = {}
    for item, _ in _items(data, "chapters", CHAPTERS_FILE, findings):
        s = _Section(CHAPTERS_FILE, item, findings)
        s.check_keys(CHAPTER_KEYS, "a chapter")
        ident = _unique_id(s, seen, "chapter", "peer-support")
        title = s.text("title", required=True, example="Peer support in practice")
        authors = s.text_list("authors", example="[jane-doe]")
        for author in authors:
            if people is not None and author not in people:
                line = item["authors"].line_of(authors.index(author)) if isinstance(
                    item.get("authors"), YList) else item.line_of("authors")
                s.problem(None, f"chapter '{ident}' names the author '{author}', who is not in "
                          f"{CONTRIBUTORS_FILE}.", did_you_mean(author, people) or
                          "Add them with `anthology contributor add`, or fix the id.",
                          "config.unknown-contributor", line=line)
        named_status = _status(s, "status")
        status = named_status or Status.PROPOSED
        history = _history(s, findings)
        if history and named_status is not None and history[-1].state is not status:
            s.problem("status", f"chapter '{ident}' has status '{status}', but the last event "
                      f"in its history is '{history[-1].state}'.",
                      "Make them agree: use `anthology mark` to record changes.",
                      "config.state")
        file = s.text("file", example=f"chapters/{ident}.md")
        if file is not None:
            if file in files:
                s.problem("file", f"chapters '{files[file]}' and '{ident}' both use the file "
                          f"{file}.", "Give each chapter its own file.", "config.duplicate-file")
            files[file] = ident or "?"
            path = root / file
            if path.is_dir() and not path.is_symlink() and _inside_path(root, path):
                s.problem("file", f"the file {file} of chapter '{ident}' is a folder, not a "
                          "file.", "Give the path of the chapter's Markdown file in 'file:', or "
                          "move the folder out of the way.",
                          "config.file")
            elif not _inside_file(root, file) and (path.is_symlink() or path.exists()
                                                   or file.startswith("/") or ".." in file):
                s.problem("file", f"the file {file} of chapter '{ident}' is not inside the book "
                          "folder.", "Keep chapters in the chapters/ folder of the book.",
                          "config.file")
            # A file missing is not a problem of the configuration: the commands that only read
            # or edit the plan go on (and fix it), `check` and `build` report it
            # (checks.runner.missing_files).
        due = _schedule(s.section("due"), "due")
        from anthology.core.reviewconfig import parse_reviews  # here: it reads with _Section

        reviews = parse_reviews(s, findings, people, root)
        if ident is None or title is None:
            continue
        chapters.append(Chapter(ident, title, authors, file, status, history, s.text("part"),
                                s.integer("word_limit"), due, item.line, s.text("abstract"),
                                s.text("doi"), file_line=item.line_of("file"),
                                reviews=reviews))
    return tuple(chapters)


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
    parsed = _Parsed(root)
    book_data = _read_yaml(root, BOOK_FILE, findings, required=True, texts=texts, parsed=parsed)
    before = len(findings)
    contributors_data = _read_yaml(root, CONTRIBUTORS_FILE, findings, required=False, texts=texts,
                                   parsed=parsed)
    # When contributors.yaml cannot be read, every author and editor would look unknown: say
    # what is wrong with the file once rather than bury it under one message per chapter.
    people_known = len(findings) == before
    chapters_data = _read_yaml(root, CHAPTERS_FILE, findings, required=False, texts=texts,
                               parsed=parsed)
    config = _book_config(root, book_data, findings) if book_data is not None else None
    people = _contributors(contributors_data, findings)
    ids = {p.id for p in people}
    chapters = _chapters(root, chapters_data, ids if people_known else None, findings)
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
    return Book(root, config, people, chapters)


def _config_summary(findings: list[Finding]) -> str:
    n = len(findings)
    return (f"The book's configuration has {n} problem{'' if n == 1 else 's'}; nothing was "
            "changed. Fix them and run the command again.")


def first(items: Iterable[T], predicate: Callable[[T], bool]) -> T | None:
    """The first item matching `predicate`, or None."""
    return next((item for item in items if predicate(item)), None)
