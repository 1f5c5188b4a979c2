"""Images without alternative text, and internal links to anchors the chapter does not have."""

from __future__ import annotations

from anthology.chapters.document import ATTR_INDEX, Locator, Node, each, stringify
from anthology.core.findings import error, warning


def anchors(ast: Node) -> set[str]:
    """Every id in the chapter (headings get theirs from pandoc automatically)."""
    found = set()
    for node in each(ast.get("blocks", [])):
        index = ATTR_INDEX.get(node["t"])
        if index is not None and node["c"][index][0]:
            found.add(node["c"][index][0])
    return found


def check_links(ast: Node, locator: Locator) -> None:
    """link.broken for `[text](#anchor)` to an anchor that is not in the chapter."""
    ids = anchors(ast)
    from anthology.core.config import did_you_mean

    for node in each(ast.get("blocks", []), "Link"):
        url = node["c"][2][0]
        if url.startswith("#") and len(url) > 1 and url[1:] not in ids:
            locator.error("link.broken", f"]({url}", f"links to '{url}', but nothing in this "
                          "chapter has that id.", did_you_mean(url[1:], ids) or
                          f"Give the heading or figure that id, for example {{{url}}}, or "
                          "correct the link.")


def check_images(ast: Node, locator: Locator) -> None:
    """image.no-alt: an image with no description for readers who cannot see it."""
    for node in each(ast.get("blocks", []), "Image"):
        url = node["c"][2][0]
        if not stringify(node["c"][1]).strip():
            locator.warning("image.no-alt", f"]({url}", f"the image {url} has no description "
                            "for readers who cannot see it.", "Write one between the brackets: "
                            f"![A short description]({url}).")


class ColumnLocator(Locator):
    """A Locator that gives the column too (of the needle's first character)."""

    def place(self, needle: str) -> tuple[int | None, int | None]:
        """File line and column of the first occurrence of `needle` in the body."""
        index = self.body.find(needle) if needle else -1
        if index < 0:
            return None, None
        line = self.first_line + self.body.count("\n", 0, index)
        return line, index - (self.body.rfind("\n", 0, index) + 1) + 1

    def error(self, code: str, needle: str, message: str, hint: str) -> None:
        """Record an error at the line and column of `needle`."""
        line, column = self.place(needle)
        self.findings.append(error(code, self.name, line, message, hint, column=column,
                                   chapter=self.chapter))

    def warning(self, code: str, needle: str, message: str, hint: str) -> None:
        """Record a warning at the line and column of `needle`."""
        line, column = self.place(needle)
        self.findings.append(warning(code, self.name, line, message, hint, column=column,
                                     chapter=self.chapter))
