"""Image creation (atomic, sparse, journal-less ext4) and work/ with FS_NODUMP_FL."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from genpack_tui.engine.runtime import images, mounts
from genpack_tui.engine.runtime.errors import PrivilegedOperationError


@pytest.mark.root
def test_ext4_image_is_sparse_and_journal_less(tmp_path: Path, runtime_host) -> None:
    path = images.create_ext4_image(tmp_path / "lower.img", images.LOWER_IMAGE_SIZE)
    st = path.stat()
    assert st.st_size == 128 * images.GIB
    assert st.st_blocks * 512 < 64 * 1024**2  # only metadata is written
    features = subprocess.run(["dumpe2fs", "-h", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Filesystem features:" in features and "has_journal" not in features
    assert list(tmp_path.iterdir()) == [path]  # no temporary left behind


@pytest.mark.root
def test_existing_image_is_kept_unless_replace(tmp_path: Path, runtime_host) -> None:
    path = images.create_ext4_image(tmp_path / "upper.img", 16 * 1024**2)
    with pytest.raises(PrivilegedOperationError, match="create image .*upper.img: already exists"):
        images.create_ext4_image(path, 16 * 1024**2)
    images.create_ext4_image(path, 32 * 1024**2, replace=True)
    assert path.stat().st_size == 32 * 1024**2


def test_failed_creation_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(PrivilegedOperationError, match="size must be a positive number"):
        images.create_ext4_image(tmp_path / "bad.img", 0)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.root
def test_work_root_gets_nodump_on_ext4(make_image, no_leaks) -> None:
    with mounts.mounted_image(make_image()) as mnt:
        work = mnt / "work"
        assert images.create_work_root(work) is True
        assert images.has_nodump(work)
        lsattr = subprocess.run(["lsattr", "-d", str(work)], capture_output=True, text=True, check=True).stdout
        assert lsattr.split()[0].count("d") == 1
        assert images.create_work_root(work) is False  # existing: left alone


def test_filesystem_without_inode_flags_is_not_an_error() -> None:
    # sysfs has no inode flags at all (lsattr: "Operation not supported"); the ioctl fails and is ignored
    assert images.set_nodump(Path("/sys/kernel")) is False
    assert not images.has_nodump(Path("/sys/kernel"))


def test_work_root_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "work").write_text("")
    with pytest.raises(PrivilegedOperationError, match="exists and is not a directory"):
        images.create_work_root(tmp_path / "work")
