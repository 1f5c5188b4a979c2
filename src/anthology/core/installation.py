"""How the running anthology was installed, so that a new book's CI installs the same.

The distribution is `anthology-press` (the name `anthology` on PyPI belongs to another
project); the command and the import package are `anthology`. pip records how it installed a
distribution from anywhere but an index in the distribution's `direct_url.json` (PEP 610):
a VCS URL with its commit, an archive URL, or a local folder (editable or not).
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass

from anthology import __version__

DISTRIBUTION = "anthology-press"
# What the new book's workflow carries when no install line can be given: its job fails on it.
PLACEHOLDER = "EDIT-ME: how to install anthology"


@dataclass(frozen=True)
class Installation:
    """What pip installs to get this anthology again (`requirement`), or None when the running
    one came from a folder on this machine (`why` says so)."""

    requirement: str | None
    why: str = ""
    # The local folder it was installed from, when it was.
    folder: str | None = None

    @property
    def pip_line(self) -> str:
        """The command a person types, or a sentence saying what to do instead."""
        if self.requirement is None:
            return f"pip install \"{DISTRIBUTION} @ git+https://HOST/OWNER/anthology@COMMIT\" " \
                "(with the address of the anthology repository you use)"
        return f'pip install "{self.requirement}"'

    @property
    def upgrade_line(self) -> str:
        """How to upgrade it, in words a person can follow."""
        if self.requirement is None:
            where = f" in {self.folder}" if self.folder else ""
            return f"update its source folder{where} (git pull) and install it again"
        if "==" in self.requirement:
            return f"pip install -U {DISTRIBUTION}"
        # A Git URL's commit pins the old version: the newest is the URL without it.
        url = self.requirement.rsplit("@", 1)[0] if " @ git+" in self.requirement else \
            self.requirement
        return f'pip install -U "{url}"'


def installation_from(direct_url: str | None, version: str = __version__, *,
                      installed: bool = True) -> Installation:
    """The Installation that a distribution's `direct_url.json` text describes (None: it was
    installed from an index); `installed` False when no distribution of that name exists."""
    if not installed:
        return Installation(None, "anthology is not installed as the package "
                                  f"{DISTRIBUTION} (it runs from its source folder)")
    if direct_url is None:
        return Installation(f"{DISTRIBUTION}=={version}")
    try:
        data = json.loads(direct_url)
        url = str(data["url"])
    except (ValueError, KeyError, TypeError):
        return Installation(None, "pip's record of how anthology was installed cannot be read")
    url = _without_credentials(url)
    vcs = data.get("vcs_info")
    if isinstance(vcs, dict) and vcs.get("commit_id") and not url.startswith("file:"):
        kind = str(vcs.get("vcs") or "git")
        prefix = "" if url.startswith(f"{kind}+") else f"{kind}+"
        return Installation(f"{DISTRIBUTION} @ {prefix}{url}@{vcs['commit_id']}")
    if "archive_info" in data and url.startswith(("https:", "http:")):
        return Installation(f"{DISTRIBUTION} @ {url}")
    where = urllib.parse.unquote(urllib.parse.urlsplit(url).path) or url
    editable = isinstance(data.get("dir_info"), dict) and data["dir_info"].get("editable")
    return Installation(None, f"anthology was installed from {where} on this machine"
                              f"{' (editable)' if editable else ''}, which CI cannot reach",
                        where)


def _without_credentials(url: str) -> str:
    # A token in the URL must not be written into a file the book commits; `git@` is a user
    # name, not a secret, and ssh URLs need it.
    parts = urllib.parse.urlsplit(url)
    if parts.password is None and parts.username in (None, "git"):
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urllib.parse.urlunsplit(parts._replace(netloc=host))


def running_installation() -> Installation:
    """How the anthology that is running was installed."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        dist = distribution(DISTRIBUTION)
    except PackageNotFoundError:
        from pathlib import Path

        source = Path(__file__).resolve().parents[3]  # src/anthology/core/ in a checkout
        found = installation_from(None, installed=False)
        if (source / "pyproject.toml").is_file():
            return Installation(None, found.why, str(source))
        return found
    return installation_from(dist.read_text("direct_url.json"), dist.version)


def running_command(argv0: str | None = None, on_path: str | None = None) -> str:
    """The full path of the `anthology` that runs (for hints a person pastes in another
    folder): `argv0` is how it was started (default sys.argv[0]), `on_path` what PATH gives
    for `anthology` (default: looked up)."""
    import shlex
    import shutil
    import sys
    from pathlib import Path

    argv0 = sys.argv[0] if argv0 is None else argv0
    started = Path(argv0)
    if started.name.startswith("anthology") and started.suffix in ("", ".exe") and \
            started.is_file():
        return shlex.quote(str(started.absolute()))
    if started.name == "__main__.py" and started.parent.name == "anthology":
        return f"{shlex.quote(sys.executable)} -m anthology"  # python -m anthology
    found = on_path if on_path is not None else shutil.which("anthology")
    return shlex.quote(str(Path(found).absolute())) if found else "anthology"
