"""Whether this kernel can mount what a build mounts: ext4 (the lower and upper images) and overlay
(the upper layer over the lower image).

/proc/filesystems lists only the filesystems whose driver is loaded, and a driver built as a module
is loaded by the first mount that needs it: a freshly booted Debian lists neither ext4 nor overlay.
So a filesystem the list lacks is tried for real (a scratch mount, which makes the kernel load the
module), and only the trial's own error refuses the host. squashfs is not needed: pack writes a
squashfs file with mksquashfs, the host never mounts one.
"""
from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from . import images, mounts, privileged
from .confined import ConfinedDir
from .errors import RuntimeEngineError

BUILD_FILESYSTEMS = ("ext4", "overlay")
PROBE_IMAGE_SIZE = 8 * 1024 * 1024

Probe = Callable[[str], "str | None"]  # filesystem -> None when it mounts, else why not


def filesystem_problems(listed: Iterable[str], probe: Probe | None = None,
                        needed: Iterable[str] = BUILD_FILESYSTEMS) -> list[str]:
    """One problem per needed filesystem that is neither listed nor mountable in a trial."""
    offered = set(listed)
    trial = probe or probe_mount
    problems = []
    for fs in needed:
        if fs in offered:
            continue
        error = trial(fs)
        if error is not None:
            problems.append(f"the kernel cannot mount {fs}: it is not in /proc/filesystems (no loaded driver) "
                            f"and a trial mount failed: {error}")
    return problems


def probe_mount(fs: str) -> str | None:
    """Mount a scratch ``fs`` (an 8 MiB ext4 image on a loop device; an overlay of empty directories)
    in a private temporary directory and unmount it again; None when that worked, else the error."""
    if fs not in BUILD_FILESYSTEMS:
        raise ValueError(f"no trial mount for {fs!r}; one of {', '.join(BUILD_FILESYSTEMS)} is expected")
    try:
        with tempfile.TemporaryDirectory(prefix="genpack-tui-probe-") as scratch:
            if fs == "ext4":
                _probe_ext4(Path(scratch))
            else:
                _probe_overlay(Path(scratch))
    except (RuntimeEngineError, OSError) as exc:
        return str(exc)
    return None


def _make_dirs(scratch: Path, *names: str) -> None:
    with ConfinedDir(scratch) as directory:
        for name in names:
            directory.make_dirs(name)


def _probe_ext4(scratch: Path) -> None:
    image = images.create_ext4_image(scratch / "probe.img", PROBE_IMAGE_SIZE)
    _make_dirs(scratch, "mnt")
    with mounts.mounted_image(image, scratch / "mnt", readonly=True) as mountpoint:
        if not privileged.is_mountpoint(mountpoint):
            raise RuntimeEngineError(f"the trial ext4 mount of {image} did not appear at {mountpoint}")


def _probe_overlay(scratch: Path) -> None:
    _make_dirs(scratch, "lower", "upper", "work", "mnt")
    privileged.overlay_mount([scratch / "lower"], scratch / "upper", scratch / "work", scratch / "mnt")
    privileged.umount(scratch / "mnt")
