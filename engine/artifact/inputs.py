"""Which paths of an artifact directory feed the workbench: the configuration file and the
directories the phases read (files/, savedconfig/, patches/, kernel/, env/, overlay/). work/, the
outputs and editor droppings do not count.

Kept apart from the watch loop so the first resolve can take a signature of the inputs without
loading watchfiles.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from genpack_tui.engine.config import artifact_layout

CONFIG_NAMES = frozenset(artifact_layout.CONFIG_NAMES)
INPUT_DIRS = frozenset(artifact_layout.INPUT_DIRS)

InputSignature = frozenset[tuple[str, int, int]]


def is_relevant(artifact_dir: Path, path: Path) -> bool:
    try:
        relative = Path(path).resolve().relative_to(artifact_dir)
    except ValueError:
        return False
    parts = relative.parts
    if not parts:
        return False
    if len(parts) == 1 and parts[0] in CONFIG_NAMES:
        return True
    return parts[0] in INPUT_DIRS


def config_signature(artifact_dir: Path) -> InputSignature:
    """(path, mtime_ns, size) of the configuration file(s): cheap enough for the UI thread."""
    entries: set[tuple[str, int, int]] = set()
    for name in sorted(CONFIG_NAMES):
        _add_stat(os.path.join(artifact_dir, name), entries)
    return frozenset(entries)


def input_signature(artifact_dir: Path) -> InputSignature:
    """(path, mtime_ns, size) of every input: the configuration and everything below the input
    directories. Equal signatures mean no input changed between them (used to catch an edit made
    before the watcher was in place). Walks the directories: for worker threads."""
    entries = set(config_signature(artifact_dir))
    for name in sorted(INPUT_DIRS):
        top = os.path.join(artifact_dir, name)
        status = _add_stat(top, entries)
        if status is not None and stat.S_ISDIR(status.st_mode):  # a real directory, not a link to one
            _add_tree(top, entries)
    return frozenset(entries)


def _add_stat(path: str, entries: set[tuple[str, int, int]]) -> os.stat_result | None:
    """Adds ``path`` when it exists, and returns its lstat."""
    try:
        status = os.lstat(path)
    except OSError:
        return None
    entries.add((path, status.st_mtime_ns, status.st_size))
    return status


def _add_tree(directory: str, entries: set[tuple[str, int, int]]) -> None:
    try:
        with os.scandir(directory) as listing:
            children = list(listing)
    except OSError:
        return
    for child in children:
        try:
            stat = child.stat(follow_symlinks=False)
        except OSError:
            continue
        entries.add((child.path, stat.st_mtime_ns, stat.st_size))
        if child.is_dir(follow_symlinks=False):
            _add_tree(child.path, entries)
