"""Pack and the upper layer's host-side steps keep to their images (real loop images, real
mksquashfs, real mtools): a symlinked EFI loader, a link in the upper layer, a linked /dev or
``upper`` directory never bring a host file into an output.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from genpack_tui.engine.build import pack_phase, upper_phase
from genpack_tui.engine.build.context import PhaseFailed
from genpack_tui.engine.build.fingerprint import Fingerprint
from genpack_tui.engine.runtime import images, mounts, privileged
from genpack_tui.engine.runtime.errors import PrivilegedOperationError
from tests.engine.build.hostile import SECRET, artifact, build_context, host, inside  # noqa: F401 (fixtures)

pytestmark = pytest.mark.root

SIZE = 64 * 1024 * 1024
LOADERS = "usr/lib/genpack-install"
REAL_LOADER = b"MZ real loader from the image\n"
DECOY = b"decoy inside the image\n"


def _images(ctx, host, *, decoy: bool) -> None:
    """A lower image whose x.efi links to /<host>/secret, and an upper image with a little content."""
    paths = ctx.paths
    paths.arch_dir.mkdir(parents=True)
    images.create_ext4_image(paths.lower_image, SIZE)
    images.create_ext4_image(paths.upper_image, SIZE)
    with mounts.mounted_image(paths.lower_image) as lower:
        (lower / LOADERS).mkdir(parents=True)
        (lower / LOADERS / "bootx64.efi").write_bytes(REAL_LOADER)
        (lower / LOADERS / "x.efi").symlink_to(str(host.secret))
        if decoy:
            inside(lower, host.secret).parent.mkdir(parents=True)
            inside(lower, host.secret).write_bytes(DECOY)
    with mounts.upper_layer(paths.upper_image) as upper:
        (upper / "etc").mkdir()
        (upper / "etc" / "motd").write_text("hello\n")


def _mtype(image: Path, path: str) -> bytes:
    return subprocess.run(["mtype", "-i", str(image), path], capture_output=True, check=True).stdout


def test_a_symlinked_efi_loader_is_read_inside_the_image_not_on_the_host(build_context, host, no_leaks):
    ctx = build_context(compression="gzip")
    _images(ctx, host, decoy=True)
    before = host.snapshot()
    ran, outputs = pack_phase.run_pack(ctx, Fingerprint("upper", {}), rerun="asked for")
    squashfs, superfloppy = pack_phase.output_paths(ctx)
    assert ran and outputs == [squashfs, superfloppy]
    assert SECRET not in superfloppy.read_bytes()
    assert _mtype(superfloppy, "::/EFI/BOOT/x.efi") == DECOY
    assert _mtype(superfloppy, "::/EFI/BOOT/bootx64.efi") == REAL_LOADER
    assert host.snapshot() == before


def test_a_deleted_superfloppy_reruns_pack_even_with_upper_reused(build_context, host, no_leaks):
    """rerun=None is build --reuse-upper with upper skipped: pack skips only while every output it
    made last time is still there."""
    ctx = build_context(compression="gzip")
    _images(ctx, host, decoy=True)
    upper = Fingerprint("upper", {"x": "1"})
    squashfs, superfloppy = pack_phase.output_paths(ctx)
    assert pack_phase.run_pack(ctx, upper, rerun="asked for")[0]
    assert pack_phase.run_pack(ctx, upper, rerun=None) == (False, [squashfs, superfloppy])
    superfloppy.unlink()
    ran, outputs = pack_phase.run_pack(ctx, upper, rerun=None)
    assert ran and outputs == [squashfs, superfloppy] and superfloppy.is_file()
    assert any(f"{superfloppy.name} is missing" in getattr(e, "text", "") for e in ctx.events)


def test_an_efi_loader_linking_out_of_the_image_is_an_error_naming_it(build_context, host, no_leaks):
    ctx = build_context(compression="gzip")
    _images(ctx, host, decoy=False)
    with pytest.raises(PhaseFailed, match=rf"EFI loader /{LOADERS}/x.efi in the lower image is a symbolic link to "
                                          rf"{host.secret}, which does not exist inside the image"):
        pack_phase.run_pack(ctx, Fingerprint("upper", {}), rerun="asked for")
    squashfs, superfloppy = pack_phase.output_paths(ctx)
    assert not squashfs.exists() and not superfloppy.exists()  # checked before any output is made
    assert sorted(p.name for p in ctx.paths.artifact_dir.iterdir()) == ["genpack.json5", "work"]


def test_mksquashfs_stores_links_in_the_upper_layer_as_links(make_image, host, tmp_path, no_leaks):
    """Host-side mksquashfs on a mounted upper layer holding links to a host secret and a host dir."""
    output = tmp_path / "out.squashfs"
    with mounts.upper_layer(make_image("upper.img")) as upper:
        (upper / "etc").mkdir()
        (upper / "etc" / "key").symlink_to(str(host.secret))
        (upper / "keys").symlink_to(str(host.dir("kernel-keys")))
        # uncompressed (mksquashfs 4.5.1 has no -no-compression): bytes read through a link would show
        privileged.make_squashfs(upper, output, ["-noappend", "-noI", "-noD", "-noF", "-noX", "-no-progress"])
    assert SECRET not in output.read_bytes()
    listing = subprocess.run(["unsquashfs", "-lls", "-d", "", str(output)], capture_output=True, text=True,
                             check=True).stdout
    assert f"/etc/key -> {host.secret}" in listing and f"/keys -> {host.dir('kernel-keys')}" in listing


def test_make_squashfs_refuses_a_source_reached_through_a_link(host, tmp_path):
    link = tmp_path / "upper"
    link.symlink_to(host.dir("kernel-keys"))
    with pytest.raises(PrivilegedOperationError,
                       match=r"mksquashfs .*/upper: is a symbolic link \(to .*kernel-keys\); a real directory"):
        privileged.make_squashfs(link, tmp_path / "out.squashfs", ["-noappend"])
    assert not (tmp_path / "out.squashfs").exists()


def test_run_mtools_runs_only_mtools():
    with pytest.raises(PrivilegedOperationError, match="'rm' is not one of mcopy, mformat, mmd"):
        privileged.run_mtools(["rm", "-i", "/x"])


def test_an_upper_directory_that_is_a_link_is_refused(make_image, host, no_leaks):
    image = make_image("upper.img")
    with mounts.mounted_image(image) as mnt:
        (mnt / "upper").symlink_to(str(host.dir("tree-dir")))
    before = host.snapshot()
    with pytest.raises(PrivilegedOperationError, match=r"/upper in the image is not a directory \(a symbolic link\?\)"):
        with mounts.upper_layer(image):
            pass
    assert host.snapshot() == before


def test_copy_dev_copies_the_images_dev_not_the_hosts(make_image, host, no_leaks):
    """The lower image's /dev is a link to /<host>/tree-dir: cp -a copies the image's directory there."""
    with mounts.mounted_image(make_image("lower.img")) as lower, mounts.upper_layer(make_image("upper.img")) as upper:
        (lower / "dev").symlink_to(str(host.dir("tree-dir")))
        inside(lower, host.dir("tree-dir")).mkdir(parents=True)
        os.mknod(inside(lower, host.dir("tree-dir")) / "null", 0o666 | 0o020000, os.makedev(1, 3))
        before = host.snapshot()
        upper_phase.copy_dev(lower, upper)
        assert sorted(os.listdir(upper / "dev")) == ["null"]
        assert os.major(os.lstat(upper / "dev" / "null").st_rdev) == 1
        assert host.snapshot() == before
