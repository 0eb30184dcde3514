"""The stage3 stand-in: Debian minbase + real Portage (from its wheel) packed as a Gentoo-style tarball.

Built once per recipe hash under ``<cache>/stage3/<hash>/``; a build happens in a temporary
directory renamed into place only when complete, so an interrupted build leaves nothing reusable.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from ..runtime import privileged, process
from ..runtime.mounts import remove_tree_detaching_mounts
from ..runtime.nspawn import NspawnSpec
from . import recipe
from .debian_mirror import debian_mirror

LineSink = Callable[[str], None]

STAGE3_GLOB = f"stage3-{recipe.STAGE3_ARCH}-systemd-*.tar.xz"
TIMINGS_FILE = "timings.json"

# Slimming: Portage needs none of these; they make a third of the root. The test bed's C packages
# need neither link-time optimisation (lto1, lto-dump: 60 MiB) nor the sanitizer runtimes.
_SLIM_GLOBS = (
    "var/lib/apt/lists/*", "var/cache/apt/*.bin", "var/cache/apt/archives/*.deb",
    "usr/share/doc/*", "usr/share/man/*", "usr/share/info/*", "usr/share/locale/*",
    "usr/lib/gcc/*/*/lto1", "usr/bin/*lto-dump*", "usr/lib/*/lib[altu]*san.so*", "usr/lib/gcc/*/*/lib[altu]*san*",
)


def stage3_name(timestamp: str) -> str:
    return f"stage3-{recipe.STAGE3_ARCH}-systemd-{timestamp}.tar.xz"


def timestamp_of(stage3: Path) -> str:
    prefix = f"stage3-{recipe.STAGE3_ARCH}-systemd-"
    return stage3.name[len(prefix):-len(".tar.xz")]


def find_cached_stage3(cache_root: Path) -> Path | None:
    done = cache_root / "stage3" / recipe.stage3_hash()
    found = sorted(done.glob(STAGE3_GLOB)) if done.is_dir() else []
    return found[-1] if found else None


def _streamed(on_line: LineSink | None) -> process.LineCallback:
    """The runtime's (text, stream) callback feeding the test bed's one-argument sink."""

    def feed(text: str, _stream: str) -> None:
        if on_line is not None:
            on_line(text)

    return feed


def portage_wheel(cache_root: Path, on_line: LineSink | None) -> Path:
    """The Portage wheel, downloaded once into ``<cache>/wheels`` with pip."""
    wheels = cache_root / "wheels"
    pattern = f"portage-{recipe.PORTAGE_VERSION}-*.whl"
    found = sorted(wheels.glob(pattern))
    if not found:
        wheels.mkdir(parents=True, exist_ok=True)
        argv = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                "-d", str(wheels), f"portage=={recipe.PORTAGE_VERSION}"]
        rc = process.run_streaming(argv, _streamed(on_line))
        if rc != 0:
            raise RuntimeError(f"pip download of portage=={recipe.PORTAGE_VERSION} failed with exit code {rc}")
        found = sorted(wheels.glob(pattern))
        if not found:
            raise RuntimeError(f"pip did not produce {pattern} in {wheels}")
    return found[-1]


PORTAGE_ETC_FILES = ("etc-update.conf", "dispatch-conf.conf")

_INSTALL_PORTAGE = """set -e
python3 -m venv /opt/portage
/opt/portage/bin/pip install -q --no-index --no-cache-dir --disable-pip-version-check "$1"
getent group portage >/dev/null || groupadd -g 250 portage
getent passwd portage >/dev/null || useradd -u 250 -g portage -d /var/lib/portage/home -s /bin/false -c portage portage 2>/dev/null
"""


def _install_portage(root: Path, wheel: Path, on_line: LineSink | None) -> None:
    staging = root / "var/tmp/wheels"
    staging.mkdir(parents=True, exist_ok=True)
    shutil.copy2(wheel, staging / wheel.name)
    # a script file: container command arguments are single lines
    (staging / "install-portage.sh").write_text(_INSTALL_PORTAGE)
    spec = NspawnSpec(root=root, command=["/bin/sh", "/var/tmp/wheels/install-portage.sh",
                                          f"/var/tmp/wheels/{wheel.name}"])
    rc = privileged.run_nspawn(spec, _streamed(on_line))
    if rc != 0:
        raise RuntimeError(f"installing Portage into {root} failed with exit code {rc}")
    shutil.rmtree(staging)
    # A pip ("MODULE") install takes sys.prefix as EPREFIX; the wrappers make it a plain system.
    for tool in recipe.PORTAGE_TOOLS:
        wrapper = root / "usr/bin" / tool
        wrapper.write_text(f'#!/bin/sh\nexport PORTAGE_OVERRIDE_EPREFIX=\nexec /opt/portage/bin/{tool} "$@"\n')
        wrapper.chmod(0o755)
    links = {
        "share": "/opt/portage/share",  # GLOBAL_CONFIG_PATH of a MODULE install with EPREFIX "" (make.globals)
        "usr/share/portage": "/opt/portage/share/portage",
        "usr/lib/portage": "/opt/portage/lib/portage",
        "usr/bin/gtar": "tar",  # unpack() and the binpkg code call gtar
    }
    for rel, target in links.items():
        link = root / rel
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(target)
    # The wheel puts these under the venv's prefix; Gentoo's Portage installs them in /etc, and
    # etc-update / dispatch-conf read them from there.
    for name in PORTAGE_ETC_FILES:
        shutil.copy2(root / "opt/portage/etc" / name, root / "etc" / name)


def _configure(root: Path) -> None:
    for rel in ("var/db/repos", "var/db/pkg", "var/cache/binpkgs", "var/cache/distfiles", "var/lib/portage"):
        (root / rel).mkdir(parents=True, exist_ok=True)
    for rel in ("var/lib/portage/world", "var/lib/portage/world_sets"):
        (root / rel).touch()
    shutil.copytree(recipe.STAGE3_DATA, root, dirs_exist_ok=True)
    profile = root / "etc/portage/make.profile"
    if profile.is_symlink():
        profile.unlink()
    # what a Gentoo stage3 ships: a link into the (not yet extracted) tree
    profile.symlink_to(f"../../var/db/repos/gentoo/profiles/default/linux/{recipe.STAGE3_ARCH}/23.0/systemd")
    os.chown(root / "var/cache/distfiles", 250, 250)
    # Gentoo's sh is bash: scripts run with "sh" (genpack's own, the real genpack-progs') see bash, not dash
    sh = root / "usr/bin/sh"
    sh.unlink()
    sh.symlink_to("bash")


# the compilers distcc masquerades as (not gcc-ar, gcc-nm, gcc-ranlib): cc, gcc-12, x86_64-linux-gnu-g++
_COMPILER = re.compile(r"(?:[a-z0-9_]+-linux-gnu-)?(?:cc|c\+\+|gcc|g\+\+)(?:-[0-9]+)?")


def _distcc_masquerade(root: Path) -> None:
    """distcc's masquerade links for the root's compilers, as Debian's update-distcc-symlinks makes them:
    in debootstrap distcc is configured before gcc, and finds none (Portage's FEATURES=distcc puts
    /usr/lib/distcc first in PATH, so each compiler name there must run distcc)."""
    masquerade = root / "usr/lib/distcc"
    if not (root / "usr/bin/distcc").exists():
        return
    masquerade.mkdir(parents=True, exist_ok=True)
    for name in sorted(p.name for p in (root / "usr/bin").iterdir() if _COMPILER.fullmatch(p.name)):
        link = masquerade / name
        if not link.is_symlink():
            link.symlink_to("../../bin/distcc")


def _slim(root: Path) -> None:
    for pattern in _SLIM_GLOBS:
        for p in root.glob(pattern):
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            else:
                p.unlink()


def _pack(root: Path, dest: Path) -> None:
    with open(dest, "wb") as out:
        tar = subprocess.Popen(["tar", "--numeric-owner", "--xattrs", "--xattrs-include=*", "-C", str(root),
                                "-cf", "-", "."], stdout=subprocess.PIPE)
        assert tar.stdout is not None
        xz = subprocess.run(["xz", "-T0", f"-{recipe.XZ_LEVEL}", "-c"], stdin=tar.stdout, stdout=out)
        tar.stdout.close()
        if tar.wait() != 0 or xz.returncode != 0:
            raise RuntimeError(f"packing {root} into {dest} failed (tar {tar.returncode}, xz {xz.returncode})")


def build_stage3(cache_root: Path, on_line: LineSink | None = None) -> Path:
    """Build the stage3 tarball for the current recipe (caller holds the cache lock)."""
    say = on_line or (lambda _line: None)
    target = cache_root / "stage3" / recipe.stage3_hash()
    work = target.with_name(f".tmp-{target.name}-{os.getpid()}")
    remove_tree_detaching_mounts(work)
    work.mkdir(parents=True)
    timings: dict[str, float] = {}

    def timed(name: str, fn: Callable[[], object]) -> None:
        start = time.monotonic()
        say(f"testbed: {name}...")
        fn()
        timings[name] = round(time.monotonic() - start, 1)
        say(f"testbed: {name} took {timings[name]} s")

    try:
        root = work / "root"
        mirror = debian_mirror(recipe.DEBIAN_SUITE)
        timed("debootstrap", lambda: privileged.debootstrap(
            root, recipe.DEBIAN_SUITE, mirror, recipe.DEBIAN_PACKAGES + recipe.REAL_PROGS_DEBIAN_PACKAGES,
            _streamed(on_line)))
        wheel = portage_wheel(cache_root, on_line)
        timed("portage install", lambda: _install_portage(root, wheel, on_line))
        _configure(root)
        _distcc_masquerade(root)
        _slim(root)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        tarball = work / stage3_name(stamp)
        timed(f"xz -{recipe.XZ_LEVEL} compression", lambda: _pack(root, tarball))
        remove_tree_detaching_mounts(root)
        (work / TIMINGS_FILE).write_text(json.dumps(timings, indent=1) + "\n")
        remove_tree_detaching_mounts(target)
        work.rename(target)
    finally:
        remove_tree_detaching_mounts(work)
    return target / tarball.name
