"""Where build records live and how they are written and read (docs/history.md, "Where").

``work/history/<arch>[-<variant>]/<id>.json.gz`` below the artifact directory, reached through a
:class:`ConfinedDir` that refuses links (``work/`` is writable from the build containers). Writing is
atomic and keeps the newest ``limit`` records; reading skips, with a warning, any file that is not a
record of this version.
"""
from __future__ import annotations

import gzip
import json
import os
import re
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from genpack_tui.engine.config.artifact_layout import WORK_DIR
from genpack_tui.engine.config.printable import escape_controls
from genpack_tui.engine.history.model import BuildRecord, ImageComposition, RecordFormatError
from genpack_tui.engine.runtime.confined import ConfinedDir, UnsafePathError

HISTORY_DIR = "history"
SUFFIX = ".json.gz"
DEFAULT_LIMIT = 20
LIMIT_ENV = "GENPACK_HISTORY_LIMIT"
_NAME = re.compile(r"[0-9]{8}T[0-9]{6}\.[0-9]{6}Z\.json\.gz")

Warn = Callable[[str], None]


class HistoryError(Exception):
    """No record to show: the message says why, for the user."""


def history_limit(given: int | None, environ: Mapping[str, str], warn: Warn) -> int:
    """``--history-limit`` when given, else GENPACK_HISTORY_LIMIT, else 20; a bad variable is warned of."""
    if given is not None:
        return given
    text = environ.get(LIMIT_ENV)
    if text is None or text == "":
        return DEFAULT_LIMIT
    if text.isascii() and text.isdigit():
        return int(text)
    warn(f"{LIMIT_ENV}='{escape_controls(text)}' is not a whole number of builds (0 or more); "
         f"keeping the last {DEFAULT_LIMIT}")
    return DEFAULT_LIMIT


def history_dir(arch: str, variant: str | None) -> str:
    """The records' directory relative to the artifact directory."""
    return f"{WORK_DIR}/{HISTORY_DIR}/{arch}-{variant}" if variant else f"{WORK_DIR}/{HISTORY_DIR}/{arch}"


def write_record(artifact_dir: Path, record: BuildRecord, limit: int) -> Path:
    """Write ``record`` atomically and remove the oldest records beyond ``limit``; returns its path."""
    relative = history_dir(record.arch, record.variant)
    data = gzip.compress(json.dumps(record.to_json(), separators=(",", ":")).encode(), compresslevel=1, mtime=0)
    with ConfinedDir(artifact_dir) as artifact:
        artifact.make_dirs(relative)
        with artifact.subdir(relative) as directory:
            directory.write_bytes(record.id + SUFFIX, data)
            names = record_names(directory)
            for name in names[: max(0, len(names) - limit)]:
                directory.unlink(name)
    return artifact_dir / relative / (record.id + SUFFIX)


def record_names(directory: ConfinedDir) -> list[str]:
    """The record files' names, oldest first (names are start times)."""
    return sorted(n for n in directory.listdir() if _NAME.fullmatch(n))


@dataclass(frozen=True)
class History:
    """The records of one (variant, arch) of an artifact, oldest first, as far as they could be read."""

    directory: Path
    records: list[BuildRecord]

    def pick(self, which: str) -> BuildRecord:
        """A record by its id, or by index: ``-1`` the last, ``-2`` the one before, ``0`` the oldest."""
        if not self.records:
            raise HistoryError(f"no build history in {self.directory}: build the artifact first")
        if re.fullmatch(r"-?[0-9]+", which):
            index = int(which)
            if -len(self.records) <= index < len(self.records):
                return self.records[index]
            raise HistoryError(f"no build {which} in the history: it holds {len(self.records)} build(s), "
                               f"-1 to -{len(self.records)} (or 0 to {len(self.records) - 1})")
        for record in self.records:
            if record.id == which:
                return record
        raise HistoryError(f"no build '{escape_controls(which)}' in {self.directory}; its builds are "
                           + ", ".join(r.id for r in self.records[-5:]) + (" …" if len(self.records) > 5 else ""))


def read_history(artifact_dir: Path, arch: str, variant: str | None, warn: Warn, *, last: int | None = None) -> History:
    """The records of (variant, arch); with ``last``, only that many of the newest readable ones."""
    relative = history_dir(arch, variant)
    shown = artifact_dir / relative
    try:
        with ConfinedDir(artifact_dir) as artifact, artifact.subdir(relative) as directory:
            names = record_names(directory)
            records: list[BuildRecord] = []
            for name in reversed(names):
                if last is not None and len(records) >= last:
                    break
                record = _read(directory, name, warn)
                if record is not None:
                    records.append(record)
    except (FileNotFoundError, NotADirectoryError):
        return History(shown, [])
    except UnsafePathError as exc:
        raise HistoryError(str(exc)) from None
    return History(shown, records[::-1])


def _read(directory: ConfinedDir, name: str, warn: Warn) -> BuildRecord | None:
    try:
        data = json.loads(gzip.decompress(directory.read_bytes(name)))
        return BuildRecord.from_json(data)
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, ValueError) as exc:  # RecordFormatError is one
        why = str(exc) if isinstance(exc, RecordFormatError) else f"{type(exc).__name__}: {exc}"
        warn(f"skipped {directory.shown(name)}: not a readable build record ({escape_controls(why)})")
        return None


def latest_image(artifact_dir: Path, arch: str, variant: str | None, warn: Warn) -> ImageComposition | None:
    """The image of the newest record file; None when it has none or cannot be read."""
    try:
        with ConfinedDir(artifact_dir) as artifact, artifact.subdir(history_dir(arch, variant)) as directory:
            names = record_names(directory)
            record = _read(directory, names[-1], warn) if names else None
    except (OSError, UnsafePathError):
        return None
    return record.image if record is not None else None


def previous_image(artifact_dir: Path, arch: str, variant: str | None, squashfs: Path,
                   warn: Warn) -> ImageComposition | None:
    """The image of the newest record when it packed the squashfs that is there now (same size), for a
    build whose pack phase was up to date; None otherwise (an older record may describe another image)."""
    try:
        size = os.stat(squashfs).st_size
    except OSError:
        return None
    image = latest_image(artifact_dir, arch, variant, warn)
    return image if image is not None and image.squashfs_size == size else None
