"""The test bed's overlay with genpack-overlay's REAL in-container programs instead of the test doubles.

The programs are read at run time from a genpack-overlay checkout the caller names (nothing here
knows where one is); they go into the overlay tarball unchanged, under ``genpack/genpack-progs/files/``,
with the test bed's own ebuild (``data/real-genpack-progs/``) installing them under upstream's names.
What they need from the root (the system python importing Portage, tqdm, equery, the Atom.lstrip
shim) is in the stage3 (``data/stage3/``, docs/test-bed.md §7).
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from .treetar import TreeFile

PROGS_IN_OVERLAY = Path("genpack/genpack-progs/files")
EBUILD_TEMPLATE = Path(__file__).parent / "data" / "real-genpack-progs" / "genpack-progs.ebuild"
# Without these the builds cannot run (each is called by genpack or genpack-tui, or imported by them).
REQUIRED_PROGRAMS = (
    "genpack_pkg.py", "genpack-exec-package-scripts.py", "genpack-copyup.py",
    "execute-artifact-build-scripts.py", "genpack-create-image.py", "genpack-unmerge-masked-packages.sh",
    "rebuild-kernel-modules-if-necessary.sh", "genpack-break-circular-dep.py", "download.py",
)
# The test doubles' version is 20260101: another version keeps a binary package of one from
# standing in for the other in a shared binpkg cache.
FALLBACK_VERSION = "20260102"
_EBUILD_NAME = re.compile(r"genpack-progs-(\d+(?:-r\d+)?)\.ebuild")
_PROGRAM_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\.(?:py|sh)")


class RealProgsError(ValueError):
    """The directory given for the real genpack-progs does not hold them."""


def progs_directory(given: Path) -> Path:
    """The ``files/`` directory of genpack-progs: ``given`` itself, or inside ``given`` when that is a
    genpack-overlay checkout."""
    given = Path(given)
    for candidate in (given, given / PROGS_IN_OVERLAY):
        if (candidate / "genpack_pkg.py").is_file():
            break
    else:
        raise RealProgsError(
            f"{given}: no genpack_pkg.py there nor in {given / PROGS_IN_OVERLAY}; expected genpack-overlay's "
            f"{PROGS_IN_OVERLAY}/ directory or a genpack-overlay checkout holding it")
    missing = [name for name in REQUIRED_PROGRAMS if not (candidate / name).is_file()]
    if missing:
        raise RealProgsError(f"{candidate}: not genpack-progs' programs: missing {', '.join(missing)}")
    return candidate.resolve()


def read_programs(directory: Path) -> dict[str, TreeFile]:
    """Every program (``*.py``, ``*.sh``) of ``directory`` by file name. A symbolic link is refused:
    what goes into the overlay must be the checkout's own file, never one it points at."""
    programs: dict[str, TreeFile] = {}
    for path in sorted(directory.iterdir()):
        if not _PROGRAM_NAME.fullmatch(path.name):
            continue
        if path.is_symlink():
            raise RealProgsError(f"{path}: is a symbolic link (to {path.readlink()}); expected a regular file")
        if path.is_file():
            programs[path.name] = (path.read_bytes(), True)
    return programs


def upstream_version(directory: Path) -> str:
    """The version of the checkout's own genpack-progs ebuild beside ``files/``, so a build shows which
    upstream release it runs; FALLBACK_VERSION when there is none."""
    versions = sorted(m.group(1) for p in directory.parent.glob("genpack-progs-*.ebuild")
                      if (m := _EBUILD_NAME.fullmatch(p.name)))
    return versions[-1] if versions else FALLBACK_VERSION


def with_real_programs(overlay: dict[str, TreeFile], given: Path) -> dict[str, TreeFile]:
    """``overlay`` (the test bed's overlay files by relative path) with genpack-progs replaced."""
    directory = progs_directory(given)
    package = PROGS_IN_OVERLAY.parent.as_posix()
    files = {path: data for path, data in overlay.items() if not path.startswith(package + "/")}
    for name, data in read_programs(directory).items():
        files[f"{PROGS_IN_OVERLAY.as_posix()}/{name}"] = data
    files[f"{package}/genpack-progs-{upstream_version(directory)}.ebuild"] = (EBUILD_TEMPLATE.read_bytes(), False)
    return files


def programs_digest(given: Path) -> str:
    """sha256 of what ``with_real_programs`` takes from the checkout (names, version, contents)."""
    directory = progs_directory(given)
    h = hashlib.sha256(f"version:{upstream_version(directory)}\0".encode())
    for name, (data, _executable) in read_programs(directory).items():
        h.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    h.update(EBUILD_TEMPLATE.read_bytes())
    return h.hexdigest()
