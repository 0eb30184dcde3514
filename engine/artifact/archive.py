"""``archive``: genpack-<name>.tar.gz of the artifact definition (docs/genpack.md §8).

Same members and order as genpack's ``tar zcvf``: the config file, then each existing directory of
files/ savedconfig/ patches/ kernel/ env/ overlay/. Written to a temporary name and renamed, so an
interrupted run never leaves a truncated archive under the real name.

Runs as root in someone's repository: the archive is written through ConfinedDir (a link planted at
the archive or its temporary name is replaced, never written through), a member that is itself a
symbolic link (``files -> /etc``) is an error naming it, and links inside the member directories are
archived as links (tarfile's default: lstat, no dereference), never followed.
"""
from __future__ import annotations

import os
import tarfile
import time
from pathlib import Path
from typing import Callable

from genpack_tui.engine.config.artifact_layout import CONFIG_NAMES, INPUT_DIRS
from genpack_tui.engine.events import BuildFinished, ErrorEvent, EventSink, OutputLine
from genpack_tui.engine.runtime.confined import ConfinedDir
from genpack_tui.engine.runtime.errors import RuntimeEngineError


class ArchiveError(Exception):
    """The artifact directory cannot be archived (no configuration file)."""


def archive_members(artifact_dir: Path) -> list[str]:
    with ConfinedDir(artifact_dir) as directory:
        config = next((name for name in CONFIG_NAMES if directory.exists(name)), None)
        if config is None:
            raise ArchiveError(f"{artifact_dir}: neither genpack.json5 nor genpack.json found")
        members = [config] + [d for d in INPUT_DIRS if directory.exists(d)]
        for member, wanted, test in [(config, "a regular file", directory.is_file)] + [
                (d, "a directory", directory.is_dir) for d in members[1:]]:
            if directory.is_symlink(member):
                target = os.readlink(artifact_dir / member)
                raise ArchiveError(f"{directory.shown(member)} is a symbolic link (to {target}); the archive holds "
                                   f"the artifact's own files: make it {wanted}")
            if not test(member):
                raise ArchiveError(f"{directory.shown(member)} is not {wanted}")
    return members


def create_archive(artifact_dir: Path, name: str, sink: EventSink,
                   give_back: Callable[[Path], None] = lambda path: None) -> Path:
    members = archive_members(artifact_dir)
    target = artifact_dir / f"genpack-{name}.tar.gz"
    with ConfinedDir(artifact_dir) as directory:
        if directory.exists(target.name):
            sink(OutputLine(phase="archive", step="tar", text=f"Archive {target.name} already exists, removing it."))

        def verbose(info: tarfile.TarInfo) -> tarfile.TarInfo:
            sink(OutputLine(phase="archive", step="tar", text=info.name + ("/" if info.isdir() else "")))
            return info

        with directory.open_new(target.name) as out, tarfile.open(fileobj=out, mode="w:gz") as tar:
            for member in members:
                tar.add(artifact_dir / member, arcname=member, recursive=True, filter=verbose)
    give_back(target)
    sink(OutputLine(phase="archive", step="tar", text=f"Archive created: {target.name}"))
    return target


def run_archive(artifact_dir: Path, name: str, sink: EventSink,
                give_back: Callable[[Path], None] = lambda path: None) -> bool:
    """``archive`` reported like a build: the output (or the error) and a BuildFinished event."""
    started = time.monotonic()
    try:
        path = create_archive(artifact_dir, name, sink, give_back)
    except (ArchiveError, OSError, RuntimeEngineError) as exc:
        sink(ErrorEvent(message=str(exc), phase="archive"))
        sink(BuildFinished(ok=False, duration=time.monotonic() - started))
        return False
    sink(BuildFinished(ok=True, duration=time.monotonic() - started,
                       outputs=[{"path": path.name, "size": path.stat().st_size}]))
    return True
