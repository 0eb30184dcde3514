"""`genpack-tui doctor` on this host (its real findings, checked against the host independently) and
with checks made to fail: a PATH without systemd-nspawn, a non-root user, a planted /dev without
loop-control, planted binfmt_misc registrations, an unusable keyring, too little disk."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from genpack_tui.commands import doctor
from genpack_tui.engine.runtime.filesystems import BUILD_FILESYSTEMS
from genpack_tui.engine.runtime.host import detect_host

AARCH64_MAGIC = "7f454c460201010000000000000000000200b700"  # ELF, 64-bit LE, e_machine 183 (aarch64)


def run_doctor(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
               user: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*(user or []), sys.executable, "-m", "genpack_tui", "doctor", *args], capture_output=True,
                          text=True, timeout=60, cwd=cwd, env=env if env is not None else dict(os.environ))


def statuses(output: str) -> dict[str, str]:
    """check name → status, from doctor's lines ``STATUS  NAME  found``."""
    found = {}
    for line in output.splitlines():
        status, _, rest = line.partition("  ")
        if status.strip() in ("ok", "warn", "FAIL"):
            found[rest.strip().split("  ")[0]] = status.strip()
    return found


def test_doctor_reports_this_hosts_real_findings(tmp_path: Path) -> None:
    proc = run_doctor("-C", str(tmp_path))
    assert proc.stderr == ""
    found = statuses(proc.stdout)
    filesystems = {line.split()[-1] for line in Path("/proc/filesystems").read_text().splitlines() if line.strip()}
    expected = {
        "root": os.geteuid() == 0,
        "user namespace": Path("/proc/self/uid_map").read_text().split() == ["0", "0", "4294967295"],
        "loop devices": Path("/dev/loop-control").exists(),
        "systemd-nspawn": shutil.which("systemd-nspawn") is not None,
        **{f"{fs} filesystem": fs in filesystems or os.geteuid() == 0 for fs in BUILD_FILESYSTEMS},
    }
    for name, passes in expected.items():
        assert found[name] == ("ok" if passes else "FAIL"), proc.stdout
    assert {name for name in found if name.startswith("binfmt ")} == \
        {f"binfmt {arch}" for arch in ("aarch64", "riscv64", "x86_64", "i686") if arch != os.uname().machine
         and not (os.uname().machine == "x86_64" and arch == "i686")}
    assert f"free on the filesystem of {tmp_path}" in proc.stdout  # work/ does not exist yet: its parent
    assert "keyring" in found
    needed_ok = all(expected.values()) and found["disk space"] != "FAIL" and found["keyring"] != "FAIL"
    assert proc.returncode == (0 if needed_ok else 1), proc.stdout
    last = proc.stdout.rstrip().splitlines()[-1]
    assert last.startswith("this host can build") if needed_ok else last.endswith("failed")


def test_a_path_without_systemd_nspawn_fails_with_the_fix(tmp_path: Path) -> None:
    proc = run_doctor("-C", str(tmp_path), env={**os.environ, "PATH": str(tmp_path / "empty-bin")})
    assert proc.returncode == 1, proc.stdout
    assert "FAIL  systemd-nspawn" in proc.stdout and "not found in PATH" in proc.stdout
    assert "fix: apt-get install systemd-container" in proc.stdout
    assert "this host cannot build: systemd-nspawn failed" in proc.stdout


def test_a_non_root_user_fails_the_root_check() -> None:
    proc = run_doctor("-C", "/", cwd=Path("/"), user=["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"])
    if "setpriv" in proc.stderr:
        pytest.skip(f"cannot drop privileges here: {proc.stderr.strip()}")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert statuses(proc.stdout)["root"] == "FAIL"
    assert "fix: run builds with sudo" in proc.stdout


