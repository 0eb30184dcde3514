"""A build request: the subcommand and genpack's options, JSON-able so a worker process can take it."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from genpack_tui.engine.config.variant import DEFAULT_VARIANT

PHASE_ACTIONS = ("build", "lower", "upper", "pack")  # what runs phases in the build worker
SHELL_ACTIONS = ("bash", "upper-bash")  # what opens a shell in a container
_DEFAULT_VARIANT_JSON = "__default__"  # how DEFAULT_VARIANT travels in a job's JSON


@dataclass(frozen=True)
class BuildRequest:
    action: str
    artifact_dir: str
    variant: Any = DEFAULT_VARIANT  # DEFAULT_VARIANT (the document's default_variant), None or a name
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
    reuse_upper: bool = False  # build/upper: skip an upper whose fingerprint is unchanged (genpack always reruns it)
    history_limit: int | None = None  # builds kept in work/history/; None: GENPACK_HISTORY_LIMIT, else 20
    binhost: str | None = None  # --binhost URL; None: GENPACK_BINHOST (engine/build/binhost.py)
    distcc: str | None = None  # --distcc HOSTS; None: GENPACK_DISTCC_HOSTS (engine/build/distcc.py)
    command: list[str] = field(default_factory=list)

    @property
    def artifact_path(self) -> Path:
        return Path(self.artifact_dir)

    @property
    def overlay_override_path(self) -> Path | None:
        return Path(self.overlay_override).resolve() if self.overlay_override else None

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        if self.variant is DEFAULT_VARIANT:
            data["variant"] = _DEFAULT_VARIANT_JSON
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "BuildRequest":
        names = {f.name for f in dataclasses.fields(cls)}
        fields = {k: v for k, v in data.items() if k in names}
        if fields.get("variant") == _DEFAULT_VARIANT_JSON:
            fields["variant"] = DEFAULT_VARIANT
        return cls(**fields)
