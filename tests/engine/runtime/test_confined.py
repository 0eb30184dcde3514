"""ConfinedDir: every write, chmod, chown, unlink, rmtree and copy stays inside its directory.

Each test plants a real symlink pointing at a real "host" directory beside the confined one and
checks that the host side is unchanged and the error names the link.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from genpack_tui.engine.runtime.confined import ConfinedDir, UnsafePathError


@pytest.fixture
def host(tmp_path: Path) -> Path:
    """A stand-in for host files outside the confined directory, with a secret and a victim file."""
    host = tmp_path / "host"
    (host / "etc").mkdir(parents=True)
    (host / "etc" / "passwd").write_text("host passwd\n")
    (host / "secret").write_text("private key\n")
    os.chmod(host / "secret", 0o600)
    return host


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    root.mkdir()
    return root


def snapshot(directory: Path) -> dict[str, tuple[int, bytes | str]]:
    found = {}
    for path in sorted(directory.rglob("*")):
        st = path.lstat()
        content = os.readlink(path) if path.is_symlink() else path.read_bytes() if path.is_file() else b""
        found[str(path.relative_to(directory))] = (st.st_mode, content)
    return found


def test_refuse_policy_rejects_a_symlinked_parent_and_names_it(root: Path, host: Path) -> None:
    (root / "work").symlink_to(host / "etc")
    before = snapshot(host)
    with pytest.raises(UnsafePathError, match=r"root/work is a symbolic link \(to .*host/etc\)"):
        ConfinedDir(root).write_text("work/passwd", "pwned")
    with pytest.raises(UnsafePathError):
        ConfinedDir(root).mkdir("work/x", parents=True)
    with pytest.raises(UnsafePathError):
        ConfinedDir(root).subdir("work")
    assert snapshot(host) == before


def test_a_final_symlink_is_replaced_never_written_through(root: Path, host: Path) -> None:
    (root / ".lock").symlink_to(host / "etc" / "passwd")
    before = snapshot(host)
    ConfinedDir(root).write_text(".lock", "ours\n")
    assert snapshot(host) == before
    assert not (root / ".lock").is_symlink() and (root / ".lock").read_text() == "ours\n"


def test_open_rw_and_reads_refuse_a_link(root: Path, host: Path) -> None:
    (root / "lock").symlink_to(host / "etc" / "passwd")
    (root / "config").symlink_to(host / "secret")
    with pytest.raises(UnsafePathError, match="lock is a symbolic link"):
        ConfinedDir(root).open_rw("lock")
    with pytest.raises(UnsafePathError, match="config is a symbolic link"):
        ConfinedDir(root).read_text("config")
    assert (host / "etc" / "passwd").read_text() == "host passwd\n"


def test_reading_a_fifo_does_not_block(root: Path) -> None:
    os.mkfifo(root / "fifo")
    with pytest.raises(UnsafePathError, match="is a FIFO, not a regular file"):
        ConfinedDir(root).read_bytes("fifo")


def test_dotdot_and_absolute_paths_are_refused(root: Path) -> None:
    with pytest.raises(UnsafePathError, match="'..' would leave"):
        ConfinedDir(root).write_text("../escape", "x")
    with pytest.raises(UnsafePathError, match="absolute path"):
        ConfinedDir(root).write_text("/tmp/escape", "x")
    assert not (root.parent / "escape").exists()


def test_in_root_resolves_absolute_links_inside_the_image(root: Path, host: Path) -> None:
    """An image whose /etc/portage is a link to /etc: the write lands in the image's /etc."""
    (root / "etc").mkdir()
    (root / "etc" / "portage").symlink_to("/etc")
    (root / "var").symlink_to(str(host))  # absolute, to a host path: inside the image that is /<host path>
    before = snapshot(host)
    image = ConfinedDir(root, links="in_root")
    image.write_text("etc/portage/make.conf", "inside\n")
    assert (root / "etc" / "make.conf").read_text() == "inside\n"
    image.write_text("var/etc/passwd", "inside too\n", make_parents=True)
    assert snapshot(host) == before
    assert (root / host.relative_to("/") / "etc" / "passwd").read_text() == "inside too\n"


def test_in_root_dotdot_stops_at_the_image_root(root: Path, host: Path) -> None:
    (root / "a").mkdir()
    (root / "a" / "up").symlink_to("../../../../../../..")
    before = snapshot(host)
    ConfinedDir(root, links="in_root").write_text("a/up/escaped", "x")
    assert (root / "escaped").read_text() == "x" and snapshot(host) == before


def test_in_root_follow_reads_through_inner_links_only(root: Path, host: Path) -> None:
    (root / "etc").mkdir()
    (root / "etc" / "real-passwd").write_text("image passwd\n")
    (root / "etc" / "passwd").symlink_to("/etc/real-passwd")
    (root / "etc" / "shadow").symlink_to(str(host / "secret"))
    image = ConfinedDir(root, links="in_root")
    assert image.read_text("etc/passwd", follow=True) == "image passwd\n"
    with pytest.raises(FileNotFoundError):
        image.read_text("etc/shadow", follow=True)  # /<host>/secret does not exist inside the image


