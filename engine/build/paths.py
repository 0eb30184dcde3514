"""Where genpack keeps things (docs/genpack.md §4), for one (artifact, arch, variant).

Only names: ``work/`` is writable from the build containers, so what the host writes under it goes
through engine/runtime/work_area.py (no link at ``work``, ``work/<arch>`` or the file is followed)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from genpack_tui.engine.config.artifact_layout import WORK_DIR


@dataclass(frozen=True)
class WorkPaths:
    artifact_dir: Path
    arch: str
    variant: str | None
    cache_home: Path  # the invoking user's ~/.cache (also under sudo)

    def _named(self, stem: str, suffix: str) -> Path:
        name = f"{stem}-{self.variant}{suffix}" if self.variant else f"{stem}{suffix}"
        return self.arch_dir / name

    @property
    def work_dir(self) -> Path:
        return self.artifact_dir / WORK_DIR

    @property
    def arch_dir(self) -> Path:
        return self.work_dir / self.arch

    @property
    def lock_file(self) -> Path:
        return self.work_dir / ".lock"

    @property
    def stage3(self) -> Path:
        return self.arch_dir / "stage3.tar.xz"

    @property
    def portage_snapshot(self) -> Path:
        return self.work_dir / "portage.tar.xz"

    @property
    def overlay_tarball(self) -> Path:
        return self.work_dir / "genpack-overlay.tar.gz"

    @property
    def lower_image(self) -> Path:
        return self._named("lower", ".img")

    @property
    def upper_image(self) -> Path:
        return self._named("upper", ".img")

    def done_marker(self, phase: str) -> Path:
        """``lower.done`` as genpack names it; genpack-tui stores the phase fingerprint in it."""
        return self._named(phase, ".done")

    @property
    def lower_fresh(self) -> Path:
        return self._named("lower", ".fresh")

    @property
    def genpack_cache(self) -> Path:
        return self.cache_home / "genpack"

    @property
    def binpkgs_dir(self) -> Path:
        return self.genpack_cache / self.arch / "binpkgs"

    @property
    def download_dir(self) -> Path:
        return self.genpack_cache / "download"
