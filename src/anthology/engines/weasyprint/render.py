"""WeasyPrint: the only module that imports weasyprint.

Rendering runs in a child process with a memory limit and a timeout, and with a URL fetcher
that serves only regular files inside the book folder (and anthology's own templates and fonts)
and `data:` URLs: never the network, never a file outside, never through a symlink that leads out.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from anthology.core.errors import ToolError
from anthology.core.memory import release_memory
from anthology.engines.weasyprint.parts import Ask

MEMORY_LIMIT_BYTES = 4 * 1024**3
TIMEOUT_SECONDS = 900
# A worker lays out one piece: a chapter, which the limits of anthology/core/limits.py keep under
# about 350 pages (a 114-page chapter with 2,000 footnotes took 24 s of CPU and 203 MB; a worker
# starts at about 400 MB of address space), or the front matter. The whole-book render keeps
# the caps above, for books of a thousand pages and more.
PIECE_MEMORY_LIMIT_BYTES = 2 * 1024**3
PIECE_TIMEOUT_SECONDS = 300
PANGO_HINT = ("WeasyPrint needs the Pango text library, which this machine lacks. On Debian or "
              "Ubuntu install it with: sudo apt install libpango-1.0-0 libpangoft2-1.0-0 "
              "(on macOS: brew install pango). Then run the command again.")


def make_fetcher(allowed_roots: list[Path], refused: list[str]) -> Any:
    """A WeasyPrint URLFetcher limited to files inside `allowed_roots` and data: URLs.

    The first root is the book: from it only images the book may print (images.py; an SVG's
    sanitised copy), stylesheets and fonts are served, never what hidden folders (`.git/`),
    `build/` or the registries hold. The other roots are anthology's own templates and fonts.
    """
    from urllib.request import url2pathname

    from weasyprint.urls import URLFetcher, URLFetcherResponse

    from anthology.core.images import (
        IMAGE_SUFFIXES,
        STYLE_SUFFIXES,
        forbidden_place,
        printable_image,
    )

    roots = [root.resolve() for root in allowed_roots]
    book, ours = roots[0], roots[1:]

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
            suffix = resolved.suffix.lower()
            if not any(resolved.is_relative_to(root) for root in ours):
                if forbidden_place(book, resolved) is not None or (
                        suffix not in IMAGE_SUFFIXES and suffix not in STYLE_SUFFIXES):
                    refused.append(url)
                    raise ValueError(f"anthology does not read {url}: not an image, "
                                     "stylesheet or font of the book")
                if suffix in IMAGE_SUFFIXES:
                    printable = printable_image(book, resolved)
                    if printable is None:
                        refused.append(url)
                        raise ValueError(f"anthology does not read {url}: not an image "
                                         "the book may print")
                    body, info = printable
                    if info.kind == "SVG":
                        body = book_face_svg(body)
                    return URLFetcherResponse(resolved.as_uri(), body,
                                              {"Content-Type": info.media_type})
            if suffix == ".svg":
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


@contextlib.contextmanager
def collected_warnings() -> Iterator[list[str]]:
    """WeasyPrint's warnings while the block runs, in a list."""
    import logging

    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                messages.append(record.getMessage())

    logger = logging.getLogger("weasyprint")
    handler = Collect()
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield messages
    finally:
        logger.removeHandler(handler)


@contextlib.contextmanager
def paused_collector(pause: bool) -> Iterator[None]:
    """Python's cyclic garbage collector off while the block runs, if `pause` (the speed
    patch `gc`: without it a cold build took 3.4% more CPU time and a release 10.6%, median of
    two runs at commit 1671940, benchmarks/README.md)."""
    # A layout keeps every box alive until the PDF is written: the collector walks it for naught.
    if not pause or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def load_weasyprint() -> dict[str, Any] | None:
    """Import WeasyPrint (once a process), sparing it the hopeless library lookups
    (patches/libraries.py); the error to answer with if Pango or its friends are missing,
    else None."""
    from anthology.engines.weasyprint import patches

    patches.before_import()
    try:
        import weasyprint  # noqa: F401
    except OSError as exc:
        return {"error": PANGO_HINT, "detail": str(exc)}
    return None


