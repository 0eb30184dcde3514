"""Phase markers under work/<arch>/ never write through a link planted by a container.

Each test plants a real link at the marker, at genpack-tui's old temporary name for it, or at
work/<arch>, pointing at a real "host" file or directory beside the artifact, and checks the host
side is unchanged.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from genpack_tui.engine.build.fingerprint import Fingerprint
from genpack_tui.engine.build.stamps import clear_stamp, read_stamp, write_stamp
from genpack_tui.engine.runtime.confined import UnsafePathError
from tests.engine.planted import host  # noqa: F401 (a fixture)

FINGERPRINT = Fingerprint("lower", {"config.use": "abc"})


@pytest.fixture
def arch(tmp_path: Path) -> Path:
    arch = tmp_path / "artifact" / "work" / "x86_64"
    arch.mkdir(parents=True)
    return arch


def contents(directory: Path) -> dict[str, str]:
    return {str(p.relative_to(directory)): p.read_text() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_a_linked_temporary_marker_is_not_written_through(arch: Path, host: Path) -> None:
    (arch / "lower.done.tmp").symlink_to(host / "passwd")
    before = contents(host)
    write_stamp(arch / "lower.done", FINGERPRINT)
    assert contents(host) == before
    assert read_stamp(arch / "lower.done") == FINGERPRINT
    clear_stamp(arch / "lower.done")
    assert contents(host) == before and not (arch / "lower.done.tmp").is_symlink()


def test_a_linked_marker_is_replaced_and_never_read_through(arch: Path, host: Path) -> None:
    forged = Fingerprint("lower", {"config.use": "forged"})
    (host / "forged.done").write_text(json.dumps(forged.to_json()))  # a marker the build would accept
    (arch / "lower.done").symlink_to(host / "forged.done")
    assert read_stamp(arch / "lower.done") is None
    before = contents(host)
    write_stamp(arch / "lower.done", FINGERPRINT)
    assert contents(host) == before
    assert not (arch / "lower.done").is_symlink() and read_stamp(arch / "lower.done") == FINGERPRINT


def test_a_symlinked_arch_dir_gets_no_marker(tmp_path: Path, host: Path) -> None:
    work = tmp_path / "artifact" / "work"
    work.mkdir(parents=True)
    (work / "x86_64").symlink_to(host / "dir")
    with pytest.raises(UnsafePathError, match=r"artifact/work/x86_64 is a symbolic link \(to .*host/dir\)"):
        write_stamp(work / "x86_64" / "lower.done", FINGERPRINT)
    assert list((host / "dir").iterdir()) == []
