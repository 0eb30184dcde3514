"""The expected remaining time of a running build, as the headless progress line and the Build pane
show it: ``EtaTracker`` folds the build's events into engine/history/eta.py's BuildProgress and asks
it, with this artifact's build records; ``eta_text`` says it for people ("no history yet" without
records of these phases).

Elapsed times come from the events' timestamps (``now`` defaults to the newest one), so a replayed
``--events`` file estimates as the live build did.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from genpack_tui.engine.events import (
    BuildFinished,
    BuildStarted,
    EmergeProgress,
    Event,
    PhaseFinished,
    PhaseSkipped,
    PhaseStarted,
    StepFinished,
    StepStarted,
)
from genpack_tui.engine.report.format import human_duration

if TYPE_CHECKING:
    from genpack_tui.engine.history.model import BuildRecord

NO_HISTORY = "no history yet"
ETA_RECORDS = 5  # the newest builds read for an estimate: each holds its image's file list


def eta_records(artifact_dir: Path, arch: str, variant: str | None, warn: Callable[[str], None]) -> list[BuildRecord]:
    """The artifact's newest ETA_RECORDS builds of (variant, arch), oldest first; unreadable records
    are skipped with a warning, and an unusable history directory is one too."""
    from genpack_tui.engine.history.store import HistoryError, read_history

    try:
        return read_history(artifact_dir, arch, variant, warn, last=ETA_RECORDS).records
    except HistoryError as exc:
        warn(str(exc))
        return []


def eta_text(remaining: float | None) -> str:
    """"about 2m05s left", or NO_HISTORY for None."""
    if remaining is None:
        return NO_HISTORY
    return f"about {human_duration(remaining)} left"


class EtaTracker:
    """Feed it every event of one build in order (``observe``); ``records`` are the artifact's
    earlier builds of the same variant and arch, oldest first, or None while they are being read;
    ``phases`` the phases each action runs (engine/build/runner.py's PHASES, which this layer
    may not import)."""

    def __init__(self, records: Sequence[BuildRecord] | None, phases: Mapping[str, Sequence[str]]) -> None:
        self.records = records
        self.phases = phases
        self._pending: list[str] = []  # phases still to run, the running one included
        self._phase: str | None = None
        self._finished_steps: list[str] = []
        self._step: str | None = None
        self._step_started = 0.0
        self._package: str | None = None
        self._binary = False
        self._package_started = 0.0
        self._packages_after = 0
        self._last_ts: float | None = None
        self.finished = False

    def observe(self, event: Event) -> None:
        self._last_ts = event.ts
        if isinstance(event, BuildStarted):
            self._pending = list(self.phases.get(event.action, ()))
        elif isinstance(event, PhaseSkipped):
            self._drop(event.phase)
        elif isinstance(event, PhaseStarted):
            self._phase, self._finished_steps, self._step, self._package = event.phase, [], None, None
            if event.phase not in self._pending:
                self._pending.insert(0, event.phase)
        elif isinstance(event, StepStarted):
            self._step, self._step_started, self._package = event.step, event.ts, None
        elif isinstance(event, StepFinished):
            self._finished_steps.append(event.step)
            self._step = self._package = None
        elif isinstance(event, PhaseFinished):
            self._drop(event.phase)
            self._phase = self._step = self._package = None
        elif isinstance(event, EmergeProgress):
            self._packages_after = max(0, event.total - event.index)
            if event.stage == "completed":
                self._package = None
            elif event.package != self._package:
                self._package, self._binary, self._package_started = event.package, event.binary, event.ts
        elif isinstance(event, BuildFinished):
            self.finished = True

    def _drop(self, phase: str) -> None:
        if phase in self._pending:
            self._pending.remove(phase)

    @property
    def known(self) -> bool:
        """Whether there is anything to say yet: the records have been read and the build started."""
        return self.records is not None and not self.finished and (bool(self._pending) or self._phase is not None)

    def remaining(self, now: float | None = None) -> float | None:
        """Seconds still expected at ``now`` (the newest event's time by default); None: no history."""
        from genpack_tui.engine.history.eta import BuildProgress, remaining_time

        if not self.records:
            return None
        now = self._last_ts if now is None else now
        now = now if now is not None else 0.0
        progress = BuildProgress(
            phases=tuple(self._pending), phase=self._phase, finished_steps=tuple(self._finished_steps),
            step=self._step, step_elapsed=max(0.0, now - self._step_started) if self._step else 0.0,
            package=self._package, binary=self._binary,
            package_elapsed=max(0.0, now - self._package_started) if self._package else 0.0,
            packages_after=self._packages_after if self._step else 0)
        return remaining_time(self.records, progress)

    def text(self, now: float | None = None) -> str:
        """What the progress line says; "" until ``known``."""
        return eta_text(self.remaining(now)) if self.known else ""
