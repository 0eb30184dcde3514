"""What a test bed build produces, and the variants tests publish to simulate upstream changes."""
from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .distfiles import CACHE_SUBDIR
from .overlay import build_overlay
from .signing import SigningKey
from .snapshot import build_snapshot
from .stage3 import stage3_name, timestamp_of

DEFAULT_BUMP = {"app-misc/hello": "1.1"}


@dataclass(frozen=True)
class TestbedArtifacts:
    __test__ = False  # not a pytest test class despite the name

    stage3: Path              # stage3-amd64-systemd-<YYYYMMDDTHHMMSSZ>.tar.xz
    portage_snapshot: Path    # portage-latest.tar.xz (top dir portage/)
    overlay_tarball: Path     # genpack-overlay-main.tar.gz (top dir genpack-overlay-main/)
    recipe_hash: str
    directory: Path           # <cache>/<recipe_hash>/
    signing_key: SigningKey | None = None  # <cache>/signing-key/: the mirror signs with it
    timings: dict[str, float] = field(default_factory=dict)
    # the genpack-overlay checkout whose real genpack-progs the overlay carries; None: the test doubles
    real_genpack_progs: Path | None = None

    @property
    def genpack_progs(self) -> str:
        """Which in-container programs the overlay carries, said in one phrase (logs, test headers)."""
        if self.real_genpack_progs is None:
            return "genpack-progs test doubles"
        return f"the real genpack-progs of {self.real_genpack_progs}"

    @property
    def keyring(self) -> Path | None:
        """The public keyring that verifies the test bed mirror's signatures (``--keyring``)."""
        return self.signing_key.keyring if self.signing_key is not None else None

    @property
    def distfiles_dir(self) -> Path:
        """The source tarballs of the compiled packages, served under the mirror's ``distfiles/``."""
        return self.directory / CACHE_SUBDIR

    @property
    def stage3_timestamp(self) -> str:
        return timestamp_of(self.stage3)

    def bumped_snapshot(self, bumps: dict[str, str] | None = None) -> Path:
        """A snapshot whose tree differs from ``portage_snapshot`` (default: app-misc/hello-1.1 added)."""
        bumps = dict(bumps or DEFAULT_BUMP)
        label = "_".join(f"{cp.replace('/', '-')}-{v}" for cp, v in sorted(bumps.items()))
        dest = self.directory / "variants" / f"portage-{label}.tar.xz"
        if not dest.is_file():
            dest.parent.mkdir(parents=True, exist_ok=True)
            build_snapshot(dest, bumps)
        return dest

    def changed_overlay(self, revision: int = 1) -> Path:
        """An overlay tarball differing from ``overlay_tarball`` (genpack/base gets an -r<revision>)."""
        dest = self.directory / "variants" / f"genpack-overlay-r{revision}.tar.gz"
        if not dest.is_file():
            dest.parent.mkdir(parents=True, exist_ok=True)
            build_overlay(dest, revision, self.real_genpack_progs)
        return dest

    def restamped_stage3(self, timestamp: str) -> Path:
        """The same stage3 under another release timestamp (a hard link), for "a new stage3 was
        published" scenarios: publish it with MirrorServer.publish_stage3()."""
        if not re.fullmatch(r"\d{8}T\d{6}Z", timestamp):
            raise ValueError(f"timestamp must look like 20260101T000000Z, not {timestamp!r}")
        dest = self.directory / "variants" / stage3_name(timestamp)
        if not dest.is_file():
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(self.stage3, dest)
            except OSError:  # another file system
                shutil.copyfile(self.stage3, dest)
        return dest

    def to_json(self) -> str:
        return json.dumps({"stage3": str(self.stage3), "portage_snapshot": str(self.portage_snapshot),
                           "overlay_tarball": str(self.overlay_tarball), "recipe_hash": self.recipe_hash,
                           "directory": str(self.directory),
                           "keyring": str(self.keyring) if self.keyring else None, "timings": self.timings,
                           "real_genpack_progs": str(self.real_genpack_progs) if self.real_genpack_progs else None},
                          indent=1)
