""".gitignore and .vscode/settings.json: created only where nothing is, never through a link, and a
warning (not a traceback) where they cannot be: a link, a directory, a dangling .vscode, a read-only
artifact (a real read-only bind mount: root ignores permission bits, so chmod 555 would prove nothing).
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from genpack_tui.engine.artifact.files import GITIGNORE, VSCODE_SETTINGS, ensure_artifact_files
from genpack_tui.engine.build.preflight import create_artifact_files
from genpack_tui.engine.events import Event, OutputLine, WarningEvent
from tests.engine.planted import host  # noqa: F401 (a fixture)


@pytest.fixture
def artifact(tmp_path: Path) -> Path:
    artifact = tmp_path / "artifact"
    artifact.mkdir()
    (artifact / "genpack.json5").write_text("{}\n")
    return artifact


def state(directory: Path) -> list[tuple[str, int, bytes]]:
    return [(str(p), p.lstat().st_mode, p.read_bytes() if p.is_file() else b"")
            for p in sorted(directory.rglob("*"))]


def test_missing_files_are_created(artifact: Path) -> None:
    messages = ensure_artifact_files(artifact)
    assert [(m.text, m.warning) for m in messages] == [
        ("Created .gitignore file with default settings.", False),
        ("Created .vscode/settings.json with default settings.", False)]
    assert (artifact / ".gitignore").read_text() == GITIGNORE
    assert json.loads((artifact / ".vscode" / "settings.json").read_text()) == VSCODE_SETTINGS
    assert ensure_artifact_files(artifact) == []  # existing files are never touched


def test_a_gitignore_linked_to_a_host_file_is_left_alone(artifact: Path, host: Path) -> None:
    (artifact / ".gitignore").symlink_to(host / "passwd")
    before = state(host)
    messages = ensure_artifact_files(artifact)
    assert state(host) == before
    assert messages[0].warning and messages[0].text.startswith(".gitignore not created: ")
    assert "artifact/.gitignore is a symbolic link (to " in messages[0].text and "not followed" in messages[0].text
    assert (artifact / ".vscode" / "settings.json").is_file()


def test_a_dangling_vscode_link_creates_nothing_on_the_host(artifact: Path, host: Path) -> None:
    (artifact / ".vscode").symlink_to(host / "dir" / "made-by-root")
    before = state(host)
    messages = ensure_artifact_files(artifact)
    assert state(host) == before and not (host / "dir" / "made-by-root").exists()
    assert messages[-1].warning
    assert messages[-1].text.startswith(".vscode/settings.json not created: ") and "symbolic link" in messages[-1].text


def test_a_gitignore_directory_is_a_warning(artifact: Path) -> None:
    (artifact / ".gitignore").mkdir()
    messages = ensure_artifact_files(artifact)
    assert (messages[0].warning, messages[0].text) == (
        True, f".gitignore not created: {artifact}/.gitignore exists and is not a regular file; "
              "continuing without it.")
    assert not messages[1].warning and (artifact / ".vscode" / "settings.json").is_file()


@pytest.fixture
def read_only(artifact: Path, tmp_path: Path):
    """The artifact seen through a real read-only bind mount."""
    if os.geteuid() != 0:
        pytest.skip("needs root to bind-mount")
    view = tmp_path / "read-only-view"
    view.mkdir()
    subprocess.run(["mount", "--bind", str(artifact), str(view)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(view)], check=True)
        yield view
    finally:
        subprocess.run(["umount", str(view)], check=True)


def test_a_read_only_artifact_is_a_warning_and_the_build_goes_on(read_only: Path, artifact: Path) -> None:
    events: list[Event] = []
    create_artifact_files(read_only, events.append)
    warnings = [e.message for e in events if isinstance(e, WarningEvent)]
    assert warnings == [
        f".gitignore not created: cannot write in {read_only}: Read-only file system; continuing without it.",
        f".vscode/settings.json not created: cannot write in {read_only}: Read-only file system; "
        "continuing without it."]
    assert not [e for e in events if isinstance(e, OutputLine)]
    assert sorted(p.name for p in artifact.iterdir()) == ["genpack.json5"]
