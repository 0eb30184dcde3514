"""Files genpack creates in an artifact directory on first use: .gitignore and .vscode/settings.json.

Same content as genpack (docs/genpack.md §1), except that settings.json is valid JSON
(docs/compatibility.md §14). Existing files are never touched. Runs as root in someone's repository, so it
writes through ConfinedDir and never follows a link; what it cannot or will not do (a read-only
artifact, a ``.gitignore`` that is a directory or a link, a dangling ``.vscode``) is a warning, not an
error: these files are a convenience and the build goes on without them.
"""
from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from genpack_tui.engine.runtime.confined import ConfinedDir
from genpack_tui.engine.runtime.errors import RuntimeEngineError

GITIGNORE = "/work/\n/*.squashfs\n/*.img\n/*.tmp\n/*.iso\n/*.tar.gz\n/.vscode/\n"
VSCODE_SETTINGS = {
    "files.exclude": {"work/": True, "*.squashfs": True},
    "search.exclude": {"work/": True, "*.squashfs": True},
    "python.analysis.exclude": ["work/"],
}


@dataclass(frozen=True)
class ArtifactFileMessage:
    text: str
    warning: bool = False


def _existing_kind(directory: ConfinedDir, name: str) -> str | None:
    """None when ``name`` is missing, "" when it is a regular file/directory as wanted, else what it is."""
    try:
        mode = directory.lstat(name).st_mode
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(mode):
        return f"a symbolic link (to {os.readlink(directory.shown(name))}), not followed"
    return ""


def ensure_artifact_files(artifact_dir: Path,
                          give_back: Callable[[Path], None] = lambda p: None) -> list[ArtifactFileMessage]:
    """Create the missing files; return messages saying what was created or why it was not."""
    messages: list[ArtifactFileMessage] = []

    def skipped(what: str, why: str) -> None:
        messages.append(ArtifactFileMessage(f"{what} not created: {why}; continuing without it.", True))

    try:
        directory = ConfinedDir(artifact_dir)
    except OSError as exc:
        skipped(".gitignore and .vscode/settings.json", f"cannot open {artifact_dir}: {exc.strerror or exc}")
        return messages
    with directory:
        for name, create in ((".gitignore", _create_gitignore), (".vscode", _create_vscode)):
            shown = directory.shown(name)
            what = ".gitignore" if name == ".gitignore" else ".vscode/settings.json"
            try:
                kind = _existing_kind(directory, name)
                if kind is None:
                    messages.append(ArtifactFileMessage(create(directory, give_back)))
                elif kind:
                    skipped(what, f"{shown} is {kind}")
                elif name == ".gitignore" and not directory.is_file(name):
                    skipped(what, f"{shown} exists and is not a regular file")
                elif name == ".vscode" and not directory.is_dir(name):
                    skipped(what, f"{shown} exists and is not a directory")
            except OSError as exc:
                skipped(what, f"cannot write in {artifact_dir}: {exc.strerror or exc}")
            except RuntimeEngineError as exc:
                skipped(what, str(exc))
    return messages


def _create_gitignore(directory: ConfinedDir, give_back: Callable[[Path], None]) -> str:
    directory.write_text(".gitignore", GITIGNORE)
    give_back(Path(directory.shown(".gitignore")))
    return "Created .gitignore file with default settings."


def _create_vscode(directory: ConfinedDir, give_back: Callable[[Path], None]) -> str:
    directory.mkdir(".vscode")
    give_back(Path(directory.shown(".vscode")))
    directory.write_text(".vscode/settings.json", json.dumps(VSCODE_SETTINGS, indent=2) + "\n")
    give_back(Path(directory.shown(".vscode/settings.json")))
    return "Created .vscode/settings.json with default settings."
