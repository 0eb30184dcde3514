"""Root's writes under an artifact's work/ and in the user's cache never follow a planted link.

The containers see the artifact read-write at /mnt/host, and the user behind sudo owns their home:
each test plants the real link such a party could plant (at work/, work/.lock, work/<arch>, an image,
its temporary name, ~/.cache/genpack) pointing at a real "host" file or directory beside the
artifact, runs the real function, and checks the host side is unchanged and the message names the link.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from genpack_tui.engine.runtime import images, privileged
from genpack_tui.engine.runtime.confined import UnsafePathError
from genpack_tui.engine.runtime.errors import PrivilegedOperationError
from genpack_tui.engine.runtime.lock import acquire_build_lock, read_holder
from genpack_tui.engine.runtime.ownership import InvokingUser, ensure_user_dir, give_back
from genpack_tui.engine.runtime.work_area import confined, untrusted_root
from tests.engine.planted import host  # noqa: F401 (a fixture)

root_only = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (chown, mkfs)")


@pytest.fixture
def artifact(tmp_path: Path) -> Path:
    artifact = tmp_path / "artifact"
    artifact.mkdir()
    return artifact


def state(path: Path) -> list[tuple[str, int, int, bytes]]:
    """Every entry below ``path`` (and itself): name, mode, owner and content, for before/after checks."""
    entries = [path, *sorted(path.rglob("*"))] if path.is_dir() else [path]
    found = []
    for entry in entries:
        st = entry.lstat()
        content = entry.read_bytes() if entry.is_file() and not entry.is_symlink() else b""
        found.append((str(entry), st.st_mode, st.st_uid, content))
    return found


def test_the_untrusted_part_starts_at_the_artifact(artifact: Path, tmp_path: Path) -> None:
    assert untrusted_root(artifact / "work" / "x86_64" / "lower.done") == artifact
    assert untrusted_root(artifact / "work") == artifact
    named_work = tmp_path / "work"  # an artifact that is itself called "work"
    assert untrusted_root(named_work / "work" / "x86_64" / "lower.img") == named_work
    assert untrusted_root(tmp_path / "x.img") == tmp_path
    directory, relative = confined(artifact / "work" / ".lock")
    with directory:
        assert (directory.path, relative) == (artifact, "work/.lock")


def test_a_lock_file_linked_to_a_host_file_is_refused(artifact: Path, host: Path) -> None:
    (artifact / "work").mkdir()
    (artifact / "work" / ".lock").symlink_to(host / "passwd")
    before = state(host)
    with pytest.raises(UnsafePathError, match=r"artifact/work/\.lock is a symbolic link; not followed"):
        acquire_build_lock(artifact / "work", "genpack-tui build")
    assert state(host) == before
    assert read_holder(artifact / "work" / ".lock").pid is None  # not read through the link either


def test_a_symlinked_work_directory_is_refused(artifact: Path, host: Path) -> None:
    (artifact / "work").symlink_to(host / "dir")
    before = state(host)
    with pytest.raises(UnsafePathError, match=r"artifact/work is a symbolic link \(to .*host/dir\)"):
        acquire_build_lock(artifact / "work", "genpack-tui build")
    with pytest.raises(UnsafePathError, match=r"artifact/work is a symbolic link"):
        images.create_work_root(artifact / "work")
    assert state(host) == before


@root_only
def test_an_image_in_a_symlinked_arch_dir_is_not_created_on_the_host(artifact: Path, host: Path) -> None:
    (artifact / "work").mkdir()
    (artifact / "work" / "x86_64").symlink_to(host / "dir")
    before = state(host)
    with pytest.raises(UnsafePathError, match=r"artifact/work/x86_64 is a symbolic link \(to .*host/dir\)"):
        images.create_ext4_image(artifact / "work" / "x86_64" / "lower.img", 16 * 1024**2)
    with pytest.raises(PrivilegedOperationError, match=r"artifact/work/x86_64 is a symbolic link"):
        privileged.create_sparse_image(artifact / "work" / "x86_64" / "x.img", 1024)
    assert state(host) == before


@root_only
def test_an_image_or_its_temporary_name_linked_to_a_host_file_is_replaced(artifact: Path, host: Path) -> None:
    arch = artifact / "work" / "x86_64"
    arch.mkdir(parents=True)
    (arch / "lower.img").symlink_to(host / "passwd")
    (arch / f".lower.img.creating-{os.getpid()}").symlink_to(host / "passwd")
    before = state(host)
    images.create_ext4_image(arch / "lower.img", 16 * 1024**2, replace=True)
    assert state(host) == before
    assert not (arch / "lower.img").is_symlink() and (arch / "lower.img").stat().st_size == 16 * 1024**2
    assert sorted(p.name for p in arch.iterdir()) == ["lower.img"]


def test_a_sparse_image_never_opens_an_existing_link(artifact: Path, host: Path) -> None:
    (artifact / "new.img").symlink_to(host / "passwd")
    dangling = artifact / "dangling.img"
    dangling.symlink_to(host / "created-by-root")
    before = state(host)
    for path in (artifact / "new.img", dangling):
        with pytest.raises(PrivilegedOperationError, match="file already exists"):
            privileged.create_sparse_image(path, 1024)
    assert state(host) == before


@root_only
def test_a_cache_symlinked_to_a_root_directory_gets_nothing_created_or_chowned(tmp_path: Path, host: Path) -> None:
    home = tmp_path / "home"
    (home / ".cache").mkdir(parents=True)
    os.chown(home, 65534, 65534)
    (home / ".cache" / "genpack").symlink_to(host / "dir")  # host/dir is root's
    user = InvokingUser(uid=65534, gid=65534, name="nobody", home=home)
    before = state(host)
    with pytest.raises(UnsafePathError, match=r"home/\.cache/genpack is a symbolic link \(to .*host/dir\) to a "
                                              r"directory owned by uid 0, not by uid 65534"):
        ensure_user_dir(user.binpkgs_dir("x86_64"), user)
    assert state(host) == before


@root_only
def test_a_cache_symlinked_to_a_directory_of_the_user_is_followed(tmp_path: Path) -> None:
    home, elsewhere = tmp_path / "home", tmp_path / "big-disk" / "cache"
    home.mkdir()
    elsewhere.mkdir(parents=True)
    os.chown(elsewhere, 65534, 65534)
    (home / ".cache").symlink_to(elsewhere)
    user = InvokingUser(uid=65534, gid=65534, name="nobody", home=home)
    assert ensure_user_dir(user.binpkgs_dir("x86_64"), user) == user.binpkgs_dir("x86_64")
    made = elsewhere / "genpack" / "x86_64" / "binpkgs"
    assert made.is_dir() and made.stat().st_uid == 65534


@root_only
def test_give_back_never_chowns_through_a_link(tmp_path: Path, host: Path) -> None:
    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    (out / "sub" / "etc").symlink_to(host / "dir")
    (out / "top").symlink_to(host / "passwd")
    before = state(host)
    user = InvokingUser(uid=65534, gid=65534, name="nobody", home=tmp_path)
    give_back(out, user, recursive=True)
    give_back(out / "top", user, recursive=True)
    assert state(host) == before
    assert all(os.lstat(p).st_uid == 65534 for p in (out, out / "sub", out / "sub" / "etc", out / "top"))
