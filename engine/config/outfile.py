"""Where the build writes its result (``outfile``), and the rules that keep it harmless.

The squashfs goes to ``<outfile>`` (``.squashfs`` added when missing), written as ``<outfile>.tmp``
first, and the EFI superfloppy next to it with ``.img`` for ``.squashfs``. Both must stay inside the
artifact directory, outside ``work/`` (a superfloppy named ``work/x86_64/lower.img`` would replace the
lower image) and the input directories, in a directory that exists, and each file name must fit in
255 bytes with the ``.tmp`` the build adds.
"""
from __future__ import annotations

import os
import posixpath
from pathlib import Path
from typing import Any

from .artifact_layout import INPUT_DIRS, WORK_DIR

SQUASHFS_SUFFIX = ".squashfs"
_TMP_SUFFIX = ".tmp"
MAX_COMPONENT_BYTES = 255  # a file name on Linux file systems
MAX_OUTFILE_BYTES = 1024  # a relative path; the artifact directory's own path comes on top of it
_PROTECTED = (WORK_DIR,) + INPUT_DIRS


def default_outfile(name: str, variant: str | None, arch: str) -> str:
    return f"{name}{'-' + variant if variant else ''}-{arch}{SQUASHFS_SUFFIX}"


def squashfs_name(outfile: str) -> str:
    return outfile if outfile.endswith(SQUASHFS_SUFFIX) else outfile + SQUASHFS_SUFFIX


def _bytes(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _protected(first: str) -> str | None:
    if first == WORK_DIR:
        return f"{WORK_DIR}/ holds the build's images and markers"
    if first in INPUT_DIRS:
        return f"{first}/ is an input directory of the artifact"
    return None


def check_outfile(value: str) -> str | None:
    """The config-time rules for an ``outfile`` value (the text only; see :func:`outfile_problem`)."""
    if not value.strip():
        return "must not be empty"
    if value.endswith("/"):
        return f"{value!r} must name a file, not a directory"
    normal = posixpath.normpath(value)
    if value.startswith("/") or normal == ".." or normal.startswith("../") or normal == ".":
        return f"{value!r} must be a file name inside the artifact directory"
    size = _bytes(value)
    if size > MAX_OUTFILE_BYTES:
        return f"is {size} bytes long; at most {MAX_OUTFILE_BYTES} bytes are allowed"
    parts = normal.split("/")
    *dirs, last = parts
    for part in dirs:
        if _bytes(part) > MAX_COMPONENT_BYTES:
            return (f"has a directory name of {_bytes(part)} bytes; at most {MAX_COMPONENT_BYTES} bytes fit "
                    "in a file name")
    added = "" if last.endswith(SQUASHFS_SUFFIX) else SQUASHFS_SUFFIX
    room = MAX_COMPONENT_BYTES - _bytes(_TMP_SUFFIX) - _bytes(added)
    if _bytes(last) > room:
        return (f"has a file name of {_bytes(last)} bytes; at most {room} bytes are allowed, so that "
                f"the file written first, <outfile>{added}{_TMP_SUFFIX}, fits in {MAX_COMPONENT_BYTES} bytes")
    if dirs:
        why = _protected(parts[0])
        if why:
            return f"{value!r} points into {parts[0]}/: {why}; write the output elsewhere"
    return None


def outfile_problem(artifact_dir: Path, outfile: str) -> str | None:
    """The rules that need the directory: symlinks followed, the output stays inside the artifact
    directory and out of work/ and the input directories, and its directory exists."""
    base = os.path.realpath(artifact_dir)
    target = os.path.realpath(os.path.join(base, outfile))
    if os.path.commonpath([base, target]) != base or target == base:
        return f"outfile {outfile!r} resolves to {target}, outside the artifact directory {base}"
    relative = os.path.relpath(target, base).split(os.sep)
    why = _protected(relative[0]) if len(relative) > 1 else None
    if why:
        return f"outfile {outfile!r} resolves to {'/'.join(relative)}, inside {relative[0]}/: {why}"
    parent = os.path.dirname(target)
    if not os.path.isdir(parent):
        shown = os.path.relpath(parent, base)
        what = "is not a directory" if os.path.lexists(parent) else "does not exist"
        return f"outfile {outfile!r}: the directory {shown}/ {what} in the artifact directory; create it first"
    for path in (target, str(Path(target).with_suffix(".img"))):
        if os.path.isdir(path):
            return f"outfile {outfile!r}: {os.path.relpath(path, base)} is a directory"
    return None


def _selection_outfile(data: dict[str, Any], variant: str | None, arch: str, dir_name: str) -> tuple[str, str]:
    """(squashfs path, config path it comes from) of one selection, from the raw document."""
    top = data
    variants = data.get("variants")
    body = variants.get(variant) if variant is not None and isinstance(variants, dict) else None
    body = body if isinstance(body, dict) else {}

    def pick(key: str) -> tuple[Any, str]:
        if isinstance(body.get(key), str) and body[key]:
            return body[key], f"variants.{variant}.{key}"
        if isinstance(top.get(key), str) and top[key]:
            return top[key], key
        return None, "default"

    name = pick("name")[0] or dir_name
    outfile, source = pick("outfile")
    if outfile is None:
        return default_outfile(name, variant, arch), "default"
    return posixpath.normpath(squashfs_name(outfile)), source


def outfile_collision(data: dict[str, Any], variant: str | None, arch: str, dir_name: str) -> str | None:
    """Another selection (a variant, or no variant) of the same arch writing the same file, unless
    both take it from the same config value (a top-level outfile shared on purpose)."""
    mine, source = _selection_outfile(data, variant, arch, dir_name)
    variants = data.get("variants")
    others: list[str | None] = [None] + (list(variants) if isinstance(variants, dict) else [])
    for other in others:
        if other == variant:
            continue
        theirs, their_source = _selection_outfile(data, other, arch, dir_name)
        if theirs == mine and (source != their_source or source == "default"):
            whose = f"variant {other!r}" if other is not None else "the build without a variant"
            return (f"outfile {mine!r} is also the output of {whose} ({their_source}); "
                    "building one would replace the other")
    return None
