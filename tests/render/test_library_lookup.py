"""WeasyPrint's C libraries found without the lookups that cannot succeed on Linux
(patches/libraries.py)."""

from __future__ import annotations

import ctypes.util
import subprocess
import sys

import pytest

from anthology.engines.weasyprint.patches import libraries

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the shortcut is Linux's")


def test_names_that_begin_with_lib_are_not_looked_up(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def recorded(name: str) -> str | None:
        asked.append(name)
        return f"lib{name}.so.0"

    monkeypatch.setattr(ctypes.util, "find_library", recorded)
    assert libraries.install()
    assert libraries.install()  # once is enough: not wrapped twice
    assert ctypes.util.find_library("libpango-1.0-0") is None
    assert ctypes.util.find_library("libharfbuzz-subset.0.dylib") is None
    assert ctypes.util.find_library("pango-1.0") == "libpango-1.0.so.0"
    assert asked == ["pango-1.0"]


def test_weasyprint_loads_the_same_libraries_either_way() -> None:
    code = ("import sys\n"
            "if sys.argv[1] == 'quick':\n"
            "    from anthology.engines.weasyprint.patches import libraries\n"
            "    libraries.install()\n"
            "from weasyprint.text import ffi\n"
            "names = ['gobject', 'pango', 'harfbuzz', 'harfbuzz_subset', 'fontconfig', "
            "'pangoft2']\n"
            "print([(n, getattr(ffi, n) is not None) for n in names])\n"
            "from weasyprint import HTML\n"
            "print(len(HTML(string='<p>Hello</p>').render().pages))\n")
    runs = [subprocess.run([sys.executable, "-c", code, how], capture_output=True, text=True,
                           check=True).stdout for how in ("quick", "plain")]
    assert runs[0] == runs[1]
    assert runs[0].splitlines()[-1] == "1"


def test_without_pango_a_render_answers_how_to_install_it(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    import builtins

    from anthology.engines.weasyprint import render as pdf

    real_import = builtins.__import__

    def no_pango(name: str, *args: object, **kwargs: object) -> object:
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_pango)
    answer = pdf._render({"html": "unused.html"})
    assert answer == {"error": pdf.PANGO_HINT, "detail": "cannot load library 'libpango-1.0-0'"}
    assert "Pango" in answer["error"]
