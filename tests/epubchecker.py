"""EPUBCheck for the tests: one JVM per test worker checks every EPUB its tests ask about.

Each run of EPUBCheck's command line starts a JVM, loads its schemas and compiles its code,
about 6 CPU-s even for a tiny EPUB; a second EPUB in the same JVM costs under one. The JVM
runs `tests/java/EpubCheckServer.java`, which calls EPUBCheck's own command-line entry
(`EpubChecker.run`) for each path and answers with what the command line prints. Where that
cannot start (a Java runtime without its compiler), each EPUB gets a run of the command
line, as `anthology package` runs it.
"""

from __future__ import annotations

import atexit
import selectors
import subprocess
import time
from pathlib import Path

from anthology.outputs.delivery import (
    EPUBCHECK_JVM,
    EpubCheck,
    epubcheck_command,
    epubcheck_jar,
    epubcheck_result,
)

SOURCE = Path(__file__).resolve().parent / "java" / "EpubCheckServer.java"
TIMEOUT = 300  # seconds for one EPUB
END = b"\0END "


class _Server:
    """The worker's JVM, started on first use and stopped when the worker exits."""

    def __init__(self, jar: Path) -> None:
        command = ["java", *EPUBCHECK_JVM, "-cp", str(jar), str(SOURCE)]
        # Unbuffered: a line waiting in a buffer would be invisible to the selector.
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, bufsize=0)
        self.selector = selectors.DefaultSelector()
        assert self.process.stdout is not None
        self.selector.register(self.process.stdout, selectors.EVENT_READ)
        atexit.register(self.close)

    def check(self, epub: Path) -> tuple[str, int] | None:
        """The report on `epub` and EPUBCheck's exit status, or None if the JVM is gone (it
        then is not asked again)."""
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            self.process.stdin.write(str(epub).encode() + b"\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            return None
        lines: list[bytes] = []
        until = time.monotonic() + TIMEOUT
        while True:
            if not self.selector.select(timeout=max(0.0, until - time.monotonic())):
                self.process.kill()
                raise TimeoutError(f"EPUBCheck did not finish {epub} in {TIMEOUT} s")
            line = self.process.stdout.readline()
            if not line:
                return None
            if line.startswith(END):
                return (b"".join(lines).decode("utf-8", "replace"),
                        int(line.removeprefix(END)))
            lines.append(line)

    def close(self) -> None:
        """Let the JVM go: its input ends."""
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


_server: _Server | None = None
_gone = False


def epubcheck(path: Path) -> str:
    """EPUBCheck's report on `path`: its messages and its verdict, as its command line prints
    them."""
    return checked(path)[0]


def checked(path: Path) -> tuple[str, int]:
    """EPUBCheck's report on `path` and its exit status."""
    global _server, _gone
    jar = epubcheck_jar()
    assert jar is not None, "the epubcheck package is a test dependency"
    if not _gone:
        if _server is None:
            _server = _Server(jar)
        answer = _server.check(path)
        if answer is not None:
            return answer
        _gone = True
    done = subprocess.run(epubcheck_command("java", jar, path), capture_output=True,
                          timeout=TIMEOUT, check=False)
    return (done.stdout + done.stderr).decode("utf-8", "replace"), done.returncode


def run_epubcheck(epub: Path) -> EpubCheck:
    """`anthology package`'s EPUBCheck, run in the worker's JVM: for tests of packaging that
    are not about EPUBCheck (`quick_epubcheck` puts it in place of the command line)."""
    return epubcheck_result(epub, *checked(epub))
