"""The binhost server over real HTTP on 127.0.0.1: read-only, confined to its directory, one line per request."""
from __future__ import annotations

import http.client
import os
from pathlib import Path

import pytest

from genpack_tui.engine.binhost.server import BinhostServer, request_path
from genpack_tui.engine.runtime.confined import ConfinedDir

SECRET = b"host secret: never served\n"


@pytest.fixture
def served(tmp_path: Path):
    cache = tmp_path / "binpkgs"
    (cache / "app-misc/hello").mkdir(parents=True)
    (cache / "Packages").write_text("PACKAGES: 1\n")
    (cache / "app-misc/hello/hello-1.0-1.gpkg.tar").write_bytes(b"gpkg" * 1000)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(SECRET)
    # planted: a link to a file outside, and a category that is a link to a directory outside
    (cache / "app-misc/hello/stolen.gpkg.tar").symlink_to(outside / "secret")
    (cache / "evil-cat").symlink_to(outside)
    lines: list[str] = []
    with BinhostServer(ConfinedDir(cache), on_request=lines.append) as server:
        yield server, lines, outside


def request(server: BinhostServer, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes, dict]:
    host, port = server.address
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        conn.putheader("Content-Length", str(len(body or b"")))
        conn.endheaders(body)
        response = conn.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        conn.close()


def test_files_are_served_and_each_request_is_one_line(served):
    server, lines, _ = served
    status, body, headers = request(server, "GET", "/app-misc/hello/hello-1.0-1.gpkg.tar")
    assert (status, body, headers["Content-Length"]) == (200, b"gpkg" * 1000, "4000")
    status, body, headers = request(server, "HEAD", "/Packages")
    assert (status, body, headers["Content-Length"]) == (200, b"", "12")
    assert lines == ["127.0.0.1 GET /app-misc/hello/hello-1.0-1.gpkg.tar 200 -", "127.0.0.1 HEAD /Packages 200 -"]


@pytest.mark.parametrize("path", ["/app-misc/hello/stolen.gpkg.tar", "/evil-cat/secret"])
def test_a_planted_link_out_of_the_cache_is_refused(served, path):
    server, lines, outside = served
    status, body, _ = request(server, "GET", path)
    assert status == 403 and SECRET not in body
    assert b"links and special files are not served" in body
    assert lines == [f"127.0.0.1 GET {path} 403 -"]
    assert (outside / "secret").read_bytes() == SECRET


@pytest.mark.parametrize("path", ["/../outside/secret", "/app-misc/../../outside/secret",
                                  "/%2e%2e/outside/secret", "/app-misc/%2E%2E/%2E%2E/outside/secret"])
def test_dot_dot_never_leaves_the_cache(served, path):
    server, _, _ = served
    status, body, _ = request(server, "GET", path)
    assert status == 400 and SECRET not in body
    assert b"path leaves the binary package directory" in body


def test_directories_are_not_listed(served):
    server, _, _ = served
    for path in ("/", "/app-misc/", "/app-misc/hello"):
        status, body, _ = request(server, "GET", path)
        assert status == 404 and b"hello-1.0" not in body


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
def test_it_is_read_only(served, tmp_path, method):
    server, lines, _ = served
    target = tmp_path / "binpkgs/Packages"
    status, _, headers = request(server, method, "/Packages", body=b"PACKAGES: 0\n")
    assert status == 405 and headers["Allow"] == "GET, HEAD"
    assert target.read_text() == "PACKAGES: 1\n"
    assert lines == [f"127.0.0.1 {method} /Packages 405 -"]


def test_a_fifo_is_not_opened(served, tmp_path):
    server, _, _ = served
    os.mkfifo(tmp_path / "binpkgs/fifo")
    status, _, _ = request(server, "GET", "/fifo")
    assert status == 403


def test_request_paths():
    assert request_path("/a/b/../c") is None
    assert request_path("/a/./b?x=1#y") == "a/b"
    assert request_path("/a%00b") is None
    assert request_path("//Packages") == "Packages"


def test_a_directory_that_follows_links_is_refused(tmp_path):
    with pytest.raises(ValueError, match="refuses links"):
        BinhostServer(ConfinedDir(tmp_path, links="in_root"))
