"""The shell pane's command: ``bash`` in the lower container or ``upper-bash`` on the upper layer.

The engine's interactive worker (engine/build/shell.py) mounts the images, takes the build lock and
runs systemd-nspawn on the pane's pty; this module only builds its argv and says when not to start.
"""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Callable

from genpack_tui.engine.build.request import SHELL_ACTIONS, BuildRequest
from genpack_tui.workbench.lock import lock_holder

SHELL_CWD = "/"  # the shell worker runs as root: never start it in the artifact directory
ShellCommand = tuple[list[str], dict[str, str]]
ShellCommandFactory = Callable[[BuildRequest], ShellCommand]


def engine_shell_command(request: BuildRequest) -> ShellCommand:
    """argv and environment of the engine's interactive shell worker for ``request``."""
    from genpack_tui.engine.build.shell import SHELL_TARGET  # the build engine: loaded on first use
    from genpack_tui.engine.runtime.worker import interactive_job_argv, worker_env

    return interactive_job_argv(SHELL_TARGET, {"request": request.to_json()}), worker_env()


def shell_request(base: BuildRequest, action: str, command: list[str] | None = None) -> BuildRequest:
    """``bash`` (optionally running ``command`` instead of a shell) or ``upper-bash``."""
    if action not in SHELL_ACTIONS:
        raise ValueError(f"not a shell action: {action}")
    if command and action != "bash":
        raise ValueError("only 'bash' runs a command")
    return dataclasses.replace(base, action=action, command=list(command or []))


def log_viewer_command(log_path: str) -> list[str]:
    """Show a build log inside the lower container: ``less`` when it has one, else ``cat``.
    The path is an argument, never part of the shell text."""
    return ["sh", "-c", 'if command -v less >/dev/null; then less -R +G -- "$1"; else cat -- "$1"; fi',
            "show-log", log_path]


def shell_refusal(artifact_dir: Path, running_build: str | None) -> str | None:
    """Why a shell must not start now (a build of ours, or anyone's, holds the artifact), or None."""
    if running_build:
        return (f"A {running_build} is running and holds the build containers; "
                "wait for it to finish or cancel it (x) before opening a shell.")
    holder = lock_holder(Path(artifact_dir) / "work")
    if holder is not None:
        return f"The build containers are locked: {holder.describe()}."
    if os.geteuid() != 0:
        return "A shell in the build containers needs root (loop mounts and systemd-nspawn); run genpack-tui with sudo."
    return None
