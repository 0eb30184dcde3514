"""End to end with an artifact that uses every part of the configuration (tests/data/artifacts/full),
plus upstream changes on the mirror and a dropped download. Real emerge, nspawn, loop images, squashfs."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.fixtures.build import mounted_readonly, squashfs_file, squashfs_listing, copy_example

pytestmark = [pytest.mark.root, pytest.mark.slow]

FULL = Path(__file__).resolve().parents[2] / "data" / "artifacts" / "full"


@pytest.fixture(scope="module")
def full(builder, tmp_path_factory):
    artifact = tmp_path_factory.mktemp("full") / "full"
    shutil.copytree(FULL, artifact, symlinks=True)
    run = builder.run(artifact, "build")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return artifact, run


def test_image_contents(full, tmp_path):
    artifact, _ = full
    image = artifact / "full-x86_64.squashfs"
    listing = squashfs_listing(image)

    def read(path: str) -> str:
        return squashfs_file(image, path, tmp_path).strip()

    for path in ("/usr/bin/hello", "/usr/share/hello/extra.txt", "/usr/share/testbed/licensed",
                 "/usr/share/testbed/keyworded", "/usr/share/localpkg/marker", "/etc/full-release",
                 "/etc/systemd/system/multi-user.target.wants/testbed-daemon.service"):
        assert path in listing, path
    assert "/usr/bin/buildtool" not in listing
    # not a devel image: headers and manual pages stay out (the --devel case: test_e2e_options)
    assert "/usr/lib/devdemo/libdevdemo.sh" in listing and "/usr/include/devdemo.h" not in listing
    assert not any(path.startswith("/usr/share/man/man3/devdemo") for path in listing)
    assert read("/usr/share/envdemo/value") == "from-env-dir"                        # env/ + env
    assert read("/usr/share/patchable/message.txt") == "patched message"             # patches/
    assert read("/etc/configurable.conf") == "saved configuration from the artifact"  # savedconfig/
    assert read("/usr/share/localpkg/marker") == "from the local overlay"            # overlay/
    assert read("/etc/setup-marker") == "setup ran for full"                          # setup_commands
    assert read("/var/lib/build-order").splitlines() == ["10-root.sh root full", "20-python.py full", "30-exec"]
    assert read("/home/alice/whoami") == "alice"                                      # per-user build.d
    passwd = {line.split(":")[0]: line.split(":") for line in read("/etc/passwd").splitlines()}
    assert passwd["bob"][2] == "1500" and passwd["bob"][6] == "/bin/sh" and "alice" in passwd
    groups = {line.split(":")[0]: line.split(":") for line in read("/etc/group").splitlines()}
    assert groups["builders"][2] == "1600" and "bob" in groups["builders"][3].split(",")
    shadow = {line.split(":")[0]: line.split(":") for line in read("/etc/shadow").splitlines()}
    assert shadow["bob"][1] == ""  # empty-password (hyphenated key accepted inside user objects)


def test_lower_has_the_portage_configuration(full):
    artifact, run = full
    with mounted_readonly(artifact / "work/x86_64/lower.img") as root:
        etc = root / "etc/portage"
        assert (etc / "package.license/genpack").read_text() == "app-misc/licensed TESTBED-EULA\n"
        assert (etc / "package.env").read_text() == "app-misc/envdemo envdemo.conf\n"
        assert (etc / "package.mask/genpack").read_text() == ">=app-misc/hello-1.1"
        assert (etc / "package.accept_keywords/genpack").read_text() == "app-misc/keyworded ~amd64\n"
        assert (etc / "env/envdemo.conf").is_file()
        assert (etc / "savedconfig/app-misc/configurable").is_file()
        assert (etc / "patches/app-misc/patchable/fix-message.patch").is_file()
        assert (root / "etc/kernel/config.d/base.config").read_text() == "CONFIG_BASE=y\n"
        assert (root / "etc/kernel/config.d/arch.config").read_text() == "CONFIG_X86_64_ONLY=y\n"
        assert not (root / "etc/kernel/arch-x86_64").exists()
        assert (root / "etc/portage/repos.conf/genpack-local-overlay.conf").is_file()
    assert any("Regenerating Manifests for local overlay" in e.get("title", "") for e in run.kinds("step_started"))


def test_variant_build_with_removals_and_replaced_user(full, builder, tmp_path):
    artifact, _ = full
    run = builder.run(artifact, "--variant", "slim", "build")
    assert run.returncode == 0, run.stderr[-2000:]
    image = artifact / "full-slim-x86_64.squashfs"
    listing = squashfs_listing(image)
    assert "/usr/share/patchable/message.txt" not in listing                       # -atom in the variant
    # services merge by appending: an empty list in a variant removes nothing (as genpack)
    assert "/etc/systemd/system/multi-user.target.wants/testbed-daemon.service" in listing
    passwd = {line.split(":")[0]: line.split(":") for line in
              squashfs_file(image, "/etc/passwd", tmp_path).splitlines()}
    assert passwd["alice"][2] == "1700"                                              # replaced definition
    build_order = squashfs_file(image, "/var/lib/build-order", tmp_path).splitlines()
    assert build_order[0] == "10-root.sh root full/slim"
    assert (artifact / "work/x86_64/lower-slim.img").exists()
    # a fresh lower image for the variant: everything comes from the shared binary package cache
    # except binpkg_excludes, which are always built from source
    emerging = {e["package"].rsplit("-", 1)[0]: e["binary"] for e in run.kinds("emerge_progress")
                if e["stage"] == "emerging"}
    assert emerging["app-misc/envdemo"] is False
    assert emerging["app-misc/hello"] is True and emerging["app-misc/licensed"] is True


def test_kernel_dir_removed_takes_only_our_files_away(full, builder):
    artifact, _ = full
    with mounted_readonly(artifact / "work/x86_64/lower.img") as root:
        assert (root / "etc/kernel/config.d/base.config").exists()
    shutil.rmtree(artifact / "kernel")
    try:
        run = builder.run(artifact, "lower")
        assert run.returncode == 0, run.stderr[-2000:]
        with mounted_readonly(artifact / "work/x86_64/lower.img") as root:
            assert not (root / "etc/kernel/config.d/base.config").exists()
            assert not (root / "etc/kernel/config.d/arch.config").exists()
    finally:
        shutil.copytree(FULL / "kernel", artifact / "kernel")


def test_upstream_tree_change_reaches_every_variant(builder, testbed_artifacts, testbed_mirror, tmp_path):
    artifact = copy_example(tmp_path)
    for variant in ([], ["--variant", "quiet"]):
        assert builder.run(artifact, *variant, "lower").returncode == 0
    original = testbed_artifacts.portage_snapshot
    testbed_mirror.publish_snapshot(testbed_artifacts.bumped_snapshot({"app-misc/hello": "1.1"}))
    try:
        for variant, image in (([], "lower.img"), (["--variant", "quiet"], "lower-quiet.img")):
            run = builder.run(artifact, *variant, "build")
            assert run.returncode == 0, run.stderr[-2000:]
            assert any("portage" in line.lower() and "changed" in line for line in run.output_lines), variant
            with mounted_readonly(artifact / "work/x86_64" / image) as root:
                assert (root / "var/db/pkg/app-misc/hello-1.1").is_dir(), variant
    finally:
        testbed_mirror.publish_snapshot(original)


def test_dropped_download_leaves_the_cache_intact(builder, testbed_artifacts, testbed_mirror, tmp_path):
    artifact = copy_example(tmp_path)
    assert builder.run(artifact, "lower").returncode == 0
    cached = artifact / "work/portage.tar.xz"
    before = (cached.read_bytes(), cached.with_name(cached.name + ".headers").read_text())
    original = testbed_artifacts.portage_snapshot
    testbed_mirror.publish_snapshot(testbed_artifacts.bumped_snapshot({"app-misc/hello": "1.1"}))
    testbed_mirror.drop_connection_after("snapshots/portage-latest.tar.xz", 1000, times=100)
    try:
        run = builder.run(artifact, "build")
        assert run.returncode != 0
        assert "portage-latest.tar.xz" in run.stderr
        after = (cached.read_bytes(), cached.with_name(cached.name + ".headers").read_text())
        assert after == before
        assert not list(cached.parent.glob("*.part"))
        assert (artifact / "work/x86_64/lower.done").exists()  # the last good lower stays complete
    finally:
        testbed_mirror.clear_faults()
        testbed_mirror.publish_snapshot(original)
    assert builder.run(artifact, "build").returncode == 0
