"""Parent side of the build worker: start it, relay its events, cancel it.

Mounts never outlive the build (docs/compatibility.md §11) because every build runs in a child process that
owns a private mount namespace (worker_main); when it dies, however it dies, the kernel drops
its mounts and the auto-clearing loop devices detach.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Sequence
from typing import Any

from ..events import ErrorEvent, Event, EventSink, OutputLine, WarningEvent, from_dict
from .errors import WorkerError

WORKER_MODULE = f"{__package__}.worker_main"
PARENT_ENV = "GENPACK_TUI_WORKER_PARENT"  # lets the worker notice a parent that died before it started
WORKER_CWD = "/"  # never the artifact directory: a root process must not start in a directory the user controls
CANCEL_GRACE = (5.0, 5.0)  # seconds after SIGINT, then after SIGTERM, before SIGKILL


def _validate_target(target: str) -> None:
    module, sep, attr = target.partition(":")
    if not sep or not module or not attr:
        raise WorkerError(f"job target must look like 'package.module:function', got {target!r}")


def worker_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The caller's environment for the worker; the worker's Python ignores PYTHON* variables (``-I``)."""
    env = dict(os.environ)
    env[PARENT_ENV] = str(os.getpid())
    env.update(extra or {})
    return env


def worker_command(python: str | None = None) -> list[str]:
    """The worker's interpreter in isolated mode: no current directory, PYTHONPATH or user site on
    sys.path, so nothing the artifact or the caller's directory holds is importable by a root process."""
    return [python or sys.executable, "-I", "-m", WORKER_MODULE]


def interactive_job_argv(
    target: str, args: dict[str, Any], *, quiet: bool = True, python: str | None = None
) -> list[str]:
    """argv of a worker that keeps the terminal (for a shell pane or ``bash``); run it from the main thread."""
    _validate_target(target)
    job = json.dumps({"target": target, "args": args})
    return [*worker_command(python), "--interactive", job, *(["--quiet"] if quiet else [])]


def run_interactive_job(target: str, args: dict[str, Any]) -> int:
    """Run an interactive job on our terminal and return its exit code."""
    return subprocess.call(interactive_job_argv(target, args), env=worker_env(), cwd=WORKER_CWD)


class _Canceller(threading.Thread):
    """SIGINT, then SIGTERM, then SIGKILL, each after a grace period, until the worker is gone."""

    def __init__(
        self, proc: subprocess.Popen[Any], trigger: threading.Event, done: threading.Event, grace: Sequence[float]
    ) -> None:
        super().__init__(name="genpack-worker-cancel", daemon=True)
        self.proc, self.trigger, self.done, self.grace = proc, trigger, done, grace

    def run(self) -> None:
        while not self.trigger.wait(0.1):
            if self.done.is_set():
                return
        for sig, wait in ((signal.SIGINT, self.grace[0]), (signal.SIGTERM, self.grace[1]), (signal.SIGKILL, None)):
            if self.proc.poll() is not None:
                return
            self.proc.send_signal(sig)
            if wait is None:
                return
            try:
                self.proc.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue


def run_job(
    target: str,
    args: dict[str, Any],
    sink: EventSink,
    *,
    cancel: threading.Event | None = None,
    grace: Sequence[float] = CANCEL_GRACE,
    python: str | None = None,
) -> int:
    """Run ``target(sink, **args)`` in a worker process; relay its events to ``sink``; return its exit code.

    Setting ``cancel`` (or a KeyboardInterrupt in this thread) interrupts the worker: SIGINT, then
    SIGTERM, then SIGKILL. The worker cleans up on the first two; on SIGKILL its namespace does.
    Call it from a thread that lives until it returns: the worker's parent-death signal is tied
    to the thread that started it.
    """
    _validate_target(target)
    try:
        json_job = json.dumps({"target": target, "args": args})
    except (TypeError, ValueError) as exc:
        raise WorkerError(f"job arguments are not JSON-serialisable: {exc}") from None
    sink_lock = threading.Lock()

    def emit(event: Event) -> None:
        with sink_lock:
            sink(event)

    proc = subprocess.Popen(
        worker_command(python),
        cwd=WORKER_CWD,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=worker_env(),
        start_new_session=True,
        close_fds=True,
    )
    trigger = cancel or threading.Event()
    done = threading.Event()
    canceller = _Canceller(proc, trigger, done, grace)
    canceller.start()
    stderr_tail: deque[str] = deque(maxlen=40)
    stderr_thread = threading.Thread(
        target=_relay_stderr, args=(proc, emit, stderr_tail), name="genpack-worker-stderr", daemon=True
    )
    stderr_thread.start()
    saw_error = False
    interrupted: BaseException | None = None
    try:
        assert proc.stdin is not None and proc.stdout is not None
        with contextlib.suppress(BrokenPipeError):  # the worker died at once; its stderr says why
            proc.stdin.write(json_job.encode())
            proc.stdin.close()
        while True:
            try:
                raw = proc.stdout.readline()
            except KeyboardInterrupt as exc:
                interrupted = exc
                trigger.set()
                continue
            if not raw:
                break
            event = _decode(raw)
            saw_error |= isinstance(event, ErrorEvent)
            emit(event)
        while True:
            try:
                rc = proc.wait()
                break
            except KeyboardInterrupt as exc:
                interrupted = exc
                trigger.set()
    finally:
        done.set()
        if proc.poll() is None:  # an unexpected exception here: never leave the worker behind
            proc.kill()
            proc.wait()
        stderr_thread.join(5)
        canceller.join(1)
    if rc != 0 and not saw_error:
        tail = "\n".join(stderr_tail)
        how = f"killed by {signal.Signals(-rc).name}" if rc < 0 else f"exit code {rc}"
        emit(ErrorEvent(message=f"build worker failed ({how})", detail=tail))
    if interrupted is not None:
        raise interrupted
    return rc


def _decode(raw: bytes) -> Event:
    text = raw.decode("utf-8", errors="replace").rstrip("\n")
    try:
        return from_dict(json.loads(text))
    except (ValueError, TypeError):
        return WarningEvent(message=f"unreadable event from the build worker: {text[:200]}")


def _relay_stderr(proc: subprocess.Popen[bytes], emit: EventSink, tail: deque[str]) -> None:
    assert proc.stderr is not None
    for raw in proc.stderr:
        text = raw.decode("utf-8", errors="replace").rstrip("\n")
        tail.append(text)
        emit(OutputLine(phase="worker", step="stderr", text=text, stream="stderr"))
