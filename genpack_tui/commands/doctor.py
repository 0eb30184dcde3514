"""``genpack-tui doctor``: can this host build? Each check prints what it found and, when it fails, the
fix. It detects with the engine's own probes (engine/runtime/host.py, binfmt.py, engine/sources/keyring.py),
so it agrees with what a build refuses. Exit status 0 when every needed check passes, 1 otherwise;
a warning (cross builds, an unverified mirror, little disk) does not fail it.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, TextIO

from genpack_tui.engine.config.arches import ARCHES
from genpack_tui.engine.config.printable import escape_controls
from genpack_tui.engine.runtime.binfmt import BINFMT_MISC, describe, is_emulated_build, scan_binfmt
from genpack_tui.engine.runtime.filesystems import BUILD_FILESYSTEMS, Probe, probe_mount
from genpack_tui.engine.runtime.host import HostInfo, detect_host
from genpack_tui.engine.sources.errors import SourceError
from genpack_tui.engine.sources.keyring import no_keyring_hint, resolve_keyring

GIB = 1024**3
# The images are sparse (the lower one up to lower-layer-capacity, 128 GiB by default) and grow as they fill:
# a stage3 with the Portage tree and a few packages takes a few GiB, a real system image ten or more.
MIN_FREE = 4 * GIB
COMFORTABLE_FREE = 16 * GIB
NSPAWN_MIN_VERSION = 250  # --suppress-sync (engine/runtime/host.py)

_FILESYSTEM_FIX = {"ext4": "modprobe ext4", "overlay": "modprobe overlay"}


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # "ok", "warn" (not needed for a native build) or "FAIL"
    found: str
    fix: str = ""


def _ok(name: str, found: str) -> Check:
    return Check(name, "ok", found)


def root_check(host: HostInfo) -> Check:
    if host.is_root:
        return _ok("root", "running as root")
    return Check("root", "FAIL", f"running as uid {os.geteuid()}",
                 "run builds with sudo (loop mounts and systemd-nspawn need root; outputs go back to you)")


def user_namespace_check(proc: Path = Path("/proc")) -> Check:
    """Root inside a user namespace (an unprivileged container, ``unshare --user``) is not the host's root:
    the kernel refuses it loop devices and image mounts, so a build would fail half-way."""
    name = "user namespace"
    try:
        uid_map = (proc / "self" / "uid_map").read_text().split()
    except OSError:
        return _ok(name, "no /proc/self/uid_map (a kernel without user namespaces)")
    if uid_map == ["0", "0", "4294967295"]:
        return _ok(name, "the host's (uid_map is the identity)")
    return Check(name, "FAIL", f"inside a user namespace (uid_map {' '.join(uid_map)}): an unprivileged "
                               "container's root cannot attach loop devices or mount images",
                 "run on the host, in a VM, or in a privileged container")


def loop_check(host: HostInfo) -> Check:
    if host.loop_control:
        return _ok("loop devices", "/dev/loop-control present")
    return Check("loop devices", "FAIL", "/dev/loop-control missing",
                 "modprobe loop; inside a container, give it /dev/loop-control and the loop devices "
                 "(an unprivileged container cannot build)")


def nspawn_check(host: HostInfo) -> Check:
    if host.nspawn_path is None:
        return Check("systemd-nspawn", "FAIL", "not found in PATH", "apt-get install systemd-container")
    if host.nspawn_version is not None and host.nspawn_version < NSPAWN_MIN_VERSION:
        return Check("systemd-nspawn", "FAIL", f"{host.nspawn_path} is systemd {host.nspawn_version}",
                     f"systemd {NSPAWN_MIN_VERSION} or later is needed (--suppress-sync): upgrade systemd-container")
    version = "unknown version" if host.nspawn_version is None else f"systemd {host.nspawn_version}"
    return _ok("systemd-nspawn", f"{host.nspawn_path} ({version})")


def filesystem_checks(host: HostInfo, probe: Probe = probe_mount) -> list[Check]:
    """As a build decides (engine/runtime/filesystems.py): /proc/filesystems lists loaded drivers only,
    so one missing there is tried with a scratch mount, which needs root."""
    checks = []
    for fs in BUILD_FILESYSTEMS:
        name = f"{fs} filesystem"
        if fs in host.filesystems:
            checks.append(_ok(name, "offered by the kernel (/proc/filesystems)"))
        elif not host.is_root:
            checks.append(Check(name, "FAIL", "not in /proc/filesystems, which lists loaded drivers only; run "
                                              "doctor as root to try a mount", _FILESYSTEM_FIX[fs]))
        elif (error := probe(fs)) is None:
            checks.append(_ok(name, "not loaded yet; a trial mount worked (the kernel loads it on first use)"))
        else:
            checks.append(Check(name, "FAIL", f"not in /proc/filesystems and a trial mount failed: {error}",
                                _FILESYSTEM_FIX[fs]))
    return checks


def binfmt_checks(host: HostInfo, arch: str | None, root: Path) -> list[Check]:
    """One check per foreign arch (as binfmt.py's check_cross_arch_executability sees it); needed only for
    the one --arch asks for."""
    checks = []
    for other in sorted(ARCHES):
        if not is_emulated_build(other, host.machine):
            continue
        name, status = f"binfmt {other}", "FAIL" if other == arch else "warn"
        entry = scan_binfmt(other, root)
        if entry is None:
            checks.append(Check(name, status, f"no binfmt_misc registration: {other} images cannot be built here",
                                f"apt-get install qemu-user-static (registers a static qemu-{other} with the "
                                "'F' flag)"))
        elif "F" not in entry.flags:
            checks.append(Check(name, status, f"{entry.interpreter} is registered without the 'F' (fix-binary) "
                                              "flag, so it cannot run inside the container",
                                f"re-register {entry.name} with the 'F' flag (e.g. systemd-binfmt)"))
        else:
            checks.append(_ok(name, describe(other, entry)))
    return checks


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def disk_check(artifact_dir: Path) -> Check:
    work = artifact_dir / "work"
    where = _existing(work)
    free = shutil.disk_usage(where).free
    found = f"{free / GIB:.1f} GiB free on the filesystem of {escape_controls(str(where))}"
    fix = f"free space there, or build in an artifact directory on a larger filesystem (work/ is {work})"
    if free < MIN_FREE:
        return Check("disk space", "FAIL", found + f" (less than {MIN_FREE // GIB} GiB)", fix)
    if free < COMFORTABLE_FREE:
        return Check("disk space", "warn", found + f" (a real image may need {COMFORTABLE_FREE // GIB} GiB)", fix)
    return _ok("disk space", found)


def keyring_check(argument: Path | None, environ: Mapping[str, str]) -> Check:
    try:
        keyring = resolve_keyring(argument, environ)
    except SourceError as exc:  # asked for and unusable: a build would stop
        return Check("keyring", "FAIL", escape_controls(str(exc)), "give --keyring or GENPACK_KEYRING a readable "
                                                                    "OpenPGP keyring")
    if keyring is None:
        return Check("keyring", "warn", "none: builds will warn that the stage3 is unverified", no_keyring_hint())
    return _ok("keyring", f"{escape_controls(str(keyring.path))} ({keyring.origin})")


def host_checks(artifact_dir: Path, keyring: Path | None = None, arch: str | None = None,
                host: HostInfo | None = None, environ: Mapping[str, str] | None = None,
                binfmt_root: Path = BINFMT_MISC, proc: Path = Path("/proc")) -> list[Check]:
    host = host or detect_host()
    return [root_check(host), user_namespace_check(proc), loop_check(host), nspawn_check(host),
            *filesystem_checks(host), *binfmt_checks(host, arch, binfmt_root), disk_check(artifact_dir),
            keyring_check(keyring, os.environ if environ is None else environ)]


def print_checks(checks: list[Check], out: TextIO) -> int:
    width = max(len(check.name) for check in checks)
    for check in checks:
        out.write(f"{check.status:<4}  {check.name:<{width}}  {check.found}\n")
        if check.fix and check.status != "ok":
            out.write(f"      {'':<{width}}  fix: {check.fix}\n")
    failed = [check.name for check in checks if check.status == "FAIL"]
    if failed:
        out.write(f"this host cannot build: {', '.join(failed)} failed\n")
        return 1
    out.write("this host can build" + (" (with warnings)" if any(c.status == "warn" for c in checks) else "") + "\n")
    return 0


def run_doctor(artifact_dir: Path, keyring: Path | None, arch: str | None, out: TextIO) -> int:
    return print_checks(host_checks(artifact_dir, keyring, arch), out)
