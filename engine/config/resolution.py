"""One call from an artifact directory to everything the build needs: :func:`resolve`."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .derive import Derived, derive
from .document import find_config_file, read_document
from .merge import merge_document
from .outfile import outfile_collision
from .problems import ConfigError, Problem
from .provenance import Provenance
from .variant import DEFAULT_VARIANT


@dataclass
class Resolution:
    """The resolved configuration of one artifact for one (variant, arch).

    ``document`` is the raw parsed object (None when unreadable); ``merged`` the merged fields under
    their genpack.json5 names (None when the file is unusable or the variant/arch cannot be
    selected); ``derived`` the computed values (None whenever ``merged`` is None).
    """

    artifact_dir: Path
    config_file: Path | None
    name: str | None
    variant: str | None
    arch: str
    document: dict[str, Any] | None
    merged: dict[str, Any] | None
    provenance: Provenance
    derived: Derived | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors and self.merged is not None

    @property
    def available_variants(self) -> list[str]:
        variants = (self.document or {}).get("variants")
        return [str(k) for k in variants] if isinstance(variants, dict) else []

    @property
    def default_variant(self) -> str | None:
        value = (self.document or {}).get("default_variant")
        return value if isinstance(value, str) and value in self.available_variants else None

    def raise_for_errors(self) -> None:
        if not self.ok:
            raise ConfigError(self.errors or [Problem("error", "", "the configuration could not be resolved")])

    def to_json(self) -> dict[str, Any]:
        return {
            "artifact_dir": str(self.artifact_dir),
            "config_file": str(self.config_file) if self.config_file else None,
            "name": self.name,
            "variant": self.variant,
            "arch": self.arch,
            "available_variants": self.available_variants,
            "default_variant": self.default_variant,
            "ok": self.ok,
            "merged": self.merged,
            "derived": self.derived.to_json() if self.derived else None,
            "provenance": self.provenance.to_json(),
            "problems": [p.to_json() for p in self.problems],
        }


def resolve(artifact_dir: Path, *, variant: Any = DEFAULT_VARIANT, arch: str | None = None) -> Resolution:
    """Load, validate, merge and derive the configuration of ``artifact_dir``; never raises.

    ``variant``: :data:`DEFAULT_VARIANT` (or ``""``, as in genpack) = the default_variant;
    None = explicitly no variant; a name = that variant. ``arch``: target arch, None = this machine.
    """
    artifact_dir = Path(artifact_dir)
    target = arch if arch is not None else os.uname().machine
    requested = variant if isinstance(variant, str) and variant else None
    result = Resolution(artifact_dir, None, None, requested, target, None, None, Provenance(arch=target), None)
    try:
        result.config_file = find_config_file(artifact_dir)
        document = read_document(result.config_file)
        result.document = document.data
        merged, provenance, problems = merge_document(
            document, variant=variant, arch=target, artifact_name=artifact_dir.resolve().name)
    except ConfigError as exc:
        result.problems.extend(exc.problems)
        return result
    except RecursionError:
        result.problems.append(Problem("error", "", "the document is nested too deeply"))
        return result
    result.problems.extend(problems)
    result.provenance = provenance
    if merged is None:
        return result  # keep the requested variant name for display
    result.variant = provenance.variant
    result.merged = merged
    result.name = merged["name"]
    result.derived, derive_problems = derive(merged, artifact_dir=artifact_dir, variant=provenance.variant,
                                             arch=target, filename=document.filename)
    result.problems.extend(derive_problems)
    collision = outfile_collision(document.data, provenance.variant, target, artifact_dir.resolve().name)
    if collision:
        result.problems.append(Problem("error", "outfile", collision, document.filename))
    return result
