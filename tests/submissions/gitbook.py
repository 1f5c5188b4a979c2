"""Real git repositories for tests: a book committed by several people on fixed dates."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ADA = ("Ada Editor", "ada@example.ac.uk")          # editor, author of 'intro'
BEN = ("Ben Writer", "BEN.WRITER@example.org")     # author of 'peer' (second address, other case)
ZED = ("Zed Stranger", "zed@example.com")          # not in contributors.yaml


def isolate_git(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    """Keep the user's and the system's git configuration out of the test."""
    home.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_AUTHOR_NAME",
                 "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL",
                 "GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE", "ANTHOLOGY_BOOK"):
        monkeypatch.delenv(name, raising=False)


def git(root: Path, *args: str, who: tuple[str, str] = ADA, date: str | None = None) -> str:
    """Run git in `root` as `who` (on `date`, YYYY-MM-DD); return its stripped stdout."""
    env = dict(os.environ)
    if date is not None:
        stamp = f"{date}T12:00:00+00:00"
        env.update(GIT_AUTHOR_DATE=stamp, GIT_COMMITTER_DATE=stamp)
    done = subprocess.run(
        ["git", "-C", str(root), "-c", f"user.name={who[0]}", "-c", f"user.email={who[1]}",
         "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main",
         *args],
        capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, f"git {' '.join(args)} failed: {done.stderr}"
    return done.stdout.strip()


def commit(root: Path, message: str, who: tuple[str, str], date: str,
           files: dict[str, str | bytes | None] | None = None) -> str:
    """Write (or with None delete) `files`, stage everything, commit; return the full hash."""
    for name, text in (files or {}).items():
        path = root / name
        if text is None:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(text, bytes):
                path.write_bytes(text)
            else:
                path.write_text(text, encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message, who=who, date=date)
    return git(root, "rev-parse", "HEAD")


def init_repo(root: Path, date: str = "2026-01-05") -> str:
    """`git init` the book in `root` and commit it as the editor; return the commit."""
    git(root, "init", "-q", "-b", "main")
    (root / ".gitignore").write_text("/build/\n.anthology.lock\n", encoding="utf-8")
    return commit(root, "Start the book", ADA, date)


def chapter_text(title: str, body: str, authors: str = "[ben-writer]") -> str:
    """A chapter file with front matter."""
    return f"---\ntitle: {title}\nauthors: {authors}\n---\n\n{body}\n"
