"""The invoking user behind sudo, their cache directories, and giving outputs back."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from genpack_tui.engine.runtime.ownership import (
    InvokingUser,
    ensure_user_dir,
    give_back,
    invoking_user,
    keep_users_tree,
)

pytestmark = pytest.mark.root
root_only = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to chown")


@root_only
def test_sudo_user_is_detected() -> None:
    user = invoking_user({"SUDO_UID": "65534", "SUDO_GID": "65534", "SUDO_USER": "nobody"})
    assert (user.uid, user.gid, user.name) == (65534, 65534, "nobody")
    assert user.binpkgs_dir("aarch64") == user.home / ".cache" / "genpack" / "aarch64" / "binpkgs"
    assert user.download_dir() == user.home / ".cache" / "genpack" / "download"


@root_only
def test_without_sudo_it_is_root() -> None:
    user = invoking_user({})
    assert user.is_root and user.home == Path("/root")


@root_only
def test_garbage_sudo_uid_falls_back_to_root() -> None:
    assert invoking_user({"SUDO_UID": "x1"}).uid == 0


@root_only
def test_unknown_uid_keeps_its_numbers() -> None:
    user = invoking_user({"SUDO_UID": "54321", "SUDO_GID": "54322", "SUDO_USER": "ghost"})
    assert (user.uid, user.gid, user.name) == (54321, 54322, "ghost")


@root_only
def test_give_back_and_ensure_user_dir(tmp_path: Path) -> None:
    user = InvokingUser(uid=65534, gid=65534, name="nobody", home=tmp_path)
    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    (out / "sub" / "file").write_text("x")
    os.symlink("/etc/passwd", out / "link")
    give_back(out, user, recursive=True)
    for p in (out, out / "sub", out / "sub" / "file", out / "link"):
        st = os.lstat(p)
        assert (st.st_uid, st.st_gid) == (65534, 65534)
    assert os.stat("/etc/passwd").st_uid == 0  # the link target was not touched

    cache = ensure_user_dir(user.binpkgs_dir("x86_64"), user)
    assert cache.is_dir()
    for p in (tmp_path / ".cache", tmp_path / ".cache" / "genpack", cache):
        assert p.stat().st_uid == 65534
    assert tmp_path.stat().st_uid == 0  # existing parents are not taken over


@root_only
def test_give_back_to_root_changes_nothing(tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_text("")
    give_back(f, InvokingUser(0, 0, "root", Path("/root")))
    assert f.stat().st_uid == 0


@root_only
def test_keep_users_tree_gives_work_and_the_cache_directories_back(tmp_path: Path) -> None:
    user = InvokingUser(uid=65534, gid=65534, name="nobody", home=tmp_path)
    work = tmp_path / "artifact" / "work"
    (work / "x86_64").mkdir(parents=True)
    for name in ("x86_64/lower.img", "x86_64/lower.done", "portage.tar.xz.headers", ".lock"):
        (work / name).write_text("x")
    os.symlink("/etc/passwd", work / "x86_64" / "planted")
    cache = tmp_path / ".cache" / "genpack" / "x86_64" / "binpkgs"
    (cache / "app-misc").mkdir(parents=True)
    (cache / "app-misc" / "hello.gpkg.tar").write_text("built by a container")
    keep_users_tree(work, (cache, tmp_path / "missing"), user)
    for path in [work, *work.rglob("*")]:
        assert (os.lstat(path).st_uid, os.lstat(path).st_gid) == (65534, 65534), path
    assert os.stat("/etc/passwd").st_uid == 0
    assert cache.stat().st_uid == 65534
    assert (cache / "app-misc").stat().st_uid == 0  # the packages stay as the containers wrote them
    assert (tmp_path / "artifact").stat().st_uid == 0


@root_only
def test_keep_users_tree_does_nothing_without_sudo(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    keep_users_tree(work, (), InvokingUser(uid=0, gid=0, name="root", home=Path("/root")))
    assert work.stat().st_uid == 0
