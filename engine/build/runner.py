"""Runs a build request. ``run_build`` is the worker target (engine/runtime/worker_main.py): it runs in
a private mount namespace, so no mount outlives it whatever happens; ``start_build`` is the caller's side.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from genpack_tui.engine.build import lower_phase, pack_phase, upper_phase
from genpack_tui.engine.build.adoption import genpack_done
from genpack_tui.engine.build.context import BuildContext, PhaseFailed
from genpack_tui.engine.build.fingerprint import Fingerprint
from genpack_tui.engine.build.history_hook import recording_history
from genpack_tui.engine.build.paths import WorkPaths
from genpack_tui.engine.build.request import BuildRequest
from genpack_tui.engine.build.stale_temporaries import remove_stale_temporaries
from genpack_tui.engine.build.stamps import read_stamp
from genpack_tui.engine.config import ConfigError, resolve
from genpack_tui.engine.events import (
    BuildFinished,
    ErrorEvent,
    EventSink,
    OutputLine,
    PhaseFinished,
    PhaseStarted,
    WarningEvent,
)
from genpack_tui.engine.runtime.binfmt import check_cross_arch_executability, describe
from genpack_tui.engine.runtime.build_host import require_build_host
from genpack_tui.engine.runtime.errors import RuntimeEngineError
from genpack_tui.engine.runtime.lock import acquire_build_lock
from genpack_tui.engine.runtime.ownership import ensure_user_dir, invoking_user, keep_users_tree
from genpack_tui.engine.runtime.worker import run_job
from genpack_tui.engine.sources.errors import SourceError

PHASES = {"build": ("lower", "upper", "pack"), "lower": ("lower",), "upper": ("upper",), "pack": ("pack",)}
RUN_TARGET = f"{__name__}:run_build"
EXIT_FAILED = 1


def start_build(request: BuildRequest, sink: EventSink, cancel: threading.Event | None = None) -> int:
    """Run ``request`` in a worker process, relaying its events to ``sink``; returns the exit code."""
    return run_job(RUN_TARGET, {"request": request.to_json()}, sink, cancel=cancel)


def make_context(request: BuildRequest, sink: EventSink, phase: str = "setup") -> BuildContext:
    resolution = resolve(request.artifact_path, variant=request.variant, arch=request.arch)
    resolution.raise_for_errors()
    host = require_build_host(request.action)
    entry = check_cross_arch_executability(resolution.arch)
    if entry is not None:
        sink(OutputLine(phase=phase, step="host", text=describe(resolution.arch, entry)))
    user = invoking_user()
    paths = WorkPaths(request.artifact_path, resolution.arch, resolution.variant, user.home / ".cache")
    return BuildContext(request=request, resolution=resolution, paths=paths, host=host, user=user, sink=sink,
                        emulated=entry is not None, phase=phase)


def run_build(sink: EventSink, request: dict[str, Any]) -> int:
    """Worker target: run the phases of ``request`` in order, skipping up-to-date ones for ``build``."""
    req = BuildRequest.from_json(request)
    started = time.monotonic()
    outputs: list[dict[str, Any]] = []
    ctx: BuildContext | None = None
    try:
        ctx = make_context(req, sink)
        ensure_user_dir(ctx.paths.binpkgs_dir, ctx.user)
        ensure_user_dir(ctx.paths.download_dir, ctx.user)
        with acquire_build_lock(ctx.paths.work_dir, f"genpack-tui {req.action}"):
            _remove_stale_temporaries(ctx)
            with recording_history(ctx, pack_phase.output_paths(ctx)[0]):
                outputs = _run_phases(ctx, PHASES[req.action])
    except (PhaseFailed, ConfigError, RuntimeEngineError, SourceError, OSError) as exc:
        sink(ErrorEvent(message=ctx.failure_message(str(exc)) if ctx is not None else str(exc)))
        sink(BuildFinished(ok=False, duration=time.monotonic() - started))
        return EXIT_FAILED
    except BaseException:  # interrupted or terminated: the worker reports why; renderers still get an end
        sink(BuildFinished(ok=False, duration=time.monotonic() - started, message="Interrupted."))
        raise
    finally:
        if ctx is not None:
            _keep_users_tree(ctx)
    sink(BuildFinished(ok=True, duration=time.monotonic() - started, outputs=outputs))
    return 0


def _keep_users_tree(ctx: BuildContext) -> None:
    try:
        keep_users_tree(ctx.paths.work_dir, (ctx.paths.binpkgs_dir, ctx.paths.download_dir), ctx.user)
    except (OSError, RuntimeEngineError) as exc:
        ctx.sink(WarningEvent(message=f"could not give {ctx.paths.work_dir} back to {ctx.user.name}: {exc}"))


def _remove_stale_temporaries(ctx: BuildContext) -> None:
    paths = ctx.paths
    for path in remove_stale_temporaries(paths.artifact_dir, paths.arch, pack_phase.output_paths(ctx)):
        ctx.say(f"Removed {path}, left by an interrupted build.", "stale-files")


def _run_phases(ctx: BuildContext, phases: tuple[str, ...]) -> list[dict[str, Any]]:
    req = ctx.request
    always = req.force or req.action != "build"
    outputs: list[Path] = []
    lower_fp: Fingerprint | None = None
    upper_fp: Fingerprint | None = None
    upper_ran = False
    for phase in phases:
        ctx.phase = phase
        started = time.monotonic()
        ctx.sink(PhaseStarted(phase=phase))
        ok = False
        try:
            if phase == "lower":
                lower_phase.run_lower(ctx, always=always)
            elif phase == "upper":
                lower_fp = lower_fp or _recorded(ctx, "lower")
                upper_ran = upper_phase.run_upper(ctx, lower_fp, rerun=_upper_rerun(req))
            else:
                upper_fp = upper_fp or _recorded(ctx, "upper")
                _, outputs = pack_phase.run_pack(ctx, upper_fp, rerun=_pack_rerun(req, upper_ran))
            ok = True
        finally:
            ctx.sink(PhaseFinished(phase=phase, ok=ok, duration=time.monotonic() - started,
                                       containers=ctx.container_starts.get(phase, 0)))
        if phase == "lower":
            lower_fp = _recorded(ctx, "lower")
        elif phase == "upper":
            upper_fp = _recorded(ctx, "upper")
    return [{"path": str(p.relative_to(ctx.paths.artifact_dir)), "size": p.stat().st_size} for p in outputs]


def _upper_rerun(req: BuildRequest) -> str | None:
    """Why upper runs whatever its fingerprint says (docs/compatibility.md §7): genpack always reruns
    it, since build.d scripts and setup_commands may fetch "latest"; None: --reuse-upper may skip it."""
    if req.force:
        return "forced"
    if not req.reuse_upper:
        return "upper always reruns, as genpack's; --reuse-upper skips an unchanged one"
    return None


def _pack_rerun(req: BuildRequest, upper_ran: bool) -> str | None:
    """Why pack runs whatever its fingerprint says: asked for alone, forced, or a fresh upper layer."""
    if req.force:
        return "forced"
    if req.action == "pack":
        return "pack always runs when asked for"
    if upper_ran:
        return "the upper layer was rebuilt"
    return None


def _recorded(ctx: BuildContext, phase: str) -> Fingerprint:
    stamp = read_stamp(ctx.paths.done_marker(phase))
    if stamp is None and phase == "lower" and genpack_done(ctx.paths) is not None:
        raise PhaseFailed(f"{ctx.paths.done_marker(phase)} was written by genpack: run 'lower' or 'build' once to "
                          "adopt genpack's lower image (it is not rebuilt; docs/compatibility.md §19), then "
                          f"'{ctx.phase}'.")
    if stamp is None:
        raise PhaseFailed(f"{phase} has not completed for this variant and arch "
                          f"({ctx.paths.done_marker(phase)} is missing). Please run '{phase}' first.")
    return stamp
