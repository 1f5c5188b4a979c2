"""Pure transformations of pandoc's JSON AST: no files, no subprocesses.

The same parse feeds the checks, the word counts and the renderers. Here we make a chapter's
AST safe (no raw HTML, no dangerous attributes or links, images only from inside the book,
bounded nesting), number its figures and tables and resolve its cross-references, give its ids
a per-chapter prefix, and turn notes into footnotes or endnotes.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from anthology.chapters.equations import equation_ids, number_equations
from anthology.core.files import resolve_inside
from anthology.core.findings import Finding, error, warning

Node = dict[str, Any]
Visitor = Callable[[Node], Node | list[Node] | None]

CROSSREF_PREFIXES = ("fig-", "tbl-", "sec-", "eq-")
SAFE_LINK = re.compile(r"^(?:https?://|mailto:|#)", re.IGNORECASE)
SAFE_KEYS = {"width", "height", "lang", "index", "index-see", "index-see-also", "index-start",
             "index-end"}  # the index keys: index marks (anthology/chapters/index_marks.py)
MAX_DEPTH = 40
_NESTING = {"BlockQuote", "BulletList", "OrderedList", "Div", "DefinitionList"}
# Which element of `c` holds the Attr, for elements that carry one.
_ATTR_INDEX = {"Header": 1, "Div": 0, "Span": 0, "Code": 0, "CodeBlock": 0, "Image": 0,
               "Link": 0, "Table": 0, "Figure": 0}


def transform(node: Any, visit: Visitor) -> Any:
    """Rebuild `node` bottom-up; `visit` may return a node, a list to splice, or None to keep.

    Every dict and list is rebuilt, so visitors may change the node they are given in place.
    """
    if type(node) is list:
        out: list[Any] = []
        for item in node:
            kind = type(item)
            if kind is dict:
                new = transform(item, visit)
                if type(new) is list and "t" in item:
                    out.extend(new)
                else:
                    out.append(new)
            elif kind is list:
                out.append(transform(item, visit))
            else:
                out.append(item)
        return out
    if type(node) is dict:
        rebuilt = {key: transform(value, visit) if type(value) is dict or type(value) is list
                   else value for key, value in node.items()}
        if "t" in rebuilt:
            result = visit(rebuilt)
            return rebuilt if result is None else result
        return rebuilt
    return node


def each(node: Any, kind: str | None = None) -> list[Node]:
    """Every element (of type `kind`, if given) in document order."""
    found: list[Node] = []
    append = found.append

    # Hot path on big ASTs: exact type checks, and an element's children are only in "c".
    def go(item: Any) -> None:
        if type(item) is list:
            for child in item:
                if type(child) is dict or type(child) is list:
                    go(child)
            return
        t = item.get("t")
        if t is None:  # the document itself, or a citation's fields
            for value in item.values():
                if type(value) is dict or type(value) is list:
                    go(value)
            return
        if kind is None or t == kind:
            append(item)
        content = item.get("c")
        if type(content) is list or type(content) is dict:
            go(content)

    if type(node) is dict or type(node) is list:
        go(node)
    return found


def stringify(node: Any) -> str:
    """The plain text of inlines or blocks."""
    parts: list[str] = []

    def go(item: Any) -> None:
        if isinstance(item, list):
            for child in item:
                go(child)
            return
        if not isinstance(item, dict) or "t" not in item:
            return
        kind: str = item["t"]
        content: Any = item.get("c")
        if kind == "Str":
            parts.append(content)
        elif kind in ("Space", "SoftBreak", "LineBreak"):
            parts.append(" ")
        elif kind in ("Code", "Math"):
            parts.append(content[1])
        elif kind == "Quoted":
            mark = "“”" if content[0]["t"] == "DoubleQuote" else "‘’"
            parts.append(mark[0])
            go(content[1])
            parts.append(mark[1])
        elif kind in ("Para", "Plain", "Header"):
            go(content)
            parts.append(" ")
        elif kind == "Note":
            return
        elif content is not None:
            go(content)

    go(node)
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def str_inlines(text: str) -> list[Node]:
    """Inlines for a plain string."""
    out: list[Node] = []
    for index, word in enumerate(text.split(" ")):
        if index:
            out.append({"t": "Space"})
        if word:
            out.append({"t": "Str", "c": word})
    return out


def empty_attr(identifier: str = "", classes: list[str] | None = None) -> list[Any]:
    """A pandoc Attr."""
    return [identifier, classes or [], []]


@dataclass
class Locator:
    """Finds the line of a piece of text in a chapter's body, for messages."""

    name: str
    body: str
    first_line: int = 1
    chapter: str | None = None
    findings: list[Finding] = field(default_factory=list)

    def line_of(self, *needles: str) -> int | None:
        """The file line where the first of `needles` occurs in the body."""
        for needle in needles:
            if needle:
                index = self.body.find(needle)
                if index >= 0:
                    return self.first_line + self.body.count("\n", 0, index)
        return None

    def error(self, code: str, needle: str, message: str, hint: str) -> None:
        """Record an error at the line of `needle`."""
        self.findings.append(error(code, self.name, self.line_of(needle), message, hint,
                                   chapter=self.chapter))

    def warning(self, code: str, needle: str, message: str, hint: str) -> None:
        """Record a warning at the line of `needle`."""
        self.findings.append(warning(code, self.name, self.line_of(needle), message, hint,
                                     chapter=self.chapter))