def test_link_loops_end_in_a_clear_error(root: Path) -> None:
    (root / "a").symlink_to("b")
    (root / "b").symlink_to("a")
    with pytest.raises(UnsafePathError, match="too many levels of symbolic links"):
        ConfinedDir(root, links="in_root").write_text("a/x", "x")


def test_chmod_and_chown_never_follow(root: Path, host: Path) -> None:
    (root / "distfiles").symlink_to(host / "etc")
    mode = (host / "etc").stat().st_mode
    with pytest.raises(UnsafePathError):
        ConfinedDir(root).chmod("distfiles", 0o777)
    ConfinedDir(root).chown("distfiles", 1234, 1234)  # the link itself
    assert (host / "etc").stat().st_mode == mode and (host / "etc").stat().st_uid == os.getuid()
    assert (root / "distfiles").lstat().st_uid == 1234 or os.geteuid() != 0


def test_remove_tree_removes_a_link_not_its_target(root: Path, host: Path) -> None:
    (root / "tree").mkdir()
    (root / "tree" / "inner").symlink_to(host)
    (root / "top").symlink_to(host)
    before = snapshot(host)
    confined = ConfinedDir(root)
    confined.remove_tree("tree")
    confined.remove_tree("top")
    assert not (root / "tree").exists() and not (root / "top").is_symlink() and snapshot(host) == before


def test_copy_tree_copies_links_as_links_and_mirrors_with_delete(root: Path, host: Path, tmp_path: Path) -> None:
    src = tmp_path / "artifact"
    (src / "kernel" / "sub").mkdir(parents=True)
    (src / "kernel" / "config").write_text("CONFIG_X=y\n")
    os.chmod(src / "kernel" / "config", 0o640)
    (src / "kernel" / "sub" / "key").symlink_to(host / "secret")  # content: a link, copied as a link
    (src / "kernel" / "arch-x86_64").mkdir()
    (root / "etc" / "kernel").mkdir(parents=True)
    (root / "etc" / "kernel" / "stale").write_text("old")
    copied = ConfinedDir(root, links="in_root").copy_tree_from(
        ConfinedDir(src), "kernel", "etc/kernel", delete=True, skip_top=lambda n: n.startswith("arch-"))
    assert sorted(copied) == ["config", "sub/key"]
    out = root / "etc" / "kernel"
    assert (out / "config").read_text() == "CONFIG_X=y\n" and stat.S_IMODE((out / "config").stat().st_mode) == 0o640
    assert os.readlink(out / "sub" / "key") == str(host / "secret")
    assert not (out / "stale").exists() and not (out / "arch-x86_64").exists()
    assert (out / "config").stat().st_mtime_ns == (src / "kernel" / "config").stat().st_mtime_ns


def test_copy_tree_refuses_a_symlinked_source_dir(root: Path, host: Path, tmp_path: Path) -> None:
    src = tmp_path / "artifact"
    src.mkdir()
    (src / "overlay").symlink_to(host)
    with pytest.raises(UnsafePathError, match="artifact/overlay is a symbolic link"):
        ConfinedDir(root, links="in_root").copy_tree_from(ConfinedDir(src), "overlay", "var/db/repos/x")
    assert not list(root.rglob("secret"))


def test_copy_tree_does_not_write_through_a_link_in_the_target(root: Path, host: Path, tmp_path: Path) -> None:
    """The image holds var/db/repos/local/metadata -> <host>/etc; the copy replaces the link."""
    src = tmp_path / "artifact"
    (src / "overlay" / "metadata").mkdir(parents=True)
    (src / "overlay" / "metadata" / "passwd").write_text("from overlay\n")
    repo = root / "var" / "db" / "repos" / "local"
    repo.mkdir(parents=True)
    (repo / "metadata").symlink_to(host / "etc")
    before = snapshot(host)
    ConfinedDir(root, links="in_root").copy_tree_from(ConfinedDir(src), "overlay", "var/db/repos/local", delete=True)
    assert snapshot(host) == before
    assert (repo / "metadata" / "passwd").read_text() == "from overlay\n" and not (repo / "metadata").is_symlink()


def test_copy_tree_refuses_special_files(root: Path, tmp_path: Path) -> None:
    src = tmp_path / "artifact"
    (src / "files").mkdir(parents=True)
    os.mkfifo(src / "files" / "pipe")
    with pytest.raises(UnsafePathError, match="files/pipe is a FIFO; only regular files"):
        ConfinedDir(root).copy_tree_from(ConfinedDir(src), "files", "out")


