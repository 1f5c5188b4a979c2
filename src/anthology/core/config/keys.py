"""The configuration's keys, declared once: name, type, example, help and check.

A `Table` lists the keys that one mapping of a YAML file accepts (book.yaml, its `page:`, one
chapter of chapters.yaml...). Reading a mapping with it reports the unknown keys (suggesting the
closest known one), checks each value's type and range, runs the key's own check, and gives the
values by name; the README's tables of keys are written from the same declarations
(`anthology.core.config.reference`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

from anthology.core.config.suggest import did_you_mean
from anthology.core.findings import Finding, error
from anthology.core.yamlio import ImpossibleDate, YDict, YList

T = TypeVar("T")

# The largest count (words, rounds) a book can mean: larger is a typing slip.
MAX_COUNT = 10_000_000

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


def describe(value: Any) -> str:
    """A YAML value in words, for messages: "the number 42", "a list", "the text 'x'"."""
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


class Section:
    """Reads typed values out of one YAML mapping, collecting a Finding for each problem."""

    def __init__(self, file: str, data: YDict, findings: list[Finding], where: str = "") -> None:
        self.file = file
        self.data = data
        self.findings = findings
        self.where = where

    def name(self, key: str) -> str:
        """The key as messages quote it, with the groups around it: `'page.margins.top'`."""
        return f"'{self.where}{key}'"

    def problem(self, key: str | None, message: str, hint: str, code: str = "config.value",
                line: int | None = None) -> None:
        """Record an error at `line`, else at the key's line, else at the mapping's."""
        self.findings.append(error(code, self.file, line or (
            self.data.line_of(key) if key else self.data.line), message, hint))

    def check_keys(self, allowed: Iterable[str], what: str) -> None:
        """Report each key of the mapping that is not `allowed`, with the closest one."""
        allowed = list(allowed)
        for key in self.data:
            if key not in allowed:
                hint = did_you_mean(key, allowed) or \
                       f"Remove it; {what} accepts: {', '.join(allowed)}."
                self.problem(key, f"unknown key {self.name(key)}.", hint, "config.unknown-key")

    def _typed(self, key: str, kind: type, required: bool, example: str,
               number_ok: bool = False) -> Any:
        if key not in self.data or self.data[key] is None:
            if required:
                self.problem(None, f"the required key {self.name(key)} is missing.",
                             f"Add it, for example: {key}: {example}", "config.missing-key")
            return None
        value = self.data[key]
        if kind is str and isinstance(value, (int, float)) and not isinstance(value, bool):
            # YAML reads `title: 1984` as a number: text keys want it quoted, so that what is
            # printed is what was written (`01234` would be 668, `2.10` would be 2.1).
            if not number_ok:
                self.problem(key, f"{self.name(key)} should be text, not {describe(value)}.",
                             f'Put it in quotes: {key}: "{value}"', "config.type")
                return None
            value = str(value)
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if not ok:
            if kind is dt.date and isinstance(value, ImpossibleDate):
                self.problem(key, f"{self.name(key)} is '{value}', which is not a real date.",
                             "Write dates as YYYY-MM-DD, for example 2027-03-31.", "config.date")
            elif kind is dt.date:
                self.problem(key, f"{self.name(key)} should be a date written YYYY-MM-DD, not "
                             f"{describe(value)}.", f"For example: {key}: {example}",
                             "config.date")
            else:
                quote = kind is str and isinstance(value, (bool, dt.date))
                hint = f'Put it in quotes: {key}: "{as_written(value)}"' if quote else \
                    f"For example: {key}: {example}"
                self.problem(key, f"{self.name(key)} should be {_TYPE_WORDS[kind]}, not "
                             f"{describe(value)}.", hint, "config.type")
            return None
        return value

    def text(self, key: str, required: bool = False, example: str = "...",
             number_ok: bool = False) -> str | None:
        """The key's text, stripped; None (and a problem) when it is not text."""
        value = self._typed(key, str, required, example, number_ok)
        if isinstance(value, str) and not value.strip():
            if required:
                self.problem(key, f"{self.name(key)} is empty.", f"Write it, for example: "
                             f"{key}: {example}", "config.missing-key")
            return None
        return value.strip() if isinstance(value, str) else None

    def integer(self, key: str, required: bool = False, example: str = "8000",
                minimum: int | None = 0, maximum: int = MAX_COUNT) -> int | None:
        """The key's whole number, within `minimum` and `maximum`."""
        value = self._typed(key, int, required, example)
        if isinstance(value, int) and minimum is not None and value < minimum:
            self.problem(key, f"{self.name(key)} should be at least {minimum}, not {value}.",
                         f"For example: {key}: {example}")
            return None
        if isinstance(value, int) and value > maximum:
            self.problem(key, f"{self.name(key)} should be at most {maximum:,}, not "
                         f"{value:,}.", f"For example: {key}: {example}")
            return None
        return value  # type: ignore[no-any-return]

    def boolean(self, key: str, default: bool) -> bool:
        """The key's true or false, or `default` when it is absent or wrong."""
        value = self._typed(key, bool, False, "true")
        return default if value is None else bool(value)

    def date(self, key: str, required: bool = False, example: str = "2027-03-31") -> dt.date | None:
        """The key's date (YYYY-MM-DD)."""
        return self._typed(key, dt.date, required, example)  # type: ignore[no-any-return]

    def section(self, key: str) -> Section | None:
        """The key's indented keys, as a Section whose messages name the group."""
        value = self._typed(key, YDict, False, "(indented keys)")
        if value is None:
            return None
        return Section(self.file, value, self.findings, f"{self.where}{key}.")

    def text_list(self, key: str, required: bool = False, example: str = "[a, b]"
                  ) -> tuple[str, ...]:
        """The key's list of text; items that are not text are reported and left out."""
        if key not in self.data or self.data[key] is None:
            if required:
                self.problem(None, f"the required key {self.name(key)} is missing.",
                             f"Add it, for example: {key}: {example}", "config.missing-key")
            return ()
        value = self.data[key]
        if not isinstance(value, YList):
            hint = f"Write it as a list: {key}: [{value}]" if isinstance(value, str) else \
                f"For example: {key}: {example}"
            self.problem(key, f"{self.name(key)} should be a list, not {describe(value)}.",
                         hint, "config.type")
            return ()
        items: list[str] = []
        for index, item in enumerate(value):
            if isinstance(item, (int, float)) and not isinstance(item, bool):
                item = str(item)
            if not isinstance(item, str) or not item.strip():
                self.problem(key, f"item {index + 1} of {self.name(key)} should be text, not "
                             f"{describe(item)}.", f"For example: {key}: {example}",
                             "config.type", line=value.line_of(index))
                continue
            items.append(item.strip())
        return tuple(items)


