"""Cross-arch check, exactly as genpack's ``check_cross_arch_executability``.

A foreign-arch build needs a binfmt_misc registration of a static qemu-user with the ``F``
(fix-binary) flag, because the interpreter must be usable from inside the container.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..config.arches import ARCH_TABLE
from .errors import HostError

ELF_MACHINE: dict[str, int] = {arch.name: arch.elf_machine for arch in ARCH_TABLE}
BINFMT_MISC = Path("/proc/sys/fs/binfmt_misc")


@dataclass(frozen=True)
class BinfmtEntry:
    name: str
    interpreter: str
    flags: str
    e_machine: int


def is_emulated_build(arch: str, host_arch: str | None = None) -> bool:
    host_arch = host_arch or os.uname().machine
    if arch == host_arch:
        return False
    if (host_arch, arch) == ("x86_64", "i686"):
        return False
    return True


def parse_binfmt_entry(name: str, text: str) -> BinfmtEntry | None:
    """One ``/proc/sys/fs/binfmt_misc/<name>`` file; None unless enabled and an ELF magic registration."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "enabled":
        return None
    fields: dict[str, str] = {}
    for line in lines[1:]:
        key, _, value = line.strip().partition(" ")
        if key:
            fields[key.rstrip(":")] = value.strip()
    magic = fields.get("magic", "")
    if not magic.startswith("7f454c46") or len(magic) < 40:
        return None
    try:
        e_machine = int(magic[36:38], 16) | int(magic[38:40], 16) << 8
    except ValueError:
        return None
    return BinfmtEntry(name, fields.get("interpreter", ""), fields.get("flags", ""), e_machine)


def scan_binfmt(arch: str, root: Path = BINFMT_MISC) -> BinfmtEntry | None:
    """The first enabled registration whose ELF magic matches ``arch`` (mask ignored, as genpack)."""
    wanted = ELF_MACHINE[arch]
    try:
        names = sorted(os.listdir(root))
    except OSError:
        return None
    for name in names:
        if name in ("register", "status"):
            continue
        try:
            text = (root / name).read_text(errors="replace")
        except OSError:
            continue
        entry = parse_binfmt_entry(name, text)
        if entry is not None and entry.e_machine == wanted:
            return entry
    return None


def check_cross_arch_executability(
    arch: str, host_arch: str | None = None, root: Path = BINFMT_MISC
) -> BinfmtEntry | None:
    """None for a native build; the usable registration for an emulated one; else HostError."""
    if arch not in ELF_MACHINE:
        raise HostError(f"Unknown target architecture {arch!r}; expected one of {', '.join(sorted(ELF_MACHINE))}.")
    if not is_emulated_build(arch, host_arch):
        return None
    entry = scan_binfmt(arch, root)
    if entry is None:
        raise HostError(
            f"Cross building for {arch} requires a binfmt_misc registration of static qemu-user. "
            f"Install qemu with static user-mode emulation for {arch} and register it with the 'F' "
            "(fix-binary) flag (e.g. via systemd-binfmt)."
        )
    if "F" not in entry.flags:
        raise HostError(
            f"binfmt_misc interpreter {entry.interpreter} for {arch} is registered without the 'F' "
            "(fix-binary) flag. systemd-nspawn requires fix-binary so the interpreter works inside the "
            "container; re-register it with the 'F' flag."
        )
    return entry


def describe(arch: str, entry: BinfmtEntry) -> str:
    """The log line genpack prints for a usable registration."""
    return f"{arch} binaries will run via {entry.interpreter} (binfmt flags: {entry.flags})"
