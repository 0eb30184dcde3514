"""Feeding a BuildLog from the engine's typed event stream (an ``EventSink``, callable from any thread).

Output lines go in verbatim. Phase and step starts become sections with a header line, so the log
can jump between them and the saved log shows where each began. Failures and errors become
``!!! `` lines, which the log's default error patterns find.
"""
from __future__ import annotations

from genpack_tui.engine.events import (
    ErrorEvent,
    Event,
    OutputLine,
    PhaseFinished,
    PhaseSkipped,
    PhaseStarted,
    StepFinished,
    StepStarted,
    WarningEvent,
)

from .log_view import BuildLog


def header(text: str) -> str:
    return f"\x1b[1;36m── {text} ──\x1b[0m"


class LogFeeder:
    """``bus.subscribe(LogFeeder(log))`` writes the build's events into ``log``."""

    def __init__(self, log: BuildLog) -> None:
        self.log = log

    def __call__(self, event: Event) -> None:
        log = self.log
        if isinstance(event, OutputLine):
            log.append(event.text)
        elif isinstance(event, PhaseStarted):
            title = f"phase {event.phase}"
            log.mark_section(title)
            log.append(header(f"{title}: {event.reason}" if event.reason else title))
        elif isinstance(event, StepStarted):
            log.mark_section(f"{event.phase}: {event.title}")
            log.append(header(f"{event.phase}: {event.title}"))
        elif isinstance(event, PhaseSkipped):
            log.append(header(f"phase {event.phase} skipped: {event.reason}"))
        elif isinstance(event, StepFinished) and not event.ok:
            log.append(f"!!! step {event.step} of phase {event.phase} failed after {event.duration:.1f}s")
        elif isinstance(event, PhaseFinished) and not event.ok:
            log.append(f"!!! phase {event.phase} failed after {event.duration:.1f}s")
        elif isinstance(event, ErrorEvent):
            log.append_lines([f"!!! {event.message}", *event.detail.splitlines()])
        elif isinstance(event, WarningEvent):
            log.append(f"\x1b[33m * WARNING:\x1b[0m {event.message}")
