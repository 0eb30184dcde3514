"""Can this host build the test bed? Root, and the host programs the stage3 build runs."""
from __future__ import annotations

import os
import shutil

from .signing import SIGNING_PROGRAMS

# gpg, gpgconf and gpg-agent make and use the mirror's signing key; builds verify with gpgv
REQUIRED_PROGRAMS = ("debootstrap", "systemd-nspawn", "tar", "xz", *SIGNING_PROGRAMS, "gpgv")


def missing_host_programs() -> list[str]:
    return [p for p in REQUIRED_PROGRAMS if shutil.which(p) is None]


def testbed_build_problems() -> list[str]:
    """Why the stage3 cannot be built here (empty when it can)."""
    problems = []
    if os.geteuid() != 0:
        problems.append("it must run as root (debootstrap, systemd-nspawn, loop mounts)")
    missing = missing_host_programs()
    if missing:
        problems.append("missing host programs: " + ", ".join(missing))
    return problems
