"""Host-side file operations that never follow a link out of a directory.

genpack-tui runs as root, and the directories it writes into are not its own: the artifact directory
is someone's repository and is writable from inside the build containers (/mnt/host); a mounted image
holds whatever the mirror's stage3 or a build script put there. A plain ``open(path, "w")`` there
follows a planted symlink and writes a host file as root. So every write, chmod, chown, unlink, rmtree
and copy the host does in such a directory goes through a :class:`ConfinedDir`. This module does
those file operations; the privileged commands (mount, tar, ``cp -a``, mksquashfs, mtools, nspawn)
are privileged.py's, which takes a ConfinedDir where a command must work inside an image directory.

Paths are relative to the directory and are walked one component at a time from directory file
descriptors opened with ``O_NOFOLLOW``; the last component is never followed (a write replaces a link,
it does not write through it). What a symlink on the way means depends on the directory:

- ``links="refuse"`` (the artifact directory, ``work/``, caches): any symlink on the way is an
  :class:`UnsafePathError` naming it;
- ``links="in_root"`` (a mounted image): a symlink resolves as it would inside the image, the image
  being ``/``; an absolute link to ``/etc`` leads to the image's ``/etc``, never the host's.

A link swapped in between a check and a use is not followed either: every open is ``O_NOFOLLOW``, so a
race ends in an error, not on the host.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Literal

from .errors import RuntimeEngineError
from .syscalls import host_pid

LinkPolicy = Literal["refuse", "in_root"]
MAX_LINKS = 40  # as the kernel's own limit for one path lookup
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_COPIED_KINDS = "regular files, directories and symbolic links"


class UnsafePathError(RuntimeEngineError):
    """A path that would leave its directory (through a symlink, ``..`` or an absolute path)."""


def kind_of(mode: int) -> str:
    """What a file of ``mode`` is, for messages: "a directory", "a symbolic link", "a FIFO", ..."""
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISREG, "a regular file"), (stat.S_ISLNK, "a symbolic link"),
                       (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "a special file"


class ConfinedDir:
    """A directory opened once; every operation below it stays below it (see the module docstring)."""

    def __init__(self, path: str | os.PathLike[str], *, links: LinkPolicy = "refuse", _fd: int | None = None) -> None:
        if links not in ("refuse", "in_root"):
            raise ValueError(f"links must be 'refuse' or 'in_root', got {links!r}")
        self.path = Path(os.path.abspath(path))
        self.links: LinkPolicy = links
        self._fd = _fd if _fd is not None else os.open(self.path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)

    # -- lifetime ---------------------------------------------------------------------------------
    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> ConfinedDir:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_fd", -1) >= 0:
            os.close(self._fd)

    def __repr__(self) -> str:
        return f"ConfinedDir({str(self.path)!r}, links={self.links!r})"

    def fileno(self) -> int:
        """The directory's own fd, e.g. to hand a child process ``/proc/self/fd/N`` instead of a path."""
        return self._fd

    # -- path walking -----------------------------------------------------------------------------
    def shown(self, relative: str | os.PathLike[str]) -> str:
        """How a path below this directory is named in messages."""
        text = os.fspath(relative).lstrip("/")
        return str(self.path / text) if text else str(self.path)

    def _parts(self, relative: str | os.PathLike[str]) -> list[str]:
        text = os.fspath(relative)
        if "\0" in text:
            raise UnsafePathError(f"{self.path}: path {text!r} contains a NUL character")
        if text.startswith("/") and self.links == "refuse":
            raise UnsafePathError(f"{self.path}: {text} is an absolute path; a path below the directory is expected")
        parts = [p for p in text.split("/") if p not in ("", ".")]
        if self.links == "refuse" and ".." in parts:
            raise UnsafePathError(f"{self.shown(text)}: '..' would leave {self.path}")
        return parts

    def _walk_dirs(self, parts: list[str], *, create: bool = False, mode: int = 0o755) -> int:
        """An fd of the directory ``parts`` leads to (created on the way when ``create``); caller closes it."""
        stack = [os.dup(self._fd)]
        todo = list(parts)
        walked: list[str] = []
        followed = 0
        try:
            while todo:
                name = todo.pop(0)
                if name == "..":  # only in_root: at the image's / it stays there, as in a chroot
                    if len(stack) > 1:
                        os.close(stack.pop())
                        walked.pop()
                    continue
                try:
                    fd = os.open(name, _DIR_FLAGS, dir_fd=stack[-1])
                except FileNotFoundError:
                    if not create:
                        raise FileNotFoundError(errno.ENOENT, "No such file or directory",
                                                self.shown("/".join(walked + [name]))) from None
                    with _suppress_exists():
                        os.mkdir(name, mode, dir_fd=stack[-1])
                    fd = os.open(name, _DIR_FLAGS, dir_fd=stack[-1])
                except OSError as exc:
                    if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
                        raise
                    target = self._link_target(stack[-1], name, walked)
                    followed += 1
                    if followed > MAX_LINKS:
                        raise UnsafePathError(f"{self.shown('/'.join(walked + [name]))}: too many levels of "
                                              "symbolic links") from None
                    if target.startswith("/"):
                        while len(stack) > 1:
                            os.close(stack.pop())
                        walked = []
                    todo = [p for p in target.split("/") if p not in ("", ".")] + todo
                    continue
                stack.append(fd)
                walked.append(name)
            result = stack.pop()
            return result
        finally:
            for fd in stack:
                os.close(fd)

    def _link_target(self, dir_fd: int, name: str, walked: list[str]) -> str:
        """The target of the symlink ``name`` (else an error saying what is in the way)."""
        shown = self.shown("/".join(walked + [name]))
        st = os.lstat(name, dir_fd=dir_fd)
        if not stat.S_ISLNK(st.st_mode):
            raise NotADirectoryError(errno.ENOTDIR, f"is {kind_of(st.st_mode)}, not a directory", shown)
        target = os.readlink(name, dir_fd=dir_fd)
        if self.links == "refuse":
            raise UnsafePathError(f"{shown} is a symbolic link (to {target}); as root, genpack-tui does not "
                                  f"follow links inside {self.path}")
        return target

    @contextmanager
    def _parent(self, relative: str | os.PathLike[str], *, create: bool = False,
                follow: bool = False) -> Iterator[tuple[int, str]]:
        """(fd of the parent directory, last name); with ``follow`` a final in-root symlink is resolved."""
        parts = self._parts(relative)
        if not parts or parts[-1] == "..":
            raise UnsafePathError(f"{self.shown(relative)}: a file name is expected")
        for _ in range(MAX_LINKS + 1):
            fd = self._walk_dirs(parts[:-1], create=create)
            name = parts[-1]
            if not follow or self.links == "refuse":
                break
            try:
                st = os.lstat(name, dir_fd=fd)
            except FileNotFoundError:
                break
            if not stat.S_ISLNK(st.st_mode):
                break
            target = os.readlink(name, dir_fd=fd)
            os.close(fd)
            base = [] if target.startswith("/") else parts[:-1]
            parts = base + [p for p in target.split("/") if p not in ("", ".")]
            if not parts or parts[-1] == "..":
                raise UnsafePathError(f"{self.shown(relative)}: its link leads to a directory, not a file")
        else:
            raise UnsafePathError(f"{self.shown(relative)}: too many levels of symbolic links")
        try:
            yield fd, name
        finally:
            os.close(fd)

    # -- queries ----------------------------------------------------------------------------------
    def lstat(self, relative: str | os.PathLike[str]) -> os.stat_result:
        with self._parent(relative) as (fd, name):
            return os.lstat(name, dir_fd=fd)

    def stat(self, relative: str | os.PathLike[str]) -> os.stat_result:
        """``lstat`` of what ``relative`` resolves to (in_root: links resolved inside the directory)."""
        with self._parent(relative, follow=True) as (fd, name):
            return os.lstat(name, dir_fd=fd)

    def _mode_or_none(self, relative: str | os.PathLike[str], follow: bool) -> int | None:
        try:
            return (self.stat(relative) if follow else self.lstat(relative)).st_mode
        except (FileNotFoundError, NotADirectoryError):
            return None

    def exists(self, relative: str | os.PathLike[str]) -> bool:
        return self._mode_or_none(relative, follow=False) is not None

    def is_dir(self, relative: str | os.PathLike[str], *, follow: bool = False) -> bool:
        mode = self._mode_or_none(relative, follow)
        return mode is not None and stat.S_ISDIR(mode)

    def is_file(self, relative: str | os.PathLike[str], *, follow: bool = False) -> bool:
        mode = self._mode_or_none(relative, follow)
        return mode is not None and stat.S_ISREG(mode)

    def is_symlink(self, relative: str | os.PathLike[str]) -> bool:
        mode = self._mode_or_none(relative, follow=False)
        return mode is not None and stat.S_ISLNK(mode)

    def readlink(self, relative: str | os.PathLike[str]) -> str:
        """The target of the symlink ``relative`` (OSError EINVAL when it is not one)."""
        with self._parent(relative) as (fd, name):
            return os.readlink(name, dir_fd=fd)

    def listdir(self, relative: str | os.PathLike[str] = "") -> list[str]:
        fd = self._walk_dirs(self._parts(relative))
        try:
            return sorted(os.listdir(fd))
        finally:
            os.close(fd)

    def subdir(self, relative: str | os.PathLike[str], *, create: bool = False, mode: int = 0o755) -> ConfinedDir:
        """The directory ``relative`` as a ConfinedDir of the same policy (no link out of it either)."""
        fd = self._walk_dirs(self._parts(relative), create=create, mode=mode)
        return ConfinedDir(self.shown(relative), links=self.links, _fd=fd)

    # -- opening ----------------------------------------------------------------------------------
    def _open_last(self, relative: str | os.PathLike[str], flags: int, mode: int = 0o644, *,
                   follow: bool = False) -> int:
        """An fd of ``relative`` opened with ``flags`` (plus O_NOFOLLOW, O_NONBLOCK, O_CLOEXEC): a link
        there is an error, never opened through; so is a FIFO or socket that cannot be opened."""
        with self._parent(relative, follow=follow) as (fd, name):
            try:
                return os.open(name, flags | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, mode, dir_fd=fd)
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    raise UnsafePathError(f"{self.shown(relative)} is a symbolic link; not followed") from None
                if exc.errno == errno.ENXIO:  # a FIFO without a reader, a socket
                    kind = kind_of(os.lstat(name, dir_fd=fd).st_mode)
                    raise UnsafePathError(f"{self.shown(relative)} is {kind}, not a regular file") from None
                raise

    def _open_regular(self, relative: str | os.PathLike[str], flags: int, mode: int = 0o644, *,
                      follow: bool = False) -> int:
        """``_open_last``, then anything but a regular file (a FIFO, a device) is an error; the fd blocks."""
        file_fd = self._open_last(relative, flags, mode, follow=follow)
        st = os.fstat(file_fd)
        if not stat.S_ISREG(st.st_mode):
            os.close(file_fd)
            raise UnsafePathError(f"{self.shown(relative)} is {kind_of(st.st_mode)}, not a regular file")
        os.set_blocking(file_fd, True)
        return file_fd

    # -- reading ----------------------------------------------------------------------------------
    def open_read(self, relative: str | os.PathLike[str], *, follow: bool = False) -> BinaryIO:
        """A regular file opened for reading; anything else (a FIFO, a device, a link) is an error."""
        return os.fdopen(self._open_regular(relative, os.O_RDONLY, follow=follow), "rb")

    def read_bytes(self, relative: str | os.PathLike[str], *, follow: bool = False) -> bytes:
        with self.open_read(relative, follow=follow) as f:
            return f.read()

    def read_text(self, relative: str | os.PathLike[str], *, follow: bool = False) -> str:
        return self.read_bytes(relative, follow=follow).decode("utf-8")

    # -- writing ----------------------------------------------------------------------------------
    @contextmanager
    def open_new(self, relative: str | os.PathLike[str], *, mode: int = 0o644,
                 make_parents: bool = False) -> Iterator[BinaryIO]:
        """Write ``relative`` atomically: a fresh temporary file beside it, fsynced, then renamed over
        whatever was there (a file or a link, never written through). On an exception nothing changes."""
        with self._parent(relative, create=make_parents) as (fd, name):
            tmp = f".{name}.{host_pid()}.genpack-tui-tmp"
            with _suppress_missing():
                os.unlink(tmp, dir_fd=fd)
            file_fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode,
                              dir_fd=fd)
            try:
                with os.fdopen(file_fd, "wb") as f:
                    yield f
                    f.flush()
                    os.fchmod(f.fileno(), mode)
                    os.fsync(f.fileno())
                os.rename(tmp, name, src_dir_fd=fd, dst_dir_fd=fd)
                os.fsync(fd)
            except BaseException:
                with _suppress_missing():
                    os.unlink(tmp, dir_fd=fd)
                raise

    def write_bytes(self, relative: str | os.PathLike[str], data: bytes, *, mode: int = 0o644,
                    make_parents: bool = False) -> None:
        with self.open_new(relative, mode=mode, make_parents=make_parents) as f:
            f.write(data)

    def write_text(self, relative: str | os.PathLike[str], text: str, *, mode: int = 0o644,
                   make_parents: bool = False) -> None:
        self.write_bytes(relative, text.encode("utf-8"), mode=mode, make_parents=make_parents)

    def open_rw(self, relative: str | os.PathLike[str], *, mode: int = 0o644) -> int:
        """An fd of a regular file opened read-write, created if missing (a lock file); never a link."""
        return self._open_regular(relative, os.O_RDWR | os.O_CREAT, mode)

    def open_append(self, relative: str | os.PathLike[str], *, truncate: bool = False,
                    mode: int = 0o644) -> BinaryIO:
        """A regular file opened to append (a resumed download), created if missing, emptied first with
        ``truncate``; never a link, never a FIFO or device."""
        file_fd = self._open_regular(relative, os.O_WRONLY | os.O_APPEND | os.O_CREAT, mode)
        if truncate:
            os.ftruncate(file_fd, 0)
        return os.fdopen(file_fd, "ab")

    def create_new(self, relative: str | os.PathLike[str], *, mode: int = 0o644) -> int:
        """An fd of a new empty regular file (O_EXCL: an existing file or link there is an error)."""
        with self._parent(relative) as (fd, name):
            try:
                return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode,
                               dir_fd=fd)
            except FileExistsError:
                raise FileExistsError(errno.EEXIST, "already exists", self.shown(relative)) from None

    def fsync(self, relative: str | os.PathLike[str] = "") -> None:
        """fsync a directory below (a rename in it is then durable)."""
        fd = self._walk_dirs(self._parts(relative))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def mkdir(self, relative: str | os.PathLike[str], *, mode: int = 0o755, parents: bool = False,
              exist_ok: bool = False) -> None:
        parts = self._parts(relative)
        with self._parent(relative, create=parents) as (fd, name):
            try:
                os.mkdir(name, mode, dir_fd=fd)
            except FileExistsError:
                if not exist_ok or not stat.S_ISDIR(os.lstat(name, dir_fd=fd).st_mode):
                    raise FileExistsError(errno.EEXIST, "exists and is not a directory" if exist_ok else
                                          "File exists", self.shown("/".join(parts))) from None

    def make_dirs(self, relative: str | os.PathLike[str], *, mode: int = 0o755) -> None:
        """``mkdir -p``: missing directories are created; links on the way are resolved by the policy
        (in_root: an existing link to a directory counts as that directory, as it would in the image)."""
        os.close(self._walk_dirs(self._parts(relative), create=True, mode=mode))

    def symlink(self, target: str, relative: str | os.PathLike[str]) -> None:
        """Make ``relative`` a symlink to ``target``, replacing whatever file or link was there."""
        with self._parent(relative) as (fd, name):
            tmp = f".{name}.{host_pid()}.genpack-tui-link"
            with _suppress_missing():
                os.unlink(tmp, dir_fd=fd)
            os.symlink(target, tmp, dir_fd=fd)
            try:
                os.rename(tmp, name, src_dir_fd=fd, dst_dir_fd=fd)
            except BaseException:
                os.unlink(tmp, dir_fd=fd)
                raise

    def rename(self, source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
        with self._parent(source) as (src_fd, src_name), self._parent(target) as (dst_fd, dst_name):
            os.rename(src_name, dst_name, src_dir_fd=src_fd, dst_dir_fd=dst_fd)

    # -- metadata ---------------------------------------------------------------------------------
    def chmod(self, relative: str | os.PathLike[str], mode: int, *, follow: bool = False) -> None:
        """chmod of a file or directory itself; a symlink there is an error (chmod would follow it).
        With ``follow`` (in_root), a final link is resolved inside the directory first, as ``chmod``
        run in the image would."""
        with self._open_any(relative, follow=follow) as fd:
            os.fchmod(fd, mode)

    def chown(self, relative: str | os.PathLike[str], uid: int, gid: int, *, follow: bool = False) -> None:
        """chown of the entry itself (a link is changed, not what it points to); with ``follow``
        (in_root), of what a final link leads to inside the directory."""
        with self._parent(relative, follow=follow) as (fd, name):
            os.chown(name, uid, gid, dir_fd=fd, follow_symlinks=False)

    def chown_tree(self, relative: str | os.PathLike[str], uid: int, gid: int) -> None:
        """``chown -R -h``: the entry and, for a directory, everything below it; links are changed
        themselves, never followed (a directory swapped for a link meanwhile is not entered)."""
        self.chown(relative, uid, gid)
        try:
            fd = self._walk_dirs(self._parts(relative))
        except (NotADirectoryError, UnsafePathError):
            return  # a file or a link: done
        try:
            _chown_below(fd, uid, gid)
        finally:
            os.close(fd)

    def user_subdir(self, relative: str | os.PathLike[str], uid: int, gid: int, *, mode: int = 0o755) -> Path:
        """``mkdir -p`` of ``relative`` by root on behalf of the user ``uid`` (their cache under their home):
        each directory created is chowned to them; an existing symlink on the way is followed only to a
        directory that user owns (where they could create it themselves), else UnsafePathError naming it.
        Returns the path, as named from here."""
        stack = [os.dup(self._fd)]
        walked: list[str] = []
        try:
            for name in self._parts(relative):
                if name == "..":
                    raise UnsafePathError(f"{self.shown(relative)}: '..' would leave {self.path}")
                shown = self.shown("/".join(walked + [name]))
                try:
                    fd = os.open(name, _DIR_FLAGS, dir_fd=stack[-1])
                except FileNotFoundError:
                    with _suppress_exists():
                        os.mkdir(name, mode, dir_fd=stack[-1])
                    fd = os.open(name, _DIR_FLAGS, dir_fd=stack[-1])
                    os.fchown(fd, uid, gid)
                except OSError as exc:
                    if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
                        raise
                    st = os.lstat(name, dir_fd=stack[-1])
                    if not stat.S_ISLNK(st.st_mode):
                        raise NotADirectoryError(errno.ENOTDIR, f"is {kind_of(st.st_mode)}, not a directory",
                                                 shown) from None
                    target = os.readlink(name, dir_fd=stack[-1])
                    fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=stack[-1])
                    owner = os.fstat(fd).st_uid
                    if owner != uid:
                        os.close(fd)
                        raise UnsafePathError(
                            f"{shown} is a symbolic link (to {target}) to a directory owned by uid {owner}, not by "
                            f"uid {uid}; as root, genpack-tui does not create that user's files there") from None
                stack.append(fd)
                walked.append(name)
            return Path(self.shown("/".join(walked)))
        finally:
            for fd in stack:
                os.close(fd)

    @contextmanager
    def _open_any(self, relative: str | os.PathLike[str], *, follow: bool = False) -> Iterator[int]:
        file_fd = self._open_last(relative, os.O_RDONLY, follow=follow)
        try:
            yield file_fd
        finally:
            os.close(file_fd)

    # -- removing ---------------------------------------------------------------------------------
    def unlink(self, relative: str | os.PathLike[str], *, missing_ok: bool = True) -> None:
        """Remove a file or a link (the link itself); a directory there is an error."""
        try:
            with self._parent(relative) as (fd, name):
                os.unlink(name, dir_fd=fd)
        except (FileNotFoundError, NotADirectoryError):
            if not missing_ok:
                raise

    def remove_tree(self, relative: str | os.PathLike[str], *, missing_ok: bool = True) -> None:
        """``rm -rf`` of ``relative`` without following any link inside it; a link there is removed itself."""
        try:
            with self._parent(relative) as (fd, name):
                st = os.lstat(name, dir_fd=fd)
                if stat.S_ISDIR(st.st_mode):
                    shutil.rmtree(name, dir_fd=fd)
                else:
                    os.unlink(name, dir_fd=fd)
        except (FileNotFoundError, NotADirectoryError):
            if not missing_ok:
                raise

    # -- copying ----------------------------------------------------------------------------------
    def copy_tree_from(self, source: ConfinedDir, source_rel: str | os.PathLike[str],
                       target_rel: str | os.PathLike[str], *, delete: bool = False,
                       skip_top: Callable[[str], bool] | None = None, always: bool = False) -> list[str]:
        """``rsync -rlptD [--delete]`` of ``source/source_rel/`` into ``self/target_rel``, confined on both sides.

        Files, directories and symbolic links are copied (links as links, never followed), with their
        permission bits and modification times; an unchanged file (same size and mtime) is left as it
        is unless ``always``. A FIFO, socket or device in the source is an error. ``skip_top(name)``
        leaves out top-level entries (and protects them from ``delete``). Returns the relative paths of
        the non-directories now present from the source.
        """
        src_fd = source._walk_dirs(source._parts(source_rel))
        try:
            dst_fd = self._walk_dirs(self._parts(target_rel), create=True)
            try:
                copied: list[str] = []
                _copy_dir(src_fd, dst_fd, "", source.shown(source_rel), delete, skip_top, always, copied)
                return copied
            finally:
                os.close(dst_fd)
        finally:
            os.close(src_fd)


