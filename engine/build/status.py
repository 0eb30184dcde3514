"""Offline answer to "what would ``build`` rerun, and why?" for the workbench's phase badges.

Uses the fingerprints recorded in the ``.done`` markers and the sources recorded for the lower image
(no network, no mount, no root), so it is cheap enough to run after every save.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from genpack_tui.engine.build.adoption import genpack_done, is_genpack_image
from genpack_tui.engine.build.fingerprint import (
    describe_changes,
    lower_fingerprint,
    pack_fingerprint,
    source_components,
    upper_fingerprint,
)
from genpack_tui.engine.build.paths import WorkPaths
from genpack_tui.engine.build.stamps import read_stamp
from genpack_tui.engine.config.resolution import Resolution
from genpack_tui.engine.runtime.confined import UnsafePathError
from genpack_tui.engine.sources.identity import IdentityError, load_identity

UP_TO_DATE = "up_to_date"
WILL_RERUN = "will_rerun"
NEVER_BUILT = "never_built"


@dataclass(frozen=True)
class PhaseStatus:
    phase: str
    state: str  # UP_TO_DATE, WILL_RERUN or NEVER_BUILT
    reason: str  # e.g. "use changed → lower"

    @property
    def label(self) -> str:
        return {UP_TO_DATE: "up to date", WILL_RERUN: "will rerun", NEVER_BUILT: "never built"}[self.state]


def work_paths_for(resolution: Resolution, cache_home: Path | None = None) -> WorkPaths:
    return WorkPaths(resolution.artifact_dir, resolution.arch, resolution.variant,
                     cache_home or Path.home() / ".cache")


def phase_statuses(resolution: Resolution, *, devel: bool = False, compression: str | None = None,
                   paths: WorkPaths | None = None, binhost: str | None = None) -> list[PhaseStatus]:
    """Status of lower, upper and pack for this resolution; empty when the configuration has errors.
    ``binhost``: the URL a build would use (engine/build/binhost.py), part of lower's inputs when set."""
    if resolution.derived is None or not resolution.ok:
        return []
    paths = paths or work_paths_for(resolution)
    derived = resolution.derived
    try:
        identity = load_identity(paths.lower_image) if paths.lower_image.exists() else None
    except IdentityError:
        identity = None
    lower_inputs = {**derived.phase_inputs["lower"], "devel": devel}
    if binhost is not None:  # as engine/build/lower_phase.py:lower_inputs
        lower_inputs["binhost"] = binhost
    try:
        lower = lower_fingerprint(lower_inputs, paths.artifact_dir, source_components(identity))
        upper = upper_fingerprint(derived.phase_inputs["upper"], paths.artifact_dir, lower)
    except UnsafePathError as exc:  # e.g. kernel/ is a link out of the artifact: a build refuses it too
        return [PhaseStatus(phase, WILL_RERUN, f"build will refuse: {exc}") for phase in ("lower", "upper", "pack")]
    pack_inputs = {**derived.phase_inputs["pack"], "compression": compression or derived.compression}
    pack = pack_fingerprint(pack_inputs, upper)
    statuses = []
    for fingerprint in (lower, upper, pack):
        stamp = read_stamp(paths.done_marker(fingerprint.phase))
        if stamp is None and fingerprint.phase == "lower" and is_genpack_image(paths) and genpack_done(paths):
            statuses.append(PhaseStatus("lower", WILL_RERUN, "built by genpack: adopted by the next build"))
            continue
        if stamp is None:
            statuses.append(PhaseStatus(fingerprint.phase, NEVER_BUILT, "never built"))
            continue
        changes = fingerprint.changes_since(stamp)
        if not changes:
            statuses.append(PhaseStatus(fingerprint.phase, UP_TO_DATE, "up to date"))
        else:
            statuses.append(PhaseStatus(fingerprint.phase, WILL_RERUN,
                                        f"{describe_changes(changes)} → {fingerprint.phase}"))
    return statuses
