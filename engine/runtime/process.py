"""Run commands (argv lists only): streamed line by line, or interactively on a terminal/pty.

Every child gets PR_SET_PDEATHSIG(SIGKILL) so it never outlives us. ``preexec_fn`` is only used
while this process is single-threaded (the build worker); in a multi-threaded process (the TUI) we
prefix util-linux ``setpriv --pdeathsig KILL`` instead, because ``preexec_fn`` is unsafe with threads.
Note the kernel sends the signal when the *thread* that started the child exits.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import functools
import os
import pty
import re
import selectors
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from re import Pattern
from typing import IO, Any, BinaryIO

from ..events import EventSink, OutputLine
from . import syscalls

LineCallback = Callable[[str, str], None]  # (text, stream) with stream "stdout" or "stderr"

HARMLESS_LINES: tuple[Pattern[str], ...] = (
    # nspawn without systemd as PID 1, at exit (test-bed-notes pitfall 12)
    re.compile(
        r'^Attempted to remove disk file system under "/run/systemd/nspawn/propagate/[^"]*", and we can\'t allow that\.$'
    ),
)

TERMINATE_GRACE = 5.0
_CHUNK = 65536


@functools.cache
def _setpriv_with_pdeathsig() -> str | None:
    path = shutil.which("setpriv")
    if path is None:
        return None
    try:
        help_text = subprocess.run([path, "--help"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return path if "--pdeathsig" in help_text else None


def guarded(argv: Sequence[str]) -> tuple[list[str], Callable[[], None] | None]:
    """argv and preexec_fn that give the child PR_SET_PDEATHSIG(SIGKILL)."""
    argv = list(argv)
    if threading.active_count() == 1:
        return argv, functools.partial(syscalls.pdeathsig_preexec, os.getpid())
    setpriv = _setpriv_with_pdeathsig()
    if setpriv is not None:
        return [setpriv, "--pdeathsig", "KILL", "--", *argv], None
    return argv, None  # no safe way left; start_new_session at least keeps terminal signals apart


def terminate(proc: subprocess.Popen[Any], grace: float = TERMINATE_GRACE) -> int:
    """SIGTERM, then SIGKILL after ``grace`` seconds; returns the exit status."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
    return proc.wait()


class _LineSplitter:
    def __init__(self, stream: str, emit: Callable[[str, str], None]) -> None:
        self.stream = stream
        self._emit = emit
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""

    def feed(self, data: bytes, final: bool = False) -> None:
        text = self._pending + self._decoder.decode(data, final)
        *lines, self._pending = text.split("\n")
        for line in lines:
            self._emit(line.removesuffix("\r"), self.stream)
        if final and self._pending:
            self._emit(self._pending.removesuffix("\r"), self.stream)
            self._pending = ""


def _filtered(on_line: LineCallback, filters: Sequence[Pattern[str]]) -> LineCallback:
    def emit(text: str, stream: str) -> None:
        if not any(f.match(text) for f in filters):
            on_line(text, stream)

    return emit


def run_streaming(
    argv: Sequence[str],
    on_line: LineCallback,
    *,
    stdin: bytes | BinaryIO | None = None,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    filters: Sequence[Pattern[str]] = HARMLESS_LINES,
) -> int:
    """Run ``argv`` non-interactively; every stdout/stderr line goes to ``on_line``; returns the exit code.

    ``stdin`` is bytes (fed through a pipe), a binary file with a file descriptor (passed as is),
    or None (``/dev/null``). An exception in the caller's thread (e.g. KeyboardInterrupt) terminates
    the child before it propagates, so callers can unmount safely afterwards.
    """
    data: bytes | None = None
    stdin_arg: Any = subprocess.DEVNULL
    if isinstance(stdin, (bytes, bytearray, memoryview)):
        data, stdin_arg = bytes(stdin), subprocess.PIPE
    elif stdin is not None:
        try:
            stdin.fileno()
            stdin_arg = stdin
        except (AttributeError, OSError, ValueError):
            data, stdin_arg = stdin.read(), subprocess.PIPE
    full_argv, preexec = guarded(argv)
    emit = _filtered(on_line, filters)
    proc = subprocess.Popen(
        full_argv,
        stdin=stdin_arg,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=None if env is None else dict(env),
        cwd=cwd,
        preexec_fn=preexec,
        close_fds=True,
    )
    try:
        _pump(proc, data, emit)
    except BaseException:
        terminate(proc)
        raise
    return proc.wait()


