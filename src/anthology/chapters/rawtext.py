"""What real manuscripts carry besides Markdown, read for what it means.

Chapters converted from Quarto, bookdown, Manubot or LaTeX bring raw TeX (fenced
```` ```{=tex} ```` blocks, `\\newpage`, `\\index{...}`, environments), HTML comments meant for
the editor, git conflict markers, template syntax, and nesting deeper than a page can hold.
Here each is given its meaning (a page break, a note to the editor) or reported once, with its
line, and left out of every output with the text around it intact. Also here: the body with
its code blanked (`mask_code`), where messages look for what they name. Pure: no files, no
pandoc.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from anthology.chapters.document import Locator, Node
from anthology.core.findings import Finding, error, warning

# The class of the division a page break becomes: the print CSS breaks after it.
PAGE_BREAK = "page-break"
_BREAKS = re.compile(r"\\(?:newpage|clearpage|cleardoublepage|pagebreak)\b(?:\[[^\]]*\])?")
# Commands with no meaning in the book's own layout, dropped without a finding.
_SILENT = re.compile(r"\\(?:noindent|mainmatter|frontmatter|backmatter|indent|medskip|"
                     r"smallskip|bigskip)\b")
# \index{...} entries (nested braces one level deep). Dropped here, and only here: the book's
# index will read them from this pattern.
INDEX_ENTRY = re.compile(r"\\index\{(?:[^{}]|\{[^{}]*\})*\}")
_COMMAND = re.compile(r"\\(begin\{[^}]*\}|[A-Za-z@]+|.)")
_MATH_ENVIRONMENTS = {"align", "align*", "equation", "equation*", "gather", "gather*",
                      "multline", "multline*", "eqnarray", "eqnarray*", "alignat", "alignat*",
                      "flalign", "flalign*"}
_FENCE = re.compile(r"^(?P<prefix>[ \t]*(?:>[ \t]?)*)(?P<fence>`{3,}|~{3,})[ \t]*"
                    r"\{=(?P<format>[\w-]+)\}[ \t]*$")
# A line opening or closing a fenced code block, as mask_code reads it.
_CODE_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")
_COMMENT = re.compile(r"^\s*(?:<!--.*?-->\s*)+$", re.DOTALL)
_UNSAFE_HTML = re.compile(r"<\s*(script|iframe|object|embed|link|style|meta|base|form)|"
                          r"\son\w+\s*=|javascript:|url\(|src\s*=|href\s*=", re.IGNORECASE)
_TEX_FORMATS = {"tex", "latex", "context"}


@functools.lru_cache(maxsize=4)
def masked_text(body: str) -> str:
    """The body with code, code spans and HTML comments blanked (lines kept), where messages
    look for what they name: made once per chapter for all of them."""
    return mask_code(body)


def mask_code(body: str) -> str:
    """The body with code blocks, code spans and HTML comments blanked (same length and lines)."""
    chars = list(body)
    lines = body.split("\n")
    offset = 0
    fence: str | None = None
    for line in lines:
        match = _CODE_FENCE.match(line)
        if fence is None and match:
            fence = match.group(1)[0] * len(match.group(1))
            blank = True
        elif fence is not None:
            blank = True
            if match and match.group(1).startswith(fence):
                fence = None
        else:
            blank = False
        if blank:
            for index in range(offset, offset + len(line)):
                chars[index] = " "
        offset += len(line) + 1
    text = "".join(chars)
    for pattern in (re.compile(r"(?<!`)(`+)(?!`).*?(?<!`)\1(?!`)", re.DOTALL),
                    re.compile(r"<!--.*?-->", re.DOTALL)):
        text = pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    return text


def tex_meaning(text: str) -> str | None:
    """What raw TeX means to the book: 'page-break', 'nothing' (dropped silently), or None
    (a command the book cannot print)."""
    rest = INDEX_ENTRY.sub("", _SILENT.sub("", text))
    broken = _BREAKS.sub("", rest)
    if broken.strip():
        return None
    return "page-break" if broken != rest else "nothing"


def page_break() -> Node:
    """The division a `\\newpage` becomes (empty; the print CSS breaks the page after it)."""
    return {"t": "Div", "c": [["", [PAGE_BREAK], []], []]}


def command_name(text: str) -> str:
    """The first TeX command in `text` ('gref', 'begin{align}'), or '' if none."""
    match = _COMMAND.search(text)
    return match.group(1) if match else ""


@dataclass
class _Fenced:
    line: int
    format: str
    content: str


def fenced_raw_blocks(body: str, first_line: int = 1) -> list[_Fenced]:
    """The ```` ```{=format} ```` blocks written in `body`, in order: line of the fence,
    format and content."""
    found = []
    lines = body.split("\n")
    index = 0
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if match is None:
            index += 1
            continue
        prefix, fence = match["prefix"], match["fence"]
        content = []
        end = index + 1
        while end < len(lines):
            line = lines[end]
            line = line[len(prefix):] if line.startswith(prefix) else line.lstrip(" \t>")
            if line.strip().startswith(fence[0] * len(fence)) and not line.strip().strip(
                    fence[0]):
                break
            content.append(line)
            end += 1
        found.append(_Fenced(first_line + index, match["format"].lower(), "\n".join(content)))
        index = end + 1
    return found


@dataclass
class RawReader:
    """Reads a chapter's raw blocks and inlines (pandoc's RawBlock and RawInline), in document
    order, for `sanitize`: what has a meaning gets it, the rest is reported and left out."""

    locator: Locator
    allow_html: bool = False
    fenced: list[_Fenced] | None = None
    commands: Counter[str] = field(default_factory=Counter)
    first: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)
    _masked: str | None = None
    _used: Counter[str] = field(default_factory=Counter)

    def read(self, node: Node) -> Node | list[Node] | None:
        """What a raw node becomes: None (kept), [] (left out) or a page break."""
        fmt, text = node["c"]
        fmt = fmt.lower()
        block = node["t"] == "RawBlock"
        fenced = self._fenced(fmt, text) if block else None
        if fmt in ("html", "html4", "html5"):
            if _COMMENT.match(text):
                return []  # a note to the editor
            if self.allow_html and not _UNSAFE_HTML.search(text):
                return None
            self._error("markdown.raw-html", text, fenced.line if fenced else None,
                        f"contains raw HTML ({text.strip()[:40]}), which the book does not "
                        "print.", "Use Markdown instead: *italic*, **bold**, "
                        "[link](https://...), ![image](images/x.png).")
            return []
        if fmt in _TEX_FORMATS:
            meaning = tex_meaning(text)
            if meaning == "page-break":
                return page_break() if block else []
            if meaning == "nothing":
                return []
            if fenced is not None:
                start = text.strip().split("\n", 1)[0][:40]
                self._warning("markdown.raw-tex", text, fenced.line,
                            f"has a raw LaTeX block ({start}), which the book does not print: "
                            "it is left out.", "Write it in Markdown instead; ask the editors "
                            "if the book's style should do what it does.")
                return []
            name = command_name(text) or text.strip()[:20]
            self.commands[name] += 1
            if name not in self.first:
                self.first[name] = self.place(text)
            return []
        self._error("markdown.raw-html", text, fenced.line if fenced else None,
                    f"contains raw {fmt.upper()} ({text.strip()[:40]}), which the book does "
                    "not print.", "Use Markdown instead: *italic*, **bold**, "
                    "[link](https://...), ![image](images/x.png).")
        return []

    def finish(self) -> None:
        """Report each LaTeX command the book cannot print once, with how often it is used."""
        for name, count in self.commands.items():
            environment = name.startswith("begin{")
            shown = f"the LaTeX environment {name[6:-1]}" if environment else \
                f"the LaTeX command \\{name}"
            times = "" if count == 1 else f" {count} times (first here)"
            if environment and name[6:-1] in _MATH_ENVIRONMENTS:
                hint = ("Write the equation as Markdown maths: $$\\begin{aligned} ... "
                        "\\end{aligned}$$.")
            else:
                hint = ("Write what it should show in Markdown instead (a page break, "
                        "\\newpage on a line of its own, is kept).")
            line, column = self.first[name]
            if not hasattr(self.locator, "place"):
                column = None
            self.locator.findings.append(warning(
                "markdown.raw-tex", self.locator.name, line,
                f"uses {shown}{times}, which the book does not print: it is left out.", hint,
                column=column, chapter=self.locator.chapter))

    def _fenced(self, fmt: str, text: str) -> _Fenced | None:
        if self.fenced is None:
            self.fenced = fenced_raw_blocks(self.locator.body, self.locator.first_line)
        for index, candidate in enumerate(self.fenced):
            if candidate.format == fmt and candidate.content.strip() == text.strip():
                return self.fenced.pop(index)
        return None

    def _error(self, code: str, text: str, line: int | None, message: str, hint: str,
               make: Callable[..., Finding] = error) -> None:
        column = None
        if line is None:
            line, column = self.place(text)
            if not hasattr(self.locator, "place"):  # columns are the check's (ColumnLocator)
                column = None
        self.locator.findings.append(make(code, self.locator.name, line, message, hint,
                                          column=column, chapter=self.locator.chapter))

    def _warning(self, code: str, text: str, line: int | None, message: str,
                 hint: str) -> None:
        self._error(code, text, line, message, hint, make=warning)

    def place(self, text: str) -> tuple[int | None, int | None]:
        """Line and column of the next occurrence of `text`'s first line, outside code."""
        if self._masked is None:
            self._masked = masked_text(self.locator.body)
        needle = text.strip().split("\n", 1)[0].strip()
        if not needle:
            return None, None
        skip = self._used[needle]
        self._used[needle] += 1
        index = -1
        for _ in range(skip + 1):
            found = self._masked.find(needle, index + 1)
            if found < 0:
                break
            index = found
        if index < 0:
            return self.locator.line_of(needle), None
        column = index - (self._masked.rfind("\n", 0, index) + 1) + 1
        return self.locator.first_line + self._masked.count("\n", 0, index), column


_TEMPLATE = re.compile(r"\{[{%]")
_MATH = re.compile(r"\$[^$]*\$")


@dataclass
class TemplateFinder:
    """Template syntax (`{% ... %}`, `{{ ... }}`) in a chapter's text, outside code: printed as
    written, with a warning per line."""

    locator: Locator
    lines: set[int] = field(default_factory=set)
    scanned: bool = False

    def see(self, text: str) -> None:
        """Look at a Str's text."""
        if "{" not in text or not _TEMPLATE.search(text) or self.scanned:
            return
        self.scanned = True
        masked = masked_text(self.locator.body).split("\n")
        for offset, line in enumerate(masked):
            match = _TEMPLATE.search(_MATH.sub("", line))  # TeX has {{ too
            if match is None:
                continue
            number = self.locator.first_line + offset
            self.lines.add(number)
            shown = _MATH.sub("", line)[match.start():].strip()[:50]
            self.locator.findings.append(warning(
                "markdown.template-syntax", self.locator.name, number,
                f"has '{shown}', which looks like template syntax (Jinja, Liquid or "
                "Quarto): the book does not run templates and prints it as written.",
                "Replace it with the text it should make, or leave it if it is meant to be "
                "printed.", chapter=self.locator.chapter))


_CONFLICT_START = re.compile(r"^<<<<<<<(?: .*)?$")
_CONFLICT_MIDDLE = re.compile(r"^=======$")
_CONFLICT_END = re.compile(r"^>>>>>>>(?: .*)?$")


def conflict_markers(body: str, first_line: int, name: str,
                     chapter: str | None) -> list[Finding]:
    """`manuscript.conflict-markers` at each line a git merge left (outside code blocks)."""
    if "<<<<<<<" not in body and ">>>>>>>" not in body:
        return []
    found = []
    inside = False
    for offset, line in enumerate(masked_text(body).split("\n")):
        if _CONFLICT_START.match(line):
            inside = True
        elif _CONFLICT_END.match(line):
            inside = False
        elif not (inside and _CONFLICT_MIDDLE.match(line)):
            continue
        found.append(error(
            "manuscript.conflict-markers", name, first_line + offset,
            f"has the line '{line.strip()[:40]}', left by a git merge that was not finished: "
            "both versions of the passage would be printed, with the markers.",
            "Keep the version you want (the lines between '<<<<<<<' and '=======' are one, "
            "those between '=======' and '>>>>>>>' the other), delete the other, and delete "
            "the marker lines.", chapter=chapter))
    return found


MAX_TEXT_DEPTH = 40
_LIST_MARKER = re.compile(r"(?:[-*+]|\d{1,9}[.)])(?=[ \t]|$)")
_DIV_OPEN = re.compile(r"^[ \t]*:{3,}[ \t]*[^\s:]")
_DIV_CLOSE = re.compile(r"^[ \t]*:{3,}[ \t]*$")
OMITTED = "[Passage omitted: nested too deeply.]"


def _line_depth(line: str, limit: int) -> tuple[int, int]:
    """How deeply a line nests quotations and lists by its prefix, and where the prefix at
    `limit` levels ends."""
    depth = spaces = 0
    index = 0
    cut = 0
    while index < len(line):
        char = line[index]
        if char in " \t":
            spaces += 1 if char == " " else 4
            index += 1
            continue
        if char == ">":
            index += 1
        else:
            marker = _LIST_MARKER.match(line, index)
            if marker is None:
                break
            index = marker.end()
        depth += 1
        if depth + spaces // 4 <= limit:
            cut = index
    return depth + spaces // 4, cut


def limit_nesting(body: str, first_line: int, name: str,
                  chapter: str | None) -> tuple[str, list[Finding]]:
    """The body with quotations, lists and divisions nested beyond what can be printed cut
    to a note (before pandoc, whose tree would be too deep to read), and a finding."""
    if len(body) < 2 * MAX_TEXT_DEPTH:
        return body, []
    lines = body.split("\n")
    first: int | None = None
    stack: list[bool] = []  # for each open division: whether its fence was removed
    masked: list[str] | None = None
    for index, line in enumerate(lines):
        if _DIV_CLOSE.match(line):
            if stack and stack.pop():
                lines[index] = ""
            continue
        if _DIV_OPEN.match(line):
            drop = len(stack) >= MAX_TEXT_DEPTH
            stack.append(drop)
            if drop:
                lines[index] = ""
                first = index if first is None else first
            continue
        if line.count(">") + line.count(" ") < MAX_TEXT_DEPTH and not line.startswith("\t"):
            continue  # too few markers or spaces to nest that deep: the common case
        if masked is None:
            masked = masked_text(body).split("\n")
        if not masked[index].strip():
            continue  # code (indented art in a code block is no nesting)
        depth, cut = _line_depth(line, MAX_TEXT_DEPTH)
        if depth > MAX_TEXT_DEPTH:
            lines[index] = line[:cut].rstrip() + " " + OMITTED
            first = index if first is None else first
    if first is None:
        return body, []
    return "\n".join(lines), [error(
        "markdown.too-deep", name, first_line + first,
        f"nests quotations or lists more than {MAX_TEXT_DEPTH} levels deep, which cannot be "
        "printed.", "Flatten the nesting: most books never go beyond three levels.",
        chapter=chapter)]


MAX_TREE_DEPTH = 200  # JSON levels: orjson writes at most 254, Python walks recurse per level


def tree_too_deep(node: object, limit: int = MAX_TREE_DEPTH) -> bool:
    """Whether pandoc's tree nests deeper than `limit` levels (walked without recursion)."""
    stack: list[tuple[object, int]] = [(node, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if type(item) is dict:
            stack.extend((value, depth + 1) for value in item.values()
                         if type(value) is dict or type(value) is list)
        elif type(item) is list:
            stack.extend((value, depth + 1) for value in item
                         if type(value) is dict or type(value) is list)
    return False


def deepest_line(body: str) -> int:
    """The line (from 1) most likely to nest too deeply: the most emphasis, link, quotation
    and note marks."""
    counts = [sum(line.count(mark) for mark in "*_[]^~>") for line in body.split("\n")]
    return counts.index(max(counts)) + 1 if counts else 1


def omitted_chapter(body: str, first_line: int, name: str,
                    chapter: str | None) -> tuple[dict[str, object], Finding]:
    """What a chapter too deeply nested to read becomes: a note in its place, and a finding."""
    ast: dict[str, object] = {"pandoc-api-version": [1, 23, 1], "meta": {}, "blocks": [
        {"t": "Para", "c": [{"t": "Str", "c": "[Chapter"}, {"t": "Space"},
                            {"t": "Str", "c": "omitted:"}, {"t": "Space"},
                            {"t": "Str", "c": "nested"}, {"t": "Space"},
                            {"t": "Str", "c": "too"}, {"t": "Space"},
                            {"t": "Str", "c": "deeply.]"}]}]}
    return ast, error(
        "markdown.too-deep", name, first_line + deepest_line(body) - 1,
        "nests emphasis, links, notes or quotations too deeply for anthology to read: the "
        "chapter is left out.", "Flatten the nesting: most books never go beyond three levels.",
        chapter=chapter)