def make(model: type[T], values: Values, **given: Any) -> T:
    """The model's object (a Chapter, a Review...) from the values of the keys named as its
    fields, and the fields `given`: a key added to a table and to the model needs nothing
    else."""
    names = {f.name for f in dataclasses.fields(model)}  # type: ignore[arg-type]
    return model(**{**{key: value for key, value in values.items() if key in names}, **given})


class Kind(Enum):
    """What a key's value is; the words are the README's."""

    TEXT = "text"
    WHOLE = "whole number"
    BOOL = "true or false"
    DATE = "date, YYYY-MM-DD"
    LIST = "list of text"
    GROUP = "indented keys"
    ITEMS = "list of groups of keys"


_SCALARS = frozenset((Kind.TEXT, Kind.WHOLE, Kind.BOOL, Kind.DATE, Kind.LIST))
_EXAMPLES = {Kind.TEXT: "...", Kind.WHOLE: "8000", Kind.BOOL: "true", Kind.DATE: "2027-03-31",
             Kind.LIST: "[a, b]", Kind.GROUP: "(indented keys)", Kind.ITEMS: ""}


@dataclass(frozen=True)
class Context:
    """What a key's check may need besides the file: the book folder and the people in it
    (None while contributors.yaml is unreadable, so that no one is reported unknown)."""

    root: Path
    people: frozenset[str] | None = None


class Values(dict[str, Any]):
    """The values one Table read out of one mapping, by key; `section` reports problems."""

    def __init__(self, section: Section) -> None:
        super().__init__()
        self.section = section


@dataclass
class Field:
    """One key being checked: its mapping, the keys read before it, and the book around it."""

    section: Section
    key: Key
    values: Values
    context: Context

    @property
    def name(self) -> str:
        """The key as messages quote it: `'isbn.print'`."""
        return self.section.name(self.key.name)

    @property
    def line(self) -> int:
        """The line the key is on."""
        return self.section.data.line_of(self.key.name)

    def problem(self, message: str, hint: str, code: str = "config.value",
                line: int | None = None) -> None:
        """Record an error on the key's line (or `line`)."""
        self.section.problem(self.key.name, message, hint, code, line)


# A key's own check: given the typed value, report what is wrong with it and return the value
# to keep (None when it is unusable). For GROUP and ITEMS keys it also makes the model's
# object (a PageSetup, the chapters...) from the values read.
Check = Callable[[Field, Any], Any]


@dataclass(frozen=True)
class Items:
    """How an ITEMS key (a list of groups of keys) words a value that is not such a list:
    (message, hint) for the list, and for an item, where `{n}` is the item's number and
    `{value}` the value in words; `where` prefixes the items' keys in messages."""

    not_list: tuple[str, str]
    not_group: tuple[str, str]
    where: str = ""


