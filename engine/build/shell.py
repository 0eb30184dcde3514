"""``bash [command]`` and ``upper-bash``: a person's shell (or one command) in the build containers.

Run as an interactive worker (engine/runtime/worker.py), so the terminal stays the user's and the
mounts die with the process. The build lock is held meanwhile: a shell and a build never share an image.
"""
from __future__ import annotations

from typing import Any

from genpack_tui.engine.build.context import BuildContext, PhaseFailed
from genpack_tui.engine.build.request import BuildRequest
from genpack_tui.engine.build.runner import make_context
from genpack_tui.engine.config import ConfigError
from genpack_tui.engine.events import ErrorEvent, EventSink, OutputLine
from genpack_tui.engine.runtime import privileged
from genpack_tui.engine.runtime.errors import RuntimeEngineError
from genpack_tui.engine.runtime.lock import acquire_build_lock
from genpack_tui.engine.runtime.mounts import mounted_image, upper_layer
from genpack_tui.engine.runtime.nspawn import NspawnSpec
from genpack_tui.engine.runtime.ownership import ensure_user_dir
from genpack_tui.engine.runtime.worker import run_interactive_job

SHELL_TARGET = f"{__name__}:open_shell"


def start_shell(request: BuildRequest) -> int:
    """Run the shell on this terminal; returns its exit status (genpack ignores it without a command)."""
    return run_interactive_job(SHELL_TARGET, {"request": request.to_json()})


def open_shell(sink: EventSink, request: dict[str, Any]) -> int:
    req = BuildRequest.from_json(request)
    try:
        ctx = make_context(req, sink, phase=req.action)
        paths = ctx.paths
        if not paths.lower_image.exists():
            raise PhaseFailed(f"Lower image {paths.lower_image} does not exist. Please run 'lower' first.")
        if req.action == "upper-bash" and not paths.upper_image.exists():
            raise PhaseFailed(f"Upper layer image {paths.upper_image} does not exist. Please run 'upper' first")
        with acquire_build_lock(paths.work_dir, f"genpack-tui {req.action}"):
            if req.action == "bash":
                return _lower_shell(ctx, req)
            return _upper_shell(ctx)
    except (PhaseFailed, ConfigError, RuntimeEngineError, OSError) as exc:
        sink(ErrorEvent(message=str(exc), phase=req.action))
        print(f"genpack-tui: error: {exc}", flush=True)
        return 1


def _lower_shell(ctx: BuildContext, req: BuildRequest) -> int:
    binpkgs = None if ctx.derived_independent else ensure_user_dir(ctx.paths.binpkgs_dir, ctx.user)
    command = req.command or ["bash"]
    ctx.sink(OutputLine(phase="bash", step="shell", text="Running command in the lower image." if req.command
                        else "Running bash in the lower image for debugging."))
    with mounted_image(ctx.paths.lower_image) as root:
        spec = NspawnSpec(root=root, command=command, artifact_dir=ctx.paths.artifact_dir, binpkgs_dir=binpkgs,
                          overlay_override=req.overlay_override_path)
        rc = privileged.run_nspawn_interactive(spec, host=ctx.host)
    return rc if req.command else 0


def _upper_shell(ctx: BuildContext) -> int:
    ctx.sink(OutputLine(phase="upper-bash", step="shell", text="Running bash in the upper directory for debugging."))
    with mounted_image(ctx.paths.lower_image) as root, upper_layer(ctx.paths.upper_image) as upper:
        spec = NspawnSpec(root=root, command=["bash"], artifact_dir=ctx.paths.artifact_dir, overlay_upper=upper)
        return privileged.run_nspawn_interactive(spec, host=ctx.host)
