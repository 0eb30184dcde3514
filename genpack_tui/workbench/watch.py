"""The watch loop: bursts of changes to an artifact's inputs (``engine/artifact/inputs.py`` ``is_relevant``).

The directory is watched, not the file: editors save by writing a new file and renaming it over
the old one, which silently ends a watch on the file's inode.
"""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import AsyncIterator, Callable

from textual.message import Message
from textual.message_pump import MessagePump
from watchfiles import Change, DefaultFilter, awatch

from genpack_tui.engine.artifact.inputs import is_relevant

WATCH_STEP_MS = 10  # watchfiles yields about two steps after the last change
WATCH_DEBOUNCE_MS = 200  # and at the latest this long into a continuous burst
READY_TIMEOUT_MS = 500  # watchfiles returns at least this often, and is watching by its first return


class ArtifactFilter(DefaultFilter):
    """watchfiles filter: the config file and anything below the phase input directories."""

    def __init__(self, artifact_dir: Path) -> None:
        super().__init__()
        self.artifact_dir = Path(artifact_dir).resolve()

    def __call__(self, change: Change, path: str) -> bool:
        return is_relevant(self.artifact_dir, Path(path)) and super().__call__(change, path)


async def watch_artifact(artifact_dir: Path, stop: asyncio.Event | None = None,
                         on_ready: Callable[[], None] | None = None) -> AsyncIterator[set[Path]]:
    """Yield the set of relevant changed paths after each burst of changes, until ``stop`` is set.

    ``on_ready`` is called once, when the watch is certainly in place: at watchfiles' first return,
    a change or its READY_TIMEOUT_MS timeout (watchfiles gives no earlier signal).
    """
    artifact_dir = Path(artifact_dir).resolve()
    async for changes in awatch(artifact_dir, watch_filter=ArtifactFilter(artifact_dir), step=WATCH_STEP_MS,
                                debounce=WATCH_DEBOUNCE_MS, stop_event=stop, recursive=True,
                                rust_timeout=READY_TIMEOUT_MS, yield_on_timeout=True):
        if on_ready is not None:
            on_ready()
            on_ready = None
        if changes:
            yield {Path(path) for _change, path in changes}


class InputsChanged(Message):
    """A burst of changes to the artifact's inputs, seen by the watch."""

    def __init__(self, paths: set[Path]) -> None:
        super().__init__()
        self.paths = paths


async def post_changes(target: MessagePump, artifact_dir: Path, on_ready: Callable[[], None]) -> None:
    """Watch ``artifact_dir`` and post an InputsChanged to ``target`` after each burst (see watch_artifact)."""
    async for changed in watch_artifact(artifact_dir, on_ready=on_ready):
        target.post_message(InputsChanged(changed))
