"""Finding and reading the artifact's configuration file without trusting what the name points at.

The tool runs as root on artifact directories it did not write: ``genpack.json5`` may be a symbolic
link to a root-only file, a FIFO that would block a reader forever, a device or a directory. A name
counts as the configuration only when it is a regular file, itself or through a symbolic link whose
target stays inside the artifact directory; anything else is refused with what the name really is,
and no byte of a file outside the artifact directory is ever read.
"""
from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from .artifact_layout import CONFIG_NAMES
from .printable import escape_controls
from .problems import ConfigError, Problem

JSON5_NAME, JSON_NAME = CONFIG_NAMES
MINIMAL_HINT = "create a minimal one with: echo '{\"packages\":[\"genpack/paravirt\"]}' > genpack.json5"
MAX_CONFIG_BYTES = 256 * 1024 * 1024  # far above any real configuration; a bound on what is read into memory


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    return "not a regular file"


def _shown(path: Path | str) -> str:
    return escape_controls(str(path))


def _inside(base: str, target: str) -> bool:
    return target != base and os.path.commonpath([base, target]) == base


def _check(artifact_dir: Path, name: str) -> tuple[bool, str | None]:
    """(present as a usable regular file, why not when the name exists but cannot be used)."""
    path = artifact_dir / name
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False, None
    except OSError as exc:
        return False, f"{_shown(path)} cannot be examined: {exc.strerror}"
    if stat.S_ISREG(st.st_mode):
        return True, None
    if not stat.S_ISLNK(st.st_mode):
        return False, f"{_shown(path)} is {_kind(st.st_mode)}, not a configuration file"
    link = _shown(os.readlink(path))
    try:
        target = os.path.realpath(path, strict=True)
    except FileNotFoundError:
        return False, f"{_shown(path)} is a symbolic link to {link}, which does not exist (a dangling link)"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return False, f"{_shown(path)} is a symbolic link that loops (it never reaches a file)"
        return False, f"{_shown(path)} is a symbolic link to {link}, which cannot be followed: {exc.strerror}"
    base = os.path.realpath(artifact_dir)
    if not _inside(base, target):
        return False, (f"{_shown(path)} is a symbolic link to {_shown(target)}, which leaves the artifact "
                       f"directory {_shown(base)}; the configuration must be a file inside it")
    mode = os.stat(target).st_mode
    if not stat.S_ISREG(mode):
        return False, f"{_shown(path)} is a symbolic link to {link}, which is {_kind(mode)}, not a configuration file"
    return True, None


def find_config_file(artifact_dir: Path) -> Path:
    """The configuration file of ``artifact_dir``; raises :class:`ConfigError` if not exactly one."""
    if not artifact_dir.is_dir():
        raise ConfigError([Problem("error", "", f"{_shown(artifact_dir)} is not a directory")])
    json5_path, json_path = artifact_dir / JSON5_NAME, artifact_dir / JSON_NAME
    (has5, why5), (has, why) = _check(artifact_dir, JSON5_NAME), _check(artifact_dir, JSON_NAME)
    if has5 and has:
        raise ConfigError([Problem("error", "", f"both {JSON5_NAME} and {JSON_NAME} found in {_shown(artifact_dir)}; "
                                   "remove one of them")])
    if has5 or has:
        return json5_path if has5 else json_path
    if why5 or why:
        raise ConfigError([Problem("error", "", reason) for reason in (why5, why) if reason])
    raise ConfigError([Problem("error", "", f"neither {JSON5_NAME} nor {JSON_NAME} found in {_shown(artifact_dir)}; "
                               + MINIMAL_HINT)])


def read_config_bytes(path: Path) -> bytes:
    """The bytes of the configuration file ``path`` (a name found by :func:`find_config_file`).

    Checked again at open time: a link is followed only to a target inside the file's directory, the
    target is opened with O_NOFOLLOW and O_NONBLOCK, and it is read only if fstat says it is a
    regular file, so a name swapped for a FIFO or a link meanwhile is refused, never waited on."""
    problem = _check(path.parent, path.name)[1]
    if problem:
        raise ConfigError([Problem("error", "", problem)])
    target = os.path.realpath(path)
    try:
        fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    except OSError as exc:
        raise ConfigError([Problem("error", "", f"cannot read the file: {exc.strerror}", path.name)]) from None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        opened = os.readlink(f"/proc/self/fd/{fd}")
        if not _inside(os.path.realpath(path.parent), opened):
            raise ConfigError([Problem("error", "", f"{_shown(path)} changed while it was opened and now leaves "
                                       "the artifact directory; it was not read")])
        if not stat.S_ISREG(st.st_mode):
            raise ConfigError([Problem("error", "",
                                       f"{_shown(path)} is {_kind(st.st_mode)}, not a configuration file")])
        if st.st_size > MAX_CONFIG_BYTES:
            raise ConfigError([Problem("error", "", f"the file is {st.st_size} bytes; at most {MAX_CONFIG_BYTES} "
                                       "bytes are read", path.name)])
        try:
            data = f.read(MAX_CONFIG_BYTES + 1)
        except OSError as exc:
            raise ConfigError([Problem("error", "", f"cannot read the file: {exc.strerror}", path.name)]) from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError([Problem("error", "", f"the file is larger than {MAX_CONFIG_BYTES} bytes", path.name)])
    return data
