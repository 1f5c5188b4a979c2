"""How the running anthology was installed, and the install line a new book's CI gets."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

from anthology.core.installation import PLACEHOLDER, Installation, installation_from
from anthology.editorial.init import init_book

COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.mark.parametrize(("direct_url", "requirement"), [
    (None, "anthology-press==1.2.0"),
    (json.dumps({"url": "https://github.com/owner/anthology.git",
                 "vcs_info": {"vcs": "git", "commit_id": COMMIT, "requested_revision": "main"}}),
     f"anthology-press @ git+https://github.com/owner/anthology.git@{COMMIT}"),
    # A token in the URL is never written into the book.
    (json.dumps({"url": "https://user:tok3n@example.org/anthology.git",
                 "vcs_info": {"vcs": "git", "commit_id": COMMIT}}),
     f"anthology-press @ git+https://example.org/anthology.git@{COMMIT}"),
    (json.dumps({"url": "ssh://git@example.org/anthology.git",
                 "vcs_info": {"vcs": "git", "commit_id": COMMIT}}),
     f"anthology-press @ git+ssh://git@example.org/anthology.git@{COMMIT}"),
    (json.dumps({"url": "https://example.org/anthology_press-1.2.0-py3-none-any.whl",
                 "archive_info": {"hashes": {}}}),
     "anthology-press @ https://example.org/anthology_press-1.2.0-py3-none-any.whl"),
])
def test_an_install_ci_can_repeat(direct_url: str | None, requirement: str) -> None:
    found = installation_from(direct_url, "1.2.0")
    assert found == Installation(requirement)
    assert found.pip_line == f'pip install "{requirement}"'


@pytest.mark.parametrize(("direct_url", "why"), [
    (json.dumps({"url": "file:///home/jane/anthology", "dir_info": {"editable": True}}),
     "anthology was installed from /home/jane/anthology on this machine (editable), which CI "
     "cannot reach"),
    (json.dumps({"url": "file:///tmp/anthology_press-1.2.0-py3-none-any.whl",
                 "archive_info": {}}),
     "anthology was installed from /tmp/anthology_press-1.2.0-py3-none-any.whl on this "
     "machine, which CI cannot reach"),
    ("{not json", "pip's record of how anthology was installed cannot be read"),
])
def test_a_local_install_cannot_be_repeated(direct_url: str, why: str) -> None:
    found = installation_from(direct_url, "1.2.0")
    assert found.requirement is None
    assert found.why == why


def test_not_installed_at_all() -> None:
    found = installation_from(None, installed=False)
    assert found.why == ("anthology is not installed as the package anthology-press (it runs "
                         "from its source folder)")


def test_upgrade_lines() -> None:
    assert installation_from(None, "1.0").upgrade_line == "pip install -U anthology-press"
    vcs = installation_from(json.dumps({"url": "https://example.org/a.git",
                                        "vcs_info": {"vcs": "git", "commit_id": COMMIT}}))
    assert vcs.upgrade_line == 'pip install -U "anthology-press @ git+https://example.org/a.git"'
    local = installation_from(json.dumps({"url": "file:///src/a", "dir_info": {}}))
    assert local.upgrade_line == ("update its source folder in /src/a (git pull) and install it "
                                  "again")


def _workflow(folder: Path) -> dict[object, object]:
    return yaml.safe_load((folder / ".github/workflows/anthology.yml").read_text())  # type: ignore[no-any-return]


def _install_steps(data: dict[object, object]) -> list[str]:
    jobs = data["jobs"]
    assert isinstance(jobs, dict)
    return [step["run"] for job in ("check", "build") for step in jobs[job]["steps"]
            if step.get("name", "").startswith("Install anthology")]


def test_the_workflow_installs_the_same_commit(tmp_path: Path) -> None:
    requirement = f"anthology-press @ git+https://example.org/anthology.git@{COMMIT}"
    init_book(tmp_path / "b", "T", "Jane Doe", "jane@example.org", dt.date(2026, 1, 1),
              Installation(requirement))
    data = _workflow(tmp_path / "b")
    assert data["env"] == {"ANTHOLOGY": requirement}
    for run in _install_steps(data):
        assert "::error" not in run and run.rstrip().endswith('python -m pip install "$ANTHOLOGY"')
    contributing = (tmp_path / "b/CONTRIBUTING.md").read_text()
    assert f'    pip install "{requirement}"\n' in contributing


def test_the_workflow_from_an_index_install_pins_the_version(tmp_path: Path) -> None:
    init_book(tmp_path / "b", "T", "Jane Doe", "jane@example.org", dt.date(2026, 1, 1),
              installation_from(None, "0.1.0"))
    assert _workflow(tmp_path / "b")["env"] == {"ANTHOLOGY": "anthology-press==0.1.0"}


def test_the_workflow_from_a_local_install_fails_until_edited(tmp_path: Path) -> None:
    local = installation_from(json.dumps({"url": "file:///home/jane/anthology",
                                          "dir_info": {"editable": True}}))
    init_book(tmp_path / "b", "T", "Jane Doe", "jane@example.org", dt.date(2026, 1, 1), local)
    text = (tmp_path / "b/.github/workflows/anthology.yml").read_text()
    assert ("# ANTHOLOGY below must say how to install anthology, and does not yet: anthology "
            "was installed from /home/jane/anthology on this machine (editable), which CI "
            "cannot reach.\n") in text
    data = _workflow(tmp_path / "b")
    assert data["env"] == {"ANTHOLOGY": PLACEHOLDER}
    runs = _install_steps(data)
    assert len(runs) == 2
    for run in runs:
        assert run.startswith(f'if [ "$ANTHOLOGY" = "{PLACEHOLDER}" ]; then\n  echo '
                              '"::error file=.github/workflows/anthology.yml::Edit '
                              ".github/workflows/anthology.yml: replace '$ANTHOLOGY' in "
                              "ANTHOLOGY with how to install anthology, for example "
                              'anthology-press @ git+https://HOST/OWNER/anthology@COMMIT"\n'
                              "  exit 1\nfi\n")
    contributing = (tmp_path / "b/CONTRIBUTING.md").read_text()
    assert "install anthology (Python 3.11 or newer) with\nthe line the editors give you." \
        in contributing
    assert "pip install" in contributing  # only in the comment to the editors
