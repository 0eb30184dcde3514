"""Target architecture → Gentoo release directory and stage3 name, as genpack maps them."""
from __future__ import annotations

from .errors import SourceError

# machine → (directory under releases/, arch part of the stage3 file name)
STAGE3_ARCHES: dict[str, tuple[str, str]] = {
    "x86_64": ("amd64", "amd64"),
    "i686": ("x86", "i686"),
    "aarch64": ("arm64", "arm64"),
    "riscv64": ("riscv", "rv64_lp64d"),
}


def stage3_arch(machine: str) -> tuple[str, str]:
    try:
        return STAGE3_ARCHES[machine]
    except KeyError:
        supported = ", ".join(STAGE3_ARCHES)
        raise SourceError(f"no Gentoo stage3 for architecture {machine!r} (supported: {supported})") from None
