"""A chapter's AST made safe to print: no raw HTML, no dangerous attributes or links, images
only from inside the book, bounded nesting. Every refusal is a finding with its line.

The same sanitised tree feeds `check`, the book's PDF and EPUB, the proposal and the offprints,
so what is checked is what is printed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from anthology.chapters.crossrefs import IdKeeper, caption_label, crossref_cite, split_bookdown
from anthology.chapters.document import (
    ATTR_INDEX,
    Locator,
    Node,
    each,
    empty_attr,
    str_inlines,
    stringify,
    transform,
)
from anthology.chapters.rawtext import RawReader, TemplateFinder
from anthology.core.files import resolve_inside
from anthology.core.images import SVG_HINT, inspect_image, removed_list
from anthology.core.raster import ImageProblem

# Links a reader can follow: the web, e-mail, a place in the book.
SAFE_LINK = re.compile(r"^(?:https?://|mailto:|#)", re.IGNORECASE)
# The attributes kept (the rest could run code or change the page).
SAFE_KEYS = {"width", "height", "lang", "index", "index-see", "index-see-also", "index-start",
             "index-end"}  # the index keys: index marks (anthology/chapters/index_marks.py)
# How deep quotations and lists may nest before a passage is left out.
MAX_DEPTH = 40
_NESTING = {"BlockQuote", "BulletList", "OrderedList", "Div", "DefinitionList"}


def sanitize(ast: Node, locator: Locator, root: Path, chapter_dir: Path,
             allow_raw_html: bool = False) -> Node:
    """Make a chapter's AST safe to render; every refusal becomes a finding.

    Image targets become paths relative to the book folder (the renderers' base). Attributes
    other than SAFE_KEYS are dropped, and reported once for the chapter.
    """
    removed: list[str] = []
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
        index = ATTR_INDEX.get(kind)
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
