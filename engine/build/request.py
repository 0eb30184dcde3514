"""A build request: the subcommand and genpack's options, JSON-able so a worker process can take it."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PHASE_ACTIONS = ("build", "lower", "upper", "pack")  # what runs phases in the build worker
SHELL_ACTIONS = ("bash", "upper-bash")  # what opens a shell in a container
VARIANT_DEFAULT = "__default__"  # JSON-able stand-in for engine.config.DEFAULT_VARIANT


@dataclass(frozen=True)
class BuildRequest:
    action: str
    artifact_dir: str
    variant: str | None = VARIANT_DEFAULT
    arch: str | None = None
    debug: bool = False
    overlay_override: str | None = None
    independent_binpkgs: bool = False
    deep_depclean: bool = False
    compression: str | None = None
    devel: bool = False
    parallel: bool = False
    break_circular_deps: bool = False
    mirror: str | None = None
    overlay_url: str | None = None
    keyring: str | None = None  # absolute path; None: GENPACK_KEYRING, else the Gentoo release key if present
    force: bool = False
    command: list[str] = field(default_factory=list)

    @property
    def artifact_path(self) -> Path:
        return Path(self.artifact_dir)

    @property
    def overlay_override_path(self) -> Path | None:
        return Path(self.overlay_override).resolve() if self.overlay_override else None

    def config_variant(self) -> Any:
        from genpack_tui.engine.config import DEFAULT_VARIANT
        return DEFAULT_VARIANT if self.variant == VARIANT_DEFAULT else self.variant

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "BuildRequest":
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})
