"""What this host can do, detected at run time (never assumed): root, systemd, udev, nspawn, filesystems."""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .binfmt import check_cross_arch_executability, is_emulated_build  # re-exported for callers
from .errors import HostError

__all__ = [
    "HostInfo",
    "detect_host",
    "require_root",
    "check_cross_arch_executability",
    "is_emulated_build",
]


@dataclass(frozen=True)
class HostInfo:
    is_root: bool
    systemd_pid1: bool
    udev: bool
    nspawn_path: str | None
    nspawn_version: int | None
    filesystems: frozenset[str]  # /proc/filesystems: only the loaded drivers (engine/runtime/filesystems.py)
    loop_control: bool
    machine: str

    @property
    def can_use_image_option(self) -> bool:
        """``systemd-nspawn --image=`` needs udev (for the loop partition scan) and systemd as PID 1."""
        return self.udev and self.systemd_pid1

    @property
    def nspawn_registration_args(self) -> list[str]:
        """Without systemd as PID 1 there is no machined to register with, nor a unit to move to."""
        return [] if self.systemd_pid1 else ["--register=no", "--keep-unit"]

    def build_problems(self) -> list[str]:
        problems = []
        if not self.is_root:
            problems.append("not running as root")
        if self.nspawn_path is None:
            problems.append("systemd-nspawn not found (install systemd-container)")
        elif self.nspawn_version is not None and self.nspawn_version < 250:
            problems.append(f"systemd-nspawn {self.nspawn_version} is too old (--suppress-sync needs 250 or later)")
        if not self.loop_control:
            problems.append("no loop device support (/dev/loop-control missing)")
        return problems  # filesystems: engine/runtime/build_host.py tries them, the list alone says too little


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def _filesystems(proc: Path) -> frozenset[str]:
    return frozenset(line.split()[-1] for line in _read(proc / "filesystems").splitlines() if line.strip())


@functools.cache
def _nspawn_version(path: str) -> int | None:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.match(r"systemd (\d+)", out)
    return int(match.group(1)) if match else None


def detect_host(proc: Path = Path("/proc"), run: Path = Path("/run"), dev: Path = Path("/dev")) -> HostInfo:
    nspawn = shutil.which("systemd-nspawn")
    return HostInfo(
        is_root=os.geteuid() == 0,
        systemd_pid1=_read(proc / "1" / "comm").strip() == "systemd" and (run / "systemd" / "system").is_dir(),
        udev=(run / "udev" / "control").exists(),
        nspawn_path=nspawn,
        nspawn_version=_nspawn_version(nspawn) if nspawn else None,
        filesystems=_filesystems(proc),
        loop_control=(dev / "loop-control").exists(),
        machine=os.uname().machine,
    )


def require_root(action: str) -> None:
    """Say clearly, before anything runs, that ``action`` needs root."""
    if os.geteuid() != 0:
        raise HostError(
            f"'{action}' needs root privileges (loop mounts and systemd-nspawn); run it with sudo. "
            "Outputs are given back to the invoking user."
        )
