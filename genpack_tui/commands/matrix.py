"""``genpack-tui matrix [--arch A ...] [--json]``: the (variant, arch) builds of an artifact, for a CI
matrix (docs/ci.md).

``--json`` prints ``{"include": [{"variant": V, "arch": A}, ...]}``, what GitHub Actions'
``strategy.matrix: ${{ fromJSON(...) }}`` takes. The build without ``--variant`` is an entry with
``arch`` only: the only kind for an artifact without variants, and there next to one entry per
variant unless ``default_variant`` is set (then a build without ``--variant`` is that variant's). The arches are those asked for (``--arch``, repeatable), else this machine's and every
arch the configuration names in an ``arch`` block (top level or in a variant), in the usual order.
Every entry is resolved as a build would resolve it: a configuration error stops with exit status 1
and the problems, so a broken artifact fails in the matrix job rather than in every build.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Sequence, TextIO

from genpack_tui.commands.check import problem_line
from genpack_tui.engine.config import resolve
from genpack_tui.engine.config.arches import ARCHES


def named_arches(document: dict[str, Any]) -> set[str]:
    """The arches in the keys of ``arch`` blocks ("aarch64|riscv64" names two), top level and in variants."""
    blocks = [document.get("arch")]
    variants = document.get("variants")
    if isinstance(variants, dict):
        blocks += [v.get("arch") for v in variants.values() if isinstance(v, dict)]
    return {name for block in blocks if isinstance(block, dict) for key in block for name in str(key).split("|")
            if name in ARCHES}


def matrix_arches(document: dict[str, Any], asked: Sequence[str], host_arch: str) -> list[str]:
    wanted = set(asked) if asked else named_arches(document) | ({host_arch} if host_arch in ARCHES else set())
    return [arch for arch in ARCHES if arch in wanted]


def matrix_variants(document: dict[str, Any]) -> list[str | None]:
    """The variants a build can select; None is the build without ``--variant``, which is a build of
    its own unless ``default_variant`` names one (genpack has no way to select "no variant" then)."""
    variants = document.get("variants")
    names: list[str | None] = [str(name) for name in variants] if isinstance(variants, dict) else []
    default = document.get("default_variant")
    return names if isinstance(default, str) and default in names else [None, *names]


def matrix_entries(document: dict[str, Any], asked: Sequence[str], host_arch: str) -> list[dict[str, str]]:
    names = matrix_variants(document)
    arches = matrix_arches(document, asked, host_arch)
    return [({"variant": name} if name is not None else {}) | {"arch": arch} for name in names for arch in arches]


def _table(entries: list[dict[str, str]], name: str) -> str:
    rows = [(e.get("variant", "(none)"), e["arch"]) for e in entries]
    width = max([len("variant")] + [len(v) for v, _ in rows])
    lines = [f"{name}: {len(rows)} build(s)", f"{'variant':<{width}}  arch"]
    lines += [f"{variant:<{width}}  {arch}" for variant, arch in rows]
    return "\n".join(lines) + "\n"


def run_matrix(artifact_dir: Path, asked: Sequence[str], as_json: bool, out: TextIO, err: TextIO) -> int:
    host_arch = os.uname().machine
    base = resolve(artifact_dir, arch=asked[0] if asked else None)
    if base.document is None:
        for problem in base.errors:
            err.write(problem_line(str(base.config_file or artifact_dir), problem) + "\n")
        return 1
    entries = matrix_entries(base.document, asked, host_arch)
    failed = False
    for entry in entries:
        resolution = resolve(artifact_dir, variant=entry.get("variant"), arch=entry["arch"])
        for problem in resolution.errors:
            err.write(problem_line(str(resolution.config_file or artifact_dir), problem) + "\n")
            failed = True
    if failed:
        return 1
    if as_json:
        out.write(json.dumps({"include": entries}) + "\n")
    else:
        out.write(_table(entries, str(base.name or artifact_dir.name)))
    return 0
