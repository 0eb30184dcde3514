"""One build per artifact: a second holder is refused with a message naming the first."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from genpack_tui.engine.runtime.lock import BuildLock, BuildLocked, acquire_build_lock, read_holder


def test_second_instance_is_refused_naming_the_holder(tmp_path: Path) -> None:
    work = tmp_path / "work"
    with acquire_build_lock(work, "genpack-tui build --variant cuda") as first:
        assert first.held and work.is_dir()
        with pytest.raises(BuildLocked) as info:
            acquire_build_lock(work, "genpack-tui upper")
        message = str(info.value)
        assert message.startswith(
            f"Another build of this artifact is running: pid {os.getpid()} (genpack-tui build --variant cuda), running since "
        )
        assert str(work / ".lock") in message
        assert info.value.holder.pid == os.getpid()
    # released: a new build may start, and the stale record is gone
    assert read_holder(work / ".lock").pid is None
    with acquire_build_lock(work, "genpack-tui pack"):
        assert read_holder(work / ".lock").command == "genpack-tui pack"


def test_lock_of_a_killed_process_is_free(tmp_path: Path) -> None:
    work = tmp_path / "work"
    code = (
        "import sys, time; from pathlib import Path; from genpack_tui.engine.runtime.lock import acquire_build_lock;"
        "l = acquire_build_lock(Path(sys.argv[1]), 'holder'); print('locked', flush=True); time.sleep(60)"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(work)], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[3]
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        with pytest.raises(BuildLocked, match=rf"pid {proc.pid} \(holder\)"):
            acquire_build_lock(work, "second")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    lock = acquire_build_lock(work, "after the kill")
    lock.release()
    assert not lock.held


def test_holder_without_record_is_described(tmp_path: Path) -> None:
    lock_path = tmp_path / ".lock"
    lock_path.write_text("garbage")
    assert read_holder(lock_path).describe() == "another process (it did not record itself yet)"


def test_acquire_is_idempotent_and_release_twice_is_harmless(tmp_path: Path) -> None:
    lock = BuildLock(tmp_path / "work", "x")
    assert lock.acquire() is lock.acquire()
    lock.release()
    lock.release()
    assert not lock.held
