"""Expected remaining time of a build, from this artifact's history.

Pure functions over BuildRecords (oldest first, as engine/history/store.py reads them). A step is
expected to take what it took the last time its phase ran. A running emerge step is estimated per
package: the current package by its last time (the same cpv built the same way, else another version
of it), each package still to come by the mean time of a package in that step's last run; when the
history knows neither, the step's last time stands. None means there is no history to go by.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from genpack_tui.engine.history.model import BuildRecord, PhaseTiming


@dataclass(frozen=True)
class BuildProgress:
    """Where a running build is: what the events so far say."""

    phases: Sequence[str]  # the phases still to run, the running one first (when one is running)
    phase: str | None = None  # the running phase
    finished_steps: Sequence[str] = ()  # steps of the running phase that have finished
    step: str | None = None  # the running step
    step_elapsed: float = 0.0
    package: str | None = None  # the cpv the running emerge is on (EmergeProgress.package)
    binary: bool = False  # whether it is a binary package
    package_elapsed: float = 0.0  # time spent on it so far
    packages_after: int = 0  # packages the running emerge will merge after it (total - index)


def last_phase(records: Sequence[BuildRecord], phase: str) -> PhaseTiming | None:
    """The newest successful run of ``phase`` (a skipped one says nothing about its time)."""
    for record in reversed(records):
        timing = record.phase(phase)
        if timing is not None and timing.ok and not timing.skipped:
            return timing
    return None


def step_duration(records: Sequence[BuildRecord], phase: str, step: str) -> float | None:
    timing = last_phase(records, phase)
    if timing is None:
        return None
    return next((s.duration for s in timing.steps if s.name == step), None)


def package_name(cpv: str) -> str:
    """category/package of a cpv (``app-misc/hello-1.0-r1`` → ``app-misc/hello``)."""
    category, _, pf = cpv.partition("/")
    parts = pf.split("-")
    for i in range(1, len(parts)):
        if parts[i][:1].isdigit():
            return f"{category}/{'-'.join(parts[:i])}"
    return cpv


def package_duration(records: Sequence[BuildRecord], cpv: str, binary: bool) -> float | None:
    """The last time of this cpv built the same way, else of another version of it built the same way."""
    origin = "binary" if binary else "source"
    name = package_name(cpv)
    fallback = None
    for record in reversed(records):
        for emerged in reversed(record.emerged):
            if emerged.duration is None or emerged.origin != origin:
                continue
            if emerged.cpv == cpv:
                return emerged.duration
            if fallback is None and package_name(emerged.cpv) == name:
                fallback = emerged.duration
    return fallback


def mean_package_duration(records: Sequence[BuildRecord], phase: str, step: str) -> float | None:
    """The mean time of one package in the newest build whose ``step`` of ``phase`` merged any."""
    for record in reversed(records):
        times = [e.duration for e in record.emerged
                 if e.phase == phase and e.step == step and e.duration is not None]
        if times:
            return sum(times) / len(times)
    return None


def _running_step(records: Sequence[BuildRecord], progress: BuildProgress) -> float:
    assert progress.phase is not None and progress.step is not None
    last = step_duration(records, progress.phase, progress.step)
    fallback = max(0.0, last - progress.step_elapsed) if last is not None else 0.0
    if progress.package is None:
        return fallback
    mean = mean_package_duration(records, progress.phase, progress.step)
    current = package_duration(records, progress.package, progress.binary)
    if current is None:
        current = mean
    if current is None or (progress.packages_after and mean is None):
        return fallback
    return max(0.0, current - progress.package_elapsed) + progress.packages_after * (mean or 0.0)


def remaining_time(records: Sequence[BuildRecord], progress: BuildProgress) -> float | None:
    """Seconds the build of ``progress`` is expected to take still; None without any history of its
    phases (the UI says "no history yet")."""
    if not any(last_phase(records, phase) is not None for phase in progress.phases):
        return None
    total = 0.0
    for phase in progress.phases:
        timing = last_phase(records, phase)
        if timing is None:
            continue  # never ran before: nothing to go by
        if phase != progress.phase:
            total += timing.duration
            continue
        done = set(progress.finished_steps)
        # the phase's time outside its steps (mounts, checks) counts until a step of it is running
        outside = timing.duration - sum(s.duration for s in timing.steps)
        total += max(0.0, outside) if not done and progress.step is None else 0.0
        for step in timing.steps:
            if step.name not in done and step.name != progress.step:
                total += step.duration
        if progress.step is not None:
            total += _running_step(records, progress)
    return total


def expected_duration(records: Sequence[BuildRecord], phases: Sequence[str]) -> float | None:
    """The whole time of running ``phases`` from their start; None without any history of them."""
    return remaining_time(records, BuildProgress(phases=phases))