def _render(job: dict[str, Any], ask: Ask | None = None) -> dict[str, Any]:
    """Lay out and write one PDF (see `_render_here`), with the speed patches the switch
    leaves on (patches/)."""
    missing = load_weasyprint()
    if missing is not None:
        return missing
    from anthology.engines.weasyprint import flushbottom, linebreak, patches, subsetting

    on = patches.install()
    linebreak.install()
    flushbottom.install()
    subsetting.install()
    return _render_here(job, ask, on)


def _render_here(job: dict[str, Any], ask: Ask | None, on: frozenset[str]) -> dict[str, Any]:
    """Lay out and write one PDF with the speed patches `on`. `ask(pages, strings)` (a part:
    its length and the last value it sets of each named string) returns the page the part
    starts on and the named strings' values as the parts before it left them (parts.py)."""
    import weasyprint

    from anthology.engines.weasyprint.parts import PartLayout
    from anthology.engines.weasyprint.patches import htmltree

    part = PartLayout(ask, job.get("opens_book", True))
    refused: list[str] = []
    fetcher = make_fetcher([Path(p) for p in job["allowed_roots"]], refused)
    html_path = Path(job["html"])
    text = html_path.read_text(encoding="utf-8")
    tree = htmltree.parse(text) if job.get("fast_parse") and "htmltree" in on else None
    with htmltree.parsed_as(tree) if tree is not None else contextlib.nullcontext():
        document = weasyprint.HTML(string=text,
                                   base_url=Path(job["base"]).resolve().as_uri() + "/",
                                   url_fetcher=fetcher)
    del text, tree
    options: dict[str, Any] = {"uncompressed_pdf": False, "custom_metadata": True}
    if job.get("variant"):
        options["pdf_variant"] = job["variant"]
    if job.get("identifier"):
        options["pdf_identifier"] = job["identifier"].encode()
    images: dict[str, Any] = {}  # WeasyPrint's image cache: by URL, every image laid out
    with collected_warnings() as messages, part.hooked(), paused_collector("gc" in on):
        rendered = document.render(cache=images, **{k: v for k, v in options.items()
                                                    if k != "custom_metadata"})
        pages = len(rendered.pages)
        part.laid_out(pages)
        if job["output"]:  # none: the layout only (its anchors' pages), drawing nothing
            rendered.write_pdf(job["output"], finisher=_finisher(job), **options)
    result: dict[str, Any] = {"pages": pages, "refused": sorted(set(refused)),
                              "warnings": messages, "patches": sorted(on)}
    if job.get("lines"):
        result["lines"] = [_text_lines(page) for page in rendered.pages]
    if job.get("details"):
        anchors: dict[str, int] = {}
        for index, page in enumerate(rendered.pages):
            for name in page.anchors:
                anchors.setdefault(name, index)  # where the element begins
        result["anchors"] = anchors
        result["bookmarks"] = [[level, label, index, float(point[0]), float(point[1])]
                               for index, page in enumerate(rendered.pages)
                               for level, label, point, _state in page.bookmarks]
    return result


def _text_lines(page: Any) -> dict[str, Any]:
    """Where the lines of text of a laid-out page are (CSS pixels from the top-left corner):
    the baseline of each line of the page's flow (not its running heads, folios or footnotes),
    lines side by side (table cells, columns) counted once, top to bottom; and the left edge
    of the page's text block. For line numbers in the margin (outputs/reviewcopy.py)."""
    box = page._page_box
    baselines: set[float] = set()
    flow = box.children[0] if box.children else None  # the root; then footnotes, margins
    for line in flow.descendants() if flow is not None else ():
        if type(line).__name__ != "LineBox" or not any(
                getattr(child, "text", "").strip() for child in line.descendants()):
            continue
        baselines.add(round(line.position_y + line.baseline, 1))
    ordered: list[float] = []
    for y in sorted(baselines):  # a superscript's line a hair off its neighbour's is one line
        if not ordered or y - ordered[-1] > 2:
            ordered.append(y)
    return {"height": page.height, "left": box.content_box_x(), "baselines": ordered}


# The elements that open the body (book.html.j2): its first page is page 1.
_BODY_ANCHOR = re.compile(r"^(chapter|part)-\d+$")


