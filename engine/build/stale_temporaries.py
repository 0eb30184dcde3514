"""Temporary files a killed build leaves behind, removed by the next build while it holds the lock.

Every writer in the engine works under a temporary name and renames into place (images:
``.<image>.creating-<pid>``; files written through ConfinedDir: ``.<name>.<pid>.genpack-tui-tmp`` or
``-link``; downloads: ``*.part``; the squashfs and superfloppy: ``<outfile>.tmp``), so a SIGKILL can
leave such a file but never a half-written real one. The names that carry the dead pid would never be
reused or removed by anything else (an image's is a 128 GiB sparse file). Only the engine's own names
are matched, only regular files and links are removed (a link itself, never its target), and all of it
through ConfinedDir: ``work/`` is writable from the build containers.
"""
from __future__ import annotations

import fnmatch
import stat
from pathlib import Path
from typing import Iterable

from genpack_tui.engine.runtime.confined import ConfinedDir

CONFINED_WRITES = (".*.genpack-tui-tmp", ".*.genpack-tui-link")
WORK_PATTERNS = ("*.part", *CONFINED_WRITES)
ARCH_PATTERNS = (".*.img.creating-*", "*.done.tmp", "*.part", *CONFINED_WRITES)


def remove_stale_temporaries(artifact_dir: Path, arch: str, outputs: Iterable[Path]) -> list[str]:
    """Remove them; returns what was removed, relative to ``artifact_dir``. Call only while holding the
    artifact's build lock (engine/runtime/lock.py): then no other build is writing any of them."""
    wanted = [("work", WORK_PATTERNS), (f"work/{arch}", ARCH_PATTERNS)]
    for output in outputs:
        if output.is_relative_to(artifact_dir):
            relative = output.relative_to(artifact_dir)
            parent = "" if relative.parent == Path(".") else str(relative.parent)  # "": the artifact itself
            wanted.append((parent, (f"{relative.name}.tmp",)))
    removed = []
    with ConfinedDir(artifact_dir) as directory:
        for subdir, patterns in wanted:
            if subdir and not directory.is_dir(subdir):
                continue
            for name in directory.listdir(subdir):
                path = f"{subdir}/{name}" if subdir else name
                if any(fnmatch.fnmatchcase(name, p) for p in patterns) and _file_or_link(directory, path):
                    directory.unlink(path)
                    removed.append(path)
    return removed


def _file_or_link(directory: ConfinedDir, path: str) -> bool:
    try:
        mode = directory.lstat(path).st_mode
    except OSError:
        return False
    return stat.S_ISREG(mode) or stat.S_ISLNK(mode)
