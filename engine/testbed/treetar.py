"""Reproducible tarballs of a directory tree (fixed owner and mtime, sorted), as repositories ship them."""
from __future__ import annotations

import gzip
import io
import lzma
import os
import tarfile
import threading
from pathlib import Path
from typing import Mapping

# One file in memory: its bytes and whether it is executable.
TreeFile = tuple[bytes, bool]


def read_tree(root: Path) -> dict[str, TreeFile]:
    """Every regular file under ``root`` keyed by POSIX relative path."""
    files: dict[str, TreeFile] = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            files[p.relative_to(root).as_posix()] = (p.read_bytes(), os.access(p, os.X_OK))
    return files


def _directories(paths: list[str]) -> list[str]:
    dirs = set()
    for path in paths:
        parts = path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            dirs.add("/".join(parts[:i]))
    return sorted(dirs)


def write_tarball(dest: Path, top: str, files: Mapping[str, TreeFile], *, mtime: int,
                  compression: str, pax_comment: str | None = None) -> None:
    """Write ``files`` under ``top/`` to ``dest`` (compression "xz" or "gz"), atomically."""
    packed = tarball_bytes(top, files, mtime=mtime, compression=compression, pax_comment=pax_comment)
    tmp = dest.with_name(f"{dest.name}.part-{os.getpid()}-{threading.get_ident()}")
    tmp.write_bytes(packed)
    tmp.replace(dest)


def tarball_bytes(top: str, files: Mapping[str, TreeFile], *, mtime: int, compression: str,
                  pax_comment: str | None = None) -> bytes:
    """The bytes of ``files`` under ``top/`` as a tarball: the same input always gives the same bytes."""
    buf = io.BytesIO()
    headers = {"comment": pax_comment} if pax_comment else {}
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT, pax_headers=headers) as tar:
        for d in [""] + _directories(list(files)):
            info = tarfile.TarInfo(f"{top}/{d}".rstrip("/"))
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, mtime
            tar.addfile(info)
        for path in sorted(files):
            data, executable = files[path]
            info = tarfile.TarInfo(f"{top}/{path}")
            info.size, info.mode, info.mtime = len(data), 0o755 if executable else 0o644, mtime
            tar.addfile(info, io.BytesIO(data))
    raw = buf.getvalue()
    if compression == "xz":
        packed = lzma.compress(raw, preset=6)
    elif compression == "gz":
        packed = gzip.compress(raw, compresslevel=9, mtime=0)
    else:
        raise ValueError(f"unknown compression {compression!r}")
    return packed
