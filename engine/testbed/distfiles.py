"""The test bed's distfiles: reproducible source tarballs of ``compiled_packages.py`` (fixed mtime
and owner, sorted, gzip without a timestamp, so their hashes never change), the ``Manifest`` DIST
entries Portage verifies them against, and a corrupted copy for the refusal case.

A Gentoo mirror serves them under ``distfiles/``; ``layout.conf`` there tells Portage the layout
is flat (``distfiles/<name>``), which it reads before fetching from a mirror.
"""
from __future__ import annotations

import functools
import hashlib
from datetime import datetime, timezone
from pathlib import Path

from .compiled_packages import COMPILED_PACKAGES, CompiledPackage
from .treetar import tarball_bytes

MIRROR_DIR = "distfiles"
CACHE_SUBDIR = "distfiles"  # <cache>/<recipe hash>/distfiles: TestbedArtifacts.distfiles_dir
LAYOUT_CONF = f"{MIRROR_DIR}/layout.conf"
LAYOUT_CONF_TEXT = "[structure]\n0=flat\n"
# the mtime of every member: fixed, so a tarball's bytes depend on its sources only
DISTFILE_EPOCH = int(datetime(2026, 1, 1, tzinfo=timezone.utc).timestamp())


@functools.lru_cache(maxsize=None)
def distfile_bytes(package: CompiledPackage) -> bytes:
    return tarball_bytes(package.p, package.sources(), mtime=DISTFILE_EPOCH, compression="gz")


def manifest_entry(name: str, data: bytes) -> str:
    """Portage's ``DIST <name> <size> BLAKE2B <hex> SHA512 <hex>`` line."""
    return (f"DIST {name} {len(data)} BLAKE2B {hashlib.blake2b(data).hexdigest()} "
            f"SHA512 {hashlib.sha512(data).hexdigest()}\n")


def manifests() -> dict[str, str]:
    """``<cat>/<pn>/Manifest`` text for every compiled package, keyed by its path in the tree."""
    return {f"{package.cp}/Manifest": manifest_entry(package.distfile, distfile_bytes(package))
            for package in COMPILED_PACKAGES}


def mirror_path(name: str) -> str:
    return f"{MIRROR_DIR}/{name}"


def write_distfiles(directory: Path) -> dict[str, Path]:
    """Write every distfile into ``directory`` (kept if already there with the same bytes);
    returns {file name: path}."""
    directory.mkdir(parents=True, exist_ok=True)
    written = {}
    for package in COMPILED_PACKAGES:
        data = distfile_bytes(package)
        path = directory / package.distfile
        if not path.is_file() or path.read_bytes() != data:
            part = path.with_name(path.name + ".part")
            part.write_bytes(data)
            part.replace(path)
        written[package.distfile] = path
    return written


def corrupted(data: bytes) -> bytes:
    """The same size, one byte changed in the middle: the size check passes, the digests do not."""
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:]
