"""Reading an image's tree and package database: sizes, owners, USE, excludes, and no link followed."""
import hashlib
import os
import stat
from pathlib import Path

import pytest

from genpack_tui.engine.history.model import FileEntry, ImageComposition
from genpack_tui.engine.history.record_composition import read_composition
from genpack_tui.engine.runtime.confined import ConfinedDir
from tests.engine.planted import host  # noqa: F401


def vdb_entry(lower: Path, cpv: str, contents: list[str], use: str = "", iuse: str = "") -> Path:
    entry = lower / "var/db/pkg" / cpv
    entry.mkdir(parents=True)
    (entry / "CONTENTS").write_text("".join(line + "\n" for line in contents))
    (entry / "USE").write_text(use + "\n")
    (entry / "IUSE").write_text(iuse + "\n")
    return entry


@pytest.fixture
def image(tmp_path: Path, host: Path):  # noqa: F811
    tree = tmp_path / "upper"
    (tree / "usr/bin").mkdir(parents=True)
    (tree / "usr/share/hello").mkdir(parents=True)
    (tree / "usr/bin/hello").write_bytes(b"#!/bin/sh\necho hello\n")
    (tree / "usr/share/hello/my data.txt").write_bytes(b"x" * 100)
    (tree / "bin").symlink_to("usr/bin")  # as in the image: /bin is a link, CONTENTS still says /bin/...
    (tree / "etc").mkdir()
    (tree / "etc/issue").write_text("Welcome\n")
    (tree / "etc/host-passwd").symlink_to(host / "passwd")  # a link out of the image: recorded, never read
    os.mkfifo(tree / "etc/fifo")
    (tree / "var/tmp").mkdir(parents=True)
    (tree / "var/tmp/scratch").write_bytes(b"y" * 5000)  # excluded from the squashfs
    lower = tmp_path / "lower"
    vdb_entry(lower, "app-misc/hello-1.0-r1", [
        "dir /usr", "obj /bin/hello 0123 1700000000", "obj /usr/share/hello/my data.txt 4567 1700000000",
        "obj /usr/share/hello/extra.txt 89ab 1700000000",  # not in the upper layer (copy-up left it out)
    ], use="amd64 extra elibc_glibc greeting", iuse="+greeting extra")
    vdb_entry(lower, "dev-util/buildtool-1.0", ["obj /usr/bin/buildtool 0123 1700000000"])  # build-time only
    vdb_entry(lower, "sys-apps/evil-1.0", [])
    (lower / "var/db/pkg/sys-apps/evil-1.0/CONTENTS").unlink()
    (lower / "var/db/pkg/sys-apps/evil-1.0/CONTENTS").symlink_to(host / "passwd")
    return tree, lower


def test_composition_of_a_planted_tree(image, host: Path):  # noqa: F811
    tree, lower = image
    before = (host / "passwd").read_bytes()
    with ConfinedDir(tree) as root, ConfinedDir(lower, links="in_root") as db:
        comp = read_composition(root, db, excludes=["var/tmp/*"], squashfs_size=4096)
    paths = [f.path for f in comp.files]
    assert paths == sorted(paths)
    assert "/var/tmp/scratch" not in paths
    by_path = {f.path: f for f in comp.files}
    link = by_path["/etc/host-passwd"]
    assert stat.S_ISLNK(link.mode) and link.sha256 is None and link.size == len(str(host / "passwd"))
    assert stat.S_ISFIFO(by_path["/etc/fifo"].mode) and by_path["/etc/fifo"].sha256 is None
    assert by_path["/usr/bin/hello"].sha256 == hashlib.sha256(b"#!/bin/sh\necho hello\n").hexdigest()
    [hello] = comp.packages  # buildtool has nothing in the image, evil's CONTENTS is a link: neither counts
    assert (hello.cpv, hello.version, hello.use, hello.name) == \
        ("app-misc/hello-1.0-r1", "1.0-r1", ("extra", "greeting"), "app-misc/hello")
    assert [f.path for f in comp.package_files(hello)] == ["/usr/bin/hello", "/usr/share/hello/my data.txt"]
    assert hello.size == 21 + 100
    assert {f.path for f in comp.unowned_files()} == {"/bin", "/etc/issue", "/etc/host-passwd", "/etc/fifo"}
    assert comp.file_count == 6 and comp.byte_size == sum(f.size for f in comp.files)
    assert comp.directories["/"] == comp.byte_size
    assert comp.directories["/usr"] == 121 and comp.directories["/usr/share/hello"] == 100
    assert comp.directories["/var/tmp"] == 0
    assert comp.squashfs_size == 4096
    assert (host / "passwd").read_bytes() == before


def test_without_package_database_everything_is_unowned(image):
    tree, _ = image
    with ConfinedDir(tree) as root:
        comp = read_composition(root, None)
    assert comp.packages == () and len(comp.unowned) == comp.file_count == 7


def test_a_file_unchanged_since_the_last_build_keeps_its_hash(image):
    tree, _ = image
    with ConfinedDir(tree) as root:
        first = read_composition(root, None)
    # what the last build said: hello's hash is a stand-in, so reuse is visible
    planted = tuple(f if f.path != "/usr/bin/hello" else FileEntry(f.path, f.size, f.mode, f.uid, f.gid, "f" * 64,
                                                                    f.mtime_ns) for f in first.files)
    known = ImageComposition(first.file_count, first.byte_size, None, planted, (), (), {})
    issue = tree / "etc/issue"
    issue.write_text("Welkom!\n")  # the same size as before: only its mtime tells
    os.utime(issue, ns=(1, 1))
    with ConfinedDir(tree) as root:
        again = read_composition(root, None, known=known)
    by_path = {f.path: f for f in again.files}
    assert by_path["/usr/bin/hello"].sha256 == "f" * 64
    assert by_path["/etc/issue"].sha256 == hashlib.sha256(b"Welkom!\n").hexdigest()