def test_root_inside_a_user_namespace_fails(tmp_path: Path) -> None:
    """A real user namespace (what an unprivileged container is): root there is not the host's root."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare (util-linux) is not installed")
    proc = run_doctor("-C", str(tmp_path), user=["unshare", "--user", "--map-root-user"])
    if "unshare:" in proc.stderr:
        pytest.skip(f"cannot make a user namespace here: {proc.stderr.strip()}")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    found = statuses(proc.stdout)
    assert found["root"] == "ok" and found["user namespace"] == "FAIL"
    assert "inside a user namespace (uid_map 0 0 1)" in proc.stdout
    assert "fix: run on the host, in a VM, or in a privileged container" in proc.stdout


def printed(checks: list[doctor.Check]) -> tuple[int, str]:
    out = io.StringIO()
    return doctor.print_checks(checks, out), out.getvalue()


def test_a_dev_without_loop_control_fails(tmp_path: Path) -> None:
    host = detect_host(dev=tmp_path)  # a planted /dev with nothing in it
    status, text = printed(doctor.host_checks(tmp_path, host=host, environ={}))
    assert status == 1
    assert "FAIL  loop devices" in text and "/dev/loop-control missing" in text and "fix: modprobe loop" in text


def test_binfmt_registrations_are_read_and_needed_only_for_the_arch_asked_for(tmp_path: Path) -> None:
    host = detect_host()
    if host.machine != "x86_64":
        pytest.skip("the planted registrations are for an x86_64 host")
    binfmt = tmp_path / "binfmt_misc"
    binfmt.mkdir()
    (binfmt / "status").write_text("enabled\n")
    (binfmt / "qemu-aarch64").write_text(f"enabled\ninterpreter /usr/bin/qemu-aarch64-static\nflags: OC\n"
                                         f"offset 0\nmagic {AARCH64_MAGIC}\nmask ffffffffffffff\n")
    checks = {c.name: c for c in doctor.binfmt_checks(host, None, binfmt)}
    assert checks["binfmt aarch64"].status == "warn"
    assert "without the 'F' (fix-binary) flag" in checks["binfmt aarch64"].found
    assert checks["binfmt riscv64"].status == "warn" and "no binfmt_misc registration" in checks["binfmt riscv64"].found
    needed = {c.name: c for c in doctor.binfmt_checks(host, "riscv64", binfmt)}
    assert needed["binfmt riscv64"].status == "FAIL" and needed["binfmt aarch64"].status == "warn"
    (binfmt / "qemu-aarch64").write_text(f"enabled\ninterpreter /usr/bin/qemu-aarch64-static\nflags: OCF\n"
                                         f"offset 0\nmagic {AARCH64_MAGIC}\nmask ffffffffffffff\n")
    ok = {c.name: c for c in doctor.binfmt_checks(host, "aarch64", binfmt)}["binfmt aarch64"]
    assert ok.status == "ok" and "/usr/bin/qemu-aarch64-static" in ok.found


def test_an_unusable_keyring_fails_and_none_only_warns(tmp_path: Path) -> None:
    bogus = tmp_path / "keyring.asc"
    bogus.write_text("not a keyring\n")
    check = doctor.keyring_check(bogus, {})
    assert check.status == "FAIL" and str(bogus) in check.found
    relative = doctor.keyring_check(None, {"GENPACK_KEYRING": "keys.gpg"})
    assert relative.status == "FAIL" and "GENPACK_KEYRING" in relative.found and "absolute" in relative.found
    if not Path("/usr/share/openpgp-keys/gentoo-release.asc").exists():
        assert doctor.keyring_check(None, {}).status == "warn"


def test_too_little_disk_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "work").mkdir()
    assert doctor.disk_check(tmp_path).status in ("ok", "warn")
    monkeypatch.setattr(doctor, "MIN_FREE", shutil.disk_usage(tmp_path).total + 1)
    check = doctor.disk_check(tmp_path)
    assert check.status == "FAIL" and str(tmp_path / "work") in check.found


def test_a_real_keyring_given_with_the_option_or_the_variable_passes(tmp_path: Path) -> None:
    from genpack_tui.engine.testbed.build import default_cache_root
    from genpack_tui.engine.testbed.signing import KEYRING_FILE

    keyring = default_cache_root() / "signing-key" / KEYRING_FILE
    if not keyring.is_file():
        pytest.skip(f"no test bed keyring at {keyring} (genpack-tui testbed makes one)")
    by_option = run_doctor("-C", str(tmp_path), "--keyring", str(keyring))
    assert statuses(by_option.stdout)["keyring"] == "ok", by_option.stdout
    assert f"{keyring} (--keyring)" in by_option.stdout
    by_variable = run_doctor("-C", str(tmp_path), env={**os.environ, "GENPACK_KEYRING": str(keyring)})
    assert f"{keyring} (GENPACK_KEYRING)" in by_variable.stdout
    assert statuses(by_variable.stdout)["keyring"] == "ok"
