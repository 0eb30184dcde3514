"""Target architectures genpack knows and their Portage names."""
from __future__ import annotations

ARCHES: tuple[str, ...] = ("x86_64", "aarch64", "i686", "riscv64")

PORTAGE_ARCH: dict[str, str] = {"x86_64": "amd64", "aarch64": "arm64", "i686": "x86", "riscv64": "riscv"}


def arch_key_matches(key: str, arch: str) -> bool:
    """genpack's rule: an arch block key is one or more names joined by '|', compared exactly."""
    return arch in key.split("|")
