"""YAML in and out, strictly: no aliases, no duplicate keys, no surprises from implicit types.

PyYAML's safe loader reads `NO` as false, `01234` as 668 and `12:30` as 750, keeps the last of two
duplicate keys and expands alias bombs. Here we compose the node graph ourselves and resolve plain
scalars to a short list of types (null, true/false, decimal integers, floats, YYYY-MM-DD dates);
everything else stays a string, and the validators check types afterwards. Every mapping and list
remembers its lines so that messages can say `book.yaml:12:`.

PyYAML is imported only when a document is parsed or written: a command whose book files are
parsed already (see `document_to_json`) does not pay for importing it.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import yaml

MAX_YAML_BYTES = 5_000_000

_NULL = re.compile(r"^(?:~|null|Null|NULL)?$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$")
_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
_PLAIN_TAGS = {"str", "int", "float", "bool", "null", "timestamp", "value", "merge"}
_CONFLICT = re.compile(r"^(<{7}|={7}|>{7})(?: |$)")


class YamlError(Exception):
    """A YAML document that cannot be read; `line` is 1-based."""

    def __init__(self, line: int | None, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.line = line
        self.message = message
        self.hint = hint


class ImpossibleDate(str):
    """A value written like a date that is no day of the calendar (2026-02-30)."""


class YDict(dict[str, Any]):
    """A mapping that remembers the line of itself and of each key."""

    line: int
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        """The line of `key`, or of the mapping if the key is absent."""
        return self.key_lines.get(key, self.line)


class YList(list[Any]):
    """A list that remembers the line of itself and of each item."""

    line: int
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        """The line of item `index`."""
        return self.item_lines[index] if index < len(self.item_lines) else self.line


@functools.cache
def _strict_loader() -> type[yaml.SafeLoader]:
    import yaml

    class StrictLoader(yaml.SafeLoader):
        def compose_node(self, parent: Any, index: Any) -> Any:
            event = self.peek_event()  # type: ignore[no-untyped-call]
            line = event.start_mark.line + 1 if event.start_mark is not None else None
            if isinstance(event, yaml.AliasEvent):
                raise YamlError(line,
                                f"uses a YAML alias (*{event.anchor}), which anthology does not "
                                "accept.",
                                "Write the value out in full instead.")
            anchor = getattr(event, "anchor", None)
            if anchor is not None:
                raise YamlError(line,
                                f"defines a YAML anchor (&{anchor}), which anthology does not "
                                "accept.",
                                "Remove the anchor and write each value out in full.")
            return super().compose_node(parent, index)

    return StrictLoader


def find_conflict_markers(text: str) -> int | None:
    """The line of the first git merge-conflict marker, if any."""
    for number, line in enumerate(text.splitlines(), start=1):
        if _CONFLICT.match(line):
            return number
    return None


def _scalar(node: yaml.ScalarNode) -> Any:
    line = node.start_mark.line + 1
    if node.tag.startswith("!") or node.tag.rsplit(":", 1)[-1] not in _PLAIN_TAGS:
        raise YamlError(line, f"uses the YAML tag {node.tag}, which anthology does not accept.",
                        "Remove the tag.")
    value: str = node.value
    if node.style is not None and node.style != "":
        return value  # quoted or block scalars are always text
    if _NULL.match(value):
        return None
    if value in _BOOL:
        return _BOOL[value]
    if _INT.match(value):
        return int(value)
    if _FLOAT.match(value):
        return float(value)
    match = _DATE.match(value)
    if match:
        try:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            # Kept as text, so that the rest of the file is still read and every problem in
            # it reported at once; where a date is expected, the reader says it is not real.
            return ImpossibleDate(value)
    return value


def _build(node: yaml.Node) -> Any:
    import yaml

    if isinstance(node, yaml.ScalarNode):
        return _scalar(node)
    if isinstance(node, yaml.SequenceNode):
        items = YList(_build(child) for child in node.value)
        items.line = node.start_mark.line + 1
        items.item_lines = [child.start_mark.line + 1 for child in node.value]
        return items
    if isinstance(node, yaml.MappingNode):
        mapping = YDict()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlError(key_line, "has a key that is not plain text.",
                                "Keys must be simple words such as 'title'.")
            key = str(key_node.value)
            if key in mapping:
                raise YamlError(key_line,
                                f"has the key '{key}' twice (first on line "
                                f"{mapping.key_lines[key]}).",
                                "Keep one of them and delete the other.")
            mapping[key] = _build(value_node)
            mapping.key_lines[key] = key_line
        return mapping
    raise YamlError(None, "could not be read as YAML.")  # pragma: no cover - no other node kinds


def _unclosed_bracket(mark: yaml.Mark | None) -> tuple[int, str] | None:
    """The line and kind of the last [ or { still open where YAML stopped (quoted text and
    comments skipped), or None."""
    if mark is None or not mark.buffer:
        return None
    text = mark.buffer[:mark.pointer]
    stack: list[tuple[int, str]] = []
    quote = ""
    line = 1
    for index, char in enumerate(text):
        if char == "\n":
            line += 1
            quote = "" if quote == "#" else quote
        elif quote:
            quote = "" if char == quote and quote != "#" else quote
        elif char in "'\"" or (char == "#" and (index == 0 or text[index - 1] in " \n")):
            quote = char
        elif char in "[{":
            stack.append((line, char))
        elif char in "]}" and stack:
            stack.pop()
    return stack[-1] if stack else None


_GENERIC_HINT = "Check the indentation and the colons on this line and the one before."


def _explain(exc: yaml.MarkedYAMLError) -> YamlError:
    """PyYAML's complaint in plain words, at the line where the mistake is."""
    problem = (exc.problem or "").strip()
    context = (exc.context or "").strip()
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else None
    start = exc.context_mark.line + 1 if exc.context_mark is not None else line
    if "'\\t'" in problem or "'\t'" in problem:
        return YamlError(line, "is not valid YAML: this line has a tab character, and YAML "
                         "allows only spaces for indentation.",
                         "Replace the tab with spaces (two for each level).")
    if context == "while scanning a quoted scalar":
        return YamlError(start, "is not valid YAML: a quotation mark on this line is never "
                         "closed.", "Close the quotation on the same line (inside '...', write "
                         "an apostrophe as '').")
    if context.startswith("while parsing a flow") and ("<stream end>" in problem
                                                       or start != line):
        bracket = "[" if "sequence" in context else "{"
        opened = _unclosed_bracket(exc.context_mark)
        if opened is not None:  # "a flow node" names neither, and is marked where YAML gave up
            start, bracket = opened
        closing = "]" if bracket == "[" else "}"
        return YamlError(start, f"is not valid YAML: the {bracket} on this line is never closed.",
                         f"Close it with {closing} at the end of the line.")
    if problem == "mapping values are not allowed here":
        return YamlError(line, "is not valid YAML: this line has a colon where YAML does not "
                         "expect one.", "If the text after the key contains ': ' (a colon and "
                         'a space), put it in quotes, as in title: "Peer support: a guide". '
                         "Otherwise check that this line is indented like the ones around it.")
    match = re.match(r"found character '(.)' that cannot start any token", problem)
    if match:
        return YamlError(line, f"is not valid YAML: a value on this line starts with "
                         f"'{match[1]}', which YAML keeps for itself.",
                         'Put the value in quotes, as in note: "@home".')
    if problem.startswith("expected <block end>"):
        return YamlError(line, "is not valid YAML: this line is not indented like the others "
                         "at its level.", "Line it up with the lines above it that belong "
                         "to the same list or group of keys.")
    return YamlError(line, f"is not valid YAML: {problem or 'it cannot be read'}.",
                     _GENERIC_HINT)


def _unclosed_quote(text: str, line: int | None) -> YamlError | None:
    """A quotation left open runs on to the next quotation mark, lines below, and YAML
    complains there: name the line where the quotation opens instead."""
    import yaml

    if line is None:
        return None
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, yaml.ScalarToken) and token.style in ('"', "'") and \
                    token.end_mark.line > token.start_mark.line and \
                    token.end_mark.line + 1 == line:
                mark = '"' if token.style == '"' else "'"
                return YamlError(token.start_mark.line + 1,
                                 f"is not valid YAML: the quotation mark ({mark}) on this line "
                                 "is never closed, so YAML reads on to the next one, on line "
                                 f"{line}.", f"Close the quotation with {mark} on this line.")
    except yaml.YAMLError:
        pass  # the scanner stops at the error; what came before it has been seen
    return None


def load_yaml(text: str) -> Any:
    """Parse one YAML document strictly; raise YamlError with a 1-based line."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_YAML_BYTES:
        raise YamlError(None, "is too large to be a book file (over 5 MB).",
                        "Check that the right file is named here.")
    conflict = find_conflict_markers(text)
    if conflict is not None:
        raise YamlError(conflict,
                        "still has git merge-conflict markers (<<<<<<<, =======, >>>>>>>).",
                        "Resolve the conflict: keep the lines you want and delete the markers.")
    import yaml

    try:
        loader = _strict_loader()(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        explained = _explain(exc)
        raise _unclosed_quote(text, explained.line) or explained from None
    except yaml.YAMLError as exc:
        raise YamlError(None, f"is not valid YAML: {exc}.") from None
    if node is None:
        return None
    return _build(node)


# Change when what `load_yaml` returns changes, so that parses cached by an older version are
# not trusted (`parser_identity`).
PARSER_VERSION = "2"


@functools.cache
def parser_identity() -> str:
    """What `load_yaml`'s result depends on besides the text: this module (its version and its
    file, for a checkout edited in place) and the installed PyYAML, found without importing it."""
    import importlib.util
    from pathlib import Path

    parts = [PARSER_VERSION]
    spec = importlib.util.find_spec("yaml")
    for origin in (__file__, spec.origin if spec is not None else None):
        try:
            stat = Path(origin).stat() if origin else None
        except OSError:
            stat = None
        parts.append(f"{origin}:{stat.st_size}:{stat.st_mtime_ns}" if stat else "unknown")
    return "|".join(parts)


def document_to_json(data: Any) -> Any:
    """A JSON-ready form of what `load_yaml` returned, lines and dates included, so that a
    parsed document can be cached and read back by `document_from_json` without PyYAML.

    A mapping is `["m", line, [[key, key line, value], ...]]`, a list `["l", line, item lines,
    [value, ...]]` and a date `["d", "YYYY-MM-DD"]`; other values are themselves.
    """
    if isinstance(data, YDict):
        return ["m", data.line, [[key, data.key_lines[key], document_to_json(value)]
                                 for key, value in data.items()]]
    if isinstance(data, YList):
        return ["l", data.line, list(data.item_lines), [document_to_json(item) for item in data]]
    if isinstance(data, dt.date):
        return ["d", data.isoformat()]
    if data is None or isinstance(data, (str, int, float)):
        return data
    raise TypeError(f"not a value load_yaml returns: {data!r}")


def document_from_json(value: Any) -> Any:
    """Read back `document_to_json` (ValueError, TypeError, IndexError or KeyError if it is not
    such a form)."""
    if not isinstance(value, list):
        if value is None or isinstance(value, (str, int, float)):
            return value
        raise TypeError(f"not a cached YAML value: {value!r}")
    kind = value[0]
    if kind == "m":
        mapping = YDict()
        mapping.line = int(value[1])
        mapping.key_lines = {}
        for key, line, item in value[2]:
            if not isinstance(key, str):
                raise TypeError(f"not a cached YAML key: {key!r}")
            mapping[key] = document_from_json(item)
            mapping.key_lines[key] = int(line)
        return mapping
    if kind == "l":
        items = YList(document_from_json(item) for item in value[3])
        items.line = int(value[1])
        items.item_lines = [int(line) for line in value[2]]
        return items
    if kind == "d":
        return dt.date.fromisoformat(value[1])
    raise ValueError(f"not a cached YAML value: {value!r}")


def _str_presenter(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    node: yaml.ScalarNode = dumper.represent_str(data)
    # Quote text that a reader with YAML 1.1 habits would take for something else.
    if node.style is None and (_INT.match(data) or _FLOAT.match(data) or _DATE.match(data)
                               or data.lower() in {"yes", "no", "on", "off", "y", "n"}
                               or re.match(r"^[0-9:._+-]+$", data)):
        node.style = '"'
    return node


@functools.cache
def _dumper() -> type[yaml.SafeDumper]:
    import yaml

    class Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True

    Dumper.add_representer(str, _str_presenter)
    Dumper.add_representer(YDict, Dumper.represent_dict)
    Dumper.add_representer(YList, Dumper.represent_list)
    return Dumper


def dump_yaml(data: Any) -> str:
    """Serialise with stable key order (as given), readable text and no aliases."""
    import yaml

    text: str = yaml.dump(data, Dumper=_dumper(), sort_keys=False, allow_unicode=True,
                          width=100, default_flow_style=False, indent=2)
    return text


def dump_yaml_inline(data: Any) -> str:
    """One line of flow-style YAML (`{date: 2026-05-01, state: draft}`): one history event per
    line keeps `git diff` and `git merge` readable."""
    import yaml

    text: str = yaml.dump(data, Dumper=_dumper(), sort_keys=False, allow_unicode=True,
                          width=1_000_000, default_flow_style=True)
    return text.rstrip("\n").removesuffix("\n...").rstrip("\n")
