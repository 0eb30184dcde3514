"""Build worker process: ``python -I -m genpack_tui.engine.runtime.worker_main`` (isolated: see worker.py).

Reads a JSON job ``{"target": "package.module:function", "args": {...}}`` from stdin, enters a
private mount namespace (so no mount or loop device outlives this process, SIGKILL included) as
the init of a PID namespace of its own (so no process it started, a build container included,
outlives it either), calls ``function(sink, **args)`` and writes every event as a JSON line to stdout.

fd 1 is then pointed at stderr, so nothing a child process prints can corrupt the event stream;
children's output is meant to arrive as OutputLine events (process.run_streaming). With
``--interactive JOB_JSON`` the job comes from argv instead and stdio stay with the terminal
(``bash``/``upper-bash``); events then go to stderr as JSON lines, or nowhere with ``--quiet``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import select
import signal
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from ..events import ErrorEvent, EventSink, JsonLinesWriter
from . import mounts, privileged, syscalls
from .errors import RuntimeEngineError
from .worker import PARENT_ENV

# One persistent empty directory on the host; inside each worker a private tmpfs holds the
# temporary mount points, so a SIGKILLed worker leaves not even an empty directory behind.
SCRATCH_ROOT = Path("/run/genpack-tui/mnt")
EXIT_FAILED = 1
EXIT_BAD_JOB = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


class Terminated(BaseException):
    """SIGTERM/SIGHUP turned into an exception, so ``finally`` blocks unmount before we exit."""


def _on_terminate(signum: int, frame: object) -> None:
    raise Terminated(signal.Signals(signum).name)


def resolve_target(target: str) -> Callable[..., Any]:
    module_name, sep, attr = target.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f"job target must look like 'package.module:function', got {target!r}")
    function: object = getattr(importlib.import_module(module_name), attr, None)
    if not callable(function):
        raise ValueError(f"job target {target!r} is not a callable")
    return function


def parse_job(text: str) -> tuple[str, dict[str, Any]]:
    job = json.loads(text)
    if not isinstance(job, dict) or not isinstance(job.get("target"), str):
        raise ValueError("job must be a JSON object with a string 'target'")
    args = job.get("args", {})
    if not isinstance(args, dict):
        raise ValueError("job 'args' must be a JSON object")
    return job["target"], args


def run(target: str, args: dict[str, Any], sink: EventSink) -> int:
    """Call the job; exceptions become an ErrorEvent and an exit code."""
    try:
        function = resolve_target(target)
        result = function(sink, **args)
        return result if isinstance(result, int) and not isinstance(result, bool) else 0
    except KeyboardInterrupt:
        sink(ErrorEvent(message="interrupted (SIGINT); mounts were released"))
        return EXIT_INTERRUPTED
    except Terminated as exc:
        sink(ErrorEvent(message=f"terminated ({exc}); mounts were released"))
        return EXIT_TERMINATED
    except RuntimeEngineError as exc:
        sink(ErrorEvent(message=str(exc)))
        return EXIT_FAILED
    except Exception as exc:
        sink(ErrorEvent(message=f"{type(exc).__name__}: {exc}", detail=traceback.format_exc()))
        return EXIT_FAILED


def _guard_against_orphanhood() -> None:
    syscalls.set_parent_death_signal(signal.SIGKILL)
    expected = os.environ.get(PARENT_ENV)
    if expected and expected.isdigit() and os.getppid() != int(expected):
        os._exit(EXIT_FAILED)  # the parent died before we could ask to follow it


def _continue_as_namespace_init(*, forward_sigint: bool) -> int | None:
    """Fork into the PID namespace just unshared. The child, its pid 1, returns None and runs the job; this
    process waits, relays termination signals to it, and returns its exit code.

    If this process dies, even by SIGKILL, the child gets SIGKILL (its parent-death signal) and the
    kernel then kills every process left in the namespace. Without this, a container's payload
    (``systemd-nspawn --as-pid2`` keeps a stub init) outlives a SIGKILLed worker and keeps the
    images' loop devices attached until it ends by itself.
    """
    parent_alive, parent_alive_writer = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(parent_alive_writer)
        syscalls.set_parent_death_signal(signal.SIGKILL)
        if select.select([parent_alive], [], [], 0)[0]:  # end of file: the parent died before prctl
            os._exit(EXIT_FAILED)
        os.close(parent_alive)
        return None
    os.close(parent_alive)

    def relay(signum: int, frame: object) -> None:
        os.kill(child, signum)

    for relayed in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(relayed, relay)
    # on a terminal, ^C reaches the child from the terminal itself; relaying it would deliver it twice
    signal.signal(signal.SIGINT, relay if forward_sigint else signal.SIG_IGN)
    _, status = os.waitpid(child, 0)  # retried after each relayed signal (PEP 475)
    if os.WIFSIGNALED(status):  # die the same way, so our parent sees what happened to the job
        signum = os.WTERMSIG(status)
        if signum not in (signal.SIGKILL, signal.SIGSTOP):
            signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
    return os.waitstatus_to_exitcode(status)


def main(argv: list[str] | None = None) -> int:
    _guard_against_orphanhood()
    parser = argparse.ArgumentParser(prog=f"python -I -m {__spec__.name if __spec__ else __name__}")
    parser.add_argument("--interactive", metavar="JOB_JSON", help="job from argv; keep the terminal")
    parser.add_argument("--quiet", action="store_true", help="with --interactive: discard events")
    options = parser.parse_args(argv)
    try:
        syscalls.unshare_pid_namespace()
    except OSError as exc:
        print(f"genpack-tui worker: cannot make its own PID namespace: {exc}", file=sys.stderr)
        return EXIT_FAILED
    exit_code = _continue_as_namespace_init(forward_sigint=options.interactive is None)
    if exit_code is not None:
        return exit_code

    events: IO[str]
    if options.interactive is None:
        events = os.fdopen(os.dup(1), "w", encoding="utf-8")
        os.dup2(2, 1)
        sys.stdout = sys.stderr
        job_text = sys.stdin.read()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
    else:
        events = open(os.devnull, "w") if options.quiet else sys.stderr
        job_text = options.interactive
    sink: EventSink = JsonLinesWriter(events, schema_line=False)

    signal.signal(signal.SIGTERM, _on_terminate)
    signal.signal(signal.SIGHUP, _on_terminate)
    try:
        target, args = parse_job(job_text)
    except ValueError as exc:
        sink(ErrorEvent(message=f"invalid worker job: {exc}"))
        return EXIT_BAD_JOB
    try:
        syscalls.pin_host_pid()  # before /proc becomes our namespace's, where we are pid 1
        privileged.enter_private_mount_namespace(SCRATCH_ROOT)
        privileged.mount_own_proc()
        mounts.use_scratch_root(SCRATCH_ROOT)
    except RuntimeEngineError as exc:
        sink(ErrorEvent(message=str(exc)))
        return EXIT_FAILED
    return run(target, args, sink)


if __name__ == "__main__":
    sys.exit(main())
