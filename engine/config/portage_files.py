"""The exact text of each Portage file genpack writes into the lower image (docs/genpack.md §3).

Keys are paths inside the image, relative to its root (as genpack's tar members are).
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

RUNTIME_SET = "etc/portage/sets/genpack-runtime"
BUILDTIME_SET = "etc/portage/sets/genpack-buildtime"
ACCEPT_KEYWORDS = "etc/portage/package.accept_keywords/genpack"
USE = "etc/portage/package.use/genpack"
LICENSE = "etc/portage/package.license/genpack"
MASK = "etc/portage/package.mask/genpack"
ENV = "etc/portage/package.env"


def _atom_lines(entries: Mapping[str, Any]) -> str:
    """genpack's rule: null -> ``atom``; list -> ``atom a b``; anything else -> ``atom value``."""
    lines = []
    for atom, value in entries.items():
        if value is None:
            lines.append(f"{atom}\n")
        elif isinstance(value, list):
            lines.append(f"{atom} {' '.join(value)}\n")
        else:
            lines.append(f"{atom} {value}\n")
    return "".join(lines)


def render_portage_files(*, packages: Sequence[str], buildtime_packages: Sequence[str],
                         accept_keywords: Mapping[str, Any], use: Mapping[str, Any],
                         license: Mapping[str, Any], mask: Sequence[str], env: Mapping[str, Any]) -> dict[str, str]:
    """{path inside the image: exact text}; sets and mask are newline-joined without a final newline."""
    return {
        RUNTIME_SET: "\n".join(packages),
        BUILDTIME_SET: "\n".join(buildtime_packages),
        ACCEPT_KEYWORDS: _atom_lines(accept_keywords),
        USE: _atom_lines(use),
        LICENSE: _atom_lines(license),
        MASK: "\n".join(mask),
        ENV: _atom_lines(env),
    }
