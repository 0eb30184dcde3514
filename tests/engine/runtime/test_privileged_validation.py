"""privileged.* refuse bad arguments with a message naming the operation and the path, before running anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from genpack_tui.engine.runtime import privileged
from genpack_tui.engine.runtime.errors import PrivilegedOperationError


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    p = tmp_path / "file.img"
    p.write_bytes(b"x")
    return p


def check(call, operation: str, message: str) -> PrivilegedOperationError:
    with pytest.raises(PrivilegedOperationError) as info:
        call()
    assert info.value.operation == operation
    assert message in str(info.value)
    assert str(info.value).startswith(operation)
    return info.value


def test_relative_paths(tmp_path: Path) -> None:
    err = check(lambda: privileged.create_sparse_image("rel.img", 10), "create image", "path must be absolute")
    assert err.path == "rel.img"
    check(lambda: privileged.loop_mount("disk.img", tmp_path), "loop mount", "path must be absolute")
    check(lambda: privileged.umount("mnt"), "umount", "path must be absolute")


def test_nul_and_newline(tmp_path: Path) -> None:
    check(lambda: privileged.mkfs_ext4(str(tmp_path / "a\nb")), "mkfs.ext4", "NUL or newline")
    check(lambda: privileged.extract_tar(str(tmp_path / "a\0b"), tmp_path), "extract tar", "NUL or newline")


@pytest.mark.parametrize("size", [0, -1, 1.5, True, "10"])
def test_sizes_must_be_positive_ints(tmp_path: Path, size: object) -> None:
    check(
        lambda: privileged.create_sparse_image(tmp_path / "x.img", size),
        "create image",
        "size must be a positive number",
    )  # type: ignore[arg-type]
    assert not (tmp_path / "x.img").exists()


def test_sparse_image_refuses_to_overwrite(a_file: Path) -> None:
    err = check(lambda: privileged.create_sparse_image(a_file, 1024), "create image", "file already exists")
    assert err.path == str(a_file)
    assert a_file.read_bytes() == b"x"


def test_sparse_image_needs_parent(tmp_path: Path) -> None:
    check(
        lambda: privileged.create_sparse_image(tmp_path / "no" / "x.img", 1024),
        "create image",
        "parent directory does not exist",
    )


def test_sparse_image_is_sparse(tmp_path: Path) -> None:
    path = privileged.create_sparse_image(tmp_path / "big.img", 128 * 1024**3)
    st = path.stat()
    assert st.st_size == 128 * 1024**3 and st.st_blocks * 512 < 1024 * 1024


def test_kinds_are_checked(tmp_path: Path, a_file: Path) -> None:
    check(lambda: privileged.mkfs_ext4(tmp_path), "mkfs.ext4", "not an existing regular file")
    check(lambda: privileged.loop_mount(a_file, a_file), "loop mount", "not an existing directory")
    check(
        lambda: privileged.extract_tar(tmp_path / "missing.tar", tmp_path),
        "extract tar",
        "not an existing regular file",
    )
    check(lambda: privileged.copy_tree_preserving(a_file, tmp_path), "copy tree", "not an existing directory")
    check(
        lambda: privileged.overlay_mount([tmp_path / "nope"], tmp_path, tmp_path, tmp_path),
        "overlay mount",
        "not an existing directory",
    )


@pytest.mark.root
def test_fixed_sets_of_types_and_options(tmp_path: Path, a_file: Path, runtime_host) -> None:
    check(
        lambda: privileged.loop_mount(a_file, tmp_path, fstype="vfat"),
        "loop mount",
        "filesystem type 'vfat' is not one of ext4, squashfs",
    )
    check(
        lambda: privileged.loop_mount(a_file, tmp_path, fstype="squashfs"),
        "loop mount",
        "squashfs can only be mounted read-only",
    )
    check(
        lambda: privileged.extract_tar(a_file, tmp_path, strip_components=-1),
        "extract tar",
        "strip_components must be >= 0",
    )
    odd = tmp_path / "a,b"
    odd.mkdir()
    check(
        lambda: privileged.overlay_mount([odd], tmp_path, tmp_path, tmp_path),
        "overlay mount",
        "must not contain ':', ',' or '\\'",
    )
    check(
        lambda: privileged.overlay_mount([], tmp_path, tmp_path, tmp_path),
        "overlay mount",
        "at least one lower directory",
    )
    check(lambda: privileged.umount(tmp_path), "umount", "not a mount point")
    check(lambda: privileged.mkfs_ext4(a_file, label="bad label!"), "mkfs.ext4", "invalid label")


@pytest.mark.root
def test_failing_command_reports_exit_code_and_stderr(tmp_path: Path, a_file: Path, runtime_host) -> None:
    err = check(lambda: privileged.loop_mount(a_file, tmp_path), "loop mount", "failed with exit code")
    assert str(a_file) in str(err) and "mount -t ext4 -o loop,noatime,nobarrier" in str(err)
    assert not privileged.mountpoints_under(str(tmp_path))


def test_not_root_is_refused(tmp_path: Path, a_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(privileged.os, "geteuid", lambda: 1000)
    check(lambda: privileged.loop_mount(a_file, tmp_path), "loop mount", "needs root privileges")
    check(lambda: privileged.enter_private_mount_namespace(), "enter private mount namespace", "needs root privileges")
