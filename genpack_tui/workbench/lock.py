"""Who holds an artifact's build lock, asked without taking it or touching the lock file."""
from __future__ import annotations

import fcntl
import os
from pathlib import Path

from genpack_tui.engine.runtime.lock import LOCK_NAME, LockHolder, read_holder


def lock_holder(work_dir: Path) -> LockHolder | None:
    """The holder of ``work_dir/.lock`` when a build or shell holds it, else None."""
    path = Path(work_dir) / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return read_holder(path)
    finally:
        os.close(fd)  # also drops the shared lock just taken
    return None
