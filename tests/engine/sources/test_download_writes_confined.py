"""Downloads under work/ never write through a link a container planted there.

A real loopback server (tests/fixtures/sources.py) serves the file; each test plants a real link at
the headers' temporary name, at the headers file, at the partial download or at work/<arch>, pointing
at a real "host" file or directory beside the artifact, and checks the host side is unchanged.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from genpack_tui.engine.runtime.confined import UnsafePathError
from genpack_tui.engine.sources.errors import SourceError
from genpack_tui.engine.sources.http import DownloadClient, RetryPolicy, Timeouts, headers_path, part_path
from tests.engine.planted import host  # noqa: F401 (a fixture)

BODY = os.urandom(200_000)


@pytest.fixture
def client():
    with DownloadClient(retry=RetryPolicy(attempts=2, backoff=0.0), timeouts=Timeouts(connect=5, read=5)) as c:
        yield c


def contents(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.fixture
def arch(tmp_path: Path) -> Path:
    arch = tmp_path / "artifact" / "work" / "x86_64"
    arch.mkdir(parents=True)
    return arch


def test_linked_temporary_and_headers_files_are_replaced_not_written(sources_server, client, arch, host):
    sources_server.put("stage3.tar.xz", BODY)
    dest = arch / "stage3.tar.xz"
    headers = headers_path(dest)
    headers.with_name(headers.name + ".part").symlink_to(host / "passwd")  # the old temporary name
    headers.symlink_to(host / "passwd")
    part_path(dest).symlink_to(host / "dir" / "planted")
    before = contents(host)
    result = client.fetch(sources_server.url("stage3.tar.xz"), dest)
    assert contents(host) == before
    assert result.changed and dest.read_bytes() == BODY
    assert not headers.is_symlink() and headers.read_text() == result.info


def test_a_linked_download_is_replaced_not_written(sources_server, client, arch, host):
    sources_server.put("portage.tar.xz", BODY)
    dest = arch.parent / "portage.tar.xz"
    dest.symlink_to(host / "passwd")
    before = contents(host)
    client.fetch(sources_server.url("portage.tar.xz"), dest)
    assert contents(host) == before and not dest.is_symlink() and dest.read_bytes() == BODY


def test_a_symlinked_arch_dir_is_refused_with_the_link_named(sources_server, client, tmp_path, host):
    sources_server.put("stage3.tar.xz", BODY)
    work = tmp_path / "artifact" / "work"
    work.mkdir(parents=True)
    (work / "x86_64").symlink_to(host / "dir")
    with pytest.raises((SourceError, UnsafePathError),
                       match=r"artifact/work/x86_64 is a symbolic link \(to .*host/dir\)"):
        client.fetch(sources_server.url("stage3.tar.xz"), work / "x86_64" / "stage3.tar.xz")
    assert contents(host) == {"passwd": b"root:x:0:0::/root:/bin/bash\n"}
