"""Benchmark anthology's builds against the plain pipeline, measured in the same run.

    python benchmarks/run.py [--chapters 20] [--words 7500] [--entries 800] [--runs 3]

Generates the book with benchmarks/generate.py into a temporary folder, then times (median of
`--runs` runs, each a fresh process as a user runs it):
- the plain pipeline: one `pandoc --citeproc` to standalone HTML plus `weasyprint`; one
  `pandoc --citeproc` to EPUB;
- anthology: a cold PDF build, the rebuild after one paragraph of one chapter changed, after a
  chapter grew by a page, the release build with the pandoc products cached, a rebuild with
  nothing changed, a cold EPUB, the EPUB after one chapter changed, and `check` with nothing
  changed;
- the peak memory of a full PDF build: the largest sum of the resident memory of the process
  and all its children, sampled every 20 ms from /proc (stdlib only), in a run of its own
  (the sampling takes a good part of a core, which would slow a build using both).
Prints a Markdown table of each figure and its ratio to the plain pipeline, then the CPU time
(user + system, all processes) of the plain PDF and of the cold PDF build: over the cores, a
floor on what the cold build's wall time can be. Last, the least work any cold build of the
book must do: the plain pipeline's pandoc run (the whole book read, cited and written once)
plus anthology's WeasyPrint laying out the release's whole-book HTML in one untagged document
on one core (a fresh process, timed after each release build): over the cores, the lowest
cold time this design could reach on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate_book, size_options

BIN = Path(sys.executable).parent
ANTHOLOGY = BIN / "anthology"
WEASYPRINT = BIN / "weasyprint"
# The plain pipeline's HTML is written in the book's folder from all the chapters at once, so
# its image paths (relative to chapters/, as the chapters name them) are resolved from there,
# as --resource-path does for pandoc's EPUB: without them both left out the book's figures.
PLAIN_WEASYPRINT = ["-u", "chapters/", "-s", "royal.css", "plain.html", "plain.pdf"]
EPOCH = "1798761600"


def _pss(pid: int) -> int:
    """Proportional set size of one process: its shared pages divided among their users."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def _tree_rss(pid: int) -> tuple[int, int]:
    """Resident bytes (RSS) of `pid` and all its descendants, and their PSS."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            children.setdefault(int(fields[1]), []).append(int(entry.name))
            rss[int(entry.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError):
            continue
    total, pss, stack = 0, 0, [pid]
    while stack:
        current = stack.pop()
        total += rss.get(current, 0)
        pss += _pss(current)
        stack += children.get(current, [])
    return total, pss


PEAK_PSS: dict[str, int] = {}
LAST_CPU = [0.0]  # CPU seconds (user + system) of the last command run and its children


def run(command: list[str], cwd: Path, memory: bool = False) -> tuple[float, int]:
    """Wall time of one run of `command`, and its peak memory (RSS of it and its children,
    summed) if asked; the peak of their summed PSS is kept in PEAK_PSS under the command."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    # As Python runs by default, and as users run anthology: modules compiled once and the
    # bytecode kept (a machine that sets PYTHONDONTWRITEBYTECODE compiles ~17 modules per run).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, env=env)
    peak = [0, 0]
    if memory:
        def sample() -> None:
            while process.poll() is None:
                rss, pss = _tree_rss(process.pid)
                peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)
                time.sleep(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
    _, err = process.communicate()
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    LAST_CPU[0] = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{err.decode(errors='replace')[-2000:]}")
    if memory:
        PEAK_PSS[" ".join(command)] = peak[1]
    return elapsed, peak[0]


# Runs in the book's folder: the release build's steps up to its render, which it stops
# after copying the whole-book HTML (the pandoc products come from the cache).
KEEP_RELEASE_HTML = """
import shutil, sys
from anthology.cli import cli
from anthology.engines.weasyprint import render as pdf

class Kept(Exception):
    pass

def keep(html_path, *args, **kwargs):
    shutil.copyfile(html_path, sys.argv[1])
    raise Kept

pdf.render_pdf = keep
try:
    cli(["build", "pdf", "--release", "--quiet"], standalone_mode=False)
except Kept:
    sys.exit(0)
sys.exit("the release build did not reach its render")
"""


# Hides every chapter's reference list: what the layout costs without them.
NO_REFERENCE_LISTS = ("<style>.references, .references-heading "
                      "{ display: none !important; }</style>")


def weasyprint_alone(book: Path) -> tuple[float, float]:
    """CPU seconds of anthology's WeasyPrint laying out and writing the release's whole-book
    HTML in one fresh process, untagged and on one core: the layout work any PDF of the book,
    as anthology sets it, costs. Then the same for that HTML with the chapters' reference
    lists hidden, which says what printing each chapter's own references costs (the plain
    pipeline prints one list for the whole book)."""
    from anthology.outputs.book.html import FONTS_DIR, TEMPLATES_DIR

    html = book / "alone.html"
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    subprocess.run([sys.executable, "-c", KEEP_RELEASE_HTML, str(html)], cwd=book, env=env,
                   check=True, stdout=subprocess.DEVNULL)
    text = html.read_text(encoding="utf-8")
    without = book / "alone-without-references.html"
    without.write_text(text.replace("</head>", NO_REFERENCE_LISTS + "</head>", 1),
                       encoding="utf-8")
    seconds = []
    for page in (html, without):
        job = {"html": str(page), "output": str(book / "alone.pdf"), "base": str(book),
               "allowed_roots": [str(book), str(TEMPLATES_DIR), str(FONTS_DIR)],
               "fast_parse": True}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run([sys.executable, "-m", "anthology.engines.weasyprint.render"],
                              cwd=book,
                              env=env, input=json.dumps(job).encode(), capture_output=True,
                              check=False)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        answer = json.loads(done.stdout or b"{}")
        if done.returncode != 0 or "pages" not in answer:
            raise SystemExit(f"WeasyPrint alone failed: {answer or done.stderr[-2000:]!r}")
        seconds.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return seconds[0], seconds[1]


def reference_entries(html: Path) -> int:
    """How many entries the reference lists of an HTML file hold (pandoc's `csl-entry`)."""
    return html.read_text(encoding="utf-8").count('class="csl-entry"')


def main() -> None:
    """Generate the book, time every case, print the table."""
    parser = size_options(argparse.ArgumentParser(description=__doc__.split("\n\n")[0]))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from pypdf import PdfReader

    from anthology.chapters.csl import resolve_csl
    from anthology.chapters.manuscript import split_front_matter
    from anthology.engines.pandoc import pandoc_path

    times: dict[str, list[float]] = {}
    memory: dict[str, list[int]] = {}
    pss: dict[str, list[int]] = {}
    cpu: dict[str, list[float]] = {}
    plain_pages = 0

    def note(name: str, value: tuple[float, int]) -> None:
        times.setdefault(name, []).append(value[0])
        if value[1]:
            memory.setdefault(name, []).append(value[1])
        print(f"  {name}: {value[0]:.2f} s" + (f", {value[1] / 2**20:.0f} MiB"
                                                if value[1] else ""), file=sys.stderr)

    with tempfile.TemporaryDirectory() as folder:
        book = generate_book(Path(folder) / "book", args.chapters, args.words, args.entries)
        subprocess.run(["git", "init", "-q", str(book)], check=True)
        chapters = sorted((book / "chapters").glob("*.md"))
        originals = {p: p.read_text(encoding="utf-8") for p in chapters}
        bodies = [split_front_matter(t)[1] for t in originals.values()]
        (book / "all.md").write_text("\n\n".join(bodies), encoding="utf-8")
        # The plain pipeline sets the book as the book is set (the issue's "about 580
        # royal-octavo pages"): royal octavo, the book's margins, 10 pt. Left alone, WeasyPrint
        # lays pandoc's HTML out on A4 (427 pages), or with pandoc's 12 pt and 50 px padding
        # on royal octavo (845 pages).
        (book / "royal.css").write_text(
            "@page { size: 156mm 234mm; margin: 20mm 16mm 22mm 20mm; }\n"
            "body { max-width: none !important; padding: 0 !important; margin: 0 !important;"
            " font-size: 10pt !important; line-height: 1.38 !important; }\n", encoding="utf-8")
        csl = resolve_csl(book, "chicago-author-date")
        pandoc = pandoc_path()
        middle = chapters[len(chapters) // 2]
        build = [str(ANTHOLOGY), "build", "--quiet"]
        for number in range(1, args.runs + 1):
            print(f"run {number} of {args.runs}", file=sys.stderr)
            for path, text in originals.items():
                path.write_text(text, encoding="utf-8")
            html = run([pandoc, "--citeproc", "-s", "-t", "html5", "all.md", "-o", "plain.html",
                        "--bibliography=references/book.bib", f"--csl={csl}",
                        "--metadata=title:Plain"], book)
            html_cpu = LAST_CPU[0]
            weasy = run([str(WEASYPRINT), *PLAIN_WEASYPRINT], book)
            note("plain PDF", (html[0] + weasy[0], 0))
            cpu.setdefault("plain PDF", []).append(html_cpu + LAST_CPU[0])
            # Memory is measured in a run of its own: sampling /proc every 20 ms takes a good
            # part of a core, which a build that keeps both cores busy would pay in its time.
            plain_peak = run([str(WEASYPRINT), *PLAIN_WEASYPRINT], book, memory=True)[1]
            memory.setdefault("plain PDF", []).append(plain_peak)
            pss.setdefault("plain PDF", []).append(
                PEAK_PSS[" ".join([str(WEASYPRINT), *PLAIN_WEASYPRINT])])
            plain_pages = len(PdfReader(book / "plain.pdf").pages)
            note("plain EPUB", run([pandoc, "--citeproc", "-t", "epub3", "all.md", "-o",
                                    "plain.epub", "--bibliography=references/book.bib",
                                    "--resource-path=chapters",
                                    f"--csl={csl}", "--metadata=title:Plain"], book))
            shutil.rmtree(book / "build", ignore_errors=True)
            note("cold PDF", run([*build, "pdf"], book))
            cpu.setdefault("cold PDF", []).append(LAST_CPU[0])
            shutil.rmtree(book / "build", ignore_errors=True)  # again, for its memory
            memory.setdefault("cold PDF", []).append(run([*build, "pdf"], book, memory=True)[1])
            pss.setdefault("cold PDF", []).append(PEAK_PSS[" ".join([*build, "pdf"])])
            text = originals[middle]
            middle.write_text(text.replace(" the ", " one ", 1), encoding="utf-8")
            note("one paragraph", run([*build, "pdf"], book))
            grown = "\n\n".join(["A paragraph added in proof, to make the chapter a page "
                                 "longer than it was, with words enough to fill lines. " * 4]
                                * 8)
            output = next((book / "build").glob("*.pdf"))
            # Growing twice by a page: once the new page fills the blank verso before the next
            # chapter (the later chapters keep their pages), once it does not (they all move
            # on by two pages and are laid out again with their new folios).
            for times_grown in (1, 2):
                before = len(PdfReader(output).pages)
                middle.write_text(text + ("\n\n" + grown) * times_grown + "\n",
                                  encoding="utf-8")
                value = run([*build, "pdf"], book)
                moved = len(PdfReader(output).pages) != before
                note("grows, later pages move" if moved else "grows, later pages kept", value)
            note("release", run([*build, "pdf", "--release"], book))
            alone, no_references = weasyprint_alone(book)
            cpu.setdefault("WeasyPrint alone", []).append(alone)
            cpu.setdefault("WeasyPrint alone, no reference lists", []).append(no_references)
            entries = (reference_entries(book / "alone.html"),
                       reference_entries(book / "plain.html"))
            cpu.setdefault("plain pandoc", []).append(html_cpu)
            run([*build, "pdf"], book)
            note("no change", run([*build, "pdf"], book))
            middle.write_text(text, encoding="utf-8")
            shutil.rmtree(book / "build", ignore_errors=True)
            note("cold EPUB", run([*build, "epub"], book))
            middle.write_text(text.replace(" the ", " one ", 1), encoding="utf-8")
            note("EPUB one chapter", run([*build, "epub"], book))
            run([str(ANTHOLOGY), "check", "--quiet"], book)
            note("check no change", run([str(ANTHOLOGY), "check", "--quiet"], book))
    med = {name: statistics.median(values) for name, values in times.items()}
    mem = {name: statistics.median(values) for name, values in memory.items()}
    pdf, epub = med["plain PDF"], med["plain EPUB"]
    rows = [
        ("cold full PDF build", "cold PDF", pdf, "<= 0.6x"),
        ("PDF rebuild, one paragraph of one chapter changed", "one paragraph", pdf, "<= 0.1x"),
        ("PDF rebuild, a chapter grew by a page, later chapters kept their pages",
         "grows, later pages kept", pdf, "<= 0.15x"),
        ("PDF rebuild, a chapter grew by a page, later chapters moved on two pages",
         "grows, later pages move", pdf, "<= 0.15x"),
        ("release build (whole-book render, tagged), pandoc cached", "release", pdf, "<= 1.0x"),
        ("PDF rebuild, nothing changed", "no change", None, "< 1 s"),
        ("cold EPUB", "cold EPUB", epub, "<= 1.1x"),
        ("EPUB rebuild, one chapter changed", "EPUB one chapter", epub, "<= 0.4x"),
        ("`check`, nothing changed", "check no change", None, "< 0.3 s"),
    ]
    print(f"{args.chapters} chapters x {args.words:,} words, {args.entries} entries; "
          f"{os.cpu_count()} cores; median of {args.runs} runs")
    print(f"plain PDF (pandoc --citeproc to HTML + weasyprint, royal octavo, {plain_pages} "
          f"pages): {pdf:.1f} s, peak "
          f"{mem['plain PDF'] / 2**20:.0f} MiB; plain EPUB: {epub:.1f} s\n")
    print("| measure | anthology | ratio to plain | target |\n| --- | --- | --- | --- |")
    for label, name, base, target in rows:
        if name not in med:
            print(f"| {label} | (did not happen in this run) | - | {target} |")
            continue
        ratio = f"{med[name] / base:.2f}x" if base else "-"
        print(f"| {label} | {med[name]:.2f} s | {ratio} | {target} |")
    peak = mem["cold PDF"] / mem["plain PDF"]
    print(f"| peak memory of a full PDF build (RSS of all processes, summed) | "
          f"{mem['cold PDF'] / 2**20:.0f} MiB | {peak:.2f}x | <= 1.0x |")
    shared = statistics.median(pss["cold PDF"]) / statistics.median(pss["plain PDF"])
    print(f"| the same, PSS (pages shared by processes counted once) | "
          f"{statistics.median(pss['cold PDF']) / 2**20:.0f} MiB | {shared:.2f}x | - |")
    # CPU time says what the cores can do at best: the cold build's CPU seconds over the
    # cores is a floor on its wall time.
    plain_cpu, cold_cpu = statistics.median(cpu["plain PDF"]), statistics.median(cpu["cold PDF"])
    cores = os.cpu_count() or 1
    print(f"\nCPU time (user + system, all processes): plain PDF {plain_cpu:.1f} s; cold PDF "
          f"{cold_cpu:.1f} s, so on {cores} cores at best {cold_cpu / cores:.1f} s "
          f"({cold_cpu / cores / pdf:.2f}x plain).")
    # The least work a cold PDF build can do: pandoc over the whole book once (the plain
    # pipeline's run: reading, citeproc, HTML), and WeasyPrint laying out the book as anthology
    # sets it, in one untagged document. Shared perfectly over the cores, that is the lowest
    # cold time any build of this design could reach on this machine.
    alone = statistics.median(cpu["WeasyPrint alone"])
    reading = statistics.median(cpu["plain pandoc"])
    least = (alone + reading) / cores
    print(f"Least work of a cold build: pandoc over the whole book {reading:.1f} CPU-s + "
          f"anthology's WeasyPrint on the whole book (one untagged document) {alone:.1f} "
          f"CPU-s; on {cores} cores at best {least:.1f} s ({least / pdf:.2f}x plain).")
    # An edited book prints each chapter's references after it; the plain pipeline, reading
    # the chapters as one document, prints one list for the whole book.
    bare = statistics.median(cpu["WeasyPrint alone, no reference lists"])
    print(f"Of that WeasyPrint work, the chapters' own reference lists ({entries[0]} entries; "
          f"the plain pipeline prints one list of {entries[1]}) take {alone - bare:.1f} CPU-s; "
          f"the rest of the book {bare:.1f} CPU-s.")


if __name__ == "__main__":
    main()
