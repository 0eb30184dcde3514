"""The emerge output parser against real Portage 3.0.83 output (docs/test-bed.md §3)."""
from pathlib import Path

from genpack_tui.engine.build.emerge_output import EmergeOutputParser
from genpack_tui.engine.events import EmergeFailure, EmergeProgress

DATA = Path(__file__).resolve().parents[2] / "data"


def parse(name: str):
    parser = EmergeOutputParser(phase="lower")
    events = []
    for line in (DATA / name).read_text().splitlines():
        events.extend(parser.feed(line))
    return parser, events


def test_source_build_progress_and_stages():
    _, events = parse("emerge-cold-head.log")
    progress = [e for e in events if isinstance(e, EmergeProgress)]
    assert progress[0] == EmergeProgress(phase="lower", index=1, total=10, package="sys-apps/baselayout-2.0",
                                         binary=False, stage="emerging", ts=progress[0].ts)
    stages = [(e.index, e.stage) for e in progress if e.index == 1]
    assert stages == [(1, "emerging"), (1, "install"), (1, "binpkg"), (1, "installing"), (1, "completed")]
    assert {e.package for e in progress} == {"sys-apps/baselayout-2.0", "dev-util/buildtool-1.0"}


def test_ebuild_phases_of_a_package_with_a_distfile():
    _, events = parse("emerge-distfile.log")
    stages = [e.stage for e in events]
    assert stages[:6] == ["emerging", "unpack", "prepare", "configure", "compile", "test"]
    assert all(e.package == "app-misc/tarball-pkg-1.0" and e.index == 5 for e in events)


def test_binary_packages_are_marked_binary():
    _, events = parse("emerge-binary.log")
    assert events and all(e.binary for e in events)
    assert [e.stage for e in events if e.index == 1] == ["emerging", "extract", "extract", "installing", "completed"]


def test_parallel_job_lines_still_give_progress():
    _, events = parse("emerge-jobs.log")
    assert [(e.index, e.total, e.binary) for e in events] == [(1, 9, True), (2, 9, True), (3, 9, True)]


def test_failure_names_the_package_its_phase_and_log():
    parser, events = parse("emerge-failure.log")
    failures = [e for e in events if isinstance(e, EmergeFailure)]
    assert len(failures) == 1
    assert failures[0].package == "app-misc/broken-1.0"
    assert failures[0].ebuild_phase == "compile"
    assert failures[0].log_path == "/var/tmp/portage/app-misc/broken-1.0/temp/build.log"
    assert parser.failures == failures


def test_failure_log_line_right_after_the_failed_line():
    parser = EmergeOutputParser(phase="lower")
    parser.feed(">>> Failed to emerge app-misc/broken-1.0, Log file:")
    events = parser.feed(">>>  '/var/tmp/portage/app-misc/broken-1.0/temp/build.log'")
    assert [(e.package, e.log_path) for e in events] == [
        ("app-misc/broken-1.0", "/var/tmp/portage/app-misc/broken-1.0/temp/build.log")]


def test_unrelated_lines_give_nothing():
    _, events = parse("depclean.log")
    assert events == []