def _pump(proc: subprocess.Popen[bytes], data: bytes | None, emit: LineCallback) -> None:
    assert proc.stdout is not None and proc.stderr is not None
    sel = selectors.DefaultSelector()
    splitters = {
        proc.stdout.fileno(): _LineSplitter("stdout", emit),
        proc.stderr.fileno(): _LineSplitter("stderr", emit),
    }
    for fd in splitters:
        os.set_blocking(fd, False)
        sel.register(fd, selectors.EVENT_READ)
    view = memoryview(data or b"")
    if proc.stdin is not None:
        os.set_blocking(proc.stdin.fileno(), False)
        if view:
            sel.register(proc.stdin.fileno(), selectors.EVENT_WRITE)
        else:
            proc.stdin.close()
    try:
        while sel.get_map():
            for key, _ in sel.select():
                fd = key.fd
                if fd in splitters:
                    try:
                        chunk = os.read(fd, _CHUNK)
                    except BlockingIOError:
                        continue
                    if chunk:
                        splitters[fd].feed(chunk)
                    else:
                        splitters[fd].feed(b"", final=True)
                        sel.unregister(fd)
                else:
                    assert proc.stdin is not None
                    try:
                        view = view[os.write(fd, view[:_CHUNK]) :]
                    except BlockingIOError:
                        continue
                    except BrokenPipeError:
                        view = view[len(view) :]
                    if not view:
                        sel.unregister(fd)
                        proc.stdin.close()
    finally:
        sel.close()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None and not stream.closed:
                stream.close()


def lines_to_events(sink: EventSink, phase: str, step: str) -> LineCallback:
    """An ``on_line`` callback that turns each line into an OutputLine event."""

    def on_line(text: str, stream: str) -> None:
        sink(OutputLine(phase=phase, step=step, text=text, stream=stream))

    return on_line


def run_interactive(argv: Sequence[str], *, env: Mapping[str, str] | None = None) -> int:
    """Run ``argv`` for a person: on our terminal when stdin is a TTY, otherwise on a fresh pty
    whose input is our stdin and whose output goes to our stdout."""
    if sys.stdin.isatty():
        full_argv, preexec = guarded(argv)
        proc = subprocess.Popen(full_argv, env=None if env is None else dict(env), preexec_fn=preexec)
        try:
            return proc.wait()
        except BaseException:
            terminate(proc)
            raise
    return run_on_pty(argv, sys.stdin.buffer, sys.stdout.buffer, env=env)


def run_on_pty(
    argv: Sequence[str],
    stdin: BinaryIO | None,
    stdout: IO[bytes],
    *,
    env: Mapping[str, str] | None = None,
    rows: int = 24,
    cols: int = 80,
) -> int:
    """Run ``argv`` as the session leader of a new pty (its controlling terminal), copying ``stdin``
    to the pty and the pty's output to ``stdout``. At the end of ``stdin`` an EOF (^D) is typed."""
    import fcntl
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    child_env = dict(os.environ if env is None else env)
    child_env.setdefault("TERM", "xterm-256color")
    setsid = shutil.which("setsid")
    # util-linux setsid --ctty makes the pty the controlling terminal without a preexec_fn
    cmd = [setsid, "--ctty", "--", *argv] if setsid else list(argv)
    full_argv, preexec = guarded(cmd)
    try:
        proc = subprocess.Popen(
            full_argv, stdin=slave, stdout=slave, stderr=slave, env=child_env, preexec_fn=preexec, close_fds=True
        )
    finally:
        os.close(slave)
    try:
        _pump_pty(master, stdin, stdout)
    except BaseException:
        terminate(proc)
        raise
    finally:
        os.close(master)
    return proc.wait()


def _pump_pty(master: int, stdin: BinaryIO | None, stdout: IO[bytes]) -> None:
    """Copy input to the pty and its output to ``stdout`` without ever blocking on either side
    (a child that does not read its input must not stop us from draining its output)."""
    os.set_blocking(master, False)
    pending = bytearray()
    in_fd: int | None = None
    if stdin is None:
        pending += b"\x04"
    else:
        try:
            in_fd = stdin.fileno()
        except (AttributeError, OSError, ValueError):
            pending += stdin.read() + b"\x04"
    sel = selectors.DefaultSelector()
    sel.register(master, selectors.EVENT_READ | (selectors.EVENT_WRITE if pending else 0))
    if in_fd is not None:
        try:
            sel.register(in_fd, selectors.EVENT_READ)
        except PermissionError:  # a regular file or /dev/null: epoll refuses it, but it never blocks
            assert stdin is not None  # in_fd came from it
            pending += stdin.read() + b"\x04"
            sel.modify(master, selectors.EVENT_READ | selectors.EVENT_WRITE)
    try:
        while True:
            for key, mask in sel.select():
                if key.fd != master:
                    chunk = os.read(key.fd, _CHUNK)
                    if not chunk:
                        sel.unregister(key.fd)
                        chunk = b"\x04"  # end of our input: type an EOF
                    pending += chunk
                elif mask & selectors.EVENT_READ:
                    try:
                        chunk = os.read(master, _CHUNK)
                    except BlockingIOError:
                        continue
                    except OSError as exc:  # EIO: every slave end is closed, the child is gone
                        if exc.errno != errno.EIO:
                            raise
                        return
                    if not chunk:
                        return
                    stdout.write(chunk)
                    stdout.flush()
                elif pending:
                    try:
                        with contextlib.suppress(BlockingIOError):  # the pty is full: next EVENT_WRITE
                            del pending[: os.write(master, pending[:_CHUNK])]
                    except OSError as exc:
                        if exc.errno != errno.EIO:
                            raise
                        pending.clear()
                sel.modify(master, selectors.EVENT_READ | (selectors.EVENT_WRITE if pending else 0))
    finally:
        sel.close()
