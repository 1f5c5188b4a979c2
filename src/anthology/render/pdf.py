"""WeasyPrint: the only module that imports weasyprint.

Rendering runs in a child process with a memory limit and a timeout, and with a URL fetcher
that serves only regular files inside the book folder (and anthology's own templates and fonts)
and `data:` URLs: never the network, never a file outside, never through a symlink that leads out.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from anthology.errors import ToolError

MEMORY_LIMIT_BYTES = 4 * 1024**3
TIMEOUT_SECONDS = 900
PANGO_HINT = ("WeasyPrint needs the Pango text library, which this machine lacks. On Debian or "
              "Ubuntu install it with: sudo apt install libpango-1.0-0 libpangoft2-1.0-0 "
              "(on macOS: brew install pango). Then run the command again.")
PACKAGE_DIR = Path(__file__).resolve().parent.parent


def make_fetcher(allowed_roots: list[Path], refused: list[str]) -> Any:
    """A WeasyPrint URLFetcher limited to files inside `allowed_roots` and data: URLs."""
    from urllib.request import url2pathname

    from weasyprint.urls import URLFetcher

    roots = [root.resolve() for root in allowed_roots]

    class BookFetcher(URLFetcher):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False,
                             timeout=5)

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if not url.startswith("file:"):
                refused.append(url)
                raise ValueError(f"anthology does not fetch {url}")
            path = Path(url2pathname(url.split("?")[0].split("#")[0].removeprefix("file:")))
            try:
                resolved = path.resolve(strict=True)
            except (OSError, RuntimeError):
                refused.append(url)
                raise ValueError(f"no such file: {url}") from None
            inside = any(resolved.is_relative_to(root) for root in roots)
            if not inside or not resolved.is_file():
                refused.append(url)
                raise ValueError(f"anthology does not read {url}: outside the book")
            if resolved.suffix.lower() == ".svg":
                from weasyprint.urls import URLFetcherResponse

                body = book_face_svg(resolved.read_bytes())
                return URLFetcherResponse(resolved.as_uri(), body,
                                          {"Content-Type": "image/svg+xml"})
            return super().fetch(resolved.as_uri(), headers)

    return BookFetcher()


_GENERIC_FAMILY = re.compile(
    rb"""(font-family\s*(?:=\s*["']|:\s*))\s*(serif|sans-serif)\b""", re.IGNORECASE)


def book_face_svg(data: bytes) -> bytes:
    """An SVG figure whose generic font families (serif, sans-serif) ask for the bundled face.

    The machine's fontconfig would otherwise pick whatever serif it has (DejaVu here), and the
    PDF would differ from machine to machine.
    """
    return _GENERIC_FAMILY.sub(rb"\1Charis SIL, \2", data)


def _render(job: dict[str, Any]) -> dict[str, Any]:
    try:
        import weasyprint
    except OSError as exc:  # Pango or its friends missing
        return {"error": PANGO_HINT, "detail": str(exc)}
    import logging

    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                messages.append(record.getMessage())

    logger = logging.getLogger("weasyprint")
    logger.addHandler(Collect())
    logger.propagate = False
    refused: list[str] = []
    fetcher = make_fetcher([Path(p) for p in job["allowed_roots"]], refused)
    html_path = Path(job["html"])
    document = weasyprint.HTML(string=html_path.read_text(encoding="utf-8"),
                               base_url=Path(job["base"]).resolve().as_uri() + "/",
                               url_fetcher=fetcher)
    options: dict[str, Any] = {"uncompressed_pdf": False, "custom_metadata": True}
    if job.get("variant"):
        options["pdf_variant"] = job["variant"]
    if job.get("identifier"):
        options["pdf_identifier"] = job["identifier"].encode()
    rendered = document.render(**{k: v for k, v in options.items() if k != "custom_metadata"})
    pages = len(rendered.pages)
    rendered.write_pdf(job["output"], **options)
    return {"pages": pages, "refused": sorted(set(refused)), "warnings": messages}


def render_pdf(html_path: Path, output: Path, base: Path, allowed_roots: list[Path],
               variant: str | None = None, identifier: str | None = None) -> dict[str, Any]:
    """Render `html_path` to `output` in a child process; return pages, refusals, warnings."""
    job = {"html": str(html_path), "output": str(output), "base": str(base),
           "allowed_roots": [str(p) for p in allowed_roots], "variant": variant,
           "identifier": identifier}

    def limit() -> None:  # pragma: no cover - runs in the child
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))

    try:
        done = subprocess.run([sys.executable, "-m", "anthology.render.pdf"],
                              input=json.dumps(job).encode(), capture_output=True,
                              timeout=TIMEOUT_SECONDS, preexec_fn=limit, check=False,
                              env={**os.environ, "PYTHONWARNINGS": "ignore"})
    except subprocess.TimeoutExpired:
        raise ToolError(f"WeasyPrint did not finish the PDF within {TIMEOUT_SECONDS} "
                        "seconds.") from None
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        if any("MemoryError" in line for line in tail):
            raise ToolError("WeasyPrint ran out of memory laying out the PDF; look for a "
                            "huge image or table.")
        raise ToolError("WeasyPrint failed to make the PDF: " + " ".join(tail))
    result: dict[str, Any] = json.loads(done.stdout)
    if "error" in result:
        raise ToolError(result["error"])
    return result


def weasyprint_version() -> str:
    """WeasyPrint's version, without importing it (importing loads Pango)."""
    from importlib.metadata import version

    return version("weasyprint")


if __name__ == "__main__":  # pragma: no cover - the child process
    print(json.dumps(_render(json.loads(sys.stdin.read()))))
