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
                                         binary=False, stage="emerging", origin="source", ts=progress[0].ts)
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


BINHOST = "http://127.0.0.1:18765/"  # where the recorded emerge-binhost*.log fetched from


def test_packages_fetched_from_the_binhost_say_so():
    parser = EmergeOutputParser(phase="lower", binhost_url=BINHOST)
    events = [e for line in (DATA / "emerge-binhost.log").read_text().splitlines() for e in parser.feed(line)]
    completed = {e.package: e.origin for e in events if isinstance(e, EmergeProgress) and e.stage == "completed"}
    assert len(completed) == 8 and set(completed.values()) == {"binhost"}
    assert [e.stage for e in events if e.index == 1] == ["emerging", "fetch", "extract", "extract", "installing",
                                                         "completed"]


def test_binaries_of_the_local_cache_and_source_builds_say_so():
    _, binary = parse("emerge-binary.log")
    assert {e.origin for e in binary} == {"cache"}
    _, source = parse("emerge-cold-head.log")
    assert {e.origin for e in source if isinstance(e, EmergeProgress)} == {"source"}


def test_a_refused_binary_is_remembered_with_portages_reason():
    parser = EmergeOutputParser(phase="lower", binhost_url=BINHOST)
    events = [e for line in (DATA / "emerge-binhost-refused.log").read_text().splitlines() for e in parser.feed(line)]
    assert parser.rejected == {"app-misc/hello-1.0": "digest verification failed: Failed on SHA1 verification"}
    failures = [e for e in events if isinstance(e, EmergeFailure)]
    # the --keep-going summary names the binary with its BUILD_ID (hello-1.0-1): still one failure
    assert [(f.package, f.reason) for f in failures] == [
        ("app-misc/hello-1.0", "digest verification failed: Failed on SHA1 verification")]


def test_package_names_without_their_version():
    from genpack_tui.engine.build.emerge_output import cpv_name
    assert [cpv_name(c) for c in ("app-misc/hello-1.0", "app-misc/hello-1.0-r2", "genpack/genpack-progs-20260101",
                                  "dev-libs/lib3d-2.0_rc1-r3", "app-misc/foo2-1.0b")] == [
        "app-misc/hello", "app-misc/hello", "genpack/genpack-progs", "dev-libs/lib3d", "app-misc/foo2"]


def test_distfile_failing_digest_verification_names_the_package_and_the_reason():
    # recorded from the test bed: the mirror served tbcalc's tarball with one byte changed
    parser, events = parse("emerge-fetch-verify-failed.log")
    failures = [e for e in events if isinstance(e, EmergeFailure)]
    assert [(f.package, f.ebuild_phase, f.reason, f.log_path) for f in failures] == [
        ("app-misc/tbcalc-1.0", "fetch",
         "digest verification failed for tbcalc-1.0.tar.gz: Failed on BLAKE2B verification",
         "/var/tmp/portage/app-misc/tbcalc-1.0/temp/build.log")]
    assert parser.failures == failures


def test_a_size_mismatch_and_a_download_that_never_came_are_reasons_too():
    parser = EmergeOutputParser(phase="lower")
    for line in (">>> Emerging (1 of 2) dev-libs/libtbmath-1.0::gentoo",
                 "!!! Fetched file: libtbmath-1.0.tar.gz VERIFY FAILED!",
                 "!!! Reason: Filesize does not match recorded size",
                 "!!! Got:      631",
                 "!!! Expected: 632",
                 "!!! Couldn't download 'libtbmath-1.0.tar.gz'. Aborting.",
                 ">>> Failed to emerge dev-libs/libtbmath-1.0, Log file:",
                 ">>>  '/var/tmp/portage/dev-libs/libtbmath-1.0/temp/build.log'",
                 ">>> Emerging (2 of 2) app-misc/tbcalc-1.0::gentoo",
                 "!!! Couldn't download 'tbcalc-1.0.tar.gz'. Aborting.",
                 ">>> Failed to emerge app-misc/tbcalc-1.0, Log file:",
                 ">>>  '/var/tmp/portage/app-misc/tbcalc-1.0/temp/build.log'"):
        parser.feed(line)
    assert [(f.package, f.ebuild_phase, f.reason) for f in parser.failures] == [
        ("dev-libs/libtbmath-1.0", "fetch",
         "digest verification failed for libtbmath-1.0.tar.gz: Filesize does not match recorded size"),
        ("app-misc/tbcalc-1.0", "fetch", "could not download tbcalc-1.0.tar.gz")]


def test_with_jobs_the_fetch_failure_is_named_without_a_reason_and_not_pinned_on_another_package():
    # recorded with --jobs: emerge keeps fetch messages in the build log and prints it at the end,
    # after another package completed; the reason cannot be told apart from that package's
    parser, events = parse("emerge-fetch-verify-failed-jobs.log")
    failures = [e for e in events if isinstance(e, EmergeFailure)]
    assert [(f.package, f.log_path) for f in failures] == [
        ("app-misc/tbcalc-1.0", "/var/tmp/portage/app-misc/tbcalc-1.0/temp/build.log")]
    assert "genpack/paravirt-20260101" not in parser._reasons


def test_a_fetch_failed_eerror_names_the_package_and_its_log():
    # _emerge/EbuildFetcher.py's message when the fetch ran in the background
    parser = EmergeOutputParser(phase="lower")
    parser.feed(" * Fetch failed for 'app-misc/tbcalc-1.0', Log file:")
    events = parser.feed(" *  '/var/tmp/portage/app-misc/tbcalc-1.0/temp/build.log'")
    assert [(e.package, e.ebuild_phase, e.log_path) for e in events] == [
        ("app-misc/tbcalc-1.0", "fetch", "/var/tmp/portage/app-misc/tbcalc-1.0/temp/build.log")]
