"""The developer documents: every relative link in the README and docs/ leads to a file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
# [text](target): the target up to a space, `#` or `)`.
LINK = re.compile(r"\]\(([^)\s#]+)(?:#[^)]*)?\)")


def relative_links(text: str) -> list[str]:
    """The link targets in Markdown `text` that are paths in the repository."""
    return [target for target in LINK.findall(text)
            if not re.match(r"[a-z][a-z0-9+.-]*:", target)]


def test_relative_links_are_found() -> None:
    text = "See [a](docs/a.md), [b](../b.md#top), [c](https://x.org/c.md) and [d](#here)."
    assert relative_links(text) == ["docs/a.md", "../b.md"]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_relative_link_leads_to_a_file(document: Path) -> None:
    text = document.read_text(encoding="utf-8")
    missing = [target for target in relative_links(text)
               if not (document.parent / target).exists()]
    assert missing == []


def test_the_readme_points_at_the_developer_documents() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert {"docs/architecture.md", "docs/development.md"} <= set(relative_links(text))
