"""The build history on real builds of the example on the test bed: the report's package sizes
against ``unsquashfs -lln`` of the built image, the diff of a USE change and of a files/-only edit,
a truncated record skipped with a warning, and the bound on the number of records."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from genpack_tui.engine.history.eta import expected_duration
from genpack_tui.engine.history.store import read_history
from tests.fixtures.build import REPO, CliRun, copy_example, edited

pytestmark = [pytest.mark.root, pytest.mark.slow]

HISTORY = Path("work/history/x86_64")
USE_LINE = '"app-misc/hello": "extra",'


@dataclass
class Cli:
    returncode: int
    stdout: str
    stderr: str

    @property
    def json(self) -> dict:
        return json.loads(self.stdout)


def cli(artifact: Path, *args: str) -> Cli:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "-m", "genpack_tui", "-C", str(artifact), *args],
                          capture_output=True, text=True, env=env, timeout=120)
    return Cli(proc.returncode, proc.stdout, proc.stderr)


_LISTING = re.compile(r"^(\S)\S* \d+/\d+\s+(\d+|\d+,\s*\d+) \d{4}-\d\d-\d\d \d\d:\d\d (.*)$")


def unsquashfs_sizes(image: Path) -> dict[str, int]:
    """path → size of every entry but directories, from ``unsquashfs -lln`` (a device's size: 0)."""
    out = subprocess.run(["unsquashfs", "-lln", "-d", "", str(image)], capture_output=True, text=True,
                         check=True).stdout
    sizes = {}
    for line in out.splitlines():
        match = _LISTING.match(line)
        assert match is not None or not line.startswith(tuple("-dlcbps")), line
        if match is None or match[1] == "d" or not match[3].startswith("/"):
            continue
        path = match[3].split(" -> ", 1)[0] if match[1] == "l" else match[3]
        sizes[path] = 0 if "," in match[2] else int(match[2])
    return sizes


@dataclass
class Builds:
    artifact: Path
    image: Path
    runs: list[CliRun]
    report: Cli  # after the second build
    diff_use: Cli  # between the first and the second
    diff_use_text: Cli  # the same, as people read it
    sizes: dict[str, int]  # unsquashfs -lln of the second build's image
    diff_files: Cli  # between the second and the third (files/ edited)
    records_before_limit: list[str]
    records_after_limit: list[str]
    eta: tuple[float | None, float]  # the second build: estimated from the first, and its phases' real time
    eta_third: tuple[float | None, float]  # the third (upper and pack only), from the first two


@pytest.fixture(scope="module")
def builds(builder, tmp_path_factory) -> Builds:
    artifact = copy_example(tmp_path_factory.mktemp("history"))
    config = artifact / "genpack.json5"
    note = artifact / "files/etc/hello-note"  # files/ only: no build script writes it (one writes /etc/motd)
    note.parent.mkdir(parents=True, exist_ok=True)
    note.write_text("A file of files/.\n")
    runs = []
    with edited(config, USE_LINE, '"app-misc/hello": "-extra",'):
        runs.append(builder.run(artifact, "build"))
    runs.append(builder.run(artifact, "build"))  # USE=extra again: lower reruns, hello is rebuilt with it
    image = artifact / "hello-x86_64.squashfs"
    report, diff_use, sizes = cli(artifact, "report", "--json", "--top", "100"), \
        cli(artifact, "diff-builds", "--json"), unsquashfs_sizes(image)
    diff_use_text = cli(artifact, "diff-builds", "-2", "-1")
    first, second = read_history(artifact, "x86_64", None, pytest.fail).records
    eta = (expected_duration([first], ("lower", "upper", "pack")), sum(p.duration for p in second.phases))
    note.write_text("A file of files/, edited between builds.\n")
    runs.append(builder.run(artifact, "build"))
    diff_files = cli(artifact, "diff-builds", "--json")
    *earlier, third = read_history(artifact, "x86_64", None, pytest.fail).records
    eta_third = (expected_duration(earlier, ("upper", "pack")), sum(p.duration for p in third.phases if not p.skipped))
    before = sorted(p.name for p in (artifact / HISTORY).iterdir())
    runs.append(builder.run(artifact, "--history-limit", "2", "build"))  # nothing changed: every phase skipped
    after = sorted(p.name for p in (artifact / HISTORY).iterdir())
    for run in runs:
        assert run.returncode == 0, run.stderr[-3000:]
    return Builds(artifact, image, runs, report, diff_use, diff_use_text, sizes, diff_files, before, after, eta, eta_third)


def test_report_package_sizes_are_their_files_in_the_squashfs(builds: Builds):
    assert builds.report.returncode == 0, builds.report.stderr
    report = builds.report.json
    record = json.loads(subprocess.run(["zcat", str(sorted((builds.artifact / HISTORY).iterdir())[1])],
                                       capture_output=True, text=True, check=True).stdout)["image"]
    paths = record["files"]["path"]
    packages = {p["cpv"]: p for p in record["packages"]}
    assert {p["cpv"] for p in report["packages"]} == set(packages)
    assert "app-misc/hello-1.0" in packages and not any(c.startswith("dev-util/buildtool") for c in packages)
    for reported in report["packages"]:
        files = [paths[i] for i in packages[reported["cpv"]]["files"]]
        assert all(f in builds.sizes for f in files), reported["cpv"]
        assert reported["size"] == sum(builds.sizes[f] for f in files), reported["cpv"]
    hello = packages["app-misc/hello-1.0"]
    assert {paths[i] for i in hello["files"]} == \
        {"/usr/bin/hello", "/usr/share/hello/greeting.txt", "/usr/share/hello/extra.txt"}
    assert hello["use"] == ["extra", "greeting"]
    assert report["file_count"] == len(builds.sizes)
    assert report["byte_size"] == sum(builds.sizes.values())
    assert report["squashfs_size"] == builds.image.stat().st_size
    assert report["compression_ratio"] == pytest.approx(report["squashfs_size"] / report["byte_size"])
    unowned = report["unowned"]
    assert unowned["size"] == report["byte_size"] - sum(p["size"] for p in report["packages"])
    assert "/etc/issue" in {f["path"] for f in unowned["largest"]} or unowned["count"] > 100


def test_diff_shows_the_use_change_and_the_added_file(builds: Builds):
    assert builds.diff_use.returncode == 0, builds.diff_use.stderr
    diff = builds.diff_use.json
    [hello] = [p for p in diff["packages"] if p["name"] == "app-misc/hello"]
    assert hello["kind"] == "changed" and hello["use_added"] == ["extra"] and hello["use_removed"] == []
    extra_size = builds.sizes["/usr/share/hello/extra.txt"]
    assert hello["size_delta"] == extra_size
    [added] = [f for f in diff["files"] if f["path"] == "/usr/share/hello/extra.txt"]
    assert added["kind"] == "added" and added["new"]["size"] == extra_size and added["package"] == "app-misc/hello-1.0"
    assert diff["old"]["image"]["file_count"] + 1 == diff["new"]["image"]["file_count"]
    assert {p["name"] for p in diff["phases"]} == {"lower", "upper", "pack"}
    text = builds.diff_use_text
    assert text.returncode == 0, text.stderr
    assert "app-misc/hello: USE +extra" in text.stdout
    assert f"added      /usr/share/hello/extra.txt ({extra_size} B) [app-misc/hello-1.0]" in text.stdout


def test_files_only_edit_shows_as_unowned_files_changed(builds: Builds):
    assert builds.diff_files.returncode == 0, builds.diff_files.stderr
    diff = builds.diff_files.json
    assert diff["packages"] == []
    [note] = [f for f in diff["files"] if f["path"] == "/etc/hello-note"]
    assert note["kind"] == "changed" and note["package"] is None
    assert "content" in note["changed"] and "size" in note["changed"]
    assert note["size_delta"] == len(", edited between builds")
    assert all(f["package"] is None for f in diff["files"])
    lower = next(p for p in diff["phases"] if p["name"] == "lower")
    assert lower["new"] is None  # lower was up to date: skipped


def test_the_bound_is_honoured_and_an_unchanged_build_keeps_the_image(builds: Builds):
    assert len(builds.records_before_limit) == 3
    assert builds.records_after_limit[0] == builds.records_before_limit[-1]
    assert len(builds.records_after_limit) == 2
    last = cli(builds.artifact, "report", "--json").json
    assert last["id"] + ".json.gz" == builds.records_after_limit[-1]
    assert last["file_count"] == len(unsquashfs_sizes(builds.image))


def test_a_truncated_record_is_skipped_with_a_warning(builds: Builds, tmp_path: Path):
    newest = builds.artifact / HISTORY / builds.records_after_limit[-1]
    data = newest.read_bytes()
    try:
        newest.write_bytes(data[: len(data) // 2])
        report = cli(builds.artifact, "report")
        assert report.returncode == 0, report.stderr
        assert f"genpack-tui: warning: skipped {newest}: not a readable build record (EOFError" in report.stderr
        assert builds.records_after_limit[0].removesuffix(".json.gz") in report.stdout
        diff = cli(builds.artifact, "diff-builds")
        assert diff.returncode == 1
        assert "holds 1 readable build(s); diff-builds needs two" in diff.stderr
        assert "Traceback" not in report.stderr + diff.stderr
    finally:
        newest.write_bytes(data)


def test_clear_errors_without_history_and_for_an_unknown_build(builds: Builds, tmp_path: Path):
    fresh = copy_example(tmp_path)
    for args in (("report",), ("diff-builds",)):
        result = cli(fresh, *args)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert f"no build history in {fresh}/work/history/x86_64: build the artifact first" in result.stderr \
            or "holds 0 readable build(s)" in result.stderr
    unknown = cli(builds.artifact, "diff-builds", "-1", "20990101T000000.000000Z")
    assert unknown.returncode == 1 and "no build '20990101T000000.000000Z'" in unknown.stderr



def test_eta_of_the_second_build_from_the_first(builds: Builds, capsys):
    """Printed for the note, not asserted as a timing: the estimate only has to exist."""
    estimate, ran = builds.eta
    third_estimate, third_ran = builds.eta_third
    assert estimate is not None and third_estimate is not None
    with capsys.disabled():
        print(f"\nETA of the second build (USE change) from the first (cold): {estimate:.1f} s estimated, "
              f"its phases took {ran:.1f} s")
        print(f"ETA of the third build (files/ edit: upper, pack) from the first two: {third_estimate:.1f} s "
              f"estimated, its phases took {third_ran:.1f} s")
