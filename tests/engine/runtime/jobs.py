"""Job functions the worker tests run in a real worker process (``tests.engine.runtime.jobs:<name>``)."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from genpack_tui.engine.events import EventSink, OutputLine, StepFinished, StepStarted
from genpack_tui.engine.runtime import mounts, privileged
from genpack_tui.engine.runtime.nspawn import NspawnSpec
from genpack_tui.engine.runtime.process import lines_to_events
from genpack_tui.engine.runtime.syscalls import host_pid


def say(sink: EventSink, text: str) -> int:
    sink(OutputLine(phase="test", step="say", text=text))
    return 0


def exit_with(sink: EventSink, code: int) -> int:
    return code


def fail(sink: EventSink, message: str) -> None:
    raise ValueError(message)


def stray_output(sink: EventSink) -> int:
    """A child that writes straight to fd 1 must not corrupt the event stream."""
    subprocess.run(["echo", "stray line from a child"], check=True)
    print("stray print from the job")
    sink(OutputLine(phase="test", step="stray", text="after the stray output"))
    return 0


def where_am_i(sink: EventSink) -> int:
    sink(OutputLine(phase="test", step="ns", text=os.readlink("/proc/self/ns/mnt")))
    sink(OutputLine(phase="test", step="pid", text=str(os.getpid())))
    sink(OutputLine(phase="test", step="pidns", text=os.readlink("/proc/self/ns/pid")))
    return 0


def mount_and_wait(sink: EventSink, image: str, seconds: float = 60.0) -> int:
    """Mount ``image``, announce pid and mount point, then wait to be signalled."""
    with mounts.mounted_image(Path(image)) as mnt:
        try:
            sink(StepStarted(phase="test", step="mounted", title=f"{host_pid()} {mnt}"))
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            sink(OutputLine(phase="test", step="cleanup", text=f"unmounting {mnt}"))
    sink(StepFinished(phase="test", step="mounted", ok=True, duration=0.0))
    return 0


def nspawn_in_image(sink: EventSink, image: str, command: list[str], announce: bool = False) -> int:
    """Mount ``image`` and run ``command`` in a container on it, streaming its output as events."""
    with mounts.mounted_image(Path(image)) as mnt:
        if announce:
            sink(StepStarted(phase="test", step="container", title=f"{host_pid()} {mnt}"))
        try:
            return privileged.run_nspawn(
                NspawnSpec(root=mnt, command=command), lines_to_events(sink, "test", "container")
            )
        finally:
            sink(OutputLine(phase="test", step="cleanup", text=f"unmounting {mnt}"))


def shell_in_image(sink: EventSink, image: str) -> int:
    """``bash``-style job: mount the image and give the container our terminal (or a pty)."""
    with mounts.mounted_image(Path(image)) as mnt:
        return privileged.run_nspawn_interactive(NspawnSpec(root=mnt, command=["sh"]))
