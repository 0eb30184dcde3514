"""update_sources against the real built test bed (stage3 stand-in, Portage snapshot, overlay tarball)."""
from __future__ import annotations

import hashlib

import pytest

from genpack_tui.engine.events import DownloadFinished, Event, WarningEvent
from genpack_tui.engine.sources.content_record import read_content_record
from genpack_tui.engine.sources.fetch_all import source_paths, update_sources

pytestmark = [pytest.mark.root, pytest.mark.slow]


def _sha512(path) -> str:
    h = hashlib.sha512()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def test_real_testbed_sources_download_verify_and_cache(testbed_artifacts, testbed_mirror, tmp_path):
    events: list[Event] = []
    work = tmp_path / "work"
    ident = update_sources(work, "x86_64", testbed_mirror.mirror_url, testbed_mirror.overlay_url, events.append,
                           keyring=str(testbed_mirror.keyring))
    paths = source_paths(work, "x86_64")
    assert ident.stage3.verified is True
    for path in (paths.stage3, paths.portage):  # both were checked against the test bed's signatures
        assert read_content_record(path).signed_by is not None
    assert ident.stage3.sha512 == _sha512(testbed_artifacts.stage3) == _sha512(paths.stage3)
    assert ident.portage.sha512 == _sha512(testbed_artifacts.portage_snapshot)
    assert ident.overlay.sha512 == _sha512(testbed_artifacts.overlay_tarball)
    assert not any(isinstance(e, WarningEvent) for e in events)
    events.clear()
    again = update_sources(work, "x86_64", testbed_mirror.mirror_url, testbed_mirror.overlay_url, events.append,
                           keyring=str(testbed_mirror.keyring))
    assert again == ident
    assert [e.cached for e in events if isinstance(e, DownloadFinished)] == [True, True, True]
