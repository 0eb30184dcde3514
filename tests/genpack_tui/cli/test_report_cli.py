"""``report`` and ``diff-builds`` on a history written by the engine's store: the real command, its
text and JSON, its errors, and that it runs without root."""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from genpack_tui.engine.history.model import BuildRecord, FileEntry, ImageComposition, PackageInImage, PhaseTiming
from genpack_tui.engine.history.store import write_record
from tests.fixtures.build import REPO

REG = stat.S_IFREG | 0o644


def genpack_tui(*args: str, user: str | None = None) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "genpack_tui", *args]
    if user is not None:
        argv = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *argv]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd="/",
                          env={**os.environ, "PYTHONPATH": str(REPO), "HOME": "/nonexistent"})


def image(hello_use: tuple[str, ...], motd: bytes, extra: bool) -> ImageComposition:
    files = [FileEntry("/etc/motd", len(motd), REG, 0, 0, motd.hex().ljust(64, "0")[:64]),
             FileEntry("/usr/bin/hello", 300, REG | 0o111, 0, 0, "a" * 64),
             FileEntry("/usr/lib/libgreet.so", 5000, REG, 0, 0, "b" * 64)]
    if extra:
        files.append(FileEntry("/usr/share/hello/extra.txt", 24, REG, 0, 0, "c" * 64))
    files.sort(key=lambda f: f.path)
    index = {f.path: i for i, f in enumerate(files)}
    hello_files = tuple(index[p] for p in ("/usr/bin/hello", "/usr/share/hello/extra.txt") if p in index)
    packages = (PackageInImage("app-misc/hello-1.0", "1.0", hello_use, sum(files[i].size for i in hello_files),
                               hello_files),
                PackageInImage("dev-libs/libgreet-1.0", "1.0", (), 5000, (index["/usr/lib/libgreet.so"],)))
    total = sum(f.size for f in files)
    return ImageComposition(len(files), total, total // 2, tuple(files), packages, (index["/etc/motd"],),
                            {"/": total, "/usr": total - len(motd), "/etc": len(motd)})


def record(n: int, comp: ImageComposition | None, lower: float = 50.0) -> BuildRecord:
    return BuildRecord(id=f"20261202T0600{n:02d}.000000Z", artifact="hello", variant=None, arch="x86_64",
                       action="build", started=1796191200.0 + n, finished=1796191300.0 + n, ok=comp is not None,
                       message="" if comp else "lower failed", image=comp,
                       phases=(PhaseTiming("lower", lower, True), PhaseTiming("pack", 2.0, True)))


@pytest.fixture
def artifact():
    # world-readable, so the unprivileged user can reach it (tmp_path's parents are root's alone)
    top = Path(tempfile.mkdtemp(prefix="report-cli-"))
    top.chmod(0o755)
    directory = top / "hello"
    directory.mkdir()
    (directory / "genpack.json5").write_text('{ name: "hello", packages: ["app-misc/hello"] }\n')
    write_record(directory, record(1, image((), b"Welcome\n", extra=False)), 20)
    write_record(directory, record(2, image(("extra",), b"Welcome!\n", extra=True), lower=40.0), 20)
    yield directory
    shutil.rmtree(top)


def test_report_text(artifact: Path):
    proc = genpack_tui("-C", str(artifact), "--arch", "x86_64", "report", "--top", "1")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("hello (x86_64): build 20261202T060002.000000Z, succeeded")
    assert "image: 4 files, 5.2 KiB; squashfs 2.6 KiB, 50% of the files' size" in out
    assert "     4.9 KiB      1 files  dev-libs/libgreet-1.0" in out
    assert "app-misc/hello" not in out.split("largest directories:")[0]  # --top 1: the largest package only
    assert "files no package owns: 1, 9 B; the largest:\n         9 B  /etc/motd" in out


def test_report_json_and_it_needs_no_root(artifact: Path):
    proc = genpack_tui("-C", str(artifact), "--arch", "x86_64", "report", "--json", user="65534")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["schema"] == "1.0" and data["id"] == "20261202T060002.000000Z"
    assert [(p["cpv"], p["size"], p["use"]) for p in data["packages"]] == \
        [("dev-libs/libgreet-1.0", 5000, []), ("app-misc/hello-1.0", 324, ["extra"])]
    assert data["unowned"] == {"count": 1, "size": 9, "largest": [
        {"path": "/etc/motd", "size": 9, "mode": REG, "uid": 0, "gid": 0, "sha256": data["unowned"]["largest"][0]["sha256"]}]}
    assert data["compression_ratio"] == pytest.approx(0.5, abs=0.01)


