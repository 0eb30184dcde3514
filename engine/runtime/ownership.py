"""The person behind ``sudo``: whose cache to use and who gets the outputs (docs/compatibility.md §14)."""

from __future__ import annotations

import os
import pwd
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .confined import ConfinedDir


@dataclass(frozen=True)
class InvokingUser:
    uid: int
    gid: int
    name: str
    home: Path

    @property
    def is_root(self) -> bool:
        return self.uid == 0

    @property
    def cache_root(self) -> Path:
        return self.home / ".cache" / "genpack"

    def binpkgs_dir(self, arch: str) -> Path:
        return self.cache_root / arch / "binpkgs"

    def download_dir(self) -> Path:
        return self.cache_root / "download"


def _int(value: str | None) -> int | None:
    if value is None or not value.isdigit():
        return None
    return int(value)


def invoking_user(environ: Mapping[str, str] | None = None) -> InvokingUser:
    """SUDO_UID/SUDO_GID when run as root through sudo, else the current user."""
    env = os.environ if environ is None else environ
    uid, gid = _int(env.get("SUDO_UID")), _int(env.get("SUDO_GID"))
    if os.geteuid() != 0 or uid is None:
        uid, gid = os.geteuid(), os.getegid()
    try:
        entry = pwd.getpwuid(uid)
        name, home, default_gid = entry.pw_name, Path(entry.pw_dir), entry.pw_gid
    except KeyError:
        name, home, default_gid = env.get("SUDO_USER", str(uid)), Path(os.path.expanduser("~")), uid
    return InvokingUser(uid=uid, gid=default_gid if gid is None else gid, name=name, home=home)


def ensure_user_dir(path: Path, user: InvokingUser) -> Path:
    """``mkdir -p`` below the user's home where every directory created is owned by ``user`` (their cache).

    The home is theirs: a symlink they put on the way (``~/.cache -> /etc``) is followed only to a
    directory they own, else UnsafePathError naming it, so root never creates or chowns anything where
    the user could not have (ConfinedDir.user_subdir)."""
    path = Path(os.path.abspath(path))
    try:
        relative = path.relative_to(user.home)
    except ValueError:
        raise ValueError(f"{path} is not under the home directory of {user.name} ({user.home})") from None
    with ConfinedDir(user.home) as home:
        home.user_subdir(relative, user.uid, user.gid)
    return path


def give_back(path: Path, user: InvokingUser | None = None, *, recursive: bool = False) -> None:
    """chown ``path`` (and below, if ``recursive``) to the invoking user; a no-op for root.

    Links are changed themselves, never followed, and the walk below ``path`` goes from directory
    descriptors: a directory swapped for a link meanwhile is not entered."""
    user = user or invoking_user()
    if user.is_root or os.geteuid() != 0:
        return
    path = Path(os.path.abspath(path))
    with ConfinedDir(path.parent) as parent:
        if recursive:
            parent.chown_tree(path.name, user.uid, user.gid)
        else:
            parent.chown(path.name, user.uid, user.gid)


def keep_users_tree(work_dir: Path, cache_dirs: tuple[Path, ...], user: InvokingUser) -> None:
    """What genpack leaves, under sudo too (docs/compatibility.md §14): ``work/`` and everything in it
    (images, markers, tarballs, their ``.headers``) and the cache directories themselves belong to the
    invoking user. genpack runs as that user and its helper refuses a binary-package or download
    directory that is not theirs, so a tree left to root would lock the user out of going back to genpack.
    The packages inside the caches stay as the containers wrote them, as with genpack."""
    if user.is_root or os.geteuid() != 0:
        return
    if work_dir.is_dir() and not work_dir.is_symlink():
        give_back(work_dir, user, recursive=True)
    for directory in cache_dirs:
        if directory.is_dir() and not directory.is_symlink():
            give_back(directory, user)
