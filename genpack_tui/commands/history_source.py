"""Which history ``report`` and ``diff-builds`` read: the artifact's (variant, arch) as a build would
resolve them, and warnings about skipped records on stderr."""
from __future__ import annotations

from pathlib import Path
from typing import Any, TextIO

from genpack_tui.engine.config import resolve
from genpack_tui.engine.history.store import History, read_history


def load_history(artifact_dir: Path, variant: Any, arch: str | None, err: TextIO, *,
                 last: int | None = None) -> History:
    resolution = resolve(artifact_dir, variant=variant, arch=arch)

    def warn(text: str) -> None:
        err.write(f"genpack-tui: warning: {text}\n")

    return read_history(artifact_dir, resolution.arch, resolution.variant, warn, last=last)
