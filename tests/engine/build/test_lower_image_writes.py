"""Writes into a REAL mounted lower image stay inside it, whatever links the image holds.

Each test plants absolute links from the image to "host" victims (tests/fixtures/hostile.py), runs
the real phase function against the mounted image, and checks the host is unchanged (content, mode,
owner) and the write landed inside the image, or a clear error was raised.
"""
from __future__ import annotations

import io
import json
import os
import stat
import tarfile
from pathlib import Path

import pytest

from genpack_tui.engine.build import lower_phase, portage_config
from genpack_tui.engine.build.context import PhaseFailed
from tests.engine.build.hostile import artifact, build_context, host, inside, lower_root  # noqa: F401 (fixtures)

pytestmark = pytest.mark.root


def image(root: Path):
    return portage_config.lower_image(root)


def test_portage_files_and_repos_conf_through_absolute_links_land_in_the_image(lower_root, host, build_context):
    (lower_root / "etc/portage/package.use").symlink_to(str(host.dir("portage-dir")))
    (lower_root / "etc/portage/repos.conf").symlink_to(str(host.dir("repos-dir")))
    before = host.snapshot()
    ctx = build_context()
    portage_config.write_portage_files(ctx, image(lower_root))
    portage_config.setup_repos_conf(image(lower_root))
    assert host.snapshot() == before
    assert (inside(lower_root, host.dir("portage-dir")) / "genpack").read_text() == "app-misc/hello extra\n"
    assert "location=/var/db/repos/genpack-overlay" in (
        inside(lower_root, host.dir("repos-dir")) / "genpack-overlay.conf").read_text()
    assert (lower_root / "etc/portage/sets/genpack-runtime").read_text() == "app-misc/hello"


def test_a_portage_file_that_is_a_link_to_a_host_file_is_replaced_not_written_through(lower_root, host, build_context):
    (lower_root / "etc/portage/sets").mkdir()
    (lower_root / "etc/portage/sets/genpack-runtime").symlink_to(str(host.secret))
    before = host.snapshot()
    portage_config.write_portage_files(build_context(), image(lower_root))
    assert host.snapshot() == before
    runtime = lower_root / "etc/portage/sets/genpack-runtime"
    assert not runtime.is_symlink() and runtime.read_text() == "app-misc/hello"
    assert stat.S_IMODE(runtime.stat().st_mode) == 0o644


def test_set_profile_replaces_a_make_profile_link_to_the_host(lower_root, host, build_context):
    (lower_root / "etc/portage/make.profile").symlink_to(str(host.dir("portage-dir")))
    before = host.snapshot()
    portage_config.set_profile(build_context(), image(lower_root))
    assert host.snapshot() == before
    assert os.readlink(lower_root / "etc/portage/make.profile") == f"../../{portage_config.OVERLAY_REPO}/profiles/" \
                                                                   "genpack/amd64/paravirt"


def test_set_profile_reads_profiles_inside_the_image(lower_root, host, build_context, tmp_path):
    """The overlay repo is a link to a host directory that has the profile: inside the image it does not."""
    fake = tmp_path / "host-overlay"
    (fake / "profiles/genpack/amd64/paravirt").mkdir(parents=True)
    (fake / "profiles/profiles.desc").write_text("amd64 genpack/amd64/from-the-host stable\n")
    repos = lower_root / "var/db/repos"
    os.rename(repos / "genpack-overlay", repos / "moved")
    (repos / "genpack-overlay").symlink_to(str(fake))
    with pytest.raises(PhaseFailed, match=r"profile genpack-overlay:genpack/amd64/paravirt does not exist in "
                                          r"genpack-overlay; available: none$"):
        portage_config.set_profile(build_context(), image(lower_root))
    assert not (lower_root / "etc/portage/make.profile").exists()


def test_distfiles_ownership_is_fixed_inside_the_image_and_passwd_read_there(lower_root, host, build_context):
    (lower_root / "var/cache/distfiles").symlink_to(str(host.dir("distfiles-dir")))
    os.rename(lower_root / "etc/passwd", lower_root / "etc/passwd.image")
    (lower_root / "etc/passwd").symlink_to(str(host.root / "passwd"))  # the host's says portage is 4242
    before = host.snapshot()
    portage_config.fix_distfiles_ownership(image(lower_root))
    assert host.snapshot() == before
    made = inside(lower_root, host.dir("distfiles-dir"))
    assert made.is_dir() and made.stat().st_mode & 0o020
    assert made.stat().st_uid == 0  # /<host>/passwd does not exist in the image: no portage user, no chown


def test_distfiles_ownership_uses_the_images_own_passwd(lower_root, build_context):
    portage_config.fix_distfiles_ownership(image(lower_root))
    st = (lower_root / "var/cache/distfiles").stat()
    assert st.st_uid == 250 and st.st_mode & 0o020


