"""Which paths of an artifact directory feed the workbench: the configuration file and the
directories the phases read (files/, savedconfig/, patches/, kernel/, env/, overlay/). work/, the
outputs and editor droppings do not count.

Kept apart from the watch loop so the first resolve can take a signature of the inputs without
loading watchfiles.
"""
from __future__ import annotations

import os
from pathlib import Path

CONFIG_NAMES = frozenset({"genpack.json5", "genpack.json"})
INPUT_DIRS = frozenset({"files", "savedconfig", "patches", "kernel", "env", "overlay"})

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


def input_signature(artifact_dir: Path) -> InputSignature:
    """(path, mtime_ns, size) of every input file: equal signatures mean no input changed between
    them (used to catch an edit made before the watcher was in place)."""
    entries: set[tuple[str, int, int]] = set()
    for name in sorted(CONFIG_NAMES | INPUT_DIRS):
        _add_entries(Path(artifact_dir) / name, entries)
    return frozenset(entries)


def _add_entries(path: Path, entries: set[tuple[str, int, int]]) -> None:
    try:
        stat = path.lstat()
    except OSError:
        return
    entries.add((str(path), stat.st_mtime_ns, stat.st_size))
    if path.is_dir() and not path.is_symlink():
        try:
            children = list(os.scandir(path))
        except OSError:
            return
        for child in children:
            _add_entries(Path(child.path), entries)
