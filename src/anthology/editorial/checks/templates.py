"""The book's own templates (its `templates/` folder): each must load and compile, and use no
construct the sandbox refuses, so that `check` reports what a build would stop on.

Templates are the book's code: whoever can commit to `templates/` decides what the build runs.
The renderers use Jinja2's sandbox (outputs/book/html.py); this check finds the same problems
earlier, with the template's file and line.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import jinja2
import jinja2.nodes
import jinja2.sandbox

from anthology.core.findings import Finding, error

TEMPLATE_SUFFIXES = (".j2", ".jinja", ".jinja2")


def check_templates(root: Path) -> list[Finding]:
    """A finding for each of the book's templates that fails to load or compile, or that
    uses an attribute the sandbox refuses (`__class__`, `__globals__`, ...)."""
    folder = root / "templates"
    if not folder.is_dir():
        return []
    env = jinja2.sandbox.SandboxedEnvironment()
    findings: list[Finding] = []
    for path in sorted(folder.rglob("*")):
        if not path.name.endswith(TEMPLATE_SUFFIXES):
            continue
        name = path.relative_to(root).as_posix()
        if path.is_symlink():
            findings.append(error(
                "template.invalid", name, None,
                "is a symbolic link; a template must be a file in the book's templates folder.",
                "Replace the link with a copy of the template it points to."))
            continue
        if not path.is_file():
            continue
        findings += _check_one(env, path, name)
    return findings


def _check_one(env: jinja2.Environment, path: Path, name: str) -> list[Finding]:
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return [error("template.invalid", name, None, "is not UTF-8 text.",
                      "Save the template as UTF-8.")]
    except OSError as exc:
        return [error("template.invalid", name, None,
                      f"cannot be read ({exc.strerror or exc}).",
                      "Check the file's permissions.")]
    try:
        tree = env.parse(source, name=name, filename=name)
        env.compile(tree, name=name, filename=name)
    except jinja2.TemplateSyntaxError as exc:
        message = (exc.message or "syntax error").rstrip(".")
        return [error("template.invalid", name, exc.lineno,
                      f"is not valid Jinja2: {message}.",
                      "Correct the template, or delete it to use the built-in one.")]
    return [error("template.unsafe", name, line,
                  f"uses '{attribute}', which templates may not use: the build refuses it.",
                  "Templates may only use the values anthology passes them; remove it.")
            for line, attribute in _unsafe_attributes(tree)]


def _unsafe_attributes(tree: jinja2.nodes.Template) -> Iterator[tuple[int, str]]:
    """(line, attribute) for each `x._private`, `x['__dunder__']` or `x|attr('_y')`."""
    for node in tree.find_all((jinja2.nodes.Getattr, jinja2.nodes.Getitem,
                               jinja2.nodes.Filter)):
        attribute: object = None
        if isinstance(node, jinja2.nodes.Getattr):
            attribute = node.attr
        elif isinstance(node, jinja2.nodes.Getitem) and isinstance(node.arg, jinja2.nodes.Const):
            attribute = node.arg.value
        elif (isinstance(node, jinja2.nodes.Filter) and node.name == "attr" and node.args
              and isinstance(node.args[0], jinja2.nodes.Const)):
            attribute = node.args[0].value
        if isinstance(attribute, str) and _unsafe(attribute):
            yield node.lineno, attribute


def _unsafe(attribute: str) -> bool:
    return attribute.startswith("_") or attribute in (
        jinja2.sandbox.UNSAFE_FUNCTION_ATTRIBUTES | jinja2.sandbox.UNSAFE_METHOD_ATTRIBUTES
        | jinja2.sandbox.UNSAFE_GENERATOR_ATTRIBUTES | jinja2.sandbox.UNSAFE_COROUTINE_ATTRIBUTES
        | jinja2.sandbox.UNSAFE_ASYNC_GENERATOR_ATTRIBUTES | {"mro"})
