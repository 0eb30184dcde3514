"""Target architectures genpack knows: the one table of their names in Portage, on Gentoo's mirrors
and in ELF headers. Its order is the order people see them in (the workbench's arch selector)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Arch:
    name: str  # as `uname -m` and genpack's --arch spell it
    portage: str  # Portage's ARCH (profiles, keywords)
    release_dir: str  # the directory under releases/ on a Gentoo mirror
    stage3_name: str  # the arch part of the stage3 file name
    elf_machine: int  # e_machine of its executables (for the binfmt_misc check)


ARCH_TABLE: tuple[Arch, ...] = (
    Arch("x86_64", "amd64", "amd64", "amd64", 0x3E),
    Arch("aarch64", "arm64", "arm64", "arm64", 0xB7),
    Arch("riscv64", "riscv", "riscv", "rv64_lp64d", 0xF3),
    Arch("i686", "x86", "x86", "i686", 0x03),
)
ARCH_BY_NAME: dict[str, Arch] = {arch.name: arch for arch in ARCH_TABLE}
ARCHES: tuple[str, ...] = tuple(ARCH_BY_NAME)
PORTAGE_ARCH: dict[str, str] = {arch.name: arch.portage for arch in ARCH_TABLE}


def arch_key_matches(key: str, arch: str) -> bool:
    """genpack's rule: an arch block key is one or more names joined by '|', compared exactly."""
    return arch in key.split("|")