@dataclass(frozen=True)
class Key:
    """One key of a configuration file: everything the loader, its messages and the README
    know about it."""

    name: str
    kind: Kind
    help: str
    example: str | Callable[[Values], str] | None = None  # the values read before it
    required: bool = False
    default: Any = None
    number_ok: bool = False  # TEXT: a bare number is read as text (edition, an ISBN, a commit)
    minimum: int | None = 0  # WHOLE
    maximum: int = MAX_COUNT  # WHOLE
    check: Check | None = None
    keys: Table | None = None  # GROUP and ITEMS: the keys inside
    items: Items | None = None  # ITEMS
    needs: tuple[str, ...] = ()  # keys read first, for the example or the check
    summary: bool = False  # GROUP: one row in the README, naming its keys

    def example_in(self, values: Values) -> str:
        """The example messages give, which may depend on the keys read before (`needs`)."""
        if callable(self.example):
            return self.example(values)
        return self.example if self.example is not None else _EXAMPLES[self.kind]

    def read(self, section: Section, values: Values, context: Context) -> Any:
        """The key's value in `section`: typed, checked, or its default."""
        if self.name not in section.data and not self.required and self.kind in _SCALARS:
            return () if self.kind is Kind.LIST and self.default is None else self.default
        example = self.example_in(values)
        if self.kind is Kind.GROUP:
            value: Any = self._group(section, context)
        elif self.kind is Kind.ITEMS:
            value = self._items(section, context)
        elif self.kind is Kind.TEXT:
            value = section.text(self.name, self.required, example, self.number_ok)
        elif self.kind is Kind.WHOLE:
            value = section.integer(self.name, self.required, example, self.minimum,
                                    self.maximum)
        elif self.kind is Kind.BOOL:
            return section.boolean(self.name, bool(self.default))
        elif self.kind is Kind.DATE:
            value = section.date(self.name, self.required, example)
        else:
            value = section.text_list(self.name, self.required, example)
        if self.check is not None and value is not None and value != ():
            value = self.check(Field(section, self, values, context), value)
        if (value is None or value == ()) and self.default is not None:
            return self.default
        return value

    def _group(self, section: Section, context: Context) -> Values:
        """An absent or mistyped group reads as an empty one, so its keys take their
        defaults."""
        assert self.keys is not None
        inner = section.section(self.name)
        if inner is None:
            empty = YDict()
            empty.line, empty.key_lines = section.data.line_of(self.name), {}
            inner = Section(section.file, empty, [], f"{section.where}{self.name}.")
        return self.keys.read(inner, context)

    def _items(self, section: Section, context: Context) -> list[Values]:
        assert self.keys is not None and self.items is not None
        value = section.data.get(self.name)
        if value is None:
            return []
        if not isinstance(value, YList):
            message, hint = self.items.not_list
            section.problem(self.name, message.replace("{value}", describe(value)), hint,
                            "config.type")
            return []
        out = []
        for index, item in enumerate(value):
            if not isinstance(item, YDict):
                message, hint = self.items.not_group
                section.problem(None, message.replace("{n}", str(index + 1)).replace(
                    "{value}", describe(item)), hint, "config.type", line=value.line_of(index))
                continue
            out.append(self.keys.read(Section(section.file, item, section.findings,
                                              self.items.where), context))
        return out


@dataclass(frozen=True)
class Table:
    """The keys one mapping accepts, in the order messages and the README list them.

    `what` names the mapping in the unknown-key message ("a chapter accepts: ..."); by default
    the group's own name (`page.margins`).
    """

    keys: tuple[Key, ...]
    what: str | None = None
    names: tuple[str, ...] = field(init=False, repr=False, compare=False)
    order: tuple[Key, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Reading order: as declared, except that a key comes after the keys it `needs`.
        done: set[str] = set()
        order: list[Key] = []
        pending = list(self.keys)
        while pending:
            ready = next((k for k in pending if done.issuperset(k.needs)), None)
            if ready is None:
                raise ValueError(f"keys that need each other: {[k.name for k in pending]}")
            order.append(ready)
            done.add(ready.name)
            pending.remove(ready)
        object.__setattr__(self, "order", tuple(order))
        object.__setattr__(self, "names", tuple(key.name for key in self.keys))

    def read(self, section: Section, context: Context) -> Values:
        """Every key of the mapping, checked; unknown keys reported."""
        section.check_keys(self.names, self.what or section.where.rstrip("."))
        values = Values(section)
        for key in self.order:
            values[key.name] = key.read(section, values, context)
        return values
