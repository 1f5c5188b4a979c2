"""Pages of a chapter's run that end on the same line, taught to WeasyPrint 70's page maker
(installed in the WeasyPrint process by render.py, for whole-book and piecewise layouts alike).

A page breaks where the next thing no longer fits: a heading kept with the two lines after it
(`break-after: avoid`, orphans 2), a block quote, a short table kept whole. The room it leaves
at the foot makes that page end a line or more above the page facing it. A typesetter closes
the gap by opening the space around the page's headings, quotations, tables, figures and lists
(TeX's "flush bottom"). So does this, after a page is laid out and before it is drawn:

- only on the pages named in PAGES (a chapter's), that break because the text runs on (not at
  a forced break, not at the end of the document), that set no columns (the index);
- the foot the text should reach is the last whole line of the body's leading that fits above
  the footnotes, counted from the top of the type area, so a stretched page ends where a page
  of plain text ends;
- the shortfall is shared among the gaps before headings (up to HEADING_STRETCH lines each)
  and before and after block quotes, tables, figures, lists, listings (up to BLOCK_STRETCH);
  and only what they cannot take between paragraphs (up to PARAGRAPH_STRETCH each); never
  before the page's first box, never inside a paragraph; a page short by more than
  MAX_SHORT lines is left as it is.

Where that is not enough, because a table or figure kept whole (`break-inside: avoid`) would
open the next page and leave this one short by more than MAX_SHORT lines, the kept block goes
after the paragraph that follows it (up to MAX_FLOATED paragraphs), as a press floats a table
to the next page's head: the page is laid out again with the paragraph, which runs over to the
next page above the table. This happens on a page's first layout only, so the pages after it
are laid out from one order of the boxes. Otherwise what moves is only where things are drawn.

It checks that WeasyPrint's code is the version it was written against, or does nothing.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from anthology.engines.weasyprint.upstream import written_against

WEASYPRINT_VERSION = "70.0"
WEASYPRINT_PAGE_SOURCE = "656f183328e8b1b56311a342621442056c067422958dcaf6730acdfb6c7b8971"

# The pages to fill: book.css's names for a chapter's pages.
PAGES = frozenset({"chapter", "chapter-start"})
# How far (in lines of the body's leading) one gap may open, and how short a page may be.
HEADING_STRETCH = 1.5
BLOCK_STRETCH = 1.0
PARAGRAPH_STRETCH = 0.5
MAX_SHORT = 5.0
# Less than this (CSS px) is not worth moving anything for.
EPSILON = 0.5

# Kept blocks that may go after the paragraphs that follow them, and how many paragraphs.
KEPT = frozenset({"table", "figure"})
MAX_FLOATED = 3

HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
# Blocks with space around them that may open; and the containers whose children are looked
# at (what is inside a table, list, quotation or paragraph keeps its spacing).
BLOCKS = frozenset({"blockquote", "table", "figure", "ul", "ol", "dl", "pre"})
CONTAINERS = frozenset({"html", "body", "main", "article", "section", "div"})


def _descendants(box: Any) -> Iterator[Any]:
    yield box
    for child in getattr(box, "children", ()):
        yield from _descendants(child)


def _leading(flow: Any) -> float | None:
    """The body's leading (CSS px): the root element's line-height, None if it is `normal`
    (then it depends on the font, and no line is a whole line)."""
    height = flow.style["line_height"]
    if isinstance(height, (int, float)):
        return float(height) * float(flow.style["font_size"])
    if getattr(height, "unit", None) == "px":
        return float(height.value)
    return None


def _bottom(flow: Any) -> float:
    """Where the page's text ends (CSS px from the top of the page): the foot of its last
    line, table cell or block image."""
    from weasyprint.formatting_structure import boxes

    feet = [0.0]
    for box in _descendants(flow):
        if isinstance(box, boxes.LineBox):
            feet.append(box.position_y + box.height)
        elif isinstance(box, boxes.TableCellBox):
            feet.append(box.position_y + box.border_height())
        elif isinstance(box, boxes.BlockReplacedBox):
            feet.append(box.position_y + box.margin_top + box.border_height())
    return max(feet)


def _columns(flow: Any) -> bool:
    return any(box.style["column_width"] != "auto" or box.style["column_count"] != "auto"
               for box in _descendants(flow) if hasattr(box, "style"))


def _container(box: Any) -> bool:
    """Whether space may open among `box`'s children (a section, an article: not a table,
    list, quotation or paragraph)."""
    from weasyprint.formatting_structure import boxes

    return (isinstance(box, boxes.BlockBox) and box.is_in_normal_flow()
            and box.element_tag in CONTAINERS and not getattr(box, "is_table_wrapper", False))


def gaps(flow: Any, top: float) -> tuple[list[tuple[Any, float]], list[Any]]:
    """The boxes of a page's flow before which space may open, each with how many lines it
    may open by, in the order they are laid out (none before the page's first box); and the
    paragraphs that follow a paragraph, where space opens only if that is not enough."""
    from weasyprint.formatting_structure import boxes

    found: list[tuple[Any, float]] = []
    paragraphs: list[Any] = []

    def visit(parent: Any) -> None:
        before = None
        for child in parent.children:
            if not isinstance(child, boxes.BlockLevelBox) or not child.is_in_normal_flow():
                continue
            tag = child.element_tag
            stretch = 0.0
            if tag in HEADINGS:
                stretch = HEADING_STRETCH
            elif tag in BLOCKS or (before is not None and before.element_tag in BLOCKS):
                stretch = BLOCK_STRETCH
            below_top = child.position_y > top + EPSILON
            if stretch and below_top:
                found.append((child, stretch))
            elif tag == "p" and before is not None and before.element_tag == "p" and below_top:
                paragraphs.append(child)
            if _container(child):
                visit(child)
            before = child

    visit(flow)
    return found, paragraphs


def shortfall(page: Any) -> tuple[float, float] | None:
    """How far above the last whole line of the body's leading that fits above its footnotes
    a laid-out page's text ends, and that leading (CSS px); None where lines are not whole
    lines of one leading (`line-height: normal`, columns)."""
    flow, notes = page.children[0], page.children[1]
    leading = _leading(flow)
    if leading is None or _columns(flow):
        return None
    top = page.content_box_y()
    floor = notes.position_y if notes.children else top + page.height
    target = top + int((floor - top) / leading + 1e-6) * leading
    return target - _bottom(flow), leading


def fill(page: Any) -> float:
    """Open the gaps of a laid-out page so that its text ends on the last line of the body's
    leading that fits (see the module's docstring); return how far it moved the foot (px)."""
    measured = shortfall(page)
    if measured is None:
        return 0.0
    short, leading = measured
    if short < EPSILON or short > MAX_SHORT * leading:
        return 0.0
    flow, top = page.children[0], page.content_box_y()
    found, paragraphs = gaps(flow, top)
    room = sum(stretch for _, stretch in found) * leading
    share = min(1.0, short / room) if room else 0.0
    # What the gaps around headings and blocks cannot take, the paragraphs share.
    rest = short - share * room
    each = min(PARAGRAPH_STRETCH * leading, rest / len(paragraphs)) if paragraphs else 0.0
    opened = [(box, stretch * leading * share) for box, stretch in found]
    opened += [(box, each) for box in paragraphs] if rest > EPSILON else []
    _open(flow, {id(box): dy for box, dy in opened})
    return sum(dy for _, dy in opened)


def _open(parent: Any, opened: dict[int, float], offset: float = 0.0) -> float:
    """Move each child of `parent` down by the space opened before it: `opened` maps boxes
    (by id) to the space opened before them, `offset` is what opened before `parent`'s
    content; return what opened by its end (one pass over the page's boxes)."""
    for child in parent.children:
        offset += opened.get(id(child), 0.0)
        if _container(child):
            child.position_y += offset  # itself only: its children move one by one
            inside = _open(child, opened, offset)
            child.height += inside - offset
            offset = inside
        elif offset:
            child.translate(0, offset)
    return offset


def _kept(box: Any) -> bool:
    """Whether `box` is a table or figure kept on one page (`break-inside: avoid`)."""
    if box.element_tag not in KEPT:
        return False
    return any(part.style["break_inside"] in ("avoid", "avoid-page")
               for part in (box, *getattr(box, "children", ())))


def kept_opening(root_box: Any, resume_at: Any) -> tuple[Any, int] | None:
    """Where the next page starts, if it starts with a kept table or figure followed by a
    paragraph of the same parent: that parent and the kept block's index among its children;
    else None."""
    parent, stack = root_box, resume_at
    while stack is not None and len(stack) == 1:
        (index, below), = stack.items()
        if index >= len(parent.children):
            return None
        if below is None:
            box = parent.children[index]
            after = parent.children[index + 1] if index + 1 < len(parent.children) else None
            if _kept(box) and after is not None and after.element_tag == "p":
                return parent, index
            return None
        parent, stack = parent.children[index], below
    return None


def _saved(context: Any, page_state: Any, page_number: int) -> tuple[Any, ...]:
    """What laying out a page changes of the layout's state (to lay it out again)."""
    remake = context.page_maker[page_number - 1][-1]
    return (copy.deepcopy(page_state), list(context.footnotes),
            list(context.reported_footnotes), dict(context.broken_out_of_flow),
            list(remake["anchors"]), list(remake["content_lookups"]))


def _restore(context: Any, page_state: Any, page_number: int, saved: tuple[Any, ...]) -> None:
    """The layout's state as `_saved` found it before the page was laid out."""
    state, footnotes, reported, broken, anchors, lookups = saved
    for mine, kept in zip(page_state, copy.deepcopy(state), strict=True):
        if isinstance(mine, dict):
            mine.clear()
            mine.update(kept)
        elif isinstance(mine, list):
            mine[:] = kept
    context.footnotes[:] = footnotes
    context.reported_footnotes = list(reported)
    context.broken_out_of_flow = dict(broken)
    remake = context.page_maker[page_number - 1][-1]
    remake["anchors"], remake["content_lookups"] = list(anchors), list(lookups)


def house_make_page(original: Any) -> Any:
    """WeasyPrint's `make_page`, with a page of a chapter's run that breaks because its text
    runs on filled to its last line: a kept table or figure that would leave it short by
    more than MAX_SHORT lines goes after the paragraphs that follow it (see `float_kept`),
    and the rest is closed by opening its gaps (see `fill`)."""

    def make_page(context: Any, root_box: Any, page_type: Any, resume_at: Any,
                  page_number: int, page_state: Any) -> Any:
        ours = page_type.name in PAGES and not page_type.blank
        # Kept blocks move on a page's first layout only: a page laid out again (WeasyPrint
        # remakes pages whose counters change) keeps the order the pages after it were
        # laid out from.
        floats = ours and page_number not in _floated(context)
        saved = _saved(context, page_state, page_number) if floats else None
        page, next_resume_at, next_page = original(context, root_box, page_type, resume_at,
                                                   page_number, page_state)
        if not ours or not _runs_on(next_resume_at, next_page, page_type):
            return page, next_resume_at, next_page
        if saved is not None:
            _floated(context).add(page_number)
            for _ in range(MAX_FLOATED):
                measured = shortfall(page)
                place = kept_opening(root_box, next_resume_at)
                if measured is None or place is None or measured[0] <= MAX_SHORT * measured[1]:
                    break
                parent, index = place
                # The kept block goes after the paragraph that followed it; that paragraph
                # is laid out on this page, and runs over to the next above the kept block.
                parent.children.insert(index + 1, parent.children.pop(index))
                _restore(context, page_state, page_number, saved)
                page, next_resume_at, next_page = original(
                    context, root_box, page_type, resume_at, page_number, page_state)
                if not _runs_on(next_resume_at, next_page, page_type):
                    return page, next_resume_at, next_page
        fill(page)
        return page, next_resume_at, next_page

    make_page.anthology_house = True  # type: ignore[attr-defined]
    make_page.anthology_original = original  # type: ignore[attr-defined]
    return make_page


def _runs_on(next_resume_at: Any, next_page: Any, page_type: Any) -> bool:
    """Whether a page broke because its text runs on: neither at the document's end, nor at
    a forced break, nor at a change of named page (a new chapter's first page)."""
    return (next_resume_at is not None and next_page["break"] == "any"
            and next_page["page"] in (None, page_type.name))


def _floated(context: Any) -> set[int]:
    """The pages of this layout whose kept blocks have been placed."""
    found: set[int] | None = getattr(context, "anthology_floated", None)
    if found is None:
        found = context.anthology_floated = set()
    return found


def install() -> bool:
    """Install the filled pages if WeasyPrint is the version this was written for
    (idempotent); whether it is installed."""
    import weasyprint
    from weasyprint.layout import page

    if getattr(page.make_page, "anthology_house", False):
        return True
    if not written_against(weasyprint.__version__, WEASYPRINT_VERSION, WEASYPRINT_PAGE_SOURCE,
                           page.make_page):
        return False
    # make_all_pages and remake_page call make_page by its module's name.
    page.make_page = house_make_page(page.make_page)
    return True

