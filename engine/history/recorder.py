"""Turns a build's events (and Portage's emerge.log) into its BuildRecord.

A :class:`BuildRecorder` sits on the build's event sink and sees every event on its way; the pack
phase hands it the image's composition while the image is mounted. ``finish`` makes the record.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from genpack_tui.engine.events import (
    EmergeProgress,
    ErrorEvent,
    Event,
    EventSink,
    PhaseFinished,
    PhaseSkipped,
    PhaseStarted,
    StepFinished,
    StepStarted,
)
from genpack_tui.engine.history.model import (
    BuildRecord,
    EmergedPackage,
    ImageComposition,
    Origin,
    PhaseTiming,
    StepTiming,
)

EMERGE_LOG = "var/log/emerge.log"
_LOG_LINE = re.compile(r"^(\d+):\s+(?:>>> emerge \((\d+) of \d+\) (\S+) to /"
                       r"|::: completed emerge \((\d+) of \d+\) (\S+) to /"
                       r"|=== \(\d+ of \d+\) Merging Binary \(([^:\s]+)::)")


def record_id(started: float) -> str:
    """The id (and file name) of a record: its start time in UTC, sortable as text."""
    return datetime.fromtimestamp(started, timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")


@dataclass
class _Phase:
    name: str
    steps: list[StepTiming] = field(default_factory=list)
    skipped: bool = False
    reason: str = ""


@dataclass
class _Emerge:
    cpv: str
    origin: Origin
    phase: str
    step: str
    started: float
    duration: float | None = None


class BuildRecorder:
    """Collects what a record needs from the events of one build of (artifact, variant, arch)."""

    def __init__(self, *, artifact: str, variant: str | None, arch: str, action: str,
                 started: float | None = None) -> None:
        self.artifact, self.variant, self.arch, self.action = artifact, variant, arch, action
        self.started = time.time() if started is None else started
        self._phases: list[PhaseTiming] = []
        self._open: _Phase | None = None
        self._emerges: list[_Emerge] = []
        self._running: dict[str, _Emerge] = {}
        self._first_error = ""
        self._step = ""
        self.image: ImageComposition | None = None
        self.log_durations: dict[str, tuple[float, Origin]] = {}

    def tee(self, sink: EventSink) -> EventSink:
        """A sink that shows each event to this recorder, then passes it on to ``sink``."""
        def both(event: Event) -> None:
            self.observe(event)
            sink(event)
        return both

    def observe(self, event: Event) -> None:
        if isinstance(event, PhaseStarted):
            self._open = _Phase(event.phase, reason=event.reason)
        elif isinstance(event, PhaseSkipped) and self._open is not None:
            self._open.skipped, self._open.reason = True, event.reason
        elif isinstance(event, StepStarted):
            self._step = event.step
        elif isinstance(event, StepFinished) and self._open is not None:
            self._open.steps.append(StepTiming(event.step, event.duration, event.ok))
        elif isinstance(event, PhaseFinished):
            phase = self._open or _Phase(event.phase)
            self._phases.append(PhaseTiming(event.phase, event.duration, event.ok, phase.skipped, phase.reason,
                                            tuple(phase.steps)))
            self._open = None
        elif isinstance(event, EmergeProgress):
            self._emerge_progress(event)
        elif isinstance(event, ErrorEvent) and not self._first_error:
            self._first_error = event.message

    def _emerge_progress(self, event: EmergeProgress) -> None:
        running = self._running.get(event.package)
        if event.stage == "emerging" or running is None:
            running = _Emerge(event.package, "binary" if event.binary else "source", event.phase, self._step, event.ts)
            self._running[event.package] = running
            self._emerges.append(running)
        if event.stage == "completed":
            running.duration = max(0.0, event.ts - running.started)
            del self._running[event.package]

    def read_emerge_log(self, text: str) -> None:
        """The merges of this build in an image's emerge.log (lines from its start on): each package's
        time from ``>>> emerge`` to ``::: completed emerge`` and whether it was a binary."""
        since = int(self.started)
        begun: dict[str, int] = {}
        binary: set[str] = set()
        for line in text.splitlines():
            match = _LOG_LINE.match(line)
            if match is None or int(match[1]) < since:
                continue
            ts = int(match[1])
            if match[3]:
                begun[match[3]] = ts
            elif match[6]:
                binary.add(match[6])
            elif match[5] and match[5] in begun:
                self.log_durations[match[5]] = (float(ts - begun.pop(match[5])),
                                                "binary" if match[5] in binary else "source")

    def emerged(self) -> tuple[EmergedPackage, ...]:
        """The events' merges, timed by the events (finer than the log's seconds); merges the log has
        and the events lack (an emerge whose output was not parsed) come after them."""
        seen = {e.cpv for e in self._emerges}
        packages = [EmergedPackage(e.cpv, e.origin, e.duration, e.phase, e.step) for e in self._emerges]
        packages += [EmergedPackage(cpv, origin, duration, "lower")
                     for cpv, (duration, origin) in self.log_durations.items() if cpv not in seen]
        return tuple(packages)

    def finish(self, *, ok: bool, message: str = "", finished: float | None = None) -> BuildRecord:
        phases = list(self._phases)
        if self._open is not None:  # interrupted inside a phase: no PhaseFinished came
            phases.append(PhaseTiming(self._open.name, 0.0, False, False, self._open.reason, tuple(self._open.steps)))
        return BuildRecord(id=record_id(self.started), artifact=self.artifact, variant=self.variant, arch=self.arch,
                           action=self.action, started=self.started,
                           finished=time.time() if finished is None else finished, ok=ok,
                           message="" if ok else (message or self._first_error), phases=tuple(phases),
                           emerged=self.emerged(), image=self.image)
