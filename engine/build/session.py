"""One run of a subcommand, the same for the headless runner and the workbench: resolve the
configuration and report its problems as events, check for root, create genpack's helper files, then
run the phases, write the archive or open a shell, and always end with one BuildFinished event.

Configuration problems are ErrorEvent/WarningEvent with ``phase`` CONFIG_PHASE and the problem's
printed form as the message, so an ``--events`` file of a failed configuration replays like any other
run; renderers for people cap how many they print (genpack_tui/headless_renderer.py).
"""
from __future__ import annotations

import threading
import time
from typing import Callable

from genpack_tui.engine.build.preflight import artifact_files_created, root_checked, to_invoking_user
from genpack_tui.engine.build.request import PHASE_ACTIONS, SHELL_ACTIONS, BuildRequest
from genpack_tui.engine.config import Resolution, resolve
from genpack_tui.engine.events import BuildFinished, BuildStarted, ErrorEvent, Event, EventSink, WarningEvent
from genpack_tui.engine.runtime.errors import RuntimeEngineError

CONFIG_PHASE = "config"  # the phase of the events that carry configuration problems
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports it

BuildStarter = Callable[[BuildRequest, EventSink, "threading.Event | None"], int]
ShellStarter = Callable[[BuildRequest], int]


def engine_start_build(request: BuildRequest, sink: EventSink, cancel: threading.Event | None) -> int:
    """The build worker (engine/build/runner.py), imported on first use: it pulls in the whole build engine."""
    from genpack_tui.engine.build.runner import start_build

    return start_build(request, sink, cancel)


def engine_start_shell(request: BuildRequest) -> int:
    from genpack_tui.engine.build.shell import start_shell

    return start_shell(request)


def run_action(request: BuildRequest, sink: EventSink, cancel: threading.Event | None = None, *,
               start_build: BuildStarter = engine_start_build,
               start_shell: ShellStarter = engine_start_shell) -> int:
    """Run ``request`` (a phase action, ``archive`` or a shell) reporting to ``sink``; returns the exit
    code: 0, 1 for a failed build or configuration, the shell's status, 130 when interrupted. Never
    raises for a failed run; the last event is always one BuildFinished."""
    started = time.monotonic()
    finished: list[BuildFinished] = []

    def relay(event: Event) -> None:
        if isinstance(event, BuildFinished):
            if finished:  # the engine already ended the run (e.g. the worker before it was interrupted)
                return
            finished.append(event)
        sink(event)

    message = ""
    try:
        rc, message = _run(request, relay, cancel, start_build, start_shell)
    except KeyboardInterrupt:
        rc, message = EXIT_INTERRUPTED, "Interrupted."
    except (RuntimeEngineError, OSError) as exc:
        relay(ErrorEvent(message=str(exc), phase=request.action))
        rc = EXIT_FAILED
    if not finished:
        relay(BuildFinished(ok=rc == EXIT_OK, duration=time.monotonic() - started, message=message))
    return rc


def _run(request: BuildRequest, sink: EventSink, cancel: threading.Event | None,
         start_build: BuildStarter, start_shell: ShellStarter) -> tuple[int, str]:
    """(the exit code, why the run failed when the engine itself did not end it with a BuildFinished)."""
    resolution = resolve(request.artifact_path, variant=request.variant, arch=request.arch)
    name = resolution.name or request.artifact_path.name
    sink(BuildStarted(action=request.action, artifact=name, variant=resolution.variant, arch=resolution.arch))
    if not report_problems(resolution, sink):
        return EXIT_FAILED, f"{len(resolution.errors)} error(s) in the configuration; nothing was built."
    if request.action != "archive" and not root_checked(request.action, sink):
        return EXIT_FAILED, ""
    if not artifact_files_created(request.artifact_path, sink):
        return EXIT_FAILED, ""
    if request.action == "archive":
        from genpack_tui.engine.artifact.archive import run_archive

        ok = run_archive(request.artifact_path, name, sink, to_invoking_user())
        return (EXIT_OK if ok else EXIT_FAILED), ""
    if request.action in SHELL_ACTIONS:
        rc = start_shell(request)
        return rc, f"{request.action} ended with exit status {rc}" if rc else ""
    if request.action in PHASE_ACTIONS:
        rc = start_build(request, sink, cancel)
        cancelled = " (cancelled)" if cancel is not None and cancel.is_set() else ""
        return rc, f"the build worker ended with exit code {rc}{cancelled}"  # seen only without its own end
    raise ValueError(f"not an action run_action knows: {request.action!r}")


def report_problems(resolution: Resolution, sink: EventSink) -> bool:
    """Every problem of the configuration as an event; True when none of them is an error."""
    for problem in resolution.problems:
        event = ErrorEvent if problem.is_error else WarningEvent
        sink(event(message=str(problem), phase=CONFIG_PHASE))
    return resolution.ok