def test_diff_builds_text(artifact: Path):
    proc = genpack_tui("-C", str(artifact), "--arch", "x86_64", "diff-builds")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "build 20261202T060001.000000Z → 20261202T060002.000000Z" in out
    assert "image: 5.2 KiB → 5.2 KiB (+25 B), 3 → 4 files" in out
    assert "  changed    app-misc/hello: USE +extra; size +24 B (300 B → 324 B)" in out
    assert "  changed    /etc/motd: size, content (+1 B) [no package]" in out
    assert "  added      /usr/share/hello/extra.txt (24 B) [app-misc/hello-1.0]" in out
    assert "  lower    50.0s → 40.0s (-10.0s)" in out
    assert "libgreet" not in out


def test_diff_builds_by_id_and_index_with_json(artifact: Path):
    write_record(artifact, record(3, None), 20)  # a failed build: no image
    proc = genpack_tui("-C", str(artifact), "--arch", "x86_64", "diff-builds", "--json",
                       "20261202T060001.000000Z", "-2")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["schema"] == "1.0" and data["old"]["id"] == "20261202T060001.000000Z"
    assert data["new"]["id"] == "20261202T060002.000000Z" and data["size_delta"] == 25
    assert [(f["path"], f["kind"]) for f in data["files"]] == [("/etc/motd", "changed"),
                                                              ("/usr/share/hello/extra.txt", "added")]
    failed = genpack_tui("-C", str(artifact), "--arch", "x86_64", "diff-builds")
    assert failed.returncode == 0 and "no image to compare: 20261202T060003.000000Z packed none" in failed.stdout
    report = genpack_tui("-C", str(artifact), "--arch", "x86_64", "report")
    assert "(the newer build 20261202T060003.000000Z packed no image)" in report.stdout


@pytest.mark.parametrize("args, message", [
    (("diff-builds", "-5"), "no build -5 in the history: it holds 2 build(s), -1 to -2 (or 0 to 1)"),
    (("diff-builds", "nope\x1b", "-1"), "no build 'nope\\x1b' in "),
])
def test_unknown_builds_are_clear_errors(artifact: Path, args, message):
    proc = genpack_tui("-C", str(artifact), "--arch", "x86_64", *args)
    assert proc.returncode == 1 and message in proc.stderr and "Traceback" not in proc.stderr


def test_no_history(tmp_path: Path):
    (tmp_path / "genpack.json5").write_text('{ name: "x", packages: [] }\n')
    proc = genpack_tui("-C", str(tmp_path), "--arch", "x86_64", "report")
    assert proc.returncode == 1
    assert proc.stderr == f"genpack-tui: error: no build history in {tmp_path}/work/history/x86_64: " \
                          "build the artifact first\n"


def test_a_truncated_record_is_skipped_with_a_warning(artifact: Path):
    newest = artifact / "work/history/x86_64/20261202T060002.000000Z.json.gz"
    newest.write_bytes(newest.read_bytes()[:40])
    proc = genpack_tui("-C", str(artifact), "--arch", "x86_64", "report")
    assert proc.returncode == 0, proc.stderr
    assert f"genpack-tui: warning: skipped {newest}: not a readable build record" in proc.stderr
    assert "build 20261202T060001.000000Z" in proc.stdout


@pytest.mark.parametrize("args, message", [
    (("report", "--top", "0"), "expected a whole number above 0"),
    (("diff-builds", "-1", "-2", "-3"), "diff-builds compares two builds"),
    (("build", "--json"), "--json is only supported with the 'config', 'plan', 'matrix', 'report', 'diff-builds' subcommands"),
    (("--history-limit", "-1", "build"), "expected a whole number of builds"),
])
def test_usage_errors(tmp_path: Path, args, message):
    proc = genpack_tui("-C", str(tmp_path), *args)
    assert proc.returncode == 2 and message in proc.stderr
