"""What anthology's changes to WeasyPrint's and pydyf's code check before they are installed:
that the code they replace is the version, and the source text, they were written against.
Where it is not, the change is not installed and WeasyPrint's own code runs."""

from __future__ import annotations

import hashlib
import inspect
from typing import Any


def source_digest(*functions: Any) -> str | None:
    """The SHA-256 of the source text of `functions` (None if a source cannot be read)."""
    digest = hashlib.sha256()
    for function in functions:
        try:
            digest.update(inspect.getsource(function).encode())
        except (OSError, TypeError):
            return None
    return digest.hexdigest()


def written_against(found: str | None, version: str, digest: str, *functions: Any) -> bool:
    """Whether the library's version `found` is `version` and the source of `functions` has
    the SHA-256 `digest`: the code a change was written against."""
    return found == version and source_digest(*functions) == digest