def sanitize(ast: Node, locator: Locator, root: Path, chapter_dir: Path,
             allow_raw_html: bool = False) -> Node:
    """Make a chapter's AST safe to render; every refusal becomes a finding.

    Image targets become paths relative to the book folder (the renderers' base). Attributes
    other than SAFE_KEYS are dropped, and reported once for the chapter.
    """
    removed: list[str] = []

    from anthology.chapters.crossrefs import IdKeeper, caption_label, crossref_cite, split_bookdown
    from anthology.chapters.rawtext import RawReader, TemplateFinder

    raw = RawReader(locator, allow_raw_html)
    templates = TemplateFinder(locator)
    ids = IdKeeper(locator)

    def visit(node: Node) -> Node | list[Node] | None:
        kind = node["t"]
        if kind == "Str":
            text = node["c"]
            if "{" in text:
                templates.see(text)
            return split_bookdown(text) if "@ref(" in text else None
        if kind in ("RawBlock", "RawInline"):
            return raw.read(node)
        if kind == "Cite":
            return crossref_cite(node)
        if kind in ("Figure", "Table"):
            caption_label(node)
        index = _ATTR_INDEX.get(kind)
        if index is not None:
            attr = node["c"][index]
            if attr[2]:
                removed.extend(k for k, _ in attr[2] if k not in SAFE_KEYS)
                attr[2] = [[k, v] for k, v in attr[2] if k in SAFE_KEYS]
            ids.see(attr)
        if kind == "Link":
            url = node["c"][2][0]
            if url.startswith("#") and ":" in url:
                node["c"][2][0] = url = url.replace(":", "-")  # as ids are (crossrefs.py)
            if not SAFE_LINK.match(url):
                locator.warning("link.unsafe", f"]({url}",
                                f"links to '{url}', which readers of the book cannot follow.",
                                "Link to a web address (https://...) or remove the link.")
                return {"t": "Span", "c": [empty_attr(), node["c"][1]]}
        if kind == "Image":
            return _safe_image(node, locator, root, chapter_dir)
        return None

    result: Node = transform(ast, visit)
    raw.finish()
    result["blocks"] = _bound_depth(result["blocks"], 0, locator)
    if removed:
        _report_removed(removed, locator)
    return result


