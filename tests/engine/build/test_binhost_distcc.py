"""--distcc across two machines (tests/fixtures/netns.py): distccd on A, B's lower compiles the test bed's
C packages (app-misc/tbcalc and dev-libs/libtbmath, engine/testbed/compiled_packages.py) with
FEATURES=distcc. Whether a job went to A is read from distccd's own log."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.fixtures.netns import MachinePair, build_on, cli_env, completed_origins, fresh_cache, mirror_on_machine

DISTCC_PORT = 3632
COMPILED = "app-misc/tbcalc"
CONFIG = """{
  name: "tbcalc",
  profile: "paravirt",
  packages: ["%s"],
}
""" % COMPILED


@pytest.fixture(scope="module")
def distcc_machines(two_machines: MachinePair, testbed_artifacts):
    if shutil.which("distccd") is None:
        pytest.skip("distccd is missing (Debian's distcc; scripts/setup.sh installs it)")
    with mirror_on_machine(two_machines.b, cli_env()) as mirror:
        yield two_machines, mirror


def artifact_in(directory: Path) -> Path:
    artifact = directory / "tbcalc"
    artifact.mkdir()
    (artifact / "genpack.json5").write_text(CONFIG)
    return artifact


@pytest.fixture
def distccd_log(tmp_path_factory) -> Path:
    """distccd writes its log after giving up root (to nobody): a directory it can reach, outside the
    tests' private temporary tree."""
    directory = Path(tempfile.mkdtemp(prefix="genpack-tui-distccd-"))
    directory.chmod(0o755)
    log = directory / "distccd.log"
    log.touch()
    log.chmod(0o666)
    yield log
    shutil.rmtree(directory)


def start_distccd(pair: MachinePair, log: Path) -> subprocess.Popen[str]:
    proc = pair.a.start(["distccd", "--no-detach", "--daemon", "--listen", pair.a.address, "--port",
                         str(DISTCC_PORT), "--allow", f"{pair.b.address}/32", "--log-file", str(log),
                         "--log-level", "info", "--jobs", "2", "--user", "nobody"])
    # ready when A answers on the port (bounded: 50 tries, 0.2 s apart)
    for _ in range(50):
        probe = subprocess.run(["ip", "netns", "exec", pair.b.netns, "bash", "-c",
                                f"exec 3<>/dev/tcp/{pair.a.address}/{DISTCC_PORT}"], capture_output=True)
        if probe.returncode == 0:
            return proc
        if proc.poll() is not None:
            break
        subprocess.run(["sleep", "0.2"])
    pair.a.stop(proc)
    raise AssertionError(f"distccd did not start on {pair.a.address}:{DISTCC_PORT}: {log.read_text()[-2000:]}")


def test_b_sends_compile_jobs_to_distccd_on_a(distcc_machines, distccd_log, tmp_path):
    pair, mirror = distcc_machines
    log = distccd_log
    distccd = start_distccd(pair, log)
    try:
        fresh_cache(pair.b)
        run = build_on(pair.b, mirror, artifact_in(tmp_path), f"--distcc={pair.a.address}:{DISTCC_PORT}/2")
    finally:
        pair.a.stop(distccd)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    jobs = [line for line in log.read_text().splitlines() if "COMPILE_OK" in line]
    assert jobs, log.read_text()[-3000:]
    assert all(pair.b.address in line for line in jobs)
    assert f"Compiling with distcc on {pair.a.address}:{DISTCC_PORT}/2 (--distcc)" in run.output_lines
    assert completed_origins(run)[f"{COMPILED}-1.0"] == "source"


def test_with_distccd_stopped_the_build_compiles_locally(distcc_machines, tmp_path):
    pair, mirror = distcc_machines
    fresh_cache(pair.b)
    run = build_on(pair.b, mirror, artifact_in(tmp_path), f"--distcc={pair.a.address}:{DISTCC_PORT}/2")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert completed_origins(run)[f"{COMPILED}-1.0"] == "source"
    # distcc's own word that it could not reach A and compiled here
    assert any("failed to distribute" in line for line in run.output_lines), run.output_lines[-80:]


def test_without_distcc_nothing_of_it_reaches_the_build(distcc_machines, tmp_path):
    pair, mirror = distcc_machines
    run = build_on(pair.b, mirror, artifact_in(tmp_path))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    # (the test's own directory is named after distcc)
    assert not [line for line in run.output_lines if "distcc" in line.replace(str(tmp_path), "").lower()]
