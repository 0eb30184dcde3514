"""Runs one engine action at a time for the workbench, the way the headless runner does.

``BuildController.run`` is called from a Textual thread worker; the engine's events (plus
BuildStarted/BuildFinished around what the engine itself reports) go to the sinks given, which
include the UI's EventQueue and, with ``--events``, a JSON-lines file.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from genpack_tui.engine.build.request import BuildRequest
from genpack_tui.widgets.build.options import RunOptions

if TYPE_CHECKING:  # engine.events is loaded on the first run: the workbench's first frame does not need it
    from genpack_tui.engine.events import EventBus, EventSink



BuildStarter = Callable[[BuildRequest, "EventSink", threading.Event], int]


def engine_start_build(request: BuildRequest, sink: "EventSink", cancel: threading.Event) -> int:
    """genpack_tui.engine.build.runner.start_build, imported on first use (it pulls in the whole build engine)."""
    from genpack_tui.engine.build.runner import start_build

    return start_build(request, sink, cancel)


class BuildController:
    def __init__(self, sinks: "list[EventSink]", starter: BuildStarter = engine_start_build) -> None:
        self._sinks = list(sinks)
        self._event_bus: "EventBus | None" = None
        self._starter = starter
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self.running: str | None = None  # the action in progress

    def subscribe(self, sink: "EventSink") -> None:
        """Also send every later event to ``sink`` (e.g. an ``--events`` file)."""
        self._bus.subscribe(sink)

    @property
    def _bus(self) -> "EventBus":
        if self._event_bus is None:
            from genpack_tui.engine.events import EventBus

            self._event_bus = EventBus(self._sinks)
        return self._event_bus

    def cancel(self) -> bool:
        """Ask the engine to stop (it cleans up); False when nothing runs."""
        if self.running is None:
            return False
        self._cancel.set()
        return True

    @property
    def cancelling(self) -> bool:
        return self._cancel.is_set()

    def claim(self, action: str) -> bool:
        """Mark ``action`` as running (on the UI thread, before the worker starts); False if busy."""
        with self._lock:
            if self.running is not None:
                return False
            self.running = action
            self._cancel = threading.Event()
            return True

    def archive(self, artifact_dir: Path) -> int:
        """``archive`` (after ``claim("archive")``), reported as a run."""
        try:
            return run_archive(artifact_dir, self._bus)
        finally:
            with self._lock:
                self.running = None

    def run(self, request: BuildRequest) -> int:
        """Run ``request`` (after ``claim``); returns the engine's exit code. Never raises for a failed build."""
        # on first use, off the UI thread: the workbench's first frame does not wait for these
        from genpack_tui.engine.build.preflight import artifact_files_checked, root_checked
        from genpack_tui.engine.config import resolve
        from genpack_tui.engine.events import BuildFinished, BuildStarted, ErrorEvent, Event
        from genpack_tui.engine.runtime.errors import RuntimeEngineError

        started = time.monotonic()
        bus = self._bus
        try:
            resolution = resolve(request.artifact_path, variant=request.config_variant(), arch=request.arch)
            bus(BuildStarted(action=request.action, artifact=resolution.name or request.artifact_path.name,
                             variant=resolution.variant, arch=resolution.arch))
            if not resolution.ok:
                for problem in resolution.errors:
                    bus(ErrorEvent(message=str(problem)))
                bus(BuildFinished(ok=False, duration=time.monotonic() - started,
                                  message="the configuration has errors; nothing was built"))
                return 1
            if not root_checked(request.action, bus, started):
                return 1
            if not artifact_files_checked(Path(request.artifact_dir), bus, started):
                return 1
            finished: list[BuildFinished] = []

            def relay(event: Event) -> None:
                if isinstance(event, BuildFinished):
                    finished.append(event)
                bus(event)

            rc = self._starter(request, relay, self._cancel)
            if not finished:  # e.g. a worker stopped by cancel reports an error but no end
                cancelled = " (cancelled)" if self._cancel.is_set() else ""
                bus(BuildFinished(ok=rc == 0, duration=time.monotonic() - started,
                                  message=f"the build worker ended with exit code {rc}{cancelled}"))
            return rc
        except (RuntimeEngineError, OSError) as exc:
            bus(ErrorEvent(message=str(exc), phase=request.action))
            bus(BuildFinished(ok=False, duration=time.monotonic() - started))
            return 1
        finally:
            with self._lock:
                self.running = None


def run_archive(artifact_dir: Path, sink: "EventSink") -> int:
    """``archive`` from the workbench: the engine's archive writer, reported as a build."""
    from genpack_tui.engine.artifact.archive import run_archive as archive_reported
    from genpack_tui.engine.build.preflight import to_invoking_user
    from genpack_tui.engine.config import resolve
    from genpack_tui.engine.events import BuildStarted

    resolution = resolve(artifact_dir)
    name = resolution.name or artifact_dir.name
    sink(BuildStarted(action="archive", artifact=name, variant=resolution.variant, arch=resolution.arch))
    return 0 if archive_reported(artifact_dir, name, sink, to_invoking_user()) else 1
