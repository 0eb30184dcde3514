"""The state of one build run, folded from the engine's events: phases, steps, progress, failure,
and what each phase's log should show. Pure (no Textual); widgets/build/phase_runner.py renders it.

Durations come from the events themselves, never from the wall clock, so a replayed ``--events``
file shows what CI saw.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from genpack_tui.engine.config.printable import escape_controls
from genpack_tui.engine.events import (
    BuildFinished,
    BuildStarted,
    DownloadFinished,
    DownloadProgress,
    EmergeFailure,
    EmergeProgress,
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
from genpack_tui.engine.report.format import human_duration, human_size

PHASE_LOGS = ("setup", "lower", "upper", "pack")  # one log per phase; "setup" takes everything else
SHELL_FOR_PHASE = {"lower": "bash", "upper": "upper-bash", "pack": "upper-bash"}
# EmergeProgress.where as the runner says it (engine/build/emerge_output.py)
ORIGIN_LABELS = {"source": "built from source", "cache": "from the local binary cache", "binhost": "from the binhost",
                 "binary": "binary package"}


def log_for(phase: str | None) -> str:
    return phase if phase in PHASE_LOGS else "setup"


@dataclass
class PhaseState:
    phase: str
    state: str = "pending"  # pending, running, ok, failed, skipped
    duration: float | None = None
    reason: str = ""


@dataclass
class Failure:
    phase: str | None = None
    package: str | None = None
    log_path: str | None = None
    ebuild_phase: str | None = None
    messages: tuple[str, ...] = ()
    reason: str | None = None  # what emerge said beyond the phase (a distfile failing its digests, ...)

    @property
    def shell_action(self) -> str:
        return SHELL_FOR_PHASE.get(self.phase or "", "bash")


@dataclass(frozen=True)
class LogOp:
    """Append ``text`` to log ``log``; with ``section`` start a section titled ``text`` there first."""

    log: str
    text: str
    section: bool = False


@dataclass
class RunState:
    started: BuildStarted | None = None
    finished: BuildFinished | None = None
    phases: dict[str, PhaseState] = field(default_factory=dict)
    steps: dict[tuple[str, str], str] = field(default_factory=dict)
    progress: EmergeProgress | None = None
    origins: dict[str, str] = field(default_factory=dict)  # package -> source, cache, binhost (or binary)
    download: DownloadProgress | None = None
    failure: Failure | None = None
    errors: list[str] = field(default_factory=list)
    last_ts: float | None = None
    event_count: int = 0

    @property
    def running(self) -> bool:
        return self.started is not None and self.finished is None

    @property
    def current_phase(self) -> str | None:
        for state in self.phases.values():
            if state.state == "running":
                return state.phase
        return None

    def apply(self, events: Iterable[Event]) -> tuple[list[LogOp], str | None]:
        """Fold ``events`` in; returns the log operations they imply and the phase log to show."""
        ops: list[LogOp] = []
        follow: str | None = None

        def out(phase: str | None, line: str) -> None:
            ops.append(LogOp(log_for(phase), line))

        for event in events:
            self.event_count += 1
            self.last_ts = event.ts
            if isinstance(event, OutputLine):
                out(event.phase, event.text)
            elif isinstance(event, BuildStarted):
                self.started = event
                out("setup", f"\x1b[1m{event.action} {event.artifact} · {event.variant or 'no variant'} · "
                             f"{event.arch}\x1b[0m")
            elif isinstance(event, PhaseStarted):
                self.phases[event.phase] = PhaseState(event.phase, "running", reason=event.reason)
                self.progress = None
                ops.append(LogOp(log_for(event.phase), event.phase, section=True))
                reason = f" ({event.reason})" if event.reason else ""
                out(event.phase, f"\x1b[1;36m━━ {event.phase}{reason} ━━\x1b[0m")
                follow = log_for(event.phase)
            elif isinstance(event, PhaseSkipped):
                self.phases[event.phase] = PhaseState(event.phase, "skipped", reason=event.reason)
                out("setup", f"\x1b[2m{event.phase} skipped: {event.reason}\x1b[0m")
            elif isinstance(event, PhaseFinished):
                state = self.phases.setdefault(event.phase, PhaseState(event.phase))
                state.state, state.duration = ("ok" if event.ok else "failed"), event.duration
                mark = "\x1b[32m✓" if event.ok else "\x1b[31m✖"
                out(event.phase, f"\x1b[1m━━ {event.phase} {mark} {human_duration(event.duration)}\x1b[0m")
            elif isinstance(event, StepStarted):
                self.steps[(event.phase, event.step)] = "running"
                ops.append(LogOp(log_for(event.phase), event.title, section=True))
                out(event.phase, f"\x1b[1m── {event.title}\x1b[0m")
            elif isinstance(event, StepFinished):
                self.steps[(event.phase, event.step)] = "ok" if event.ok else "failed"
                mark = "\x1b[32m✓" if event.ok else "\x1b[31m✖"
                out(event.phase, f"\x1b[2m── {event.step}\x1b[0m {mark} {human_duration(event.duration)}\x1b[0m")
            elif isinstance(event, EmergeProgress):
                self.progress = event
                self.download = None
                self.origins[event.package] = event.where
                if event.stage == "completed":
                    out(event.phase, f"\x1b[2m   {event.package}: {ORIGIN_LABELS.get(event.where, event.where)}\x1b[0m")
            elif isinstance(event, EmergeFailure):
                self.failure = Failure(event.phase, event.package, event.log_path, event.ebuild_phase,
                                       reason=event.reason)
                where = f" in {event.ebuild_phase}" if event.ebuild_phase else ""
                why = f": {escape_controls(event.reason)}" if event.reason else ""
                log = f"; log: {event.log_path}" if event.log_path else ""
                out(event.phase, f"\x1b[1;31m✖ {event.package} failed{where}{why}{log}\x1b[0m")
            elif isinstance(event, DownloadProgress):
                self.download = event
            elif isinstance(event, DownloadFinished):
                self.download = None
                what = "up to date" if event.cached else f"downloaded {human_size(event.size)}"
                out("setup", f"{Path(event.path).name}: {what}")
            elif isinstance(event, WarningEvent):
                out(event.phase, f"\x1b[33m⚠ {event.message}\x1b[0m")
            elif isinstance(event, ErrorEvent):
                self.errors.append(event.message)
                out(event.phase, f"\x1b[1;31m✖ {event.message}\x1b[0m")
                for line in event.detail.splitlines():
                    out(event.phase, f"\x1b[31m  {line}\x1b[0m")
            elif isinstance(event, BuildFinished):
                self.finished = event
                self.progress = self.download = None
                self._finish(event, out)
        if self.finished is not None and not self.finished.ok and self.failure is not None:
            follow = log_for(self.failure.phase)
        return ops, follow

    def _finish(self, event: BuildFinished, out) -> None:
        if event.ok:
            out("setup", f"\x1b[1;32m✓ finished in {human_duration(event.duration)}\x1b[0m")
            for output in event.outputs:
                out("setup", f"  image: {output.get('path')} ({human_size(int(output.get('size', 0)))})")
            return
        failed_phase = next((p.phase for p in self.phases.values() if p.state in ("failed", "running")), None)
        for state in self.phases.values():
            if state.state == "running":
                state.state = "failed"
        if self.failure is None:
            self.failure = Failure(failed_phase)
        elif self.failure.phase is None:
            self.failure.phase = failed_phase
        self.failure.messages = tuple(self.errors[-3:]) + ((event.message,) if event.message else ())
        out("setup", f"\x1b[1;31m✖ failed after {human_duration(event.duration)}\x1b[0m")
