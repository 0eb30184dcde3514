"""``archive`` as root in someone's repository: no write through a planted link, no host file archived.

Each test plants a real link (at the archive's temporary names, at the archive, at a member directory,
inside a member) pointing at a real "host" file or directory beside the artifact.
"""
from __future__ import annotations

import os
import tarfile
from pathlib import Path

import pytest

from genpack_tui.engine.artifact.archive import ArchiveError, create_archive, run_archive
from genpack_tui.engine.events import BuildFinished, ErrorEvent, Event

SECRET = b"-----BEGIN OPENSSH PRIVATE KEY----- host secret\n"


@pytest.fixture
def host(tmp_path: Path) -> Path:
    host = tmp_path / "host"
    (host / "dir").mkdir(parents=True)
    (host / "dir" / "id_ed25519").write_bytes(SECRET)
    (host / "passwd").write_text("root:x:0:0::/root:/bin/bash\n")
    return host


@pytest.fixture
def artifact(tmp_path: Path) -> Path:
    artifact = tmp_path / "artifact"
    (artifact / "files" / "etc").mkdir(parents=True)
    (artifact / "genpack.json5").write_text('{ name: "demo" }\n')
    (artifact / "files" / "etc" / "motd").write_text("hello\n")
    return artifact


def contents(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_linked_temporary_names_and_archive_are_replaced_not_written(artifact: Path, host: Path) -> None:
    for name in ("genpack-demo.tar.gz.tmp", f".genpack-demo.tar.gz.{os.getpid()}.genpack-tui-tmp",
                 "genpack-demo.tar.gz"):
        (artifact / name).symlink_to(host / "passwd")
    before = contents(host)
    target = create_archive(artifact, "demo", lambda event: None)
    assert contents(host) == before
    assert not target.is_symlink()
    with tarfile.open(target) as tar:
        assert tar.getnames() == ["genpack.json5", "files", "files/etc", "files/etc/motd"]


def test_a_symlinked_member_dir_is_an_error_naming_it(artifact: Path, host: Path) -> None:
    (artifact / "kernel").symlink_to(host / "dir")
    events: list[Event] = []
    assert run_archive(artifact, "demo", events.append) is False
    errors = [e.message for e in events if isinstance(e, ErrorEvent)]
    assert len(errors) == 1 and "artifact/kernel is a symbolic link (to " in errors[0] and "host/dir" in errors[0]
    assert isinstance(events[-1], BuildFinished) and not events[-1].ok
    assert not (artifact / "genpack-demo.tar.gz").exists()
    assert [p.name for p in artifact.iterdir() if p.name.startswith((".genpack", "genpack-"))] == []


def test_a_link_inside_a_member_is_archived_as_a_link(artifact: Path, host: Path) -> None:
    (artifact / "files" / "etc" / "key").symlink_to(host / "dir" / "id_ed25519")
    (artifact / "files" / "root").symlink_to(host / "dir")
    target = create_archive(artifact, "demo", lambda event: None)
    with tarfile.open(target) as tar:
        key, root = tar.getmember("files/etc/key"), tar.getmember("files/root")
        assert key.issym() and key.linkname == str(host / "dir" / "id_ed25519")
        assert root.issym() and "files/root/id_ed25519" not in tar.getnames()
    with open(target, "rb") as f, tarfile.open(fileobj=f) as tar:
        assert all(SECRET not in tar.extractfile(m).read() for m in tar.getmembers() if m.isfile())


def test_a_config_that_is_a_link_is_an_error(artifact: Path, host: Path) -> None:
    (artifact / "genpack.json5").unlink()
    (artifact / "genpack.json5").symlink_to(host / "passwd")
    with pytest.raises(ArchiveError, match=r"artifact/genpack.json5 is a symbolic link .*make it a regular file"):
        create_archive(artifact, "demo", lambda event: None)
