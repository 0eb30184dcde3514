"""The build's side of the build history (docs/history.md): a recorder on the build's events for the
whole run, the image read while the pack phase has it mounted, the record written at the end.

Recording never fails a build: a problem reading the image or writing the record is a warning.
"""
from __future__ import annotations

import contextlib
import dataclasses
import os
import time
from collections.abc import Iterator
from pathlib import Path

from genpack_tui.engine.build.context import BuildContext
from genpack_tui.engine.build.pack_commands import EXCLUDES
from genpack_tui.engine.events import WarningEvent
from genpack_tui.engine.history.model import PhaseTiming
from genpack_tui.engine.history.record_composition import read_composition
from genpack_tui.engine.history.recorder import EMERGE_LOG, BuildRecorder
from genpack_tui.engine.history.store import history_limit, latest_image, previous_image, write_record
from genpack_tui.engine.runtime.confined import ConfinedDir
from genpack_tui.engine.runtime.errors import RuntimeEngineError


@contextlib.contextmanager
def recording_history(ctx: BuildContext, squashfs: Path) -> Iterator[None]:
    """Record the phases run inside the block (``squashfs``: where the pack phase writes the image)."""
    sink = ctx.sink

    def warn(text: str) -> None:
        sink(WarningEvent(message=f"build history: {text}"))

    limit = history_limit(ctx.request.history_limit, os.environ, warn)
    if limit <= 0:
        yield
        return
    resolution = ctx.resolution
    recorder = BuildRecorder(artifact=resolution.name or ctx.paths.artifact_dir.name, variant=resolution.variant,
                             arch=resolution.arch, action=ctx.request.action)
    ctx.sink, ctx.history = recorder.tee(sink), recorder
    ok, message = False, "Interrupted."
    try:
        yield
        ok, message = True, ""
    except Exception as exc:
        message = ctx.failure_message(str(exc))
        raise
    finally:
        ctx.sink, ctx.history = sink, None
        record = recorder.finish(ok=ok, message=message, finished=time.time())
        try:
            if record.image is None and _pack_was_up_to_date(record.phases):
                image = previous_image(ctx.paths.artifact_dir, record.arch, record.variant, squashfs, warn)
                record = dataclasses.replace(record, image=image)
            write_record(ctx.paths.artifact_dir, record, limit)
        except (OSError, RuntimeEngineError) as exc:
            warn(f"the record of this build was not written: {exc}")


def _pack_was_up_to_date(phases: tuple[PhaseTiming, ...]) -> bool:
    return any(p.name == "pack" and p.skipped for p in phases)


def record_image(ctx: BuildContext, upper_mount: Path, upper_subdir: str, lower_root: Path, squashfs: Path) -> None:
    """Read the packed tree and the lower image's package database and emerge.log, while mounted."""
    recorder = ctx.history
    if recorder is None:
        return
    def warn(text: str) -> None:
        ctx.sink(WarningEvent(message=f"build history: {text}", phase=ctx.phase))

    try:
        known = latest_image(ctx.paths.artifact_dir, recorder.arch, recorder.variant, warn)
        with ConfinedDir(upper_mount) as upper, upper.subdir(upper_subdir) as tree, \
                ConfinedDir(lower_root, links="in_root") as lower:
            recorder.image = read_composition(tree, lower, excludes=EXCLUDES, squashfs_size=squashfs.stat().st_size,
                                              known=known)
            with contextlib.suppress(FileNotFoundError, NotADirectoryError):
                recorder.read_emerge_log(lower.read_text(EMERGE_LOG, follow=True))
    except (OSError, RuntimeEngineError, UnicodeDecodeError) as exc:
        warn(f"the image's composition was not recorded: {exc}")
