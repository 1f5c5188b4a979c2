"""What each speed patch of WeasyPrint and pydyf gains, in CPU seconds of a build.

    nice python benchmarks/patches.py [--chapters 20] [--words 7500] [--entries 800]
                                      [--runs 3] [--log FILE]

Generates the book with benchmarks/generate.py into a temporary folder, then, in each run, for
every setting of the switch (every patch on; every patch off; each patch off alone, through
`ANTHOLOGY_PATCHES=without:NAME`) builds the PDF cold (build/ removed) and then the release
(the pandoc products cached), each a fresh `anthology build --quiet` process. A build is
measured by the CPU time (user + system) of its process and all its children, which on a shared
machine says more than its wall time: what the others run slows a build down but does not add to
its CPU time. The settings take turns within each run, so that a change in the machine's load
falls on all of them. Prints, for each setting, the median CPU seconds, and for each patch what
turning it off costs (the median over the runs of the difference from every patch on, in that
run) in CPU seconds and as a share of the build with every patch on; and whether every setting
made the same PDF bytes as every patch on.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
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
EPOCH = "1798761600"


def build(book: Path, setting: str, release: bool) -> tuple[float, float, str]:
    """CPU seconds, wall seconds and the PDF's SHA-256 of one build with `setting`."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "ANTHOLOGY_PATCHES": setting}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    command = [str(ANTHOLOGY), "build", "--quiet", "pdf", *(["--release"] if release else [])]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=book, env=env, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} ({setting}) failed:\n"
                         f"{done.stderr.decode(errors='replace')[-2000:]}")
    pdf = max((book / "build").glob("*.pdf"), key=lambda path: path.stat().st_mtime_ns)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return cpu, wall, hashlib.sha256(pdf.read_bytes()).hexdigest()


def main() -> None:
    """Generate the book, build it with every setting, print the table."""
    from anthology.engines.weasyprint.patches import NAMES

    parser = size_options(argparse.ArgumentParser(description=__doc__.split("\n\n")[0]))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--log", type=Path, help="a file to add each measurement to (JSON)")
    args = parser.parse_args()
    settings = ["on", "off", *(f"without:{name}" for name in NAMES)]
    cpu: dict[tuple[str, str], list[float]] = {}
    digests: dict[tuple[str, str], set[str]] = {}
    with tempfile.TemporaryDirectory() as folder:
        book = generate_book(Path(folder) / "book", args.chapters, args.words, args.entries)
        subprocess.run(["git", "init", "-q", str(book)], check=True)
        build(book, "on", release=False)  # pandoc's and Python's first-run costs, not timed
        for number in range(1, args.runs + 1):
            for setting in settings:
                shutil.rmtree(book / "build", ignore_errors=True)
                for kind in ("cold", "release"):
                    seconds, wall, sha = build(book, setting, release=kind == "release")
                    cpu.setdefault((setting, kind), []).append(seconds)
                    digests.setdefault((setting, kind), set()).add(sha)
                    line = {"run": number, "setting": setting, "build": kind, "cpu": seconds,
                            "wall": wall, "sha256": sha}
                    print(json.dumps(line), file=sys.stderr, flush=True)
                    if args.log:
                        with args.log.open("a", encoding="utf-8") as log:
                            log.write(json.dumps(line) + "\n")
    report(settings, cpu, digests)


def report(settings: list[str], cpu: dict[tuple[str, str], list[float]],
           digests: dict[tuple[str, str], set[str]]) -> None:
    """The table: each setting's CPU seconds, and what each patch gains."""
    print("| setting | cold CPU-s | cold gain | release CPU-s | release gain | same PDF |")
    print("| --- | --- | --- | --- | --- | --- |")
    for setting in settings:
        cells = []
        for kind in ("cold", "release"):
            on, this = cpu[("on", kind)], cpu[(setting, kind)]
            runs = min(len(on), len(this))
            saved = statistics.median(this[i] - on[i] for i in range(runs))
            share = statistics.median((this[i] - on[i]) / on[i] for i in range(runs))
            cells += [f"{statistics.median(this):.1f}",
                      "-" if setting == "on" else f"{saved:+.2f} s ({share:+.1%})"]
        same = all(digests[(setting, kind)] == digests[("on", kind)] for kind in
                   ("cold", "release"))
        print(f"| {setting} | {' | '.join(cells)} | {'yes' if same else 'NO'} |")


if __name__ == "__main__":
    main()
