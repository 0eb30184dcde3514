"""Runs one engine action at a time for the workbench, through the engine's one entry point
(engine/build/session.py ``run_action``), the same as the headless runner.

``BuildController.run`` is called from a Textual thread worker; the events go to the sinks given,
which include the UI's EventQueue and, with ``--events``, a JSON-lines file.
"""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Callable

from genpack_tui.engine.build.request import BuildRequest

if TYPE_CHECKING:  # engine.events is loaded on the first run: the workbench's first frame does not need it
    from genpack_tui.engine.events import EventBus, EventSink


BuildStarter = Callable[[BuildRequest, "EventSink", "threading.Event | None"], int]


def engine_start_build(request: BuildRequest, sink: "EventSink", cancel: "threading.Event | None") -> int:
    """The build worker, imported on first use (it pulls in the whole build engine)."""
    from genpack_tui.engine.build.session import engine_start_build as start

    return start(request, sink, cancel)


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

    def run(self, request: BuildRequest) -> int:
        """Run ``request`` (a phase action or ``archive``, after ``claim``); returns its exit code.
        Never raises for a failed build."""
        from genpack_tui.engine.build.session import run_action  # off the UI thread, on first use

        try:
            return run_action(request, self._bus, self._cancel, start_build=self._starter)
        finally:
            with self._lock:
                self.running = None
