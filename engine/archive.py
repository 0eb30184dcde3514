"""``archive``: genpack-<name>.tar.gz of the artifact definition (genpack-behaviour.md §8).

Same members and order as genpack's ``tar zcvf``: the config file, then each existing directory of
files/ savedconfig/ patches/ kernel/ env/ overlay/. Written to a temporary name and renamed, so an
interrupted run never leaves a truncated archive under the real name.
"""
from __future__ import annotations

import os
import tarfile
from pathlib import Path
from typing import Callable

import time

from genpack_tui.engine.events import BuildFinished, ErrorEvent, EventSink, OutputLine

ARCHIVED_DIRS = ("files", "savedconfig", "patches", "kernel", "env", "overlay")
CONFIG_FILES = ("genpack.json5", "genpack.json")


class ArchiveError(Exception):
    """The artifact directory cannot be archived (no configuration file)."""


def archive_members(artifact_dir: Path) -> list[str]:
    config = next((name for name in CONFIG_FILES if (artifact_dir / name).is_file()), None)
    if config is None:
        raise ArchiveError(f"{artifact_dir}: neither genpack.json5 nor genpack.json found")
    return [config] + [d for d in ARCHIVED_DIRS if (artifact_dir / d).is_dir()]


def create_archive(artifact_dir: Path, name: str, sink: EventSink,
                   give_back: Callable[[Path], None] = lambda path: None) -> Path:
    members = archive_members(artifact_dir)
    target = artifact_dir / f"genpack-{name}.tar.gz"
    if target.exists():
        sink(OutputLine(phase="archive", step="tar", text=f"Archive {target.name} already exists, removing it."))
    tmp = target.with_name(target.name + ".tmp")

    def verbose(info: tarfile.TarInfo) -> tarfile.TarInfo:
        sink(OutputLine(phase="archive", step="tar", text=info.name + ("/" if info.isdir() else "")))
        return info

    try:
        with tarfile.open(tmp, "w:gz") as tar:
            for member in members:
                tar.add(artifact_dir / member, arcname=member, recursive=True, filter=verbose)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    give_back(target)
    sink(OutputLine(phase="archive", step="tar", text=f"Archive created: {target.name}"))
    return target


def run_archive(artifact_dir: Path, name: str, sink: EventSink,
                give_back: Callable[[Path], None] = lambda path: None) -> bool:
    """``archive`` reported like a build: the output (or the error) and a BuildFinished event."""
    started = time.monotonic()
    try:
        path = create_archive(artifact_dir, name, sink, give_back)
    except (ArchiveError, OSError) as exc:
        sink(ErrorEvent(message=str(exc), phase="archive"))
        sink(BuildFinished(ok=False, duration=time.monotonic() - started))
        return False
    sink(BuildFinished(ok=True, duration=time.monotonic() - started,
                       outputs=[{"path": path.name, "size": path.stat().st_size}]))
    return True