def _safe_image(node: Node, locator: Locator, root: Path, chapter_dir: Path) -> Node:
    url = node["c"][2][0]
    alt = node["c"][1]
    label = stringify(alt)
    replacement: Node = {"t": "Emph", "c": str_inlines(
        f"[Image not included{': ' + label if label else ''}]")}
    if re.match(r"^[a-z][a-z0-9+.-]*:", url, re.IGNORECASE) and not url.lower().startswith(
            "file:"):
        locator.error("image.remote", f"]({url}",
                      f"uses the image {url} from the internet; the book only uses images "
                      "stored with it.", "Download the image into the chapter's images/ folder "
                      "and refer to it there, for example ![Caption](images/figure.png).")
        return replacement
    resolved = resolve_inside(root, chapter_dir, url)
    if resolved is None:
        outside = url.startswith(("/", "file:")) or ".." in url or (chapter_dir / url).is_symlink()
        if outside:
            locator.error("image.outside", f"]({url}",
                          f"uses the image {url}, which is outside the book folder.",
                          "Copy the image into the chapter's images/ folder and refer to it "
                          "there.")
        else:
            locator.error("image.missing", f"]({url}", f"uses the image {url}, which does "
                          "not exist.", "Check the file name (capitals count) or add the image "
                          "to the images/ folder.")
        return replacement
    from anthology.core.images import SVG_HINT, ImageProblem, inspect_image, removed_list

    found = inspect_image(root, resolved)
    if isinstance(found, ImageProblem):  # never printed, even by a forced build
        locator.error(found.code, f"]({url}", f"uses the image {url}, which {found.what}.",
                      found.hint)
        return replacement
    if found.removed:  # the renderers print its sanitised copy
        locator.warning("image.svg-unsafe", f"]({url}", f"uses the SVG image {url}, which "
                        f"contains {removed_list(found.removed)}; the book prints it without "
                        "them.", SVG_HINT)
    node["c"][2][0] = resolved.relative_to(root.resolve()).as_posix()
    return node


def _bound_depth(blocks: list[Node], depth: int, locator: Locator) -> list[Node]:
    out = []
    for block in blocks:
        if block.get("t") in _NESTING:
            if depth + 1 > MAX_DEPTH:
                words = each(block, "Str")
                locator.error("markdown.too-deep", words[0]["c"] if words else "",
                              f"nests quotations or lists more than {MAX_DEPTH} levels deep, "
                              "which cannot be printed.",
                              "Flatten the nesting: most books never go beyond three levels.")
                out.append({"t": "Para", "c": str_inlines("[Passage omitted: nested too deeply.]")})
                continue
            block = {**block, "c": _descend(block["c"], depth + 1, locator)}
        out.append(block)
    return out


def _descend(content: Any, depth: int, locator: Locator) -> Any:
    if isinstance(content, list):
        if content and all(isinstance(x, dict) and "t" in x for x in content) and any(
                x["t"] in _NESTING or x["t"] in ("Para", "Plain") for x in content):
            return _bound_depth(content, depth, locator)
        return [_descend(item, depth, locator) for item in content]
    return content


def _report_removed(removed: list[str], locator: Locator) -> None:
    """One warning for every attribute `sanitize` dropped in a chapter, at the first one.

    The tree is rebuilt bottom-up, so `removed` is not in reading order: the first is the one
    whose text comes first in the body.
    """
    found = {name: re.search(rf"(?<![\w-]){re.escape(name)}\s*=", locator.body)
             for name in dict.fromkeys(removed)}
    where = {name: match.start() if match else len(locator.body)
             for name, match in found.items()}
    names = sorted(found, key=lambda name: where[name])
    first = found[names[0]]
    needle = first.group() if first else names[0]
    count = len(removed)
    shown = ", ".join(name[:40] for name in names[:5]) + (
        f" and {len(names) - 5} more" if len(names) > 5 else "")
    locator.warning("markdown.attribute-removed", needle,
                    f"removed {count} attribute{'s' if count > 1 else ''} that could run code "
                    f"or change the page ({shown}), {'the first ' if count > 1 else ''}here; "
                    f"the text is printed without {'them' if count > 1 else 'it'}.",
                    "Delete the attribute in {...} after the text; only width, height and lang "
                    "are kept. Ask the editor if the passage needs a special style.")


