"""The workbench's selection: which variant (the default, none, or a name) and which arch."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from genpack_tui.engine.config.arches import ARCHES
from genpack_tui.engine.config.variant import DEFAULT_VARIANT

DEFAULT_KEY = "(default)"
NONE_KEY = "(none)"
ARCH_CHOICES = ARCHES  # the selector cycles through them in the table's order


def host_arch() -> str:
    machine = os.uname().machine
    return machine if machine in ARCHES else "x86_64"


@dataclass(frozen=True)
class Selection:
    variant_key: str = DEFAULT_KEY  # DEFAULT_KEY, NONE_KEY or a variant name
    arch: str = "x86_64"

    def variant_arg(self) -> Any:
        """For engine.config.resolve and BuildRequest.variant: DEFAULT_VARIANT, None (no variant) or the name."""
        if self.variant_key == DEFAULT_KEY:
            return DEFAULT_VARIANT
        return None if self.variant_key == NONE_KEY else self.variant_key

    @classmethod
    def from_args(cls, variant: str | None, arch: str | None) -> "Selection":
        return cls(variant if variant else DEFAULT_KEY, arch or host_arch())


def variant_options(available: list[str], default: str | None) -> list[tuple[str, str]]:
    """(label, key) pairs for a variant selector: the default, each variant, and no variant."""
    options = [(f"default ({default or 'none'})", DEFAULT_KEY)]
    options += [(name, name) for name in available]
    options.append(("none", NONE_KEY))
    return options


def describe_variant(key: str, resolved: str | None) -> str:
    """What the header shows: the variant in effect, and whether it is the default one."""
    if key == DEFAULT_KEY:
        return f"{resolved} (default)" if resolved else "none (default)"
    return "none" if key == NONE_KEY else key
