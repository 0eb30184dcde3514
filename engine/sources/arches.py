"""Target architecture → Gentoo release directory and stage3 name, as genpack maps them."""
from __future__ import annotations

from ..config.arches import ARCH_TABLE
from .errors import SourceError

# machine → (directory under releases/, arch part of the stage3 file name)
STAGE3_ARCHES: dict[str, tuple[str, str]] = {arch.name: (arch.release_dir, arch.stage3_name) for arch in ARCH_TABLE}


def stage3_arch(machine: str) -> tuple[str, str]:
    try:
        return STAGE3_ARCHES[machine]
    except KeyError:
        supported = ", ".join(STAGE3_ARCHES)
        raise SourceError(f"no Gentoo stage3 for architecture {machine!r} (supported: {supported})") from None
