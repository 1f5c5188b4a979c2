"""WeasyPrint's `resolve_percentages`, its per-property calls inlined.

Replaces `weasyprint.layout.percent.resolve_percentages` (with `resolve_one_percentage` and
`percentage`, whose work it does), where the layout modules that import it use it, of WeasyPrint
70.0 (the SHA-256 of their source: `SOURCE`). Installed only where the WeasyPrint found is that
version with that source; elsewhere WeasyPrint's own code runs.

WeasyPrint 70's `resolve_percentages` (the used margins, paddings and sizes of a box, 110,000
times in a book) makes two calls for each of its thirteen properties, `resolve_one_percentage`
and `percentage`. This one does their work in one loop: the same reads of the style, the same
arithmetic, the same attributes set in the same order (`percentage` itself still resolves
math functions).

GAIN: to be measured
"""

from __future__ import annotations

from typing import Any

from anthology.engines.weasyprint.upstream import written_against

VERSION = "70.0"
SOURCE = "ac96ed658a1c56e6ffa02db573c3f586d1e1cd9737d217b697cfb6959ccb4982"
USERS = ("weasyprint.layout.percent", "weasyprint.layout.inline",
                  "weasyprint.layout.page", "weasyprint.layout.float", "weasyprint.layout.grid",
                  "weasyprint.layout.absolute", "weasyprint.layout.block",
                  "weasyprint.layout.column", "weasyprint.layout.table")


def sources(percent: Any) -> tuple[Any, ...]:
    """What the fast `resolve_percentages` copies (digest: SOURCE)."""
    return (percent.resolve_percentages, percent.resolve_one_percentage, percent.percentage)


def install() -> bool:
    """Install the fast `resolve_percentages` if WeasyPrint is the one it was written for
    (idempotent); whether it is installed."""
    import importlib

    import weasyprint
    from weasyprint.layout import percent

    original = percent.resolve_percentages
    if getattr(original, "anthology_fast", False):
        return True
    if not written_against(weasyprint.__version__, VERSION, SOURCE, *sources(percent)):
        return False
    users = [importlib.import_module(name) for name in USERS]
    if any(getattr(module, "resolve_percentages", None) is not original for module in users):
        return False  # someone else's in one of them: leave them all alone
    fast = fast_resolve_percentages(percent, original)
    for module in users:
        setattr(module, "resolve_percentages", fast)  # noqa: B010 (mypy cannot see into it)
    return True


def fast_resolve_percentages(percent: Any, original: Any) -> Any:
    """WeasyPrint's `resolve_percentages`, its per-property calls inlined."""
    Box, PageBox = percent.boxes.Box, percent.boxes.PageBox
    percentage, check_math = percent.percentage, percent.check_math
    adjust_box_sizing, inf = percent.adjust_box_sizing, percent.inf

    def resolve(box: Any, style: Any, names: tuple[str, ...], refer_to: Any) -> None:
        # resolve_one_percentage and percentage, for each of `names`.
        for name in names:
            value = style[name]
            if value is None or value == "auto":
                used = value
            else:
                unit = getattr(value, "unit", None)
                if unit is None:
                    used = percentage(value, style, refer_to)
                elif unit == "%":
                    used = refer_to * value.value / 100
                else:
                    used = value.value
            setattr(box, name, used)
            if used == "auto" and name in ("min_width", "min_height"):
                setattr(box, name, 0)

    def resolve_percentages(box: Any, containing_block: Any) -> None:
        """Set used values as attributes of the box object."""
        if isinstance(containing_block, Box):
            # cb is short for containing block
            cb_width = containing_block.width
            cb_height = containing_block.height
        else:
            cb_width, cb_height = containing_block
        maybe_height = cb_height if isinstance(box, PageBox) else cb_width
        style = box.style
        resolve(box, style, ("margin_left", "margin_right"), cb_width)
        resolve(box, style, ("margin_top", "margin_bottom"), maybe_height)
        resolve(box, style, ("padding_left", "padding_right"), cb_width)
        resolve(box, style, ("padding_top", "padding_bottom"), maybe_height)
        resolve(box, style, ("width", "min_width", "max_width"), cb_width)

        if cb_height == "auto":
            # Special handling when the height of the containing block
            # depends on its content.
            height = style["height"]
            if height == "auto" or check_math(height) or height.unit == "%":
                box.height = "auto"
            else:
                assert height.unit.lower() == "px"
                box.height = height.value
            resolve(box, style, ("min_height",), 0)
            resolve(box, style, ("max_height",), inf)
        else:
            resolve(box, style, ("height", "min_height", "max_height"), cb_height)

        collapse = style["border_collapse"] == "collapse"
        # Used value == computed value
        for prop in ("border_top_width", "border_right_width", "border_bottom_width",
                     "border_left_width"):
            # border-{side}-width would have been resolved
            # during border conflict resolution for collapsed-borders
            if not (collapse and hasattr(box, prop)):
                setattr(box, prop, style[prop])

        # Shrink *content* widths and heights according to box-sizing
        adjust_box_sizing(box, "width")
        adjust_box_sizing(box, "height")

    resolve_percentages.anthology_fast = True  # type: ignore[attr-defined]
    resolve_percentages.anthology_original = original  # type: ignore[attr-defined]
    return resolve_percentages
