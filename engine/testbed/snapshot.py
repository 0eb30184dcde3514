"""The Portage tree snapshot (``portage-latest.tar.xz``, top dir ``portage/``) of the test bed's
self-written ``gentoo`` repository, and variants of it that stand in for an upstream tree change."""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path

from . import recipe
from .distfiles import manifests
from .treetar import TreeFile, read_tree, write_tarball

SNAPSHOT_NAME = "portage-latest.tar.xz"
# The base tree's commit time; a variant is one day later per change, so ordering stays meaningful.
BASE_EPOCH = int(datetime(2026, 1, 1, tzinfo=timezone.utc).timestamp())


def _bump(files: dict[str, TreeFile], cp: str, version: str) -> None:
    pn = cp.split("/")[1]
    sources = sorted(p for p in files if p.startswith(f"{cp}/{pn}-") and p.endswith(".ebuild"))
    if not sources:
        raise ValueError(f"{cp} is not in the test bed tree")
    files[f"{cp}/{pn}-{version}.ebuild"] = files[sources[-1]]


def tree_files(bumps: dict[str, str] | None = None) -> dict[str, TreeFile]:
    """The repository's files, with ``bumps`` ({"app-misc/hello": "1.1"}) added as new versions
    (a copy of the newest ebuild), and metadata/timestamp.* reflecting the content."""
    files = read_tree(recipe.GENTOO_REPO_DATA)
    for path, text in manifests().items():  # thin Manifests: the DIST entries of the distfiles
        files[path] = (text.encode(), False)
    for cp, version in sorted((bumps or {}).items()):
        _bump(files, cp, version)
    digest = hashlib.sha1()
    for path in sorted(files):
        digest.update(path.encode() + b"\0" + files[path][0])
    epoch = BASE_EPOCH + 86400 * len(bumps or {})
    when = datetime.fromtimestamp(epoch, timezone.utc)
    files["metadata/timestamp.commit"] = (f"{digest.hexdigest()} {epoch} +0000\n".encode(), False)
    files["metadata/timestamp.chk"] = (when.strftime("%a, %d %b %Y %H:%M:%S +0000\n").encode(), False)
    files["metadata/timestamp.x"] = (f"{epoch} {when.strftime('%a %b %d %H:%M:%S %Y')}\n".encode(), False)
    return files


def build_snapshot(dest: Path, bumps: dict[str, str] | None = None) -> Path:
    files = tree_files(bumps)
    epoch = int(files["metadata/timestamp.commit"][0].split()[1])
    write_tarball(dest, "portage", files, mtime=epoch, compression="xz")
    return dest
