"""Which pandoc runs: the binary of the pypandoc-binary wheel, found without importing pypandoc."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from anthology.engines import pandoc


@pytest.fixture
def fresh_lookup() -> Iterator[None]:
    """pandoc_path and shipped_binary forget what they found, before and after the test."""
    pandoc.pandoc_path.cache_clear()
    pandoc.shipped_binary.cache_clear()
    yield
    pandoc.pandoc_path.cache_clear()
    pandoc.shipped_binary.cache_clear()


def fake_pandoc(path: Path) -> Path:
    """An executable that answers like a pandoc."""
    path.write_text("#!/bin/sh\necho 'pandoc 9.9'\n")
    path.chmod(0o755)
    return path


def identity_of(path: Path) -> str:
    """What pandoc_identity says of the binary at `path`."""
    return f"{path}:{path.stat().st_size}:{path.stat().st_mtime_ns}"


def test_the_shipped_binary_is_found_without_importing_pypandoc() -> None:
    code = ("import sys\nfrom anthology.engines.pandoc import pandoc_path, pandoc_identity\n"
            "print(pandoc_path()); print(pandoc_identity()); "
            "print('pypandoc' in sys.modules)")
    env = {k: v for k, v in os.environ.items() if k != "PYPANDOC_PANDOC"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env).stdout.splitlines()
    path = Path(out[0])
    assert path.parts[-3:] == ("pypandoc", "files", "pandoc")
    assert path.is_file()
    assert out[1].startswith(f"{path}:{path.stat().st_size}:")
    assert out[2] == "False"
    version = subprocess.run([out[0], "--version"], capture_output=True, text=True,
                             check=True).stdout
    assert version.startswith("pandoc ")


def test_pypandoc_pandoc_is_left_to_pypandoc(fresh_lookup: None,
                                             monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    import pypandoc

    other = fake_pandoc(tmp_path / "my-pandoc")
    monkeypatch.setenv("PYPANDOC_PANDOC", str(other))
    monkeypatch.setattr(pypandoc, "get_pandoc_path", lambda: os.environ["PYPANDOC_PANDOC"])
    assert pandoc.pandoc_path() == str(other)
    assert pandoc.pandoc_identity() == identity_of(other)


def test_a_pandoc_named_on_the_path_is_keyed_by_its_file(fresh_lookup: None,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path) -> None:
    import pypandoc

    other = fake_pandoc(tmp_path / "pandoc")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setattr(pandoc, "shipped_binary", lambda: None)
    monkeypatch.setattr(pypandoc, "get_pandoc_path", lambda: "pandoc")
    assert pandoc.pandoc_identity() == identity_of(other)


def test_without_the_shipped_binary_pypandoc_searches(fresh_lookup: None,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    import pypandoc

    monkeypatch.delenv("PYPANDOC_PANDOC", raising=False)
    monkeypatch.setattr(pandoc, "shipped_binary", lambda: tmp_path / "missing" / "pandoc")
    monkeypatch.setattr(pypandoc, "get_pandoc_path", lambda: "/somewhere/pandoc")
    assert pandoc.pandoc_path() == "/somewhere/pandoc"


@pytest.mark.parametrize("named", [True, False])
def test_no_pandoc_is_a_plain_error(fresh_lookup: None, monkeypatch: pytest.MonkeyPatch,
                                    tmp_path: Path, named: bool) -> None:
    import pypandoc

    from anthology.core.errors import ToolError

    def missing() -> str:
        raise OSError("No pandoc was found")

    if named:
        monkeypatch.setenv("PYPANDOC_PANDOC", str(tmp_path / "nope"))
    else:
        monkeypatch.delenv("PYPANDOC_PANDOC", raising=False)
        monkeypatch.setattr(pandoc, "shipped_binary", lambda: None)
    monkeypatch.setattr(pypandoc, "get_pandoc_path", missing)
    with pytest.raises(ToolError, match="PYPANDOC_PANDOC names" if named else "make book"):
        pandoc.pandoc_path()
    assert pandoc.pandoc_identity() == "unknown"


def test_pandoc_reads_every_ast_we_write() -> None:
    """ASTs go to pandoc as UTF-8 JSON written by orjson; text UTF-8 cannot hold (a lone
    surrogate, which a YAML escape can make) goes as U+FFFD: with the surrogate escaped, as
    `json.dumps` wrote it, pandoc refused the whole input."""
    from anthology.engines.pandoc import as_input, ast_to_html

    def para(text: str) -> dict[str, Any]:
        return {"pandoc-api-version": [1, 23, 1], "meta": {},
                "blocks": [{"t": "Para", "c": [{"t": "Str", "c": text}]}]}

    assert as_input(para("Müller’s “café”")) == (
        '{"pandoc-api-version":[1,23,1],"meta":{},"blocks":[{"t":"Para","c":'
        '[{"t":"Str","c":"Müller’s “café”"}]}]}').encode()
    assert ast_to_html(para("Müller’s “café”"), "test").strip() == "<p>Müller’s “café”</p>"
    assert as_input(para("a\ud800b")) == as_input(para("a\ufffdb"))
    assert ast_to_html(para("a\ud800b"), "test").strip() == "<p>a\ufffdb</p>"