@dataclass(frozen=True)
class Target:
    """Something a cross-reference can point at."""

    kind: str
    label: str
    inlines: list[Node]


def number_crossrefs(ast: Node, number: str, locator: Locator,
                     elsewhere: dict[str, Any] | None = None) -> tuple[Node, dict[str, Target]]:
    """Number figures, tables and labelled equations per chapter (Figure 3.2, (3.2)) and
    resolve @fig-/@tbl-/@sec-/@eq- refs (`elsewhere`: chapters and sections of other chapters,
    see crossrefs.book_labels)."""
    targets: dict[str, Target] = {}
    counts = {"Figure": 0, "Table": 0}
    labels: dict[int, str] = {}  # id() of a figure or table in `ast` -> its label

    def label_caption(caption: list[Any], label: str) -> None:
        blocks = caption[1]
        prefix = [{"t": "Span", "c": [empty_attr(classes=["caption-label"]),
                                      str_inlines(label)]}]
        if blocks and blocks[0]["t"] in ("Plain", "Para"):
            blocks[0]["c"] = [*prefix, {"t": "Space"}, *blocks[0]["c"]]
        else:
            blocks.insert(0, {"t": "Plain", "c": prefix})

    equations: dict[str, str] = {}  # eq-x -> "(3.2)"
    for node in each(ast["blocks"]):
        kind = node["t"]
        if kind in ("Para", "Plain"):
            for identifier in equation_ids(node["c"]):
                label = f"{number}.{len(equations) + 1}" if number else str(len(equations) + 1)
                equations.setdefault(identifier, f"({label})")
                targets.setdefault(identifier, Target("Equation", f"Equation {label}",
                                                      str_inlines(f"Equation {label}")))
        elif kind in ("Figure", "Table"):
            word = "Figure" if kind == "Figure" else "Table"
            counts[word] += 1
            label = f"{word} {number}.{counts[word]}" if number else f"{word} {counts[word]}"
            labels[id(node)] = label
            identifier = node["c"][0][0]
            if identifier:
                targets[identifier] = Target(word, label, str_inlines(label))
        elif kind == "Header" and node["c"][1][0]:
            identifier = node["c"][1][0]
            title = stringify(node["c"][2])
            targets[identifier] = Target("Section", title, [
                # An outer quotation, as pandoc reads "...": printed in the book's style.
                {"t": "Quoted", "c": [{"t": "DoubleQuote"}, copy.deepcopy(node["c"][2])]}])
    # Figures and tables in document order, matched to the rebuilt nodes in the same order
    # (the transform visits them in that order too, as they do not nest).
    pending = [labels[key] for key in labels]
    from anthology.chapters.crossrefs import WRITTEN, chunk_hint, resolve_written

    missed: dict[str, int] = {}

    def visit(node: Node) -> Node | list[Node] | None:
        if equations and node["t"] in ("Para", "Plain"):
            node["c"] = number_equations(node["c"], equations)
            return None
        if node["t"] == "Link" and WRITTEN in node["c"][0][1]:
            return resolve_written(node, targets, locator, copy.deepcopy, missed, elsewhere)
        if node["t"] in ("Figure", "Table") and pending:
            label_caption(node["c"][1], pending.pop(0))
            return None
        if node["t"] != "Cite":
            return None
        citations = node["c"][0]
        keys = [c["citationId"] for c in citations]
        refs = [k for k in keys if k.startswith(CROSSREF_PREFIXES)]
        if not refs:
            return None
        if len(refs) != len(keys):
            locator.error("crossref.mixed", f"@{refs[0]}",
                          f"mixes the cross-reference @{refs[0]} with citations in one "
                          "bracket.", "Put cross-references outside the citation brackets: "
                          "see @fig-x and [@smith2020].")
            return None
        out: list[Node] = []
        for index, citation in enumerate(citations):
            key = citation["citationId"]
            if index:
                out += [{"t": "Str", "c": ";"}, {"t": "Space"}]
            if citation["citationPrefix"]:
                out += [*citation["citationPrefix"], {"t": "Space"}]
            target = targets.get(key)
            if target is None and elsewhere and key in elsewhere:
                out += elsewhere[key].inlines()
            elif target is None:
                kinds = {"fig-": "figure", "tbl-": "table", "sec-": "section",
                         "eq-": "equation"}
                what = next(v for k, v in kinds.items() if key.startswith(k))
                from anthology.core.config import did_you_mean

                locator.error("crossref.missing", f"@{key}",
                              f"refers to @{key}, but this chapter has no {what} with the id "
                              f"'{key}'.", chunk_hint(locator.body, key) or
                              did_you_mean(key, targets) or
                              f"Give the {what} that id, for example {{#{key}}} after it.")
                out.append({"t": "Str", "c": "??"})
            else:
                out.append({"t": "Link", "c": [empty_attr(classes=["crossref"]),
                                               copy.deepcopy(target.inlines), [f"#{key}", ""]]})
            if citation["citationSuffix"]:
                out += citation["citationSuffix"]
        return out

    result: Node = transform(ast, visit)
    return result, targets


