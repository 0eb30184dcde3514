"""The ETA as the progress lines say it (engine/report/eta.py): folded from a build's events, with
and without this artifact's history, and the records read from a real work/history/."""
from __future__ import annotations

import gzip
from pathlib import Path

from genpack_tui.engine.build.runner import PHASES
from genpack_tui.engine.events import (
    BuildFinished,
    BuildStarted,
    EmergeProgress,
    PhaseFinished,
    PhaseSkipped,
    PhaseStarted,
    StepFinished,
    StepStarted,
)
from genpack_tui.engine.history.model import BuildRecord, EmergedPackage, PhaseTiming, StepTiming
from genpack_tui.engine.history.store import write_record
from genpack_tui.engine.report.eta import NO_HISTORY, EtaTracker, eta_records, eta_text

LOWER = PhaseTiming("lower", 62.0, True, steps=(StepTiming("sources", 2.0), StepTiming("emerge-world", 50.0),
                                               StepTiming("depclean", 8.0)))
UPPER = PhaseTiming("upper", 20.0, True, steps=(StepTiming("users", 5.0), StepTiming("copyup", 15.0)))
PACK = PhaseTiming("pack", 3.0, True, steps=(StepTiming("squashfs", 3.0),))
EMERGED = (EmergedPackage("dev-libs/libgreet-1.0", "binary", 4.0, "lower", "emerge-world"),
           EmergedPackage("app-misc/hello-1.0", "source", 30.0, "lower", "emerge-world"),
           EmergedPackage("sys-apps/baselayout-2.0", "binary", 2.0, "lower", "emerge-world"))


def record(started: float = 1_764_000_000.0) -> BuildRecord:
    return BuildRecord(id="20251124T160000.000000Z", artifact="hello", variant=None, arch="x86_64",
                       action="build", started=started, finished=started + 85, ok=True,
                       phases=(LOWER, UPPER, PACK), emerged=EMERGED)


def build_until_hello(t0: float = 1000.0) -> list:
    """A build's events up to 10 s into app-misc/hello (the second of three packages)."""
    return [
        BuildStarted(action="build", artifact="hello", variant=None, arch="x86_64", ts=t0),
        PhaseStarted(phase="lower", ts=t0),
        StepStarted(phase="lower", step="sources", title="sources", ts=t0),
        StepFinished(phase="lower", step="sources", ok=True, duration=2.0, ts=t0 + 2),
        StepStarted(phase="lower", step="emerge-world", title="emerge", ts=t0 + 2),
        EmergeProgress(phase="lower", index=1, total=3, package="dev-libs/libgreet-1.0", binary=True,
                       stage="emerging", ts=t0 + 2),
        EmergeProgress(phase="lower", index=1, total=3, package="dev-libs/libgreet-1.0", binary=True,
                       stage="completed", ts=t0 + 6),
        EmergeProgress(phase="lower", index=2, total=3, package="app-misc/hello-1.0", binary=False,
                       stage="emerging", ts=t0 + 6),
        EmergeProgress(phase="lower", index=2, total=3, package="app-misc/hello-1.0", binary=False,
                       stage="compile", ts=t0 + 16),
    ]


def tracker(records, events) -> EtaTracker:
    eta = EtaTracker(records, PHASES)
    for event in events:
        eta.observe(event)
    return eta


def test_text_without_history_says_so():
    eta = tracker([], build_until_hello())
    assert eta.remaining() is None
    assert eta.text() == NO_HISTORY == "no history yet"
    assert eta_text(None) == "no history yet"


def test_text_with_history_counts_the_running_package_the_rest_and_the_later_phases():
    eta = tracker([record()], build_until_hello())
    # hello: 30 s last time, 10 s in → 20; one package after it at the step's mean (12) → 12;
    # depclean 8; upper 20; pack 3
    assert eta.remaining() == 20 + 12 + 8 + 20 + 3
    assert eta.text() == "about 1m03s left"
    assert eta_text(42.25) == "about 42.2s left"


def test_skipped_and_finished_phases_no_longer_count():
    t0 = 1000.0
    events = [BuildStarted(action="build", artifact="hello", variant=None, arch="x86_64", ts=t0),
              PhaseSkipped(phase="lower", reason="up to date", ts=t0),
              PhaseStarted(phase="upper", ts=t0),
              StepStarted(phase="upper", step="users", title="users", ts=t0),
              StepFinished(phase="upper", step="users", ok=True, duration=5.0, ts=t0 + 5),
              StepStarted(phase="upper", step="copyup", title="copyup", ts=t0 + 5)]
    eta = tracker([record()], events)
    assert eta.remaining(now=t0 + 9) == (15 - 4) + 3
    eta.observe(StepFinished(phase="upper", step="copyup", ok=True, duration=15.0, ts=t0 + 20))
    eta.observe(PhaseFinished(phase="upper", ok=True, duration=20.0, ts=t0 + 20))
    assert eta.remaining() == 3
    eta.observe(BuildFinished(ok=True, duration=25.0, ts=t0 + 25))
    assert not eta.known and eta.text() == ""


def test_nothing_is_said_while_the_records_are_being_read():
    eta = tracker(None, build_until_hello())
    assert not eta.known and eta.text() == ""
    eta.records = [record()]
    assert eta.text() == "about 1m03s left"


def test_records_come_from_the_artifacts_history_and_a_truncated_one_is_skipped_with_a_warning(tmp_path: Path):
    artifact = tmp_path / "hello"
    artifact.mkdir()
    warnings: list[str] = []
    assert eta_records(artifact, "x86_64", None, warnings.append) == [] and warnings == []  # no history at all
    good = write_record(artifact, record(), 20)
    broken = good.with_name("20251125T160000.000000Z.json.gz")
    broken.write_bytes(gzip.compress(b'{"format": "genpack-tui-build-history", "vers')[:-6])  # cut short
    records = eta_records(artifact, "x86_64", None, warnings.append)
    assert [r.id for r in records] == ["20251124T160000.000000Z"]
    assert len(warnings) == 1 and broken.name in warnings[0] and "skipped" in warnings[0]
    assert eta_records(artifact, "x86_64", "quiet", warnings.append) == []  # another variant's builds are not this one's
