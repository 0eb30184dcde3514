"""End to end with packages that compile real C (tests/data/artifacts/compiled): Portage fetches
their distfiles from the test bed mirror through GENTOO_MIRRORS, verifies them against the
Manifest, and gcc builds them; a corrupted distfile is refused and the failure says why.
Real emerge, gcc, nspawn, loop images, squashfs, HTTP on 127.0.0.1."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from genpack_tui.engine.runtime.mounts import mounted_image
from genpack_tui.engine.testbed import MirrorServer
from genpack_tui.engine.testbed.compiled_packages import BIGC_UNITS, COMPILED_PACKAGES
from genpack_tui.engine.testbed.distfiles import LAYOUT_CONF, mirror_path
from tests.fixtures.build import Builder, squashfs_listing
from tests.fixtures.testbed import nspawn_in

pytestmark = [pytest.mark.root, pytest.mark.slow]

COMPILED = Path(__file__).resolve().parents[2] / "data" / "artifacts" / "compiled"
# testbed-bigc's output: plain unsigned 64-bit arithmetic, so the same on every machine and compiler
BIGC_OUTPUT = f"testbed-bigc: {BIGC_UNITS} units, checksum 75c4c58f7faf052b"


def _copy(tmp_path: Path, genpack_json5: str | None = None) -> Path:
    artifact = tmp_path / "compiled"
    shutil.copytree(COMPILED, artifact, symlinks=True)
    if genpack_json5 is not None:
        (artifact / "genpack.json5").write_text(genpack_json5)
    return artifact


@pytest.fixture(scope="module")
def own_mirror(testbed_artifacts):
    """A mirror of this module's own, so counting and corrupting its files touches no other test."""
    with MirrorServer(testbed_artifacts) as server:
        yield server


@pytest.fixture(scope="module")
def compiled(own_mirror, tmp_path_factory):
    """The artifact built cold: its own binary package directory, so everything compiles here."""
    artifact = _copy(tmp_path_factory.mktemp("compiled"))
    start = time.monotonic()
    run = Builder(own_mirror).run(artifact, "--independent-binpkgs", "build")
    elapsed = time.monotonic() - start
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    print(f"\ncompiled artifact, cold build (3 C packages from source): {elapsed:.1f} s")
    return artifact, run


def test_distfiles_come_from_the_mirror_and_are_verified(compiled, own_mirror):
    _, run = compiled
    for package in COMPILED_PACKAGES:
        assert own_mirror.request_count(mirror_path(package.distfile), "GET") == 1, package.distfile
        assert any(line.startswith(f" * {package.distfile} BLAKE2B SHA512 size ;-) ...") and "[ ok ]" in line
                   for line in run.output_lines), package.distfile
    assert own_mirror.request_count(LAYOUT_CONF, "GET") >= 1  # Portage asked the mirror for its layout
    assert not any("example.invalid" in line for line in run.output_lines)  # SRC_URI never needed


def test_every_compiled_package_is_built_from_source_with_gcc(compiled):
    _, run = compiled
    from_source = {e["package"] for e in run.kinds("emerge_progress") if e["stage"] == "compile" and not e["binary"]}
    assert {f"{p.cp}-{p.version}" for p in COMPILED_PACKAGES} <= from_source
    compiles = [line for line in run.output_lines if line.startswith("cc ") and " -c -o src/unit" in line]
    assert len(compiles) == BIGC_UNITS and all("-O2" in line for line in compiles)


def test_the_compiled_programs_run(compiled):
    artifact, _ = compiled
    listing = squashfs_listing(artifact / "compiled-x86_64.squashfs")
    assert {"/usr/bin/tbcalc", "/usr/bin/testbed-bigc", "/usr/lib/libtbmath.so.1"} <= listing
    with mounted_image(artifact / "work/x86_64/lower.img") as root:
        rc, lines = nspawn_in(root, ["tbcalc", "fib", "90"])
        assert (rc, lines[-1:]) == (0, ["fib(90) = 2880067194370816120"])  # through libtbmath.so.1
        rc, lines = nspawn_in(root, ["tbcalc", "gcd", "1071", "462"])
        assert (rc, lines[-1:]) == (0, ["gcd(1071, 462) = 21"])
        rc, lines = nspawn_in(root, ["testbed-bigc"])
        assert (rc, lines[-1:]) == (0, [BIGC_OUTPUT])


def test_a_corrupted_distfile_is_refused_and_the_failure_says_why(testbed_artifacts, tmp_path):
    artifact = _copy(tmp_path, '{ name: "compiled", profile: "paravirt", packages: ["app-misc/tbcalc"] }\n')
    with MirrorServer(testbed_artifacts) as mirror:
        mirror.corrupt_distfile("tbcalc-1.0.tar.gz")  # same size, one byte changed
        run = Builder(mirror).run(artifact, "--independent-binpkgs", "lower")
        assert mirror.request_count(mirror_path("tbcalc-1.0.tar.gz"), "GET") == 1
    assert run.returncode != 0
    reason = "digest verification failed for tbcalc-1.0.tar.gz: Failed on BLAKE2B verification"
    failures = run.kinds("emerge_failure")
    assert [(f["package"], f["ebuild_phase"], f["reason"]) for f in failures] == [
        ("app-misc/tbcalc-1.0", "fetch", reason)]
    assert f"failed package: app-misc/tbcalc-1.0 in fetch phase: {reason}" in run.stderr
    assert "Traceback" not in run.stderr
    with mounted_image(artifact / "work/x86_64/lower.img", readonly=True) as root:
        assert not (root / "usr/bin/tbcalc").exists()  # nothing was built from the bad tarball
        assert (root / "var/db/pkg/dev-libs").is_dir()  # its dependency, fetched intact, was
