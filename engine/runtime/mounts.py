"""Context managers for the mounts a build needs; each unmounts on every exit path.
Also ``remove_tree_detaching_mounts``: deleting a directory that may still have mounts inside it.

Inside the build worker these live in a private mount namespace anyway (worker_main), so a
SIGKILL cannot leak them; the context managers make the normal and the signalled (SIGINT,
SIGTERM) paths clean as well, which matters for loop images that are used again afterwards.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from . import privileged
from .confined import ConfinedDir
from .errors import PrivilegedOperationError
from .host import HostInfo

_BUSY_RETRIES = 5


_scratch_root: Path | None = None


def use_scratch_root(path: Path | None) -> None:
    """Create temporary mount points under ``path`` (the worker's private tmpfs) instead of /tmp."""
    global _scratch_root
    _scratch_root = path


def _mount_dir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"genpack-tui-{prefix}-", dir=_scratch_root))


def release(target: Path) -> None:
    """Unmount ``target``; retry briefly while busy (a container may still be exiting), then lazily."""
    for attempt in range(_BUSY_RETRIES):
        if not privileged.is_mountpoint(target):
            return
        try:
            privileged.umount(target)
            return
        except PrivilegedOperationError:
            time.sleep(0.1 * (attempt + 1))
    if privileged.is_mountpoint(target):
        privileged.umount(target, lazy=True)


def remove_tree_detaching_mounts(path: Path) -> None:
    """Delete ``path``, first detaching (lazily) anything mounted at or below it, so the deletion never
    walks into a mount (an interrupted debootstrap leaves /proc or /sys mounted in its target)."""
    if not os.path.lexists(path):
        return
    base = os.path.realpath(path)
    for point in sorted(privileged.mountpoints_under(base), key=lambda p: p.count("/"), reverse=True):
        with contextlib.suppress(PrivilegedOperationError):  # a mount stacked twice is gone with the first
            privileged.umount(point, lazy=True)
    if privileged.mountpoints_under(base):
        raise PrivilegedOperationError("remove tree", base, "something is still mounted below it")
    shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def _scratch_dir(target: Path | None, prefix: str) -> Iterator[Path]:
    if target is not None:
        yield target
        return
    made = _mount_dir(prefix)
    try:
        yield made
    finally:
        with contextlib.suppress(OSError):
            made.rmdir()


@contextlib.contextmanager
def mounted_image(
    image: Path, target: Path | None = None, *, readonly: bool = False, fstype: str = "ext4"
) -> Iterator[Path]:
    """Loop-mount ``image`` on ``target`` (or a fresh temporary directory) for the ``with`` block."""
    with _scratch_dir(target, "img") as mountpoint:
        privileged.loop_mount(image, mountpoint, readonly=readonly, fstype=fstype)
        try:
            yield mountpoint
        finally:
            release(mountpoint)


@contextlib.contextmanager
def bound(source: Path, target: Path, *, readonly: bool = False) -> Iterator[Path]:
    privileged.bind_mount(source, target, readonly=readonly)
    try:
        yield target
    finally:
        release(target)


@contextlib.contextmanager
def upper_layer(upper_image: Path, subdir: str = "upper") -> Iterator[Path]:
    """Mount the upper image and yield ``<mount>/<subdir>``, the directory nspawn's --overlay writes to."""
    if not subdir or "/" in subdir or subdir in (".", ".."):
        raise PrivilegedOperationError("upper layer", upper_image, f"invalid subdirectory {subdir!r}")
    with mounted_image(upper_image) as mountpoint:
        upper = _real_subdir(mountpoint, subdir, upper_image)
        yield upper


def _real_subdir(mountpoint: Path, name: str, image: Path) -> Path:
    """``mountpoint/name``, made if missing; a link there (an image changed behind our back) is refused,
    since nspawn's --overlay and the host's mksquashfs would follow it out of the image."""
    with ConfinedDir(mountpoint) as root:
        try:
            root.mkdir(name, exist_ok=True)
        except FileExistsError:
            raise PrivilegedOperationError("upper layer", image, f"/{name} in the image is not a directory "
                                                                 "(a symbolic link?); remove the image to rebuild "
                                                                 "it") from None
    return mountpoint / name


@contextlib.contextmanager
def overlay_root(lower_dir: Path, upper_image: Path, subdir: str = "upper") -> Iterator[Path]:
    """Our own overlayfs of ``lower_dir`` under the upper image's ``subdir``; yields the merged view.

    For host-side work on the combined tree (containers use nspawn's --overlay instead).
    The work directory sits next to the upper directory in the same image, as overlayfs requires.
    """
    with upper_layer(upper_image, subdir) as upper:
        work = _real_subdir(upper.parent, f".{subdir}-work", upper_image)
        try:
            with _scratch_dir(None, "merged") as merged:
                privileged.overlay_mount([lower_dir], upper, work, merged)
                try:
                    yield merged
                finally:
                    release(merged)
        finally:
            with ConfinedDir(upper.parent) as mounted, contextlib.suppress(OSError):
                mounted.remove_tree(work.name)


@contextlib.contextmanager
def container_root(image: Path, host: HostInfo, *, readonly: bool = False) -> Iterator[Path]:
    """What to give NspawnSpec.root: the image itself where ``--image=`` works, else our mount of it."""
    if host.can_use_image_option and not readonly:
        yield image
        return
    with mounted_image(image, readonly=readonly) as mountpoint:
        yield mountpoint
