"""The genpack-overlay tarball, laid out like GitHub's branch archive (``genpack-overlay-main/``,
a pax global header carrying the commit id), built from the test bed's stand-in overlay, with the test
doubles of genpack-progs or the real programs of a genpack-overlay checkout (real_progs.py)."""
from __future__ import annotations

import hashlib
from pathlib import Path

from . import recipe
from .real_progs import with_real_programs
from .snapshot import BASE_EPOCH
from .treetar import read_tree, write_tarball

OVERLAY_NAME = "genpack-overlay-main.tar.gz"
TOP_DIR = "genpack-overlay-main"


def build_overlay(dest: Path, revision: int = 0, real_genpack_progs: Path | None = None) -> Path:
    """``revision`` > 0 gives a changed overlay: genpack/base gets a newer version per revision.
    ``real_genpack_progs``: a genpack-overlay checkout (or its genpack-progs ``files/``) whose programs
    replace the test doubles."""
    files = read_tree(recipe.OVERLAY_DATA)
    if real_genpack_progs is not None:
        files = with_real_programs(files, real_genpack_progs)
    if revision:
        base = sorted(p for p in files if p.startswith("genpack/base/base-") and p.endswith(".ebuild"))[-1]
        files[f"genpack/base/base-20260101-r{revision}.ebuild"] = files[base]
    digest = hashlib.sha1()
    for path in sorted(files):
        digest.update(path.encode() + b"\0" + files[path][0])
    write_tarball(dest, TOP_DIR, files, mtime=BASE_EPOCH + 86400 * revision, compression="gz",
                  pax_comment=digest.hexdigest())
    return dest