def _chown_below(dir_fd: int, uid: int, gid: int) -> None:
    for name in os.listdir(dir_fd):
        os.chown(name, uid, gid, dir_fd=dir_fd, follow_symlinks=False)
        try:
            sub = os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                continue  # a file or a link
            raise
        try:
            _chown_below(sub, uid, gid)
        finally:
            os.close(sub)


def _copy_dir(src_fd: int, dst_fd: int, prefix: str, shown: str, delete: bool,
              skip_top: Callable[[str], bool] | None, always: bool, copied: list[str]) -> None:
    names = sorted(os.listdir(src_fd))
    if skip_top is not None and not prefix:
        names = [n for n in names if not skip_top(n)]
    if delete:
        keep = set(names)
        for name in os.listdir(dst_fd):
            if name in keep or (skip_top is not None and not prefix and skip_top(name)):
                continue
            if stat.S_ISDIR(os.lstat(name, dir_fd=dst_fd).st_mode):
                shutil.rmtree(name, dir_fd=dst_fd)
            else:
                os.unlink(name, dir_fd=dst_fd)
    for name in names:
        rel = prefix + name
        st = os.lstat(name, dir_fd=src_fd)
        try:
            dst_st: os.stat_result | None = os.lstat(name, dir_fd=dst_fd)
        except FileNotFoundError:
            dst_st = None
        if stat.S_ISDIR(st.st_mode):
            if dst_st is not None and not stat.S_ISDIR(dst_st.st_mode):
                os.unlink(name, dir_fd=dst_fd)
                dst_st = None
            if dst_st is None:
                os.mkdir(name, 0o700, dir_fd=dst_fd)
            sub_src = os.open(name, _DIR_FLAGS, dir_fd=src_fd)
            try:
                sub_dst = os.open(name, _DIR_FLAGS, dir_fd=dst_fd)
                try:
                    _copy_dir(sub_src, sub_dst, rel + "/", shown, delete, None, always, copied)
                    os.fchmod(sub_dst, stat.S_IMODE(st.st_mode))
                    os.utime(sub_dst, ns=(st.st_atime_ns, st.st_mtime_ns))
                finally:
                    os.close(sub_dst)
            finally:
                os.close(sub_src)
            continue
        if dst_st is not None and stat.S_ISDIR(dst_st.st_mode):
            shutil.rmtree(name, dir_fd=dst_fd)
            dst_st = None
        if stat.S_ISLNK(st.st_mode):
            target = os.readlink(name, dir_fd=src_fd)
            if dst_st is None or not stat.S_ISLNK(dst_st.st_mode) or os.readlink(name, dir_fd=dst_fd) != target:
                tmp = f".{name}.{host_pid()}.genpack-tui-link"
                with _suppress_missing():
                    os.unlink(tmp, dir_fd=dst_fd)
                os.symlink(target, tmp, dir_fd=dst_fd)
                os.rename(tmp, name, src_dir_fd=dst_fd, dst_dir_fd=dst_fd)
            os.utime(name, ns=(st.st_atime_ns, st.st_mtime_ns), dir_fd=dst_fd, follow_symlinks=False)
        elif stat.S_ISREG(st.st_mode):
            unchanged = (dst_st is not None and stat.S_ISREG(dst_st.st_mode) and dst_st.st_size == st.st_size
                         and dst_st.st_mtime_ns == st.st_mtime_ns)
            if always or not unchanged:
                _copy_file(src_fd, dst_fd, name, st)
            else:
                os.chmod(name, stat.S_IMODE(st.st_mode), dir_fd=dst_fd)
        else:
            raise UnsafePathError(f"{shown}/{rel} is {kind_of(st.st_mode)}; only {_COPIED_KINDS} are copied")
        copied.append(rel)


