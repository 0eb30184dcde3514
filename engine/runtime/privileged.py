"""The only module that runs privileged commands: mount, umount, mkfs.ext4, tar extraction as root,
``cp -a``, mksquashfs and mtools, systemd-nspawn, debootstrap, sparse images and the private mount
namespace. File operations as root (writes, chmod, chown, unlink, rmtree, copies into an image or
out of the artifact) are not here: they go through ``confined.ConfinedDir``, which never follows a
link out of its directory.

Every function checks its arguments first (absolute paths of the right kind, no NUL or newline,
sizes > 0, filesystem types and options from fixed sets) and raises PrivilegedOperationError naming
the operation and the path. Commands are argv lists, never shell strings. Loop devices are attached
by ``mount -o loop``, which sets LO_FLAGS_AUTOCLEAR: they vanish with their last mount.

A directory inside a mounted image is given as a ``ConfinedDir`` (tar's target, ``cp -a``'s source
and target): the command gets ``/proc/self/fd/N`` of the directory already reached without leaving
the image, never a host path that a symlink in the image could redirect.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import shlex
import stat
import subprocess
import threading
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from . import process, syscalls, work_area
from .confined import ConfinedDir, UnsafePathError
from .errors import PrivilegedOperationError
from .host import HostInfo, detect_host
from .nspawn import NspawnSpec

LOOP_FSTYPES = frozenset({"ext4", "squashfs"})
_LOOP_OPTIONS = {
    ("ext4", False): "loop,noatime,nobarrier",
    ("ext4", True): "loop,ro,noatime,nobarrier",
    ("squashfs", True): "loop,ro",
}
# characters overlayfs' option parser treats specially in lowerdir/upperdir/workdir
_OVERLAY_SPECIAL = frozenset(":,\\")
DEBOOTSTRAP_VARIANTS = frozenset({"minbase", "buildd", "fakechroot"})
# Debian package and suite names (Debian policy 5.6.1): never an option, never a list separator
_DEBIAN_NAME = re.compile(r"^[a-z0-9][a-z0-9+.-]*$")
_MIRROR_URL = re.compile(r"^(https?|file)://\S+$")
_FAILURE_TAIL = 30
IMAGE_TOOLS = frozenset({"mformat", "mmd", "mcopy"})  # mtools, for the EFI superfloppy

Directory = str | os.PathLike[str] | ConfinedDir


def _path(operation: str, path: str | os.PathLike[str], kind: str | None = None) -> str:
    """Validate ``path``: absolute, printable, and (for kind "file"/"dir") existing of that type."""
    text = os.fspath(path)
    if "\0" in text or "\n" in text:
        raise PrivilegedOperationError(operation, repr(text), "path contains a NUL or newline character")
    if not os.path.isabs(text):
        raise PrivilegedOperationError(operation, text, "path must be absolute")
    if kind == "file" and not os.path.isfile(text):
        raise PrivilegedOperationError(operation, text, "not an existing regular file")
    if kind == "dir" and not os.path.isdir(text):
        raise PrivilegedOperationError(operation, text, "not an existing directory")
    return os.path.normpath(text)


def _require_root(operation: str, path: str | None) -> None:
    if os.geteuid() != 0:
        raise PrivilegedOperationError(operation, path, "needs root privileges")


def _directory(operation: str, directory: Directory) -> tuple[str, str, tuple[int, ...]]:
    """(the operand for the command, the path for messages, the fds the command must inherit)."""
    if isinstance(directory, ConfinedDir):
        fd = directory.fileno()
        return f"/proc/self/fd/{fd}", str(directory.path), (fd,)
    path = _path(operation, directory, "dir")
    return path, path, ()


def _run(operation: str, path: str, argv: Sequence[str], pass_fds: tuple[int, ...] = ()) -> None:
    try:
        result = subprocess.run(list(argv), stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace",
                                pass_fds=pass_fds)
    except FileNotFoundError:
        raise PrivilegedOperationError(operation, path, f"command not found: {argv[0]}") from None
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise PrivilegedOperationError(
            operation,
            path,
            f"`{shlex.join(argv)}` failed with exit code {result.returncode}" + (f": {detail}" if detail else ""),
        )


def create_sparse_image(path: str | os.PathLike[str], size_bytes: int) -> Path:
    """A new sparse file of ``size_bytes``; refuses to overwrite an existing file or follow a link
    (created O_EXCL|O_NOFOLLOW from its directory, with no link under ``work/`` followed on the way:
    engine/runtime/work_area.py)."""
    target = _path("create image", path)
    if not isinstance(size_bytes, int) or isinstance(size_bytes, bool) or size_bytes <= 0:
        raise PrivilegedOperationError(
            "create image", target, f"size must be a positive number of bytes, got {size_bytes!r}"
        )
    if not os.path.isdir(os.path.dirname(target)):
        raise PrivilegedOperationError("create image", target, "parent directory does not exist")
    directory, relative = work_area.confined(target)
    with directory:
        try:
            fd = directory.create_new(relative)
        except FileExistsError:
            raise PrivilegedOperationError("create image", target, "file already exists") from None
        except UnsafePathError as exc:
            raise PrivilegedOperationError("create image", target, str(exc)) from None
        try:
            os.ftruncate(fd, size_bytes)
        except OSError as exc:
            os.close(fd)
            directory.unlink(relative)
            raise PrivilegedOperationError(
                "create image", target, f"cannot size it to {size_bytes} bytes: {exc.strerror}"
            ) from None
    os.close(fd)
    return Path(target)


def mkfs_ext4(image: str | os.PathLike[str], label: str | None = None) -> None:
    """ext4 without a journal, as genpack (``-O ^has_journal``), quietly, without asking (-F)."""
    target = _path("mkfs.ext4", image, "file")
    argv = ["mkfs.ext4", "-q", "-F", "-O", "^has_journal"]
    if label is not None:
        if not label or len(label) > 16 or not label.replace("-", "").replace("_", "").isalnum():
            raise PrivilegedOperationError(
                "mkfs.ext4", target, f"invalid label {label!r} (1-16 letters, digits, - or _)"
            )
        argv += ["-L", label]
    _run("mkfs.ext4", target, [*argv, target])


def loop_mount(
    image: str | os.PathLike[str], target: str | os.PathLike[str], readonly: bool = False, fstype: str = "ext4"
) -> None:
    """Mount an image file through an auto-clearing loop device (noatime, nobarrier as genpack-helper)."""
    source = _path("loop mount", image, "file")
    mountpoint = _path("loop mount", target, "dir")
    _require_root("loop mount", source)
    if fstype not in LOOP_FSTYPES:
        raise PrivilegedOperationError(
            "loop mount", source, f"filesystem type {fstype!r} is not one of {', '.join(sorted(LOOP_FSTYPES))}"
        )
    options = _LOOP_OPTIONS.get((fstype, readonly))
    if options is None:
        raise PrivilegedOperationError("loop mount", source, f"{fstype} can only be mounted read-only")
    _run("loop mount", source, ["mount", "-t", fstype, "-o", options, source, mountpoint])


def overlay_mount(
    lower_dirs: Sequence[str | os.PathLike[str]],
    upper: str | os.PathLike[str],
    work: str | os.PathLike[str],
    target: str | os.PathLike[str],
) -> None:
    """overlayfs with ``lower_dirs`` (first is topmost) below a writable ``upper``."""
    if not lower_dirs:
        raise PrivilegedOperationError("overlay mount", os.fspath(target), "at least one lower directory is needed")
    dirs = [_path("overlay mount", d, "dir") for d in (*lower_dirs, upper, work, target)]
    _require_root("overlay mount", dirs[-1])
    for d in dirs[:-1]:
        if _OVERLAY_SPECIAL & set(d):
            raise PrivilegedOperationError("overlay mount", d, "overlayfs paths must not contain ':', ',' or '\\'")
    *lowers, upper_dir, work_dir, mountpoint = dirs
    options = f"lowerdir={':'.join(lowers)},upperdir={upper_dir},workdir={work_dir}"
    _run("overlay mount", mountpoint, ["mount", "-t", "overlay", "overlay", "-o", options, mountpoint])


def bind_mount(source: str | os.PathLike[str], target: str | os.PathLike[str], readonly: bool = False) -> None:
    src = _path("bind mount", source)
    dst = _path("bind mount", target)
    _require_root("bind mount", src)
    kind = "dir" if os.path.isdir(src) else "file" if os.path.isfile(src) else None
    if kind is None:
        raise PrivilegedOperationError("bind mount", src, "source is neither a directory nor a regular file")
    _path("bind mount", dst, kind)
    _run("bind mount", dst, ["mount", "--bind", src, dst])
    if readonly:
        try:
            _run("bind mount", dst, ["mount", "-o", "remount,bind,ro", dst])
        except PrivilegedOperationError:
            umount(dst)
            raise


def umount(target: str | os.PathLike[str], lazy: bool = False) -> None:
    mountpoint = _path("umount", target)
    _require_root("umount", mountpoint)
    if not is_mountpoint(mountpoint):
        raise PrivilegedOperationError("umount", mountpoint, "not a mount point")
    _run("umount", mountpoint, ["umount", *(["--lazy"] if lazy else []), mountpoint])


def extract_tar(archive: str | os.PathLike[str], dest: Directory, strip_components: int = 0) -> None:
    """GNU tar ``xpf`` as root, numeric owners and xattrs kept; compression is detected by tar."""
    source = _path("extract tar", archive, "file")
    target, _shown, fds = _directory("extract tar", dest)
    _require_root("extract tar", source)
    if not isinstance(strip_components, int) or isinstance(strip_components, bool) or strip_components < 0:
        raise PrivilegedOperationError(
            "extract tar", source, f"strip_components must be >= 0, got {strip_components!r}"
        )
    argv = ["tar", "xpf", source, "-C", target, "--numeric-owner", "--xattrs", "--xattrs-include=*"]
    if strip_components:
        argv.append(f"--strip-components={strip_components}")
    _run("extract tar", source, argv, fds)


def copy_tree_preserving(source: Directory, dest: Directory) -> None:
    """``cp -a source/. dest``: contents with owners, modes, device nodes and links (e.g. /dev copy-up)."""
    src, src_shown, src_fds = _directory("copy tree", source)
    dst, dst_shown, dst_fds = _directory("copy tree", dest)
    _require_root("copy tree", src_shown)
    _run("copy tree", dst_shown, ["cp", "-a", "--", os.path.join(src, "."), dst], src_fds + dst_fds)


def _stream(operation: str, path: str, argv: list[str], on_line: process.LineCallback | None) -> None:
    """Run ``argv`` with every output line to ``on_line``; on failure the error quotes the last lines."""
    tail: deque[str] = deque(maxlen=_FAILURE_TAIL)

    def collect(text: str, stream: str) -> None:
        tail.append(text)
        if on_line is not None:
            on_line(text, stream)

    try:
        rc = process.run_streaming(argv, collect)
    except FileNotFoundError:
        raise PrivilegedOperationError(operation, path, f"command not found: {argv[0]}") from None
    if rc != 0:
        shown = "\n".join(tail)
        raise PrivilegedOperationError(
            operation, path, f"`{shlex.join(argv)}` failed with exit code {rc}" + (f":\n{shown}" if shown else "")
        )


def _real_dir(operation: str, path: str | os.PathLike[str]) -> str:
    """An existing directory that is not itself a symlink, its parent's links resolved (the parent is a
    host path, such as our mount point; the directory is inside the image)."""
    text = _path(operation, path)
    real = os.path.join(os.path.realpath(os.path.dirname(text)), os.path.basename(text))
    try:
        mode = os.lstat(real).st_mode
    except FileNotFoundError:
        raise PrivilegedOperationError(operation, text, "not an existing directory") from None
    if stat.S_ISLNK(mode):
        raise PrivilegedOperationError(operation, text, f"is a symbolic link (to {os.readlink(real)}); "
                                                        "a real directory is expected")
    if not stat.S_ISDIR(mode):
        raise PrivilegedOperationError(operation, text, "not an existing directory")
    return real


def make_squashfs(source: str | os.PathLike[str], output: str | os.PathLike[str], options: Sequence[str],
                  on_line: process.LineCallback | None = None) -> None:
    """``mksquashfs source output *options`` as root (pack, on the mounted upper layer).

    mksquashfs follows a symlink only when it is a source argument: inside the tree every link is
    stored as a link, never read through (tests/engine/build/test_pack_confined.py). So ``source``
    (the image's ``upper`` directory below our mount point) must not be a link itself; the caller
    mounts the upper image read-only, so nothing can swap a link in meanwhile. Options are
    pack_commands' (genpack's: xattrs are stored, as mksquashfs does by default).
    """
    src = _real_dir("mksquashfs", source)
    out = _path("mksquashfs", output)
    _require_root("mksquashfs", src)
    for option in options:
        if not isinstance(option, str) or "\0" in option:
            raise PrivilegedOperationError("mksquashfs", src, f"invalid option {option!r}")
    _stream("mksquashfs", out, ["mksquashfs", src, out, *options], on_line)


def run_mtools(argv: Sequence[str], on_line: process.LineCallback | None = None) -> None:
    """One mtools command (mformat, mmd, mcopy) on a FAT image file, e.g. the EFI superfloppy. mcopy
    reads its host-side source by path: give it files genpack-tui made itself, not image paths."""
    args = list(argv)
    if not args or args[0] not in IMAGE_TOOLS:
        raise PrivilegedOperationError("mtools", None, f"{args[0] if args else 'nothing'!r} is not one of "
                                                       f"{', '.join(sorted(IMAGE_TOOLS))}")
    if len(args) < 3 or args[1] != "-i":
        raise PrivilegedOperationError(args[0], None, "expected `-i IMAGE` first")
    image = _path(args[0], args[2], "file")
    for arg in args[3:]:
        if "\0" in arg or "\n" in arg:
            raise PrivilegedOperationError(args[0], image, f"argument {arg!r} contains a NUL or newline character")
    _stream(args[0], image, args, on_line)


def debootstrap(
    target: str | os.PathLike[str],
    suite: str,
    mirror: str,
    include: Sequence[str] = (),
    on_line: process.LineCallback | None = None,
    *,
    variant: str = "minbase",
) -> None:
    """Debian's ``debootstrap`` into ``target`` (absent or an empty directory), every output line to
    ``on_line``. An interruption terminates debootstrap before it propagates (process.run_streaming)."""
    operation = "debootstrap"
    root = _path(operation, target)
    _require_root(operation, root)
    if os.path.lexists(root) and (not os.path.isdir(root) or os.path.islink(root) or os.listdir(root)):
        raise PrivilegedOperationError(operation, root, "target must be absent or an empty directory")
    if variant not in DEBOOTSTRAP_VARIANTS:
        raise PrivilegedOperationError(
            operation, root, f"variant {variant!r} is not one of {', '.join(sorted(DEBOOTSTRAP_VARIANTS))}"
        )
    for what, name in (("suite", suite), *(("package", p) for p in include)):
        if not isinstance(name, str) or not _DEBIAN_NAME.match(name):
            raise PrivilegedOperationError(operation, root, f"invalid Debian {what} name {name!r}")
    if not isinstance(mirror, str) or not _MIRROR_URL.match(mirror):
        raise PrivilegedOperationError(
            operation, root, f"mirror must be an http://, https:// or file:// URL without spaces, got {mirror!r}"
        )
    argv = ["debootstrap", f"--variant={variant}"]
    if include:
        argv.append(f"--include={','.join(include)}")
    argv += [suite, root, mirror]
    _stream(operation, root, argv, on_line)


def enter_private_mount_namespace(scratch: str | os.PathLike[str] | None = None) -> None:
    """Detach this process's mounts from the host: whatever it mounts dies with it (docs/compatibility.md §11).

    With ``scratch`` (an empty directory, created if missing), a private tmpfs is mounted there for
    temporary mount points, so even their directories vanish with the namespace after a SIGKILL.
    """
    _require_root("enter private mount namespace", None)
    target = None if scratch is None else _path("enter private mount namespace", scratch)
    if threading.active_count() != 1:
        raise PrivilegedOperationError("enter private mount namespace", None, "must be called while single-threaded")
    try:
        syscalls.unshare_mount_namespace()
    except OSError as exc:
        raise PrivilegedOperationError("enter private mount namespace", None, str(exc)) from None
    _run("enter private mount namespace", "/", ["mount", "--make-rprivate", "/"])
    if target is not None:
        os.makedirs(target, mode=0o700, exist_ok=True)
        _run(
            "enter private mount namespace",
            target,
            ["mount", "-t", "tmpfs", "-o", "mode=0700,size=16m", "tmpfs", target],
        )


def mount_own_proc() -> None:
    """Mount, in this process's private mount namespace, a procfs of its own PID namespace on /proc.

    The worker's job is pid 1 of a PID namespace of its own (engine/runtime/README.md); under the
    host's /proc, systemd-nspawn looks itself up by that pid and fails ("Failed to get container
    cgroup path"). binfmt_misc, mounted (or automounted) under the host's /proc, is mounted again.
    """
    binfmt = "/proc/sys/fs/binfmt_misc"
    had_binfmt = os.path.ismount(binfmt)
    _run("mount /proc", "/proc", ["mount", "-t", "proc", "-o", "nosuid,nodev,noexec", "proc", "/proc"])
    if had_binfmt and not os.path.ismount(binfmt):
        # qemu-user emulation only needs the kernel's registrations; this mount lets binfmt.py read them
        with contextlib.suppress(PrivilegedOperationError):
            _run("mount binfmt_misc", binfmt, ["mount", "-t", "binfmt_misc", "binfmt_misc", binfmt])


def _nspawn_argv(spec: NspawnSpec, host: HostInfo | None) -> list[str]:
    host = host or detect_host()
    _require_root("systemd-nspawn", str(spec.root))
    if host.nspawn_path is None:
        raise PrivilegedOperationError(
            "systemd-nspawn", str(spec.root), "systemd-nspawn is not installed (package systemd-container)"
        )
    return spec.argv(host)


def run_nspawn(
    spec: NspawnSpec,
    on_line: process.LineCallback,
    *,
    stdin: bytes | BinaryIO | None = None,
    host: HostInfo | None = None,
) -> int:
    """Run a container non-interactively (``--console=pipe`` unless the spec says otherwise)."""
    if spec.console is None:
        spec = _with_console(spec, "pipe")
    return process.run_streaming(_nspawn_argv(spec, host), on_line, stdin=stdin)


def run_nspawn_interactive(spec: NspawnSpec, *, host: HostInfo | None = None) -> int:
    """Run a container for a person (``bash``, ``upper-bash``): our terminal, or a pty when stdin is not one."""
    return process.run_interactive(_nspawn_argv(spec, host))


def _with_console(spec: NspawnSpec, console: str) -> NspawnSpec:
    return dataclasses.replace(spec, console=console)


def mountpoints_under(prefix: str, mountinfo: str = "/proc/self/mountinfo") -> list[str]:
    """Mount points at or below ``prefix`` (for checks and tests)."""
    found: list[str] = []
    with open(mountinfo) as f:
        for line in f:
            point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), line.split()[4])
            if point == prefix or point.startswith(prefix.rstrip("/") + "/"):
                found.append(point)
    return found


def is_mountpoint(path: str | os.PathLike[str]) -> bool:
    """Whether something is mounted on ``path``, by the kernel's mount table: unlike os.path.ismount
    this also sees a bind mount from the same filesystem."""
    real = os.path.realpath(path)
    return real in mountpoints_under(real)


def loop_devices() -> list[str]:
    """Backing files of attached loop devices as the kernel reports them (``/sys/block/loop*``)."""
    found = []
    for entry in sorted(Path("/sys/block").glob("loop*")):
        backing = entry / "loop" / "backing_file"
        if backing.exists():
            found.append(backing.read_text().strip())
    return found


__all__ = [
    "create_sparse_image",
    "mkfs_ext4",
    "loop_mount",
    "overlay_mount",
    "bind_mount",
    "umount",
    "extract_tar",
    "copy_tree_preserving",
    "make_squashfs",
    "run_mtools",
    "debootstrap",
    "enter_private_mount_namespace",
    "run_nspawn",
    "run_nspawn_interactive",
    "mountpoints_under",
    "is_mountpoint",
    "loop_devices",
]
