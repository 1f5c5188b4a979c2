"""git: the only module that runs git.

Everything is read with `git -C <book> ...` in a subprocess with a fixed locale and no prompts;
output is decoded and trimmed, and failures become `GitError`s that say what to do. We never
read `.git` by hand.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from anthology.core.errors import ToolError

TIMEOUT_SECONDS = 120
# Fields of one commit in `git log`: record separator, then unit-separated fields.
_FIELDS = ("%H", "%h", "%P", "%an", "%ae", "%aI", "%cI", "%s")
LOG_FORMAT = "%x1e" + "%x1f".join(_FIELDS) + "%x1f"
SHALLOW_MESSAGE = "history is shallow; fetch with --unshallow"


class GitError(ToolError):
    """git could not do what we asked, or the repository is not as we need it."""


class NotARepository(GitError):
    """The book folder is not inside a git repository."""


class ShallowHistory(GitError):
    """The repository is a shallow clone: older commits are missing."""


class UnknownRevision(GitError):
    """A commit, branch or tag the user named does not exist: a usage error (exit code 2)."""

    exit_code = 2


@dataclass(frozen=True)
class Change:
    """One file changed by a commit: `M`, `A`, `D` or `R` (renamed from `old`)."""

    status: str
    path: str
    old: str | None = None


@dataclass(frozen=True)
class Commit:
    """A commit as `git log` gives it; paths relative to the book folder."""

    hash: str
    short: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    date: dt.datetime
    committed: dt.datetime
    message: str
    changes: tuple[Change, ...] = ()

    @property
    def is_merge(self) -> bool:
        """True for a merge commit (more than one parent)."""
        return len(self.parents) > 1


def _useful(text: str, limit: int = 6) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    lines = [line[len("fatal: "):] if line.startswith("fatal: ") else line for line in lines]
    return "; ".join(lines[:limit])


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    # Messages we parse must be in English; git must never stop to ask for a password.
    env.update({"LC_ALL": "C", "LANG": "C", "GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat",
                "GIT_OPTIONAL_LOCKS": "0"})
    return env


class Repository:
    """The git repository holding a book folder."""

    def __init__(self, book_root: Path) -> None:
        self.book_root = book_root
        done = self._run_raw(["rev-parse", "--show-toplevel", "--show-prefix"])
        if done.returncode != 0:
            detail = done.stderr.decode("utf-8", "replace")
            if "not a git repository" in detail.lower():
                raise NotARepository(
                    f"{book_root} is not in a git repository, so anthology has no history to "
                    "read. Run `git init` in the book folder and commit the book, or work in a "
                    "clone of the book's repository.")
            raise GitError(f"git could not read the repository at {book_root}: "
                           f"{_useful(detail) or 'exit status ' + str(done.returncode)}")
        lines = done.stdout.decode("utf-8", "replace").split("\n")
        self.toplevel = Path(lines[0])
        # The book folder's place inside the repository ("" at the top, else "sub/dir/").
        self.prefix = lines[1].strip() if len(lines) > 1 else ""

    # Running git

    def _run_raw(self, args: Sequence[str], stdin: bytes | None = None
                 ) -> subprocess.CompletedProcess[bytes]:
        command = ["git", "-C", str(self.book_root), "-c", "core.quotepath=off", *args]
        try:
            return subprocess.run(command, input=stdin, capture_output=True, check=False,
                                  timeout=TIMEOUT_SECONDS, env=_environment())
        except FileNotFoundError:
            raise GitError("git is not installed (or not on PATH). Install git, then run the "
                           "command again.") from None
        except subprocess.TimeoutExpired:
            raise GitError(f"git {args[0]} did not finish within {TIMEOUT_SECONDS} seconds in "
                           f"{self.book_root}.") from None

    def run_bytes(self, args: Sequence[str], stdin: bytes | None = None,
                  what: str | None = None) -> bytes:
        """git's stdout as bytes; a GitError naming `what` when git fails."""
        done = self._run_raw(args, stdin)
        if done.returncode != 0:
            detail = _useful(done.stderr.decode("utf-8", "replace")) or \
                f"exit status {done.returncode}"
            about = f"{what}: " if what else ""
            raise GitError(f"{about}git {args[0]} failed: {detail}")
        return done.stdout

    def run(self, args: Sequence[str], what: str | None = None) -> str:
        """git's stdout as text, trailing whitespace trimmed."""
        return self.run_bytes(args, what=what).decode("utf-8", "replace").rstrip()

    def succeeds(self, args: Sequence[str]) -> bool:
        """True when git exits with status 0."""
        return self._run_raw(args).returncode == 0

    # The state of the repository

    def is_shallow(self) -> bool:
        """True in a shallow clone."""
        return self.run(["rev-parse", "--is-shallow-repository"]) == "true"

    def require_full_history(self) -> None:
        """Raise ShallowHistory in a shallow clone: answers from it would be wrong."""
        if self.is_shallow():
            raise ShallowHistory(f"{SHALLOW_MESSAGE} (`git fetch --unshallow`). This clone of "
                                 "the book has only its latest commits, so earlier submissions "
                                 "cannot be read.")

    def has_commits(self) -> bool:
        """False in a repository with no commit yet."""
        return self.succeeds(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"])

    def branch(self) -> str | None:
        """The checked-out branch, or None on a detached HEAD."""
        done = self._run_raw(["symbolic-ref", "--quiet", "--short", "HEAD"])
        name = done.stdout.decode("utf-8", "replace").strip()
        return name if done.returncode == 0 and name else None

    def resolve(self, ref: str, what: str | None = None) -> str:
        """The full hash of the commit `ref` names; GitError when there is none."""
        if ref.startswith("-"):
            raise UnknownRevision(f"'{ref}' is not a commit or branch name.")
        done = self._run_raw(["rev-parse", "--verify", "--quiet", "--end-of-options",
                              f"{ref}^{{commit}}"])
        if done.returncode != 0:
            about = f" ({what})" if what else ""
            shallow = f" The clone is shallow: {SHALLOW_MESSAGE}." if self.is_shallow() else ""
            raise UnknownRevision(f"There is no commit '{ref}'{about} in this repository.{shallow} "
                           "Give a commit hash, a branch or a tag (see `git log`).")
        return done.stdout.decode().strip()

    def main_branch(self) -> str:
        """The main branch: origin's HEAD, else main, master, origin/main, origin/master."""
        head = self._run_raw(["symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"])
        candidates = [head.stdout.decode().strip()] if head.returncode == 0 else []
        candidates += ["main", "master", "origin/main", "origin/master"]
        for name in candidates:
            if name and self.succeeds(["rev-parse", "--verify", "--quiet",
                                       f"{name}^{{commit}}"]):
                return name
        raise GitError("Could not find the main branch (tried main, master, origin/main and "
                       "origin/master). Say what to compare with: --base BRANCH.")

    def merge_base(self, base: str, head: str = "HEAD") -> str:
        """The common ancestor of `base` and `head`."""
        base_hash = self.resolve(base, "the base")
        done = self._run_raw(["merge-base", base_hash, head])
        if done.returncode != 0:
            if self.is_shallow():
                raise ShallowHistory(f"{SHALLOW_MESSAGE} (`git fetch --unshallow`): the commits "
                                     f"shared with {base} are missing from this clone.")
            raise GitError(f"The current branch has no history in common with {base}. Give "
                           "another --base.")
        return done.stdout.decode().strip()

    # Paths

    def to_book(self, repo_path: str) -> str | None:
        """A repository path as a path inside the book folder (None when outside it)."""
        if not self.prefix:
            return repo_path
        return repo_path[len(self.prefix):] if repo_path.startswith(self.prefix) else None

    def to_repo(self, book_path: str) -> str:
        """A path inside the book folder as a repository path."""
        return f"{self.prefix}{book_path}"

    # Reading history and content

    def log(self, since: dt.date | None = None, rev: str = "HEAD") -> list[Commit]:
        """Every commit reachable from `rev`, newest first, with the files each changed.

        Merge commits are listed without files (their changes belong to the merged commits).
        """
        if not self.has_commits():
            return []
        args = ["log", f"--format={LOG_FORMAT}", "--name-status", "-z", "-M", "--no-color",
                "--date-order", "--no-show-signature"]
        if since is not None:
            args.append(f"--since={since.isoformat()}T00:00:00")
        args += ["--end-of-options", rev, "--"]
        out = self.run_bytes(args, what="reading the history").decode("utf-8", "replace")
        return [commit for record in out.split("\x1e") if record.strip("\x00\n")
                for commit in [self._parse(record)] if commit is not None]

    def _parse(self, record: str) -> Commit | None:
        parts = record.split("\x1f")
        if len(parts) < len(_FIELDS) + 1:
            return None
        full, short, parents, name, email, authored, committed, subject = parts[:len(_FIELDS)]
        rest = "\x1f".join(parts[len(_FIELDS):])
        tokens = [t for t in rest.strip("\n").split("\x00")]
        changes: list[Change] = []
        index = 0
        while index < len(tokens):
            status = tokens[index].strip("\n")
            index += 1
            if not status:
                continue
            kind = status[0]
            if kind in "RC" and index + 1 < len(tokens):
                old, new = tokens[index], tokens[index + 1]
                index += 2
                new_path, old_path = self.to_book(new), self.to_book(old)
                if new_path is not None:
                    changes.append(Change("R" if kind == "R" else "A", new_path,
                                          old_path if kind == "R" else None))
                continue
            if index >= len(tokens):
                break
            path = self.to_book(tokens[index])
            index += 1
            if path is not None:
                changes.append(Change(kind, path))
        return Commit(full, short, tuple(parents.split()), name, email,
                      dt.datetime.fromisoformat(authored), dt.datetime.fromisoformat(committed),
                      subject, tuple(changes))

    def read_blobs(self, specs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], bytes | None]:
        """The content of each (revision, book path), or None where it does not exist.

        The revision `:` means the staged version (the index). One `git cat-file` for all.
        """
        wanted = list(dict.fromkeys(specs))
        if not wanted:
            return {}
        names = [(f":{self.to_repo(path)}" if rev == ":" else f"{rev}:{self.to_repo(path)}")
                 for rev, path in wanted]
        if any("\n" in name for name in names):
            raise GitError("A file name contains a line break, which anthology cannot read "
                           "from git. Rename the file.")
        out = self.run_bytes(["cat-file", "--batch"], stdin="".join(
            f"{name}\n" for name in names).encode("utf-8"), what="reading files")
        result: dict[tuple[str, str], bytes | None] = {}
        position = 0
        for spec in wanted:
            end = out.index(b"\n", position)
            header = out[position:end].decode("utf-8", "replace").split()
            position = end + 1
            if len(header) == 3 and header[1] == "blob":
                size = int(header[2])
                result[spec] = out[position:position + size]
                position += size + 1
            else:
                # "<name> missing", "<name> ambiguous", or a tree/commit instead of a file.
                if len(header) == 3:
                    position += int(header[2]) + 1
                result[spec] = None
        return result

    def show(self, rev: str, path: str) -> bytes | None:
        """The content of `path` (in the book) at `rev` (`:` for the staged version)."""
        return self.read_blobs([(rev, path)])[(rev, path)]

    def changed_files(self, base: str, *, staged: bool = False) -> list[str]:
        """Book paths that differ from commit `base`: in the working tree (and untracked new
        files), or with `staged` in the index."""
        args = ["diff", "--name-only", "-z", "--no-renames", "--no-ext-diff"]
        args += ["--cached", base] if staged else [base]
        names = self.run_bytes([*args, "--", "."], what="finding changed files")
        paths = [p for p in names.decode("utf-8", "replace").split("\x00") if p]
        if not staged:
            untracked = self.run_bytes(["ls-files", "--others", "--exclude-standard", "-z",
                                        "--full-name", "--", "."])
            paths += [p for p in untracked.decode("utf-8", "replace").split("\x00") if p]
        book_paths = (self.to_book(p) for p in paths)
        return sorted({p for p in book_paths if p is not None})

    def staged_files(self) -> list[str]:
        """Book paths staged for the next commit (added, copied, modified or renamed)."""
        base = "HEAD" if self.has_commits() else self.empty_tree()
        args = ["diff", "--cached", "--name-only", "-z", "--no-renames", "--no-ext-diff",
                "--diff-filter=ACMR", base, "--", "."]
        names = self.run_bytes(args, what="finding staged files").decode("utf-8", "replace")
        book_paths = (self.to_book(p) for p in names.split("\x00") if p)
        return sorted({p for p in book_paths if p is not None})

    def empty_tree(self) -> str:
        """The hash of the empty tree (to compare with before the first commit)."""
        return self.run(["hash-object", "-t", "tree", "/dev/null"])

    def export_index(self, target: Path) -> Path:
        """Write the staged version of every tracked file of the book under `target`; return
        the copy of the book folder."""
        listed = self.run_bytes(["ls-files", "-z", "--cached", "--", "."])
        names = [n for n in listed.decode("utf-8", "replace").split("\x00") if n]
        if names:
            # checkout-index writes each file at <prefix><path in the repository>.
            self.run_bytes(["checkout-index", "-z", "--stdin", "-f",
                            f"--prefix={str(target).rstrip('/')}/"],
                           stdin="".join(f"{n}\x00" for n in names).encode("utf-8"),
                           what="copying the staged files")
        book = target / self.prefix if self.prefix else target
        book.mkdir(parents=True, exist_ok=True)
        return book

    def hooks_dir(self) -> Path:
        """Where git looks for hooks (honours core.hooksPath)."""
        path = Path(self.run(["rev-parse", "--git-path", "hooks"]))
        return path if path.is_absolute() else (self.book_root / path)


