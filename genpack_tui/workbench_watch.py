"""Which changes in an artifact directory matter to the workbench, and the watch loop itself.

The directory is watched, not the file: editors save by writing a new file and renaming it over
the old one, which silently ends a watch on the file's inode. Only the configuration file and the
directories that feed the phases count (files/, savedconfig/, patches/, kernel/, env/, overlay/);
work/, the outputs and editor droppings are ignored.
"""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import AsyncIterator

from watchfiles import Change, DefaultFilter, awatch

CONFIG_NAMES = frozenset({"genpack.json5", "genpack.json"})
INPUT_DIRS = frozenset({"files", "savedconfig", "patches", "kernel", "env", "overlay"})
WATCH_STEP_MS = 10  # watchfiles yields about two steps after the last change
WATCH_DEBOUNCE_MS = 200  # and at the latest this long into a continuous burst


class ArtifactFilter(DefaultFilter):
    """watchfiles filter: the config file and anything below the phase input directories."""

    def __init__(self, artifact_dir: Path) -> None:
        super().__init__()
        self.artifact_dir = Path(artifact_dir).resolve()

    def __call__(self, change: Change, path: str) -> bool:
        return is_relevant(self.artifact_dir, Path(path)) and super().__call__(change, path)


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


async def watch_artifact(artifact_dir: Path, stop: asyncio.Event | None = None) -> AsyncIterator[set[Path]]:
    """Yield the set of relevant changed paths after each burst of changes, until ``stop`` is set."""
    artifact_dir = Path(artifact_dir).resolve()
    async for changes in awatch(artifact_dir, watch_filter=ArtifactFilter(artifact_dir), step=WATCH_STEP_MS,
                                debounce=WATCH_DEBOUNCE_MS, stop_event=stop, recursive=True):
        yield {Path(path) for _change, path in changes}