def _copy_file(src_fd: int, dst_fd: int, name: str, st: os.stat_result) -> None:
    tmp = f".{name}.{host_pid()}.genpack-tui-tmp"
    with _suppress_missing():
        os.unlink(tmp, dir_fd=dst_fd)
    fin = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=src_fd)
    try:
        fout = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600,
                       dir_fd=dst_fd)
        try:
            copied = True
            while copied:  # sendfile returns 0 at the end of the file
                copied = bool(os.sendfile(fout, fin, None, 1 << 24))
            os.fchmod(fout, stat.S_IMODE(st.st_mode))
            os.utime(fout, ns=(st.st_atime_ns, st.st_mtime_ns))
        finally:
            os.close(fout)
        os.rename(tmp, name, src_dir_fd=dst_fd, dst_dir_fd=dst_fd)
    except BaseException:
        with _suppress_missing():
            os.unlink(tmp, dir_fd=dst_fd)
        raise
    finally:
        os.close(fin)


@contextmanager
def _suppress_missing() -> Iterator[None]:
    try:
        yield
    except FileNotFoundError:  # nothing to remove
        return


@contextmanager
def _suppress_exists() -> Iterator[None]:
    try:
        yield
    except FileExistsError:  # made meanwhile by someone else: opening it next checks what it is
        return
