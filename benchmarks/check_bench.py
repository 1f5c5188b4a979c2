"""Benchmark `anthology check` on a generated book against one plain pandoc run.

    python benchmarks/check_bench.py [--chapters 20] [--words 7500] [--entries 800] [--runs 3]

Reports medians of `--runs` runs: one `pandoc --citeproc -t json` of all the chapters' text with
the book's bibliography and style (the baseline), a cold `anthology check` (no cache), and a
second check with nothing changed (warm cache). Each check is a fresh process, as a user runs it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate_book, size_options

ANTHOLOGY = Path(sys.executable).parent / "anthology"


def timed(command: list[str], cwd: Path) -> float:
    """Wall time of one run of `command`."""
    # As Python runs by default: compiled bytecode kept (see run.py).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False, env=env)
    return time.perf_counter() - start


def main() -> None:
    """Generate the book, time the three cases, print a Markdown table."""
    parser = size_options(argparse.ArgumentParser(description=__doc__.split("\n\n")[0]))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from anthology.chapters.csl import resolve_csl
    from anthology.chapters.manuscript import split_front_matter
    from anthology.engines.pandoc import pandoc_path

    with tempfile.TemporaryDirectory() as folder:
        book = generate_book(Path(folder) / "book", args.chapters, args.words, args.entries)
        bodies = [split_front_matter(p.read_text(encoding="utf-8"))[1]
                  for p in sorted((book / "chapters").glob("*.md"))]
        (book / "all.md").write_text("\n\n".join(bodies), encoding="utf-8")
        csl = resolve_csl(book, "chicago-author-date")
        baseline = [timed([pandoc_path(), "--citeproc", "-f", "markdown", "-t", "json",
                           "--bibliography=references/book.bib", f"--csl={csl}", "all.md"],
                          book) for _ in range(args.runs)]
        cold, warm = [], []
        for _ in range(args.runs):
            shutil.rmtree(book / "build", ignore_errors=True)
            cold.append(timed([str(ANTHOLOGY), "check", "--quiet"], book))
            warm.append(timed([str(ANTHOLOGY), "check", "--quiet"], book))
        words = sum(len(b.split()) for b in bodies)
    base, c, w = (statistics.median(x) for x in (baseline, cold, warm))
    print(f"{args.chapters} chapters, {words:,} words of Markdown, {args.entries} entries; "
          f"median of {args.runs} runs")
    print("| case | wall | ratio to pandoc |\n| --- | --- | --- |")
    print(f"| pandoc --citeproc -t json (one run, whole text) | {base:.2f} s | 1.00x |")
    print(f"| anthology check, cold (no cache) | {c:.2f} s | {c / base:.2f}x |")
    print(f"| anthology check, nothing changed | {w:.2f} s | {w / base:.2f}x |")


if __name__ == "__main__":
    main()
