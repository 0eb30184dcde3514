"""Files genpack creates in an artifact directory on first use: .gitignore and .vscode/settings.json.

Same content as genpack (genpack-behaviour.md §2.2), except that settings.json is valid JSON
(decisions.md §14). Existing files are never touched.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

GITIGNORE = "/work/\n/*.squashfs\n/*.img\n/*.tmp\n/*.iso\n/*.tar.gz\n/.vscode/\n"
VSCODE_SETTINGS = {
    "files.exclude": {"work/": True, "*.squashfs": True},
    "search.exclude": {"work/": True, "*.squashfs": True},
    "python.analysis.exclude": ["work/"],
}


def ensure_artifact_files(artifact_dir: Path, give_back: Callable[[Path], None] = lambda p: None) -> list[str]:
    """Create the missing files; return messages saying what was created."""
    messages = []
    gitignore = artifact_dir / ".gitignore"
    if not gitignore.is_file():
        gitignore.write_text(GITIGNORE)
        give_back(gitignore)
        messages.append("Created .gitignore file with default settings.")
    vscode = artifact_dir / ".vscode"
    if not vscode.is_dir():
        vscode.mkdir()
        give_back(vscode)
        settings = vscode / "settings.json"
        settings.write_text(json.dumps(VSCODE_SETTINGS, indent=2) + "\n")
        give_back(settings)
        messages.append("Created .vscode/settings.json with default settings.")
    return messages
