"""Image files and the work directory, as genpack lays them out (docs/genpack.md §4, §5.2, §6)."""

from __future__ import annotations

import array
import errno
import fcntl
import os
from pathlib import Path

from . import privileged, syscalls
from .confined import UnsafePathError
from .errors import PrivilegedOperationError
from .work_area import confined

GIB = 1024**3
LOWER_IMAGE_SIZE = 128 * GIB  # genpack's default "lower-layer-capacity"
UPPER_IMAGE_SIZE = 20 * GIB

_FS_IOC_GETFLAGS = 0x80086601
_FS_IOC_SETFLAGS = 0x40086602
_FS_NODUMP_FL = 0x00000040
# errors meaning "this filesystem has no such flag", e.g. tmpfs or overlayfs: not worth failing a build for
_FLAG_UNSUPPORTED = frozenset({errno.ENOTTY, errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS, errno.EPERM})


def create_ext4_image(path: Path, size_bytes: int, *, replace: bool = False) -> Path:
    """A sparse journal-less ext4 image at ``path``, built under a temporary name and renamed into place,
    so an interrupted creation never leaves a half-made image under the real name.

    ``work/`` is writable from the containers (engine/runtime/work_area.py): the temporary file is
    created O_EXCL|O_NOFOLLOW, mkfs.ext4 is given that very file (through our descriptor, not its name)
    and the rename is checked to have moved it, so a link swapped in on the way is never formatted."""
    path = Path(os.path.abspath(path))
    directory, relative = confined(path)
    with directory:
        if directory.exists(relative) and not replace:
            raise PrivilegedOperationError("create image", path, "already exists")
        temp = str(Path(relative).with_name(f".{path.name}.creating-{syscalls.host_pid()}"))
        directory.unlink(temp)
        try:
            privileged.create_sparse_image(directory.shown(temp), size_bytes)
            with directory.open_read(temp) as made:
                try:
                    privileged.mkfs_ext4(f"/proc/{os.getpid()}/fd/{made.fileno()}")
                except PrivilegedOperationError as exc:
                    raise PrivilegedOperationError(exc.operation, path, exc.message) from None
                directory.rename(temp, relative)
                placed, ours = directory.lstat(relative), os.fstat(made.fileno())
                if (placed.st_dev, placed.st_ino) != (ours.st_dev, ours.st_ino):
                    raise PrivilegedOperationError("create image", path, "was replaced while it was being created")
        except BaseException:
            directory.unlink(temp)
            raise
    return path


def set_nodump(path: Path) -> bool:
    """Set FS_NODUMP_FL (``chattr +d``) keeping the other flags; False where the filesystem has no flags."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        flags = array.array("i", [0])
        fcntl.ioctl(fd, _FS_IOC_GETFLAGS, flags, True)
        if flags[0] & _FS_NODUMP_FL:
            return True
        flags[0] |= _FS_NODUMP_FL
        fcntl.ioctl(fd, _FS_IOC_SETFLAGS, flags, False)
        return True
    except OSError as exc:
        if exc.errno in _FLAG_UNSUPPORTED:
            return False
        raise
    finally:
        os.close(fd)


def has_nodump(path: Path) -> bool:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        flags = array.array("i", [0])
        fcntl.ioctl(fd, _FS_IOC_GETFLAGS, flags, True)
        return bool(flags[0] & _FS_NODUMP_FL)
    except OSError:
        return False
    finally:
        os.close(fd)


def create_work_root(work_dir: Path) -> bool:
    """Create ``work/`` if missing and mark it no-dump on creation (as genpack's ``create_work_root``).

    Returns True if this call created it. Unlike genpack, a filesystem without inode flags (tmpfs,
    overlayfs) does not make the build fail: the flag only keeps backups from copying huge images.
    A ``work`` that is a symbolic link is refused (UnsafePathError naming it): everything the host
    writes below it would land wherever it points.
    """
    work_dir = Path(os.path.abspath(work_dir))
    directory, relative = confined(work_dir)
    with directory:
        try:
            directory.mkdir(relative)
        except FileExistsError:
            if directory.is_symlink(relative):
                raise UnsafePathError(f"{work_dir} is a symbolic link (to {os.readlink(work_dir)}); as root, "
                                      "genpack-tui does not build in a work directory that leads elsewhere") from None
            if not directory.is_dir(relative):
                raise PrivilegedOperationError("create work directory", work_dir,
                                               "exists and is not a directory") from None
            return False
    set_nodump(work_dir)
    return True
