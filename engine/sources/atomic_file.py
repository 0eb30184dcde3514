"""The file operations of the downloads, all under ``work/`` (writable from the build containers).

Every one goes through engine/runtime/work_area.py: a link planted at ``work``, ``work/<arch>``, a
``*.part``, a ``*.headers`` or the download itself is refused or replaced, never written through.
Durable writes: beside the target, fsync, rename over it, fsync the directory.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from genpack_tui.engine.runtime.confined import UnsafePathError
from genpack_tui.engine.runtime.work_area import confined


def write_text_atomic(path: Path, text: str) -> None:
    directory, relative = confined(path)
    with directory:
        directory.write_text(relative, text)


@contextmanager
def open_part(path: Path, *, append: bool) -> Iterator[BinaryIO]:
    """A partial download opened to append to (``append``) or to write from the start."""
    directory, relative = confined(path)
    with directory, directory.open_append(relative, truncate=not append) as f:
        yield f


def install(part: Path, dest: Path) -> None:
    """Rename a finished download over its destination (same directory), durably."""
    directory, relative = confined(dest)
    with directory:
        directory.rename(str(Path(relative).with_name(part.name)), relative)
        directory.fsync(str(Path(relative).parent))


def remove_file(path: Path) -> None:
    """Remove a file or a link there (the link itself); nothing there (not even its directory) is fine."""
    try:
        directory, relative = confined(path)
    except (FileNotFoundError, NotADirectoryError):
        return
    with directory:
        directory.unlink(relative)


def make_dirs(path: Path) -> None:
    """``mkdir -p`` of a directory under ``work/``."""
    directory, relative = confined(path)
    with directory:
        directory.mkdir(relative, parents=True, exist_ok=True)


def read_text_or_none(path: Path) -> str | None:
    """The file's text; None when missing, or not a regular file (a planted link, a FIFO: never trusted)."""
    try:
        directory, relative = confined(path)
        with directory:
            return directory.read_text(relative)
    except (FileNotFoundError, NotADirectoryError, UnsafePathError):
        return None
