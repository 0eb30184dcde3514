"""The person behind ``sudo``: whose cache to use and who gets the outputs (decisions §14)."""

from __future__ import annotations

import os
import pwd
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


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
    """``mkdir -p`` where every directory created is owned by ``user`` (cache dirs under their home)."""
    path = Path(path)
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    for directory in reversed(missing):
        directory.mkdir(exist_ok=True)
        give_back(directory, user)
    return path


def give_back(path: Path, user: InvokingUser | None = None, *, recursive: bool = False) -> None:
    """chown ``path`` (and below, if ``recursive``) to the invoking user; a no-op for root."""
    user = user or invoking_user()
    if user.is_root or os.geteuid() != 0:
        return
    os.chown(path, user.uid, user.gid, follow_symlinks=False)
    if recursive and os.path.isdir(path) and not os.path.islink(path):
        for dirpath, dirnames, filenames in os.walk(path):
            for name in dirnames + filenames:
                os.chown(os.path.join(dirpath, name), user.uid, user.gid, follow_symlinks=False)
