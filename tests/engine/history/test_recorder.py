"""A build's events and its emerge.log become its record."""
import pytest

from genpack_tui.engine.events import (
    EmergeProgress,
    ErrorEvent,
    PhaseFinished,
    PhaseSkipped,
    PhaseStarted,
    StepFinished,
    StepStarted,
)
from genpack_tui.engine.history.model import EmergedPackage, PhaseTiming, StepTiming
from genpack_tui.engine.history.recorder import BuildRecorder, record_id

START = 1796191930.25


def emerge(package: str, stage: str, ts: float, binary: bool = True) -> EmergeProgress:
    return EmergeProgress(phase="lower", index=1, total=2, package=package, binary=binary, stage=stage, ts=ts)


def recorder_with_events() -> BuildRecorder:
    recorder = BuildRecorder(artifact="hello", variant="quiet", arch="x86_64", action="build", started=START)
    passed = []
    sink = recorder.tee(passed.append)
    events = [
        PhaseStarted(phase="lower"),
        StepStarted(phase="lower", step="emerge-world", title="Emerging all packages..."),
        emerge("dev-libs/libgreet-1.0", "emerging", START + 1),
        emerge("dev-libs/libgreet-1.0", "extract", START + 1.5),
        emerge("dev-libs/libgreet-1.0", "completed", START + 2.25),
        emerge("app-misc/hello-1.0", "emerging", START + 3, binary=False),
        emerge("app-misc/hello-1.0", "compile", START + 4, binary=False),
        emerge("app-misc/hello-1.0", "completed", START + 9, binary=False),
        StepFinished(phase="lower", step="emerge-world", ok=True, duration=8.5),
        PhaseFinished(phase="lower", ok=True, duration=10.0),
        PhaseStarted(phase="upper"),
        PhaseSkipped(phase="upper", reason="up to date"),
        PhaseFinished(phase="upper", ok=True, duration=0.1),
        PhaseStarted(phase="pack"),
        StepStarted(phase="pack", step="squashfs", title="..."),
        ErrorEvent(message="mksquashfs failed with exit status 1", phase="pack"),
    ]
    for event in events:
        sink(event)
    assert passed == events  # every event goes on, unchanged
    return recorder


def test_phases_steps_and_emerges_from_the_events():
    record = recorder_with_events().finish(ok=False, finished=START + 20)
    assert record.id == record_id(START) == "20261202T061210.250000Z"
    assert (record.artifact, record.variant, record.arch, record.ok) == ("hello", "quiet", "x86_64", False)
    assert record.message == "mksquashfs failed with exit status 1"
    assert record.phases == (
        PhaseTiming("lower", 10.0, True, steps=(StepTiming("emerge-world", 8.5),)),
        PhaseTiming("upper", 0.1, True, skipped=True, reason="up to date"),
        PhaseTiming("pack", 0.0, False),  # interrupted: it never finished
    )
    assert record.emerged == (EmergedPackage("dev-libs/libgreet-1.0", "binary", pytest.approx(1.25), "lower",
                                             "emerge-world"),
                              EmergedPackage("app-misc/hello-1.0", "source", pytest.approx(6.0), "lower",
                                             "emerge-world"))


def test_emerge_log_adds_the_merges_the_events_missed_and_ignores_older_runs():
    recorder = recorder_with_events()
    t = int(START)
    recorder.read_emerge_log("\n".join([
        f"{t - 100}:  >>> emerge (1 of 1) sys-apps/old-1.0 to /",  # an earlier build's
        f"{t - 90}:  ::: completed emerge (1 of 1) sys-apps/old-1.0 to /",
        f"{t + 1}:  >>> emerge (1 of 2) dev-libs/libgreet-1.0 to /",
        f"{t + 1}:  === (1 of 2) Merging Binary (dev-libs/libgreet-1.0::/var/cache/binpkgs/x.gpkg.tar)",
        f"{t + 2}:  ::: completed emerge (1 of 2) dev-libs/libgreet-1.0 to /",
        f"{t + 10}:  >>> emerge (1 of 1) app-misc/buildtime-2.0 to /",
        f"{t + 10}:  === (1 of 1) Compiling/Merging (app-misc/buildtime-2.0::/var/db/repos/gentoo/x.ebuild)",
        f"{t + 14}:  ::: completed emerge (1 of 1) app-misc/buildtime-2.0 to /",
        f"{t + 15}:  >>> emerge (1 of 1) app-misc/never-1.0 to /",  # no completion: not a merge
    ]))
    emerged = recorder.finish(ok=True).emerged
    assert [e.cpv for e in emerged] == ["dev-libs/libgreet-1.0", "app-misc/hello-1.0", "app-misc/buildtime-2.0"]
    assert emerged[0].duration == pytest.approx(1.25)  # the events' finer time wins
    assert emerged[2] == EmergedPackage("app-misc/buildtime-2.0", "source", 4.0, "lower")
