"""Can this host build the test bed? Root, and the host programs the stage3 build runs."""
from __future__ import annotations

import os
import shutil

REQUIRED_PROGRAMS = ("debootstrap", "systemd-nspawn", "tar", "xz")


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
