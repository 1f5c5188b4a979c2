"""A part of the book laid out on its own (a chapter, a part title, the front matter) with the
page numbers and running heads it has in the book: hooks in WeasyPrint's layout for one
render, their state kept in a `PartLayout`, removed when the render ends.

WeasyPrint makes the margin boxes (running heads, folios) only after the whole part is laid
out, from each page's counter state. Shifting the `page` counter there gives the folios the part
has in the book without a second layout, and lets the part learn where it starts only once it
knows how long it is (`ask`). Named strings (CSS `string-set`, which a book's own CSS may use
for its running heads) are carried in the same way: the part says the last value it sets of
each, and is told the values the parts before it left (`entry`), which its pages show until it
sets its own. A part that does not open the book has no `:first` page: in one document only
the book's first page is.

These change what is laid out (they are not speed patches): `ANTHOLOGY_PATCHES` leaves them on.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

Ask = Callable[[int, dict[str, str]], tuple[int, dict[str, str]]]


def own_strings(context: Any) -> dict[str, str]:
    """The last value a laid-out part gives each named string it sets."""
    own = {}
    for name, pages in (context.string_set.items() if context is not None else ()):
        assigned = [number for number, values in pages.items() if values]
        if assigned:
            own[name] = pages[max(assigned)][-1]
    return own


class PartLayout:
    """One render's part: where it starts (asked of `ask` once its length is known), the
    named strings it enters with, and whether it opens the book."""

    def __init__(self, ask: Ask | None, opens_book: bool) -> None:
        self.ask = ask
        self.opens_book = opens_book
        self.shift: int | None = None  # pages to add to the part's own folios, once known
        self.entry: dict[str, str] = {}
        self.context: Any = None  # the layout's context, for a part with no margin box

    def ask_start(self, context: Any, pages: int) -> None:
        """Ask the pipeline where the part starts and what named strings it enters with."""
        if self.ask is None:
            self.shift = 0
            return
        start, entry = self.ask(pages, own_strings(context))
        self.shift, self.entry = int(start) - 1, dict(entry or {})

    def laid_out(self, pages: int) -> None:
        """The layout is over: ask where the part starts if no page made a margin box, and
        let go of the layout's context (it holds every box and style)."""
        if self.shift is None and self.ask is not None:
            self.ask_start(self.context, pages)
        self.context = None

    @contextmanager
    def hooked(self) -> Iterator[PartLayout]:
        """WeasyPrint's layout, within this block, numbering and heading this part's pages
        as they are in the book."""
        import weasyprint.layout as layout
        from weasyprint.css import StyleFor
        from weasyprint.layout import LayoutContext

        saved = [(StyleFor, "_page_type_match", StyleFor.__dict__["_page_type_match"]),
                 (LayoutContext, "__init__", LayoutContext.__dict__["__init__"]),
                 (LayoutContext, "get_string_set_for",
                  LayoutContext.__dict__["get_string_set_for"]),
                 (layout, "make_margin_boxes", layout.make_margin_boxes)]
        page_type_match, init = StyleFor._page_type_match, LayoutContext.__init__
        string_set_for, margin_boxes = LayoutContext.get_string_set_for, layout.make_margin_boxes

        def first_page(selector: Any, page_type: Any) -> bool:
            # `@page :first` matches no page of a part that does not open the book.
            if selector.first and not self.opens_book:
                return False
            return bool(page_type_match(selector, page_type))

        def remembered(context: Any, *args: Any, **kwargs: Any) -> None:
            init(context, *args, **kwargs)
            self.context = context  # for a part none of whose pages has a margin box

        def strings(context: Any, page: Any, name: str, keyword: str = "first") -> Any:
            # Where the part has set no value of the string on this page or before it, the
            # value the parts before it left, as one document would show.
            if name in self.entry and keyword != "all-once" and not any(
                    values for number, values in context.string_set[name].items()
                    if number <= context.current_page):
                return (self.entry[name],)
            return string_set_for(context, page, name, keyword)

        def folios(context: Any, page: Any, state: Any) -> Any:
            if self.shift is None:
                total = int(state[1].get("pages", [0])[0]) if state[1].get("pages") else 0
                self.ask_start(context, total)
            if self.shift:
                state = copy.deepcopy(state)
                state[1]["page"] = [value + self.shift for value in state[1].get("page", [])]
            return margin_boxes(context, page, state)

        StyleFor._page_type_match = staticmethod(first_page)
        LayoutContext.__init__ = remembered
        LayoutContext.get_string_set_for = strings
        layout.make_margin_boxes = folios
        try:
            yield self
        finally:
            for owner, name, value in saved:
                setattr(owner, name, value)
            self.context = None