def page_label_numbers(front_pages: int) -> list[tuple[int, str]]:
    """The PDF's page labels for a book whose body starts after `front_pages` pages: (first
    page index, style), roman (`r`) for the front matter, arabic (`D`) from 1 for the body."""
    return ([(0, "r")] if front_pages else []) + [(front_pages, "D")]


def _label_pages(document: Any, pdf: Any) -> None:
    """WeasyPrint's finisher: /PageLabels in the catalog, so that viewers show the folios
    (i, ii... then 1, 2...), not the page's place in the file."""
    import pydyf

    front = next((index for index, page in enumerate(document.pages)
                  if any(_BODY_ANCHOR.match(name) for name in page.anchors)), None)
    if front is None:
        return
    nums: list[Any] = []
    for index, style in page_label_numbers(front):
        nums += [index, pydyf.Dictionary({"S": f"/{style}"})]
    pdf.catalog["PageLabels"] = pydyf.Dictionary({"Nums": pydyf.Array(nums)})


def _scope_header_cells(pdf: Any) -> None:
    """Each table header cell's /Scope in a tagged PDF: /Column in the table's head, /Row
    elsewhere (the scope="col" and scope="row" of our HTML, see html.with_header_scope).
    WeasyPrint links the data cells to their headers (/Headers) but gives a header cell
    neither, and PDF/UA-1 checkers want one on the header (UA-15-003)."""
    import pydyf

    elements = {obj.reference: obj for obj in pdf.objects
                if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/StructElem"}
    for element in elements.values():
        if element.get("S") != "/TH":
            continue
        row = elements.get(element.get("P"))
        group = elements.get(row.get("P")) if row is not None else None
        in_head = group is not None and group.get("S") == "/THead"
        attributes = element.setdefault("A", pydyf.Dictionary({"O": "/Table"}))
        attributes["Scope"] = "/Column" if in_head else "/Row"


def _finisher(job: dict[str, Any]) -> Any:
    """What WeasyPrint does to the PDF before writing it, for `job` (or None)."""
    steps = ([_label_pages] if job.get("page_labels") else []) + \
        ([lambda _document, pdf: _scope_header_cells(pdf)] if job.get("variant") else [])
    if not steps:
        return None

    def finish(document: Any, pdf: Any) -> None:
        for step in steps:
            step(document, pdf)

    return finish


def serve() -> None:  # pragma: no cover - runs in a worker process
    """A long-lived worker: one JSON job per line on stdin, answers on stdout.

    WeasyPrint and the fonts are loaded once for all the parts this worker lays out. While
    laying out a part, the worker says how many pages it has and the last value it sets of each
    named string ({"pages": n, "strings": {...}}) and waits for the page it starts on and the
    strings' values as the parts before it left them ({"start": n, "strings": {...}}); then it
    answers {"done": result}.
    """
    stdin, stdout = sys.stdin, sys.stdout

    def send(message: dict[str, Any]) -> None:
        stdout.write(json.dumps(message) + "\n")
        stdout.flush()

    def ask(pages: int, strings: dict[str, str]) -> tuple[int, dict[str, str]]:
        send({"pages": pages, "strings": strings})
        answer = json.loads(stdin.readline())
        return int(answer["start"]), answer.get("strings", {})

    missing = load_weasyprint()  # loaded once, before the first job
    if missing is not None:
        send({"done": missing})
        return
    for line in stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        try:
            result = _render(job, ask if job.get("ask_start") else None)
        except MemoryError:
            result = {"error": "WeasyPrint ran out of memory laying out the PDF; look for a "
                               "huge image or table."}
        except Exception as exc:
            result = {"error": f"WeasyPrint failed to make the PDF: {type(exc).__name__}: "
                               f"{exc}"}
        send({"done": result})
        gc.collect()  # the job's cycles, while the parent reads the answer (paused_collector)
        release_memory()  # and the C heap's free pages (a worker is 6 to 9 MB smaller)


def start_render() -> subprocess.Popen[bytes]:
    """A WeasyPrint process for one `render_pdf`, started ahead: it loads WeasyPrint (about
    0.6 s) while the caller makes the HTML, then waits for its job on its input."""
    from anthology.engines.weasyprint import patches

    patches.chosen()  # a switch the child would not understand fails here, plainly
    return subprocess.Popen([sys.executable, "-m", "anthology.engines.weasyprint.render"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, preexec_fn=limit_memory,
                            env={**os.environ, "PYTHONWARNINGS": "ignore"})


def stop_render(process: subprocess.Popen[bytes]) -> None:
    """Stop a process from `start_render` that was not given its job, or did not finish it
    (nothing to do once `render_pdf` has its answer)."""
    if process.returncode is None:
        if process.poll() is None:
            process.kill()
        process.communicate()


def render_pdf(html_path: Path, output: Path | None, base: Path, allowed_roots: list[Path],
               variant: str | None = None, identifier: str | None = None,
               fast_parse: bool = False,
               process: subprocess.Popen[bytes] | None = None,
               lines: bool = False, page_labels: bool = False,
               details: bool = False) -> dict[str, Any]:
    """Render `html_path` to `output` in a child process (`process`, if one was started
    ahead); return pages, refusals, warnings. With `fast_parse` (HTML without raw HTML from
    chapters), it is parsed by html5ever where that gives WeasyPrint's tree
    (patches/htmltree.py); with
    `lines`, the answer has where each page's lines of text are (`_text_lines`). With
    `page_labels` (a whole book), the PDF's pages are labelled as they are numbered. With
    `output` None the document is laid out and nothing is drawn; with `details`, the result
    also gives the page (from 0) of every anchor and the bookmarks."""
    job = {"html": str(html_path), "output": str(output or ""), "base": str(base),
           "allowed_roots": [str(p) for p in allowed_roots], "variant": variant,
           "identifier": identifier,
           "fast_parse": fast_parse, "lines": lines, "page_labels": page_labels,
           "details": details}
    child = process or start_render()
    try:
        stdout, stderr = child.communicate(json.dumps(job).encode(), timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        stop_render(child)
        raise ToolError(f"WeasyPrint did not finish the PDF within {TIMEOUT_SECONDS} "
                        "seconds.") from None
    if child.returncode != 0:
        tail = stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        if any("MemoryError" in line for line in tail):
            raise ToolError("WeasyPrint ran out of memory laying out the PDF; look for a "
                            "huge image or table.")
        raise ToolError("WeasyPrint failed to make the PDF: " + " ".join(tail))
    result: dict[str, Any] = json.loads(stdout)
    if "error" in result:
        raise ToolError(result["error"])
    return result


def weasyprint_version() -> str:
    """WeasyPrint's version, without importing it (importing loads Pango)."""
    from importlib.metadata import version

    return version("weasyprint")


def limit_memory() -> None:  # pragma: no cover - runs in the child
    """The memory cap of a WeasyPrint child process."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))


def limit_piece_memory() -> None:  # pragma: no cover - runs in the child
    """The memory cap of a WeasyPrint worker, which lays out one piece at a time."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (PIECE_MEMORY_LIMIT_BYTES, PIECE_MEMORY_LIMIT_BYTES))


def child_main(argv: list[str]) -> None:  # pragma: no cover - the child process
    """A WeasyPrint child: a long-lived worker (`--serve`), or one render read from stdin."""
    if argv == ["--serve"]:
        serve()
    else:
        load_weasyprint()  # before the job comes (see start_render); _render answers if missing
        sys.stdout.write(json.dumps(_render(json.loads(sys.stdin.read()))) + "\n")
        sys.stdout.flush()
        # The PDF is written and closed. Freeing the layout object by object at exit took
        # 3 s of a whole-book render (2 million objects in cycles) that the build waited for.
        os._exit(0)


if __name__ == "__main__":  # pragma: no cover - the child process
    # Run as `python -m anthology.engines.weasyprint.render`, this file is `__main__`, and the
    # renderer's modules import it again as `anthology.engines.weasyprint.render` (drawing ->
    # workers): the work is done in that one, so that one copy of the module, its state and its
    # hooks, is used.
    from anthology.engines.weasyprint import render as imported

    imported.child_main(sys.argv[1:])
