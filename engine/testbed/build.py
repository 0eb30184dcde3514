"""build_testbed(): build or reuse the cached stage3, Portage snapshot and overlay tarball."""
from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from ..runtime.mounts import remove_tree_detaching_mounts
from ..runtime.ownership import ensure_user_dir, give_back, invoking_user
from . import recipe
from .artifacts import TestbedArtifacts
from .distfiles import CACHE_SUBDIR, write_distfiles
from .host_check import testbed_build_problems
from .overlay import OVERLAY_NAME, build_overlay
from .real_progs import progs_directory
from .signing import SIGNING_PROGRAMS, SigningError, SigningKey, make_signing_key
from .snapshot import SNAPSHOT_NAME, build_snapshot
from .stage3 import TIMINGS_FILE, build_stage3, find_cached_stage3

LineSink = Callable[[str], None]
ENTRY_NAME = re.compile(r"[0-9a-f]{16}")  # <cache>/<recipe hash> and <cache>/stage3/<stage3 hash>
# The mirror's signing key: one per cache, whatever the recipe (it signs at publish time, so the
# cached tarballs stay valid, and a cache made before there was a key gets one on its next use).
SIGNING_KEY_DIR = "signing-key"
PRUNE_AFTER_DAYS = 14


class TestbedUnavailable(RuntimeError):
    """The test bed cannot be built on this host (not root, a host tool missing, no Debian mirror)."""

    __test__ = False


def default_cache_root() -> Path:
    """``$XDG_CACHE_HOME/genpack-tui/testbed``, else under the invoking user's ``~/.cache``: under sudo
    that is the user's home, not root's (sudo resets HOME), as for genpack's own cache."""
    base = os.environ.get("XDG_CACHE_HOME") or str(invoking_user().home / ".cache")
    return Path(base) / "genpack-tui" / "testbed"


@contextmanager
def _locked(cache_root: Path) -> Iterator[None]:
    """One builder per cache at a time (test sessions of several engineers share it)."""
    cache_root.mkdir(parents=True, exist_ok=True)
    with open(cache_root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _remove_stale_work_dirs(cache_root: Path) -> None:
    for parent in (cache_root, cache_root / "stage3"):
        if parent.is_dir():
            for p in parent.glob(".tmp-*"):
                remove_tree_detaching_mounts(p)


def prune_unused_entries(cache_root: Path, *, keep: set[str], max_age_days: float = PRUNE_AFTER_DAYS) -> list[Path]:
    """Remove cached stage3s and trees of other recipes not used for ``max_age_days`` (each use
    touches its entry, so a second checkout with another recipe keeps its own); returns what went."""
    cutoff = time.time() - max_age_days * 86400
    removed = []
    for parent in (cache_root, cache_root / "stage3"):
        if not parent.is_dir():
            continue
        for entry in parent.iterdir():
            if (entry.is_dir() and ENTRY_NAME.fullmatch(entry.name) and entry.name not in keep
                    and entry.stat().st_mtime < cutoff):
                remove_tree_detaching_mounts(entry)
                removed.append(entry)
    return removed


def check_can_build() -> None:
    problems = testbed_build_problems()
    if problems:
        raise TestbedUnavailable("cannot build the test bed stage3: " + "; ".join(problems))


def _build_trees(cache_root: Path, on_line: LineSink | None, real_genpack_progs: Path | None) -> Path:
    target = cache_root / recipe.recipe_hash(real_genpack_progs)
    if (target / SNAPSHOT_NAME).is_file() and (target / OVERLAY_NAME).is_file():
        return target
    work = cache_root / f".tmp-{target.name}-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        build_snapshot(work / SNAPSHOT_NAME)
        build_overlay(work / OVERLAY_NAME, real_genpack_progs=real_genpack_progs)
        if on_line:
            on_line(f"testbed: tree snapshot and overlay tarball written to {target}")
        shutil.rmtree(target, ignore_errors=True)
        work.rename(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def _signing_key(cache_root: Path) -> SigningKey:
    missing = [p for p in SIGNING_PROGRAMS if shutil.which(p) is None]
    if missing and not SigningKey(cache_root / SIGNING_KEY_DIR).exists():
        raise TestbedUnavailable("cannot make the test bed's signing key: missing host programs: " + ", ".join(missing))
    try:
        return make_signing_key(cache_root / SIGNING_KEY_DIR)
    except SigningError as exc:
        raise TestbedUnavailable(f"cannot make the test bed's signing key: {exc}") from None


def build_testbed(cache_root: Path | None = None, *, on_line: LineSink | None = None,
                  real_genpack_progs: Path | None = None) -> TestbedArtifacts:
    """Build (first time, about a minute, needs root and the Debian mirror) or reuse the test bed,
    with its signing key (made on first use, also in a cache built before test beds had one).

    ``real_genpack_progs``: a genpack-overlay checkout (or its ``genpack/genpack-progs/files``) whose
    real in-container programs the overlay carries instead of the test doubles; a directory that does
    not hold them raises RealProgsError before anything is built."""
    cache_root = (cache_root or default_cache_root()).resolve()
    if real_genpack_progs is not None:
        real_genpack_progs = progs_directory(real_genpack_progs)
    user = invoking_user()
    if not user.is_root and cache_root.is_relative_to(user.home):
        ensure_user_dir(cache_root, user)  # the directories on the way are the user's, never a link out
    with _locked(cache_root):
        _remove_stale_work_dirs(cache_root)
        stage3 = find_cached_stage3(cache_root)
        if stage3 is None:
            check_can_build()
            start = time.monotonic()
            stage3 = build_stage3(cache_root, on_line=on_line)
            if on_line:
                on_line(f"testbed: stage3 built in {time.monotonic() - start:.1f} s: {stage3}")
        directory = _build_trees(cache_root, on_line, real_genpack_progs)
        write_distfiles(directory / CACHE_SUBDIR)  # cheap and idempotent: a cache made before them gets them
        signing_key = _signing_key(cache_root)
        for used in (stage3.parent, directory):
            os.utime(used)
        for gone in prune_unused_entries(cache_root, keep={stage3.parent.name, directory.name}):
            if on_line:
                on_line(f"testbed: removed {gone}, a test bed of another recipe unused for {PRUNE_AFTER_DAYS} days")
        give_back(cache_root, user, recursive=True)  # under sudo the cache is the user's, as their home is
    timings_file = stage3.parent / TIMINGS_FILE
    timings = json.loads(timings_file.read_text()) if timings_file.is_file() else {}
    return TestbedArtifacts(stage3=stage3, portage_snapshot=directory / SNAPSHOT_NAME,
                            overlay_tarball=directory / OVERLAY_NAME, recipe_hash=recipe.recipe_hash(real_genpack_progs),
                            directory=directory, signing_key=signing_key, timings=timings,
                            real_genpack_progs=real_genpack_progs)
