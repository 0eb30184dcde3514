"""The artifact's directories that reach an image: savedconfig/ patches/ env/ kernel/ overlay/ (copied
into the lower image) and files/ (copied into the upper layer by the container, from /mnt/host).

Links inside them are content, copied as links and never read through. One of them being itself a
symbolic link is refused, naming the link: genpack-tui runs as root, and a ``kernel -> /root/.ssh``
must not put the host's keys into an image.
"""
from __future__ import annotations

import stat
from collections.abc import Iterable
from pathlib import Path

from genpack_tui.engine.config.artifact_layout import LOWER_INPUT_DIRS, UPPER_INPUT_DIRS
from genpack_tui.engine.runtime.confined import ConfinedDir, UnsafePathError

LOWER_TREES = LOWER_INPUT_DIRS  # the names this module and the fingerprint use
UPPER_TREES = UPPER_INPUT_DIRS


def has_tree(artifact_dir: Path, name: str) -> bool:
    """Whether ``artifact_dir/name`` is a directory (absent or a plain file: no, as genpack's isdir);
    a symbolic link there is an UnsafePathError naming it."""
    artifact = ConfinedDir(artifact_dir)
    with artifact:
        try:
            mode = artifact.lstat(name).st_mode
        except (FileNotFoundError, NotADirectoryError):
            return False
        if stat.S_ISLNK(mode):
            raise UnsafePathError(f"{artifact.shown(name)} is a symbolic link (to {artifact.readlink(name)}); "
                                  f"genpack-tui copies {name}/ into the image as root and follows no link out "
                                  "of the artifact: make it a real directory")
        return stat.S_ISDIR(mode)


def require_real_trees(artifact_dir: Path, names: Iterable[str]) -> None:
    """Refuse (UnsafePathError) before anything is copied when one of ``names`` is a symbolic link."""
    for name in names:
        has_tree(artifact_dir, name)