def config_value(key: str, folder: Path | None = None) -> str | None:
    """`git config --get KEY` as seen from `folder` (None when unset, or without git)."""
    try:
        done = subprocess.run(["git", "config", "--get", key], cwd=folder, capture_output=True,
                              timeout=10, check=False, env=_environment())
    except (OSError, subprocess.SubprocessError):
        return None
    value = done.stdout.decode("utf-8", "replace").strip()
    return value if done.returncode == 0 and value else None


def start_repository(folder: Path, name: str, email: str, message: str) -> str | None:
    """Make `folder` a git repository (branch main) with one commit of everything in it, by
    `name` <`email`>; return the commit's hash, or None when `folder` is inside a repository
    already (the new files are left for its owner to commit)."""
    def git(*args: str) -> subprocess.CompletedProcess[bytes]:
        try:
            done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True,
                                  check=False, timeout=TIMEOUT_SECONDS, env=_environment())
        except FileNotFoundError:
            raise GitError("git is not installed (or not on PATH), so the book is not a git "
                           "repository yet. Install git, then run `git init` and commit in "
                           f"{folder}; or start the book with --no-git.") from None
        if done.returncode != 0 and args[0] != "rev-parse":
            raise GitError(f"git {args[0]} failed in {folder}: "
                           f"{_useful(done.stderr.decode('utf-8', 'replace'))}. The book's "
                           "files are written; commit them by hand (git add -A && git commit).")
        return done

    if git("rev-parse", "--git-dir").returncode == 0:
        return None
    git("init", "--quiet", "--initial-branch=main")
    git("add", "--all")
    # Passed on the command line so that a machine with no git identity can still commit; the
    # identity is the user's own when git has one.
    git("-c", f"user.name={name}", "-c", f"user.email={email}", "commit", "--quiet",
        "--no-verify", "--message", message)
    return git("rev-parse", "HEAD").stdout.decode("ascii").strip()


def open_repository(book_root: Path) -> Repository:
    """The repository holding `book_root`; NotARepository when there is none."""
    return Repository(book_root)
