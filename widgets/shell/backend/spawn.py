"""Starting a child on a pseudo-terminal without ``preexec_fn``.

A shell needs its own session with the pty as controlling terminal, or Ctrl-C and job control do
nothing. bittty does that in ``preexec_fn``, which runs Python between fork and exec and is unsafe in
a threaded program (Textual runs threads). Here the child is wrapped in a tiny exec-only helper
instead: util-linux ``setsid --ctty --wait`` when the host has it, else an isolated Python
one-liner doing the same two system calls. The helper execs the real program, so the child's pid
and exit status are the program's own.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from typing import Mapping, Sequence

from bittty.pty.unix import UnixPTY

_PY_HELPER = (
    "import os,sys,fcntl,termios\n"
    "os.setsid()\n"
    "fcntl.ioctl(0, termios.TIOCSCTTY, 0)\n"
    "try:\n"
    "    os.execvp(sys.argv[1], sys.argv[1:])\n"
    "except OSError as e:\n"
    "    sys.stderr.write(f'cannot run {sys.argv[1]}: {e.strerror}\\n')\n"
    "    sys.exit(127)\n"
)

TERM = "xterm-256color"
"""What the emulator understands; given to the child unless the caller sets TERM."""


def session_wrapper(prefer_setsid: bool = True) -> list[str]:
    """The argv prefix that gives the program a new session with the pty as controlling terminal."""
    setsid = shutil.which("setsid") if prefer_setsid else None
    if setsid:
        return [setsid, "--ctty", "--wait"]
    return [sys.executable, "-I", "-S", "-c", _PY_HELPER]


def child_environment(env: Mapping[str, str] | None) -> dict[str, str]:
    """``env`` replaces the inherited environment (as with subprocess); TERM defaults to ours."""
    result = dict(os.environ if env is None else env)
    result.setdefault("TERM", TERM)
    result.setdefault("COLORTERM", "truecolor")
    return result


class SessionPTY(UnixPTY):
    """bittty's Unix pty, but spawning through ``session_wrapper`` with a cwd and an environment."""

    slave_fd: int | None  # set by bittty's UnixPTY; None once a child owns it

    def spawn(
        self,
        argv: Sequence[str],
        cwd: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        prefer_setsid: bool = True,
    ) -> subprocess.Popen[bytes]:
        if not argv:
            raise ValueError("empty command")
        slave: int | None = self.slave_fd
        assert slave is not None, "the pty's slave side was already handed to a child"
        process = subprocess.Popen(
            [*session_wrapper(prefer_setsid), *argv],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=cwd,
            env=child_environment(env),
            close_fds=True,
        )
        os.close(slave)
        self.slave_fd = None
        self._process = process
        return process

    def spawn_process(self, command, env=None):  # bittty's entry point, routed through ours
        return self.spawn(command if isinstance(command, list) else [command], env=env)