def test_make_dirs_creates_through_in_root_links_and_refuses_links_otherwise(root: Path, host: Path) -> None:
    (root / "var" / "cache").mkdir(parents=True)
    (root / "var" / "cache" / "distfiles").symlink_to(str(host / "dist"))  # absolute: the image's /<host>/dist
    before = snapshot(host)
    ConfinedDir(root, links="in_root").make_dirs("var/cache/distfiles/sub")
    assert (root / host.relative_to("/") / "dist" / "sub").is_dir() and snapshot(host) == before
    with pytest.raises(UnsafePathError, match="distfiles is a symbolic link"):
        ConfinedDir(root).make_dirs("var/cache/distfiles/sub")
    assert snapshot(host) == before


def test_chmod_and_chown_follow_resolve_a_final_link_inside_the_image(root: Path, host: Path) -> None:
    (root / "var").mkdir()
    inside = root / host.relative_to("/") / "etc"
    inside.mkdir(parents=True)
    (root / "var" / "distfiles").symlink_to(str(host / "etc"))  # means <image>/<host>/etc
    host_st = (host / "etc").stat()
    image = ConfinedDir(root, links="in_root")
    image.chmod("var/distfiles", 0o775, follow=True)
    image.chown("var/distfiles", 250, 250, follow=True)
    assert stat.S_IMODE(inside.stat().st_mode) == 0o775 and inside.stat().st_uid == 250
    assert (host / "etc").stat().st_mode == host_st.st_mode and (host / "etc").stat().st_uid == host_st.st_uid
    assert (root / "var" / "distfiles").lstat().st_uid == os.getuid()  # the link itself untouched


def test_fileno_is_the_directory_reached_without_following_out(root: Path, host: Path) -> None:
    (root / "usr").symlink_to(str(host))
    sub = ConfinedDir(root, links="in_root").subdir("usr/lib", create=True)
    assert os.path.samestat(os.fstat(sub.fileno()), (root / host.relative_to("/") / "lib").stat())
    assert not (host / "lib").exists()


def test_readlink_reads_the_link_itself(root: Path, host: Path) -> None:
    (root / "lib").mkdir()
    (root / "lib" / "x.efi").symlink_to(str(host / "secret"))
    assert ConfinedDir(root, links="in_root").readlink("lib/x.efi") == str(host / "secret")
    (root / "lib" / "plain").write_text("")
    with pytest.raises(OSError):
        ConfinedDir(root).readlink("lib/plain")


def test_open_append_and_create_new_never_open_a_link(root: Path, host: Path) -> None:
    (root / "x.part").symlink_to(host / "etc" / "passwd")
    (root / "new.img").symlink_to(host / "etc" / "missing")
    before = snapshot(host)
    with pytest.raises(UnsafePathError, match=r"root/x\.part is a symbolic link; not followed"):
        ConfinedDir(root).open_append("x.part")
    with pytest.raises(FileExistsError, match="root/new.img"):
        ConfinedDir(root).create_new("new.img")
    assert snapshot(host) == before
    with ConfinedDir(root).open_append("y.part") as f:
        f.write(b"ab")
    with ConfinedDir(root).open_append("y.part") as f:
        f.write(b"cd")
    with ConfinedDir(root).open_append("y.part", truncate=True) as f:
        f.write(b"e")
    assert (root / "y.part").read_bytes() == b"e"
    os.mkfifo(root / "fifo")
    with pytest.raises(UnsafePathError, match="is a FIFO, not a regular file"):
        ConfinedDir(root).open_append("fifo")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to chown")
def test_chown_tree_changes_links_themselves_and_never_enters_one(root: Path, host: Path) -> None:
    (root / "out" / "sub").mkdir(parents=True)
    (root / "out" / "sub" / "f").write_text("x")
    (root / "out" / "etc").symlink_to(host / "etc")
    ConfinedDir(root).chown_tree("out", 65534, 65534)
    assert all(os.lstat(p).st_uid == 65534 for p in (root / "out", root / "out" / "sub", root / "out" / "sub" / "f",
                                                       root / "out" / "etc"))
    assert {os.lstat(p).st_uid for p in [host, *host.rglob("*")]} == {0}


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to chown")
def test_user_subdir_follows_a_link_only_to_a_directory_of_that_user(root: Path, host: Path, tmp_path: Path) -> None:
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    os.chown(theirs, 65534, 65534)
    (root / "mine").symlink_to(theirs)
    (root / "etc").symlink_to(host / "etc")
    made = ConfinedDir(root).user_subdir("mine/a/b", 65534, 65534)
    assert made == root / "mine" / "a" / "b" and (theirs / "a" / "b").stat().st_uid == 65534
    before = snapshot(host)
    with pytest.raises(UnsafePathError, match=r"root/etc is a symbolic link \(to .*host/etc\) to a directory owned by "
                                              r"uid 0, not by uid 65534"):
        ConfinedDir(root).user_subdir("etc/x", 65534, 65534)
    assert snapshot(host) == before
    assert ConfinedDir(root).user_subdir("plain/dir", 65534, 65534).stat().st_uid == 65534
    assert (root / "plain").stat().st_uid == 65534
