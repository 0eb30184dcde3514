"""The build worker: events relayed, private mounts, and no mount or loop device left after signals."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from genpack_tui.engine.events import ErrorEvent, Event, OutputLine, StepFinished, StepStarted
from genpack_tui.engine.runtime import privileged
from genpack_tui.engine.runtime.errors import WorkerError
from genpack_tui.engine.runtime.worker import interactive_job_argv, run_job, worker_env
from tests.fixtures.runtime import jobs_python

pytestmark = pytest.mark.root
PROJECT = Path(__file__).parents[3]


def outputs(events: list[Event], step: str | None = None) -> list[str]:
    return [e.text for e in events if isinstance(e, OutputLine) and (step is None or e.step == step)]


def test_events_are_relayed(runtime_host) -> None:
    events: list[Event] = []
    assert run_job("tests.engine.runtime.jobs:say", {"text": "hello ☃"}, events.append, python=jobs_python()) == 0
    assert outputs(events) == ["hello ☃"]


def test_job_runs_in_its_own_mount_namespace(runtime_host) -> None:
    events: list[Event] = []
    assert run_job("tests.engine.runtime.jobs:where_am_i", {}, events.append, python=jobs_python()) == 0
    assert outputs(events, "ns")[0] != os.readlink("/proc/self/ns/mnt")
    # the job is the init of a PID namespace of its own: whatever it starts dies with it
    assert outputs(events, "pid") == ["1"]
    assert outputs(events, "pidns")[0] != os.readlink("/proc/self/ns/pid")


def test_exit_code_and_exception(runtime_host) -> None:
    assert run_job("tests.engine.runtime.jobs:exit_with", {"code": 5}, lambda e: None, python=jobs_python()) == 5
    events: list[Event] = []
    assert run_job("tests.engine.runtime.jobs:fail", {"message": "bad config"}, events.append, python=jobs_python()) == 1
    errors = [e for e in events if isinstance(e, ErrorEvent)]
    assert len(errors) == 1 and errors[0].message == "ValueError: bad config" and "Traceback" in errors[0].detail


def test_stray_stdout_becomes_stderr_output_not_garbage(runtime_host) -> None:
    events: list[Event] = []
    assert run_job("tests.engine.runtime.jobs:stray_output", {}, events.append, python=jobs_python()) == 0
    stray = [e for e in events if isinstance(e, OutputLine) and e.stream == "stderr"]
    assert {e.text for e in stray} == {"stray line from a child", "stray print from the job"}
    assert outputs(events, "stray") == ["after the stray output"]
    assert not [e for e in events if e.kind == "warning"]


def test_bad_jobs(runtime_host) -> None:
    with pytest.raises(WorkerError, match="must look like 'package.module:function'"):
        run_job("no_colon", {}, lambda e: None)
    with pytest.raises(WorkerError, match="not JSON-serialisable"):
        run_job("a:b", {"x": object()}, lambda e: None)
    events: list[Event] = []
    assert run_job("tests.engine.runtime.jobs:does_not_exist", {}, events.append, python=jobs_python()) == 1
    assert "is not a callable" in [e for e in events if isinstance(e, ErrorEvent)][0].message


def _start_mounted_job(target: str, args: dict, cancel: threading.Event | None = None):
    events: list[Event] = []
    result: dict[str, int] = {}
    mounted = threading.Event()

    def sink(event: Event) -> None:
        events.append(event)
        if isinstance(event, StepStarted):
            mounted.set()

    thread = threading.Thread(
        target=lambda: result.setdefault(
            "rc", run_job(target, args, sink, cancel=cancel, grace=(5.0, 5.0), python=jobs_python())
        )
    )
    thread.start()
    assert mounted.wait(30), f"job did not mount: {events}"
    started = next(e for e in events if isinstance(e, StepStarted))
    pid, mountpoint = started.title.split(" ", 1)
    return thread, events, result, int(pid), mountpoint


def _assert_no_leftovers(image: Path, mountpoint: str) -> None:
    for _ in range(50):  # the kernel tears the namespace down asynchronously
        if str(image) not in privileged.loop_devices():
            break
        time.sleep(0.05)
    assert str(image) not in privileged.loop_devices()
    assert str(image) not in subprocess.run(["losetup", "-a"], capture_output=True, text=True).stdout
    assert not privileged.mountpoints_under(mountpoint)
    assert mountpoint not in Path("/proc/self/mountinfo").read_text()
    assert mountpoint.startswith("/run/genpack-tui/mnt/") and not Path(mountpoint).exists()  # private tmpfs


def test_sigkill_mid_mount_leaves_no_mount_and_no_loop_device(make_image, runtime_host) -> None:
    image = make_image()
    thread, events, result, pid, mountpoint = _start_mounted_job(
        "tests.engine.runtime.jobs:mount_and_wait", {"image": str(image)}
    )
    # the mount is real, but only inside the worker's namespace
    assert str(image) in privileged.loop_devices()
    assert not privileged.mountpoints_under(mountpoint)
    assert mountpoint in Path(f"/proc/{pid}/mountinfo").read_text()
    os.kill(pid, signal.SIGKILL)
    thread.join(30)
    assert result["rc"] == -signal.SIGKILL
    assert "unmounting" not in " ".join(outputs(events))  # no cleanup code ran: the kernel did it
    assert any(isinstance(e, ErrorEvent) and "killed by SIGKILL" in e.message for e in events)
    _assert_no_leftovers(image, mountpoint)


def test_cancel_sends_sigint_and_the_worker_unmounts(make_image, runtime_host) -> None:
    image = make_image()
    cancel = threading.Event()
    thread, events, result, pid, mountpoint = _start_mounted_job(
        "tests.engine.runtime.jobs:mount_and_wait", {"image": str(image)}, cancel
    )
    cancel.set()
    thread.join(30)
    assert result["rc"] == 130
    assert outputs(events, "cleanup") == [f"unmounting {mountpoint}"]
    assert not [e for e in events if isinstance(e, StepFinished)]  # the job did not run to its end
    assert [e.message for e in events if isinstance(e, ErrorEvent)] == ["interrupted (SIGINT); mounts were released"]
    _assert_no_leftovers(image, mountpoint)


def test_sigterm_unmounts_too(make_image, runtime_host) -> None:
    image = make_image()
    thread, events, result, pid, mountpoint = _start_mounted_job(
        "tests.engine.runtime.jobs:mount_and_wait", {"image": str(image)}
    )
    os.kill(pid, signal.SIGTERM)
    thread.join(30)
    assert result["rc"] == 143 and outputs(events, "cleanup") == [f"unmounting {mountpoint}"]
    _assert_no_leftovers(image, mountpoint)


def test_cancel_during_a_container_run(busybox_image: Path, runtime_host) -> None:
    cancel = threading.Event()
    thread, events, result, pid, mountpoint = _start_mounted_job(
        "tests.engine.runtime.jobs:nspawn_in_image",
        {"image": str(busybox_image), "command": ["sh", "-c", "echo started; sleep 60"], "announce": True},
        cancel,
    )
    for _ in range(100):
        if "started" in outputs(events, "container"):
            break
        time.sleep(0.05)
    cancel.set()
    thread.join(30)
    assert not thread.is_alive()  # the container's `sleep 60` did not run out: cancel stopped it
    assert result["rc"] == 130 and outputs(events, "cleanup") == [f"unmounting {mountpoint}"]
    _assert_no_leftovers(busybox_image, mountpoint)


def test_sigkill_of_the_worker_takes_its_running_container_and_loop_device(busybox_image: Path, runtime_host) -> None:
    """A container outlived a SIGKILLed worker (nspawn's stub init is nobody's child then) and held
    the image's loop device until its payload ended: the worker is now its PID namespace's init."""
    seconds = str(random.randrange(100_000, 999_999))  # no other process on the machine sleeps as long
    thread, events, result, pid, mountpoint = _start_mounted_job(
        "tests.engine.runtime.jobs:nspawn_in_image",
        {"image": str(busybox_image), "command": ["sh", "-c", f"echo started; exec sleep {seconds}"], "announce": True},
    )
    for _ in range(200):
        if "started" in outputs(events, "container"):
            break
        time.sleep(0.05)
    assert "started" in outputs(events, "container")
    parent = int(Path(f"/proc/{pid}/status").read_text().split("PPid:")[1].split()[0])
    worker = pid if parent == os.getpid() else parent  # the process run_job started
    os.kill(worker, signal.SIGKILL)
    thread.join(30)
    assert result["rc"] == -signal.SIGKILL
    _assert_no_leftovers(busybox_image, mountpoint)
    sleepers = [p for p in Path("/proc").glob("[0-9]*/cmdline") if _cmdline(p) == ["sleep", seconds]]
    assert not sleepers, "the container's payload outlived the worker"


def _cmdline(path: Path) -> list[str]:
    try:
        return path.read_bytes().decode(errors="replace").split("\0")[:-1]
    except OSError:
        return []


def test_sigkill_of_the_parent_takes_the_worker_and_its_mounts(make_image, runtime_host) -> None:
    image = make_image()
    code = (
        "import sys\n"
        "from genpack_tui.engine.runtime.worker import run_job\n"
        "from genpack_tui.engine.events import JsonLinesWriter\n"
        f"run_job('tests.engine.runtime.jobs:mount_and_wait', {{'image': {str(image)!r}}}, JsonLinesWriter(sys.stdout),"
        f" python={jobs_python()!r})\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=PROJECT)
    assert parent.stdout is not None
    started = None
    for line in parent.stdout:
        event = json.loads(line)
        if event["kind"] == "step_started":
            started = event
            break
    assert started is not None
    worker_pid, mountpoint = started["title"].split(" ", 1)
    parent.kill()
    parent.wait()
    for _ in range(100):
        if not Path(f"/proc/{worker_pid}").exists():
            break
        time.sleep(0.05)
    assert not Path(f"/proc/{worker_pid}").exists(), "worker outlived its parent"
    _assert_no_leftovers(image, mountpoint)


def test_interactive_job_keeps_the_terminal(runtime_host) -> None:
    argv = interactive_job_argv("tests.engine.runtime.jobs:stray_output", {}, quiet=False, python=jobs_python())
    proc = subprocess.run(argv, env=worker_env(), capture_output=True, text=True, cwd=PROJECT)
    assert proc.returncode == 0
    assert proc.stdout.splitlines() == ["stray line from a child", "stray print from the job"]
    assert json.loads(proc.stderr.splitlines()[-1])["text"] == "after the stray output"


def test_interactive_shell_job_in_a_worker(busybox_image: Path, runtime_host) -> None:
    """The ``bash`` path end to end: worker namespace, loop mount, nspawn on a pty fed from a pipe."""
    argv = interactive_job_argv(
        "tests.engine.runtime.jobs:shell_in_image", {"image": str(busybox_image)}, python=jobs_python()
    )
    proc = subprocess.run(
        argv,
        env=worker_env(),
        input=b"[ -t 0 ] && echo shell-on-a-tty\nexit 9\n",
        capture_output=True,
        cwd=PROJECT,
        timeout=60,
    )
    assert proc.returncode == 9 and b"shell-on-a-tty" in proc.stdout
    assert str(busybox_image) not in privileged.loop_devices()
