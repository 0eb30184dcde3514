"""genpack's global options end to end on the test bed: -f, --overlay-override, --independent-binpkgs, --arch,
--devel."""
from __future__ import annotations

import tarfile

import pytest

from genpack_tui.engine.runtime.binfmt import scan_binfmt
from tests.fixtures.build import copy_example, mounted_readonly, squashfs_listing

pytestmark = [pytest.mark.root, pytest.mark.slow]


@pytest.fixture(scope="module")
def built(built_example):
    return built_example[0]


def test_force_reruns_every_phase(built, builder):
    run = builder.run(built, "-f", "build")
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.kinds("phase_skipped") == []
    assert [e["phase"] for e in run.kinds("phase_finished")] == ["lower", "upper", "pack"]
    assert any("lower always runs when asked for" in line for line in run.output_lines)


def test_overlay_override_is_bound_read_only(built, builder, testbed_artifacts, tmp_path):
    override = tmp_path / "my-overlay"
    override.mkdir()
    with tarfile.open(testbed_artifacts.overlay_tarball) as tar:
        members = []
        for member in tar.getmembers():
            parts = member.name.split("/", 1)
            if len(parts) == 2 and parts[1]:
                member.name = parts[1]
                members.append(member)
        tar.extractall(override, members=members, filter="tar")
    (override / "OVERRIDE-MARKER").write_text("from the override\n")
    run = builder.run(built, "--overlay-override", str(override), "bash", "cat",
                      "/var/db/repos/genpack-overlay/OVERRIDE-MARKER")
    assert run.returncode == 0, run.stderr
    assert "from the override" in run.stdout
    denied = builder.run(built, "--overlay-override", str(override), "bash", "touch",
                         "/var/db/repos/genpack-overlay/written")
    assert denied.returncode != 0
    assert not (override / "written").exists()
    # without the option the tarball's overlay is what the container sees
    plain = builder.run(built, "bash", "test", "-e", "/var/db/repos/genpack-overlay/OVERRIDE-MARKER")
    assert plain.returncode == 1


def test_an_overlay_override_edit_reruns_lower(built, builder, testbed_artifacts, tmp_path):
    """The override's contents are part of lower's fingerprint: using one, and editing it, rerun lower."""
    override = tmp_path / "override"
    override.mkdir()
    with tarfile.open(testbed_artifacts.overlay_tarball) as tar:
        members = []
        for member in tar.getmembers():
            parts = member.name.split("/", 1)
            if len(parts) == 2 and parts[1]:
                member.name = parts[1]
                members.append(member)
        tar.extractall(override, members=members, filter="tar")
    first = builder.run(built, "--overlay-override", str(override), "--reuse-upper", "build")
    assert first.returncode == 0, first.stderr[-2000:]
    assert "lower" not in [e["phase"] for e in first.kinds("phase_skipped")]
    assert any("--overlay-override changed" in line for line in first.output_lines)
    same = builder.run(built, "--overlay-override", str(override), "--reuse-upper", "build")
    assert same.returncode == 0, same.stderr[-2000:]
    assert [e["phase"] for e in same.kinds("phase_skipped")] == ["lower", "upper", "pack"]
    (override / "profiles" / "EDITED").write_text("an edit to the override\n")
    edited = builder.run(built, "--overlay-override", str(override), "--reuse-upper", "build")
    assert edited.returncode == 0, edited.stderr[-2000:]
    assert [e["phase"] for e in edited.kinds("phase_skipped")] == []
    assert any("--overlay-override changed" in line for line in edited.output_lines)


def test_independent_binpkgs_stay_in_the_lower_image(builder, tmp_path):
    artifact = copy_example(tmp_path)
    run = builder.run(artifact, "--independent-binpkgs", "lower")
    assert run.returncode == 0, run.stderr[-2000:]
    with mounted_readonly(artifact / "work/x86_64/lower.img") as root:
        packages = list((root / "var/cache/binpkgs").rglob("*.gpkg.tar"))
    assert packages, "binary packages were built into the image's own /var/cache/binpkgs"
    assert any("eclean-pkg" in line for line in run.output_lines)


@pytest.mark.skipif(scan_binfmt("aarch64") is not None, reason="this host can run aarch64 binaries")
def test_cross_arch_without_binfmt_explains_what_is_missing(builder, tmp_path):
    artifact = copy_example(tmp_path)
    run = builder.run(artifact, "--arch", "aarch64", "lower")
    assert run.returncode == 1
    assert "requires a binfmt_misc registration of static qemu-user" in run.stderr
    assert "'F' (fix-binary) flag" in run.stderr
    assert not (artifact / "work" / "aarch64" / "lower.img").exists()


def test_devel_image_keeps_headers_and_manuals(builder, tmp_path):
    """--devel adds genpack/devel to the runtime set (docs/compatibility.md §15); genpack-progs, seeing
    /usr/bin/genpack-devel, then copies headers and manual pages up. The same package without
    --devel is checked in test_e2e_full (header and manual left out)."""
    artifact = copy_example(tmp_path)
    config = artifact / "genpack.json5"
    config.write_text(config.read_text().replace('"app-misc/hello",\n', '"app-misc/hello",\n    "dev-libs/libdevdemo",\n', 1))
    run = builder.run(artifact, "--devel", "build")
    assert run.returncode == 0, run.stderr[-3000:]
    listing = squashfs_listing(artifact / "hello-x86_64.squashfs")
    assert "/usr/bin/genpack-devel" in listing
    assert "/usr/include/devdemo.h" in listing and "/usr/lib/devdemo/libdevdemo.sh" in listing
    assert any(path.startswith("/usr/share/man/man3/devdemo.3") for path in listing), sorted(
        p for p in listing if p.startswith("/usr/share/man"))
