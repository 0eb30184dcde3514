"""Temporary files a killed build leaves behind, removed by the next build while it holds the lock.

Every writer in the engine works under a temporary name and renames into place (images:
``.<image>.creating-<pid>``, stamps: ``<phase>.done.tmp``, downloads and records: ``*.part``,
outputs: ``<outfile>.tmp``), so a SIGKILL can leave such a file but never a half-written real one.
The image temporaries are named after the pid that made them: nothing else would ever reuse or
remove a 128 GiB sparse file left that way. Only the engine's own names are matched, and only
files (a directory or anything else under such a name is left alone).
"""
from __future__ import annotations

import stat
from pathlib import Path
from typing import Iterable

WORK_PATTERNS = ("*.part",)
ARCH_PATTERNS = (".*.img.creating-*", "*.done.tmp", "*.part")


def stale_temporaries(work_dir: Path, arch_dir: Path, outputs: Iterable[Path]) -> list[Path]:
    found = [p for pattern in WORK_PATTERNS for p in work_dir.glob(pattern)]
    found += [p for pattern in ARCH_PATTERNS for p in arch_dir.glob(pattern)]
    found += [output.with_name(output.name + ".tmp") for output in outputs]
    return sorted({p for p in found if _is_file_or_link(p)})


def remove_stale_temporaries(work_dir: Path, arch_dir: Path, outputs: Iterable[Path]) -> list[Path]:
    """Remove them; returns what was removed. Call only while holding the artifact's build lock."""
    removed = []
    for path in stale_temporaries(work_dir, arch_dir, outputs):
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        removed.append(path)
    return removed


def _is_file_or_link(path: Path) -> bool:
    try:
        mode = path.lstat().st_mode
    except OSError:
        return False
    return stat.S_ISREG(mode) or stat.S_ISLNK(mode)
