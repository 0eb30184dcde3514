"""Running a command on a real pseudo-terminal."""
from __future__ import annotations

import os
import pty
import subprocess


def run_in_pty(argv: list[str], env: dict[str, str]) -> tuple[int, str]:
    """``argv`` with stdin, stdout and stderr on a real pseudo-terminal; everything it wrote."""
    controller, terminal = pty.openpty()
    proc = subprocess.Popen(argv, stdin=terminal, stdout=terminal, stderr=terminal, env=env, close_fds=True)
    os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: the terminal's other side is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(controller)
    return proc.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")
