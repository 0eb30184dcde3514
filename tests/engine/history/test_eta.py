"""Expected remaining time from the history: per step, per package for emerge, None without history."""
import pytest

from genpack_tui.engine.history.eta import (
    BuildProgress,
    expected_duration,
    package_duration,
    package_name,
    remaining_time,
    step_duration,
)
from genpack_tui.engine.history.model import BuildRecord, EmergedPackage, PhaseTiming, StepTiming


def record(n: int, phases, emerged=()) -> BuildRecord:
    return BuildRecord(id=f"2026120{n}T000000.000000Z", artifact="hello", variant=None, arch="x86_64",
                       action="build", started=float(n), finished=float(n) + 1, ok=True,
                       phases=tuple(phases), emerged=tuple(emerged))


LOWER = PhaseTiming("lower", 62.0, True, steps=(StepTiming("sources", 2.0), StepTiming("emerge-world", 50.0),
                                               StepTiming("depclean", 8.0)))
UPPER = PhaseTiming("upper", 20.0, True, steps=(StepTiming("users", 5.0), StepTiming("copyup", 15.0)))
PACK = PhaseTiming("pack", 3.0, True, steps=(StepTiming("squashfs", 3.0),))
EMERGED = (EmergedPackage("dev-libs/libgreet-1.0", "binary", 4.0, "lower", "emerge-world"),
           EmergedPackage("app-misc/hello-1.0", "source", 30.0, "lower", "emerge-world"),
           EmergedPackage("sys-apps/baselayout-2.0", "binary", 2.0, "lower", "emerge-world"))


def test_no_history_means_none():
    assert remaining_time([], BuildProgress(phases=("lower", "upper", "pack"))) is None
    skipped_only = record(1, [PhaseTiming("lower", 0.1, True, skipped=True)])
    assert expected_duration([skipped_only], ("lower",)) is None


def test_whole_build_is_the_sum_of_the_last_phases():
    assert expected_duration([record(1, [LOWER, UPPER, PACK], EMERGED)], ("lower", "upper", "pack")) == 85.0


def test_a_skipped_or_failed_phase_does_not_replace_the_last_real_run():
    newer = record(2, [PhaseTiming("lower", 0.2, True, skipped=True), PhaseTiming("upper", 1.0, False)])
    records = [record(1, [LOWER, UPPER, PACK]), newer]
    assert step_duration(records, "lower", "emerge-world") == 50.0
    assert expected_duration(records, ("upper",)) == 20.0


def test_running_plain_step_counts_what_is_left_of_it():
    records = [record(1, [LOWER, UPPER, PACK], EMERGED)]
    progress = BuildProgress(phases=("upper", "pack"), phase="upper", finished_steps=("users",), step="copyup",
                             step_elapsed=10.0)
    assert remaining_time(records, progress) == pytest.approx(5.0 + 3.0)
    overdue = BuildProgress(phases=("upper",), phase="upper", finished_steps=("users",), step="copyup",
                            step_elapsed=99.0)
    assert remaining_time(records, overdue) == 0.0


def test_running_emerge_is_estimated_per_package():
    records = [record(1, [LOWER, UPPER, PACK], EMERGED)]
    progress = BuildProgress(phases=("lower",), phase="lower", finished_steps=("sources",), step="emerge-world",
                             step_elapsed=5.0, package="app-misc/hello-1.0", binary=False, package_elapsed=10.0,
                             packages_after=1)
    mean = (4.0 + 30.0 + 2.0) / 3
    assert remaining_time(records, progress) == pytest.approx((30.0 - 10.0) + mean + 8.0)


def test_another_version_built_the_same_way_stands_in_but_not_a_binary_for_a_source_build():
    records = [record(1, [LOWER], EMERGED)]
    assert package_duration(records, "app-misc/hello-1.1", binary=False) == 30.0
    assert package_duration(records, "app-misc/hello-1.0", binary=True) is None
    assert package_name("app-misc/hello-world-1.0-r2") == "app-misc/hello-world"


def test_unknown_package_falls_back_to_the_mean_and_without_packages_to_the_step():
    records = [record(1, [LOWER], EMERGED)]
    progress = BuildProgress(phases=("lower",), phase="lower", finished_steps=("sources",), step="emerge-world",
                             step_elapsed=20.0, package="app-misc/new-1.0", binary=True, packages_after=0)
    assert remaining_time(records, progress) == pytest.approx(12.0 + 8.0)
    no_packages = [record(1, [LOWER])]
    assert remaining_time(no_packages, progress) == pytest.approx((50.0 - 20.0) + 8.0)


def test_newest_run_wins():
    older = record(1, [LOWER])
    newer = record(2, [PhaseTiming("lower", 12.0, True, steps=(StepTiming("emerge-world", 10.0),))])
    assert expected_duration([older, newer], ("lower",)) == 12.0
