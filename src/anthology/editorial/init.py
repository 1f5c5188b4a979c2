"""`anthology init`: a new, empty book that builds."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jinja2

from anthology import __version__
from anthology.core.config import BOOK_FILE, slugify
from anthology.core.errors import UsageError
from anthology.core.files import atomic_write_text
from anthology.core.installation import PLACEHOLDER, Installation, running_installation
from anthology.core.resources import TEMPLATES_DIR

TEMPLATES = TEMPLATES_DIR / "init"

# Files written by init: template name -> path in the new book.
FILES = {
    "book.yaml.j2": "book.yaml",
    "contributors.yaml.j2": "contributors.yaml",
    "chapters.yaml.j2": "chapters.yaml",
    "introduction.md.j2": "chapters/01-introduction.md",
    "book.bib": "references/book.bib",
    "gitignore": ".gitignore",
    "CONTRIBUTING.md.j2": "CONTRIBUTING.md",
    "anthology.yml.j2": ".github/workflows/anthology.yml",
}


def _environment() -> jinja2.Environment:
    # YAML and Markdown templates: no HTML escaping, but values go through the `yaml` filter,
    # which writes a quoted YAML string (JSON strings are valid YAML).
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=False,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["yaml"] = lambda value: json.dumps(str(value), ensure_ascii=False)
    return env


def init_book(folder: Path, title: str, editor: str, email: str, today: dt.date,
              installation: Installation | None = None) -> list[Path]:
    """Write a new book into `folder` (which must not already hold one); return the files.

    Its CI workflow installs anthology as `installation` says (default: as the running one was
    installed).
    """
    if (folder / BOOK_FILE).exists():
        raise UsageError(f"{folder} already holds a book ({BOOK_FILE} exists). Choose an empty "
                         "folder, or work on that book.")
    existing = [name for name in FILES.values() if (folder / name).exists()]
    if existing:
        raise UsageError(f"{folder} already has {', '.join(existing)}; anthology init does not "
                         "overwrite files. Choose an empty folder.")
    if not title.strip():
        raise UsageError("The book needs a title: give one with --title, for example "
                         '--title "Co-production in Practice".')
    if not editor.strip():
        raise UsageError('The editor needs a name: give one with --editor, for example '
                         '--editor "Jane Doe".')
    # A name in a script with no ASCII spelling (Chinese, say) takes its id from the e-mail.
    editor_id = slugify(editor, fallback="") or slugify(email.split("@")[0], fallback="editor")
    installation = installation or running_installation()
    env = _environment()
    title, editor = title.strip(), editor.strip()
    values = {"title": title, "editor": editor, "editor_id": editor_id, "email": email,
              "today": today.isoformat(), "year": today.year, "version": __version__,
              "install": installation.requirement or PLACEHOLDER, "install_why": installation.why,
              "pip_line": installation.pip_line}
    written = []
    for template, name in FILES.items():
        path = folder / name
        if template.endswith(".j2"):
            text = env.get_template(template).render(**values)
        else:
            text = (TEMPLATES / template).read_text(encoding="utf-8")
        atomic_write_text(path, text)
        written.append(path)
    (folder / "chapters" / "images").mkdir(exist_ok=True)
    (folder / "proposal").mkdir(exist_ok=True)
    return written
