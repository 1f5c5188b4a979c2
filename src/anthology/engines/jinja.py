"""The book's own templates are its code: loaded only from its templates/ folder and reported,
when they fail, by template file and line (outputs/book/html.py, editorial/tracking/report.py and
editorial/tracking/reminders.py render them in Jinja2's SandboxedEnvironment)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import jinja2.exceptions

from anthology.core.resources import TEMPLATES_DIR

BUILTIN_TEMPLATES = TEMPLATES_DIR


class BookTemplates(jinja2.FileSystemLoader):
    """A folder of the book's templates, refusing a template that is a link to a file outside
    it (git commits symbolic links: one could show any file of the machine in the PDF)."""

    def get_source(self, environment: jinja2.Environment,
                   template: str) -> tuple[str, str, Any]:
        source, filename, uptodate = super().get_source(environment, template)
        folder = Path(str(self.searchpath[0])).resolve()
        if not Path(filename).resolve().is_relative_to(folder):
            raise jinja2.exceptions.SecurityError(
                "it is a link to a file outside the book's templates folder")
        return source, filename, uptodate


def template_error_message(root: Path, name: str, exc: jinja2.TemplateError) -> str:
    """`templates/book/book.html.j2:3: <what>. <how to fix>`, for a template that failed."""
    filename, line = _template_place(exc)
    where = _shown_name(root, filename) if filename else f"templates/{name}"
    place = f"{where}:{line}" if line else where
    what = (exc.message or type(exc).__name__).rstrip(".")
    if isinstance(exc, jinja2.exceptions.SecurityError):
        return (f"{place}: the template tried something templates may not do ({what}). "
                "Templates may only use the values anthology passes them; remove the "
                "construct, or delete the book's copy of the template to use the built-in one.")
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return f"{place}: the template is not valid Jinja2: {what}. Correct the template."
    return (f"{place}: the template failed: {what}. Correct the template, or delete the "
            "book's copy to use the built-in one.")


def _template_place(exc: BaseException) -> tuple[str | None, int | None]:
    """The template file and line where `exc` happened, from Jinja2's rewritten traceback."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return exc.filename, exc.lineno
    place: tuple[str | None, int | None] = (None, None)
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        # Jinja2 rewrites the frames of template code to carry the template's file and line.
        if code.co_filename.endswith((".j2", ".jinja", ".jinja2", ".html", ".xml", ".txt")):
            place = (code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return place


def _shown_name(root: Path, filename: str) -> str:
    path = Path(filename)
    for base, shown in ((root.resolve(), None), (BUILTIN_TEMPLATES, "(built-in) templates")):
        try:
            inside = path.resolve().relative_to(base)
        except ValueError:
            continue
        return inside.as_posix() if shown is None else f"{shown}/{inside.as_posix()}"
    return filename