@pytest.mark.parametrize("entry", ["../../../{victim}", "/{victim}", "config.d/../../../{victim}", 7])
@pytest.mark.parametrize("kernel_dir", [True, False], ids=["with-kernel", "without-kernel"])
def test_kernel_record_entries_outside_etc_kernel_are_refused(lower_root, host, build_context, artifact, entry,
                                                              kernel_dir):
    victim = host.dir("tree-dir") / "victim"
    # also the same path inside the image: removing it there would be wrong too
    (inside(lower_root, victim)).parent.mkdir(parents=True)
    inside(lower_root, victim).write_text("image file\n")
    shown = entry.format(victim=str(victim).lstrip("/")) if isinstance(entry, str) else entry
    (lower_root / portage_config.KERNEL_RECORD).parent.mkdir(parents=True)
    (lower_root / portage_config.KERNEL_RECORD).write_text(json.dumps([shown]))
    if kernel_dir:
        (artifact / "kernel").mkdir()
        (artifact / "kernel" / "config").write_text("CONFIG_X=y\n")
    before = host.snapshot()
    with pytest.raises(PhaseFailed, match=rf"/{portage_config.KERNEL_RECORD} in the lower image lists "
                                          rf".*not a path below /etc/kernel; refusing to remove it"):
        portage_config.sync_kernel_dir(build_context(), image(lower_root))
    assert host.snapshot() == before
    assert inside(lower_root, victim).read_text() == "image file\n"


def test_kernel_dir_is_synced_with_the_arch_overlay_and_stale_files_removed(lower_root, build_context, artifact):
    kernel = artifact / "kernel"
    (kernel / "config.d").mkdir(parents=True)
    (kernel / "config.d" / "a.config").write_text("A\n")
    (kernel / "config.d" / "gone.config").write_text("G\n")
    (kernel / "arch-x86_64" / "config.d").mkdir(parents=True)
    (kernel / "arch-x86_64" / "config.d" / "a.config").write_text("A for x86_64\n")
    (kernel / "arch-aarch64").mkdir()
    (kernel / "arch-aarch64" / "other").write_text("no\n")
    (lower_root / "etc/kernel").mkdir()
    (lower_root / "etc/kernel/package-owned").write_text("from a package\n")
    portage_config.sync_kernel_dir(build_context(), image(lower_root))
    etc_kernel = lower_root / "etc/kernel"
    assert (etc_kernel / "config.d/a.config").read_text() == "A for x86_64\n"
    assert not (etc_kernel / "arch-x86_64").exists() and not (etc_kernel / "other").exists()
    (kernel / "config.d" / "gone.config").unlink()
    portage_config.sync_kernel_dir(build_context(), image(lower_root))
    assert not (etc_kernel / "config.d/gone.config").exists()
    assert (etc_kernel / "package-owned").read_text() == "from a package\n"
    assert json.loads((lower_root / portage_config.KERNEL_RECORD).read_text()) == ["config.d/a.config"]


def _tarball(path: Path, top: str, files: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_extract_tree_replaces_a_linked_tree_without_touching_the_host(lower_root, host, build_context, tmp_path):
    repos = lower_root / "var/db/repos"
    (repos / "gentoo").symlink_to(str(host.dir("tree-dir")))
    tarball = _tarball(tmp_path / "portage.tar.gz", "portage", {"profiles/repo_name": b"gentoo\n"})
    before = host.snapshot()
    lower_phase._extract_tree(build_context(), image(lower_root), "var/db/repos/gentoo", tarball)
    assert host.snapshot() == before
    assert not (repos / "gentoo").is_symlink() and (repos / "gentoo/profiles/repo_name").read_text() == "gentoo\n"


def test_extract_tree_below_a_linked_parent_lands_in_the_image(lower_root, host, build_context, tmp_path):
    os.rename(lower_root / "var/db", lower_root / "var/db.image")
    (lower_root / "var/db").symlink_to(str(host.dir("tree-dir")))
    tarball = _tarball(tmp_path / "overlay.tar.gz", "genpack-overlay-main", {"profiles/repo_name": b"genpack\n"})
    before = host.snapshot()
    lower_phase._extract_tree(build_context(), image(lower_root), "var/db/repos/genpack-overlay", tarball)
    assert host.snapshot() == before
    landed = inside(lower_root, host.dir("tree-dir")) / "repos/genpack-overlay/profiles/repo_name"
    assert landed.read_text() == "genpack\n"


def test_world_mtime_is_read_inside_the_image(lower_root, host, tmp_path):
    world = inside(lower_root, host.root / "world")
    world.parent.mkdir(parents=True)
    world.write_text("app-misc/hello\n")
    os.utime(world, (1_000_000, 1_000_000))  # older than the marker; the host's file is newer
    (lower_root / "var/lib/portage/world").symlink_to(str(host.root / "world"))
    done = tmp_path / "lower.done"
    done.write_text("{}")
    os.utime(done, (2_000_000, 2_000_000))
    os.utime(host.root / "world", (3_000_000, 3_000_000))
    assert lower_phase._world_newer_than(image(lower_root), done) is False
    os.utime(world, (4_000_000, 4_000_000))
    assert lower_phase._world_newer_than(image(lower_root), done) is True
