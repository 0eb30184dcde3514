"""update_sources against the project's Gentoo-like test-bed mirror (engine/testbed/mirror.py), with small
stand-in files: the two sides must agree on the list, DIGESTS, layout and caching headers."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from genpack_tui.engine.sources.fetch_all import source_paths, update_sources
from genpack_tui.engine.sources.http import DownloadClient, RetryPolicy
from genpack_tui.engine.testbed.mirror import MirrorServer
from genpack_tui.engine.testbed.mirror_layout import OVERLAY, SNAPSHOT

STAMP = "20260102T030405Z"


@pytest.fixture
def files(tmp_path) -> dict[str, Path]:
    out = {}
    for key, name, size in (("stage3", f"stage3-amd64-systemd-{STAMP}.tar.xz", 300_000),
                            ("portage", "portage.tar.xz", 50_000), ("overlay", "overlay.tar.gz", 5_000)):
        path = tmp_path / "published" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(os.urandom(size))
        out[key] = path
    return out


def serve(files: dict[str, Path]) -> MirrorServer:
    server = MirrorServer()
    server.publish_stage3(files["stage3"])
    server.publish(SNAPSHOT, files["portage"])
    server.publish(OVERLAY, files["overlay"])
    return server.start()


def test_sources_from_the_testbed_mirror_are_verified_and_cached_across_restarts(files, tmp_path):
    work = tmp_path / "work"
    with serve(files) as first_server:
        first = update_sources(work, "x86_64", first_server.mirror_url, first_server.overlay_url)
    paths = source_paths(work, "x86_64")
    assert paths.stage3.read_bytes() == files["stage3"].read_bytes()
    assert first.stage3.verified is True
    assert first.stage3.sha512 == hashlib.sha512(files["stage3"].read_bytes()).hexdigest()
    assert first.portage.sha512 == hashlib.sha512(files["portage"].read_bytes()).hexdigest()
    # `genpack-tui testbed` restarted: another port, newer Last-Modified, same ETags → nothing fetched
    with serve(files) as second_server:
        second = update_sources(work, "x86_64", second_server.mirror_url, second_server.overlay_url)
        stage3_path = second.stage3.url[len(second_server.base_url):]
        assert second_server.request_count(stage3_path, "GET") == 1
    assert second == first and first.changes(second) == []
    assert second.stage3.url != first.stage3.url


def test_dropped_connection_on_the_testbed_mirror_is_retried(files, tmp_path):
    with serve(files) as server:
        stage3_url = server.publish_stage3(files["stage3"])
        server.drop_connection_after(stage3_url[len(server.base_url):], 100_000)
        with DownloadClient(retry=RetryPolicy(attempts=2, backoff=0)) as client:
            ident = update_sources(tmp_path / "work", "x86_64", server.mirror_url, server.overlay_url,
                                   client=client)
    assert ident.stage3.verified is True  # the server ignores Range: the retry started over
