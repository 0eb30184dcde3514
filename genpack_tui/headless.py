"""``--headless``: run a subcommand in the terminal through the engine's one entry point
(engine/build/session.py); the exit code tells the result."""
from __future__ import annotations

import contextlib
import sys

from genpack_tui.engine.build.session import run_action
from genpack_tui.engine.events import BuildStarted, EventBus, JsonLinesWriter, WarningEvent
from genpack_tui.engine.history.model import BuildRecord
from genpack_tui.engine.report.eta import eta_records
from genpack_tui.headless_renderer import HeadlessRenderer
from genpack_tui.options import Invocation

EXIT_USAGE = 2


def run_headless(invocation: Invocation) -> int:
    with contextlib.ExitStack() as stack:
        artifact_dir = invocation.request.artifact_path

        def history(started: BuildStarted) -> list[BuildRecord]:
            return eta_records(artifact_dir, started.arch, started.variant, lambda text: renderer(WarningEvent(message=text)))

        renderer = HeadlessRenderer(color=invocation.color, timestamps=invocation.timestamps,
                                    artifact_dir=artifact_dir, history=history)
        bus = EventBus([renderer])
        if invocation.events:
            try:
                stream = stack.enter_context(open(invocation.events, "w", encoding="utf-8"))
            except OSError as exc:
                print(f"genpack-tui: error: cannot write events to {invocation.events}: {exc.strerror}",
                      file=sys.stderr)
                return EXIT_USAGE
            bus.subscribe(JsonLinesWriter(stream))
        return run_action(invocation.request, bus)
