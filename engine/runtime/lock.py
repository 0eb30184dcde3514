"""One build per artifact at a time (docs/compatibility.md §12): a non-blocking flock on ``work/.lock``.

The lock file holds the holder's pid, command and start time so a second instance can say who
is building. The kernel drops the lock when the holder dies, however it dies; the file itself is
never deleted (deleting lock files races with a newcomer that has just opened it). ``work/`` is
writable from the build containers: the lock file is opened through engine/runtime/work_area.py, so a
link planted at ``work`` or ``work/.lock`` is refused, never written through.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from .errors import RuntimeEngineError
from .syscalls import host_pid
from .work_area import confined

LOCK_NAME = ".lock"


@dataclass(frozen=True)
class LockHolder:
    pid: int | None
    command: str
    since: float | None

    def describe(self) -> str:
        if self.pid is None:
            return "another process (it did not record itself yet)"
        when = time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(self.since)) if self.since else "an unknown time"
        return f"pid {self.pid} ({self.command}), running since {when}"


class BuildLocked(RuntimeEngineError):
    def __init__(self, lock_path: Path, holder: LockHolder) -> None:
        self.lock_path = lock_path
        self.holder = holder
        super().__init__(
            f"Another build of this artifact is running: {holder.describe()}. "
            f"Wait for it to finish or stop it (lock: {lock_path})."
        )


def read_holder(lock_path: Path) -> LockHolder:
    try:
        directory, relative = confined(lock_path)
        with directory:
            data = json.loads(directory.read_text(relative))
        return LockHolder(int(data["pid"]), str(data.get("command", "?")), float(data["since"]))
    except (OSError, RuntimeEngineError, ValueError, KeyError, TypeError):
        return LockHolder(None, "", None)


class BuildLock:
    def __init__(self, work_dir: Path, command: str) -> None:
        self.path = Path(work_dir) / LOCK_NAME
        self.command = command
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> BuildLock:
        if self._fd is not None:
            return self
        from .images import create_work_root  # the image tools; readers of the lock file never need them

        create_work_root(self.path.parent)
        directory, relative = confined(self.path)
        with directory:
            fd = directory.open_rw(relative)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise BuildLocked(self.path, read_holder(self.path)) from None
        record = json.dumps({"pid": host_pid(), "command": self.command, "since": time.time()})
        os.ftruncate(fd, 0)
        os.pwrite(fd, (record + "\n").encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
        finally:
            os.close(fd)  # closing the last descriptor drops the flock

    def __enter__(self) -> BuildLock:
        return self.acquire()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def acquire_build_lock(work_dir: Path, command: str) -> BuildLock:
    """Take the artifact's build lock now or raise BuildLocked naming the holder."""
    return BuildLock(work_dir, command).acquire()
