"""Host paths under an artifact's ``work/``, reached without following a link planted there.

``work/`` and everything below it are writable from the build containers (the artifact directory is
``/mnt/host`` in them), so the part of such a path that cannot be trusted starts at the artifact
directory: ``work`` and every directory after it are walked by :class:`ConfinedDir` with links refused,
and the last component is never written through. The artifact directory is the parent of the nearest
directory named ``work`` on the path, the path itself included (genpack's layout, engine/build/paths.py:
nothing below ``work/`` is named ``work``). A path with no ``work`` among its parents (an image a test
makes in a temporary directory) is confined to its own parent: its last component is still never
followed.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..config.artifact_layout import WORK_DIR
from .confined import ConfinedDir

WORK_DIR_NAME = WORK_DIR


def untrusted_root(path: str | os.PathLike[str]) -> Path:
    """The directory below which no link of ``path`` is followed (see the module docstring)."""
    absolute = Path(os.path.abspath(path))
    for parent in (absolute, *absolute.parents):
        if parent.name == WORK_DIR_NAME and parent.parent != parent:
            return parent.parent
    return absolute.parent


def confined(path: str | os.PathLike[str]) -> tuple[ConfinedDir, str]:
    """``path`` as (the ConfinedDir of its untrusted root, the path relative to it); close the first."""
    absolute = Path(os.path.abspath(path))
    root = untrusted_root(absolute)
    return ConfinedDir(root), str(absolute.relative_to(root))
