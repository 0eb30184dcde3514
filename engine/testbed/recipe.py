"""Every input of the test bed, and the hashes that key its cache.

A change to any input (package lists, data files, the code that builds an artifact) changes the
hash, so a stale cached artifact is never reused.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
STAGE3_DATA = DATA_DIR / "stage3"
GENTOO_REPO_DATA = DATA_DIR / "gentoo"
OVERLAY_DATA = DATA_DIR / "genpack-overlay"

DEBIAN_SUITE = "bookworm"
# Debian minbase plus what Portage, ebuilds, upper (users, services, build scripts, copy-up) and
# pack (mksquashfs, mtools) use inside the container; gcc and libc6-dev compile the C packages
# (compiled_packages.py) and wget is Portage's default FETCHCOMMAND for their distfiles.
# wget also fetches binary packages from a binhost (--binhost), distcc serves --distcc.
DEBIAN_PACKAGES = (
    "python3", "python3-venv", "python-is-python3", "bzip2", "xz-utils", "zstd", "patch", "make",
    "pax-utils", "file", "rsync", "passwd", "systemd", "squashfs-tools", "mtools", "mount",
    "gcc", "libc6-dev", "wget", "distcc",
)
# What genpack-overlay's real in-container programs import from the system python (real_progs.py).
REAL_PROGS_DEBIAN_PACKAGES = ("python3-tqdm",)
PORTAGE_VERSION = "3.0.83"
STAGE3_ARCH = "amd64"
# xz level for the stage3 tarball: measured on the 2-core builder, see the H2 report.
XZ_LEVEL = 1

PORTAGE_TOOLS = (
    "emerge", "ebuild", "portageq", "emaint", "quickpkg", "egencache", "env-update", "etc-update",
    "dispatch-conf", "regenworld", "fixpackages",
)


def digest_tree(*roots: Path) -> str:
    """sha256 over relative paths, file modes, symlink targets and contents (sorted, stable)."""
    h = hashlib.sha256()
    for root in roots:
        h.update(f"root:{root.name}\0".encode())
        for p in sorted(root.rglob("*")):
            if "__pycache__" in p.parts:
                continue
            rel = p.relative_to(root).as_posix()
            if p.is_symlink():
                h.update(f"L{rel}\0{p.readlink()}\0".encode())
            elif p.is_file():
                h.update(f"F{rel}\0{p.stat().st_mode & 0o111:o}\0".encode())
                h.update(hashlib.sha256(p.read_bytes()).digest())
            elif p.is_dir():
                h.update(f"D{rel}\0".encode())
    return h.hexdigest()


def _digest_values(*values: object) -> str:
    return hashlib.sha256(repr(values).encode()).hexdigest()


def _source(module_name: str) -> bytes:
    return (Path(__file__).parent / f"{module_name}.py").read_bytes()


def stage3_hash() -> str:
    return _digest_values(
        DEBIAN_SUITE, DEBIAN_PACKAGES, REAL_PROGS_DEBIAN_PACKAGES, PORTAGE_VERSION, STAGE3_ARCH, XZ_LEVEL, PORTAGE_TOOLS,
        digest_tree(STAGE3_DATA), _source("stage3"),
    )[:16]


def trees_hash(real_genpack_progs: Path | None = None) -> str:
    """With ``real_genpack_progs`` (a genpack-overlay checkout), the overlay carries its programs: the
    hash takes their contents, so both variants (and two checkouts) have cache entries of their own."""
    progs: tuple[object, ...] = ()
    if real_genpack_progs is not None:
        from .real_progs import programs_digest
        progs = ("real genpack-progs", programs_digest(real_genpack_progs), _source("real_progs"))
    return _digest_values(
        digest_tree(GENTOO_REPO_DATA, OVERLAY_DATA), _source("snapshot"), _source("overlay"),
        _source("distfiles"), _source("compiled_packages"), _source("treetar"), *progs,
    )[:16]


def recipe_hash(real_genpack_progs: Path | None = None) -> str:
    return _digest_values(stage3_hash(), trees_hash(real_genpack_progs))[:16]