def chain(*visitors: Visitor) -> Visitor:
    """One visitor doing the work of several in a single walk: each sees what the previous
    made of the node; a list (splice) or a node of another type ends the chain."""
    def visit(node: Node) -> Node | list[Node] | None:
        current: Node = node
        changed = False
        for visitor in visitors:
            result = visitor(current)
            if result is None:
                continue
            if isinstance(result, list) or result.get("t") != current["t"]:
                return result
            current, changed = result, True
        return current if changed else None

    return visit


def id_prefixer(prefix: str) -> Visitor:
    """A visitor for `prefix_ids`."""
    def visit(node: Node) -> Node | list[Node] | None:
        index = _ATTR_INDEX.get(node["t"])
        if index is not None and node["c"][index][0]:
            node["c"][index][0] = prefix + node["c"][index][0]
        if node["t"] == "Link":
            url = node["c"][2][0]
            if url.startswith("#") and len(url) > 1:
                node["c"][2][0] = f"#{prefix}{url[1:]}"
        return None

    return visit


def prefix_ids(ast: Node, prefix: str) -> Node:
    """Give every id and internal link a per-chapter prefix, so ids are unique in the book."""
    result: Node = transform(ast, id_prefixer(prefix))
    return result


def _note_inlines(blocks: list[Node]) -> list[Node]:
    out: list[Node] = []
    for index, block in enumerate(blocks):
        if index:
            out.append({"t": "Space"})
        if block["t"] in ("Para", "Plain"):
            out += block["c"]
        elif block["t"] == "Div":  # its paragraphs as they are (maths, links and all)
            out += _note_inlines(block["c"][1])
        else:
            out += str_inlines(stringify(block))
    return out


def footnote_spanner(node: Node) -> Node | list[Node] | None:
    """A visitor for `notes_to_footnotes`."""
    if node["t"] == "Note":
        return {"t": "Span", "c": [empty_attr(classes=["footnote"]), _note_inlines(node["c"])]}
    return None


def notes_to_footnotes(ast: Node) -> Node:
    """Turn notes into inline `span.footnote` elements for WeasyPrint's `float: footnote`."""
    result: Node = transform(ast, footnote_spanner)
    return result


