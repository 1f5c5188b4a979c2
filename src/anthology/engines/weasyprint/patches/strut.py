"""WeasyPrint's `strut`, kept by each style once asked.

Replaces `weasyprint.text.line_break.strut` (and `_font_style_cache_key`, whose key it spares),
where the modules that import it use it, of WeasyPrint 70.0 (the SHA-256 of their source:
`SOURCE`). Installed only where the WeasyPrint found is that version with that source; elsewhere
WeasyPrint's own code runs.

WeasyPrint 70's `strut` (the line height and baseline of a style's font) keeps its results in
a cache keyed by a string it makes of fourteen of the style's values, for each of the 100,000
lines and inline boxes it lays out; making that string is most of the cost. A style's values
do not change once computed (WeasyPrint changes a copy when it needs other values), so each
style keeps its strut once asked: the same value, without the string.

GAIN: to be measured
"""

from __future__ import annotations

from typing import Any

from anthology.engines.weasyprint.upstream import written_against

VERSION = "70.0"
SOURCE = "85f1806d491a7a9b121b9ea54b72bc9f98507245478ed6b9b406cd3a335a65cd"
USERS = ("weasyprint.text.line_break", "weasyprint.layout.inline", "weasyprint.css.units",
                "weasyprint.css.computed_values")


def install() -> bool:
    """Install the kept `strut` if WeasyPrint is the one it was written for (idempotent);
    whether it is installed."""
    import importlib

    import weasyprint
    from weasyprint.text import line_break

    original = line_break.strut
    if getattr(original, "anthology_fast", False):
        return True
    if not written_against(weasyprint.__version__, VERSION, SOURCE, original,
                           line_break._font_style_cache_key):
        return False
    users = [importlib.import_module(name) for name in USERS]
    if any(getattr(module, "strut", None) is not original for module in users):
        return False  # someone else's strut in one of them: leave them all alone
    fast = strut_memo(original)
    for module in users:
        setattr(module, "strut", fast)  # noqa: B010 (a module mypy cannot see into)
    return True


def strut_memo(original: Any) -> Any:
    """WeasyPrint's `strut`, kept by each style once asked."""
    def strut(style: Any) -> Any:
        known = style.__dict__.get("_anthology_strut")
        if known is None:
            known = style.__dict__["_anthology_strut"] = original(style)
        return known

    strut.anthology_fast = True  # type: ignore[attr-defined]
    strut.anthology_original = original  # type: ignore[attr-defined]
    return strut