def notes_to_endnotes(ast: Node, prefix: str, heading: str = "Notes") -> Node:
    """Turn notes into numbered endnotes at the end of the chapter, with links both ways."""
    notes: list[list[Node]] = []

    def visit(node: Node) -> Node | None:
        if node["t"] != "Note":
            return None
        notes.append(node["c"])
        n = len(notes)
        return {"t": "Superscript", "c": [{"t": "Link", "c": [
            [f"{prefix}fnref{n}", ["note-ref"], []], [{"t": "Str", "c": str(n)}],
            [f"#{prefix}fn{n}", ""]]}]}

    result: Node = transform(ast, visit)
    if notes:
        items = []
        for n, blocks in enumerate(notes, start=1):
            back = {"t": "Link", "c": [empty_attr(classes=["note-back"]),
                                       [{"t": "Str", "c": "↩"}], [f"#{prefix}fnref{n}", ""]]}
            body = copy.deepcopy(blocks) or [{"t": "Para", "c": []}]
            if body[-1]["t"] in ("Para", "Plain"):
                body[-1]["c"] = [*body[-1]["c"], {"t": "Space"}, back]
            items.append({"t": "Div", "c": [[f"{prefix}fn{n}", ["endnote"], []], body]})
        result["blocks"] += [
            {"t": "Header", "c": [2, [f"{prefix}notes", ["unnumbered", "notes-heading"], []],
                                  str_inlines(heading)]},
            {"t": "OrderedList", "c": [[1, {"t": "Decimal"}, {"t": "Period"}],
                                       [[item] for item in items]]},
        ]
    return result


def citation_keys(ast: Node) -> list[str]:
    """Every citation key in the order cited (cross-references excluded)."""
    keys = []
    for node in each(ast["blocks"], "Cite"):
        for citation in node["c"][0]:
            key = citation["citationId"]
            if not key.startswith(CROSSREF_PREFIXES):
                keys.append(key)
    return keys


@dataclass(frozen=True)
class Float:
    """A numbered figure or table, for the lists of figures and tables."""

    kind: str
    identifier: str
    label: str
    caption: str


def float_namer(stem: str = "float") -> Visitor:
    """A visitor for `name_floats`."""
    count = 0

    def visit(node: Node) -> Node | list[Node] | None:
        nonlocal count
        if node["t"] in ("Figure", "Table"):
            count += 1
            if not node["c"][0][0]:
                node["c"][0][0] = f"{stem}-{count}"
        return None

    return visit


def name_floats(ast: Node, stem: str = "float") -> Node:
    """Give every figure and table without an id one (`float-1`...), so lists can link to it."""
    result: Node = transform(ast, float_namer(stem))
    return result


def list_floats(ast: Node) -> list[Float]:
    """The chapter's figures and tables in order: id, label ('Figure 3.2') and caption text."""
    found = []
    for node in each(ast["blocks"]):
        if node["t"] not in ("Figure", "Table"):
            continue
        blocks = node["c"][1][1]
        label = ""
        rest: list[Node] = blocks
        if blocks and blocks[0]["t"] in ("Plain", "Para") and blocks[0]["c"]:
            first = blocks[0]["c"][0]
            if first["t"] == "Span" and "caption-label" in first["c"][0][1]:
                label = stringify(first["c"][1])
                rest = [{**blocks[0], "c": blocks[0]["c"][1:]}, *blocks[1:]]
        found.append(Float(node["t"].lower(), node["c"][0][0], label, stringify(rest)))
    return found


def unwrap_dangling_links(ast: Node) -> Node:
    """Turn internal links whose target id does not exist into plain text.

    A forced build with an unresolved citation or cross-reference would otherwise point at
    nothing, which EPUBCheck reports as an error.
    """
    ids = set()
    links = []
    for node in each(ast["blocks"]):
        index = _ATTR_INDEX.get(node["t"])
        if index is not None and node["c"][index][0]:
            ids.add(node["c"][index][0])
        if node["t"] == "Link":
            links.append(node["c"][2][0])
    if not any(url.startswith("#") and url[1:] not in ids for url in links):
        return ast  # nothing dangles: no need to rebuild the tree

    def visit(node: Node) -> Node | None:
        if node["t"] == "Link":
            url = node["c"][2][0]
            if url.startswith("#") and url[1:] not in ids:
                return {"t": "Span", "c": [node["c"][0], node["c"][1]]}
        return None

    result: Node = transform(ast, visit)
    return result
