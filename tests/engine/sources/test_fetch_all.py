"""update_sources: the three sources in genpack's work/ layout, against the loopback server."""
from __future__ import annotations

import hashlib
import json
import os

import pytest

from genpack_tui.engine.events import DownloadFinished, Event, WarningEvent
from genpack_tui.engine.sources.content_record import content_record_path
from genpack_tui.engine.sources.errors import SourceError
from genpack_tui.engine.sources.fetch_all import source_paths, update_sources
from genpack_tui.engine.sources.http import DownloadClient, RetryPolicy, headers_path
from tests.fixtures.sources import publish_snapshot, publish_stage3

STAGE3 = os.urandom(200_000)
SNAPSHOT = "gentoo/snapshots/portage-latest.tar.xz"


def run(server, work, events=None, **kwargs):
    kwargs.setdefault("keyring", server.keyring)
    return update_sources(
        work, "x86_64", server.url("gentoo/"), server.url("overlay/main.tar.gz"),
        sink=(events.append if events is not None else None), **kwargs,
    )


@pytest.fixture
def gentoo_mirror(sources_server, signing_keys, without_keyring):
    """A mirror signed with the trusted key (``run`` verifies with it unless told ``keyring=None``)."""
    sources_server.keyring = str(signing_keys.trusted.keyring)
    sources_server.signer = signing_keys.signer()
    # the mirror is a sub-path, to prove every URL is built from the mirror base
    _publish_under(sources_server, "gentoo/", STAGE3)
    publish_snapshot(sources_server, SNAPSHOT, b"portage tree v1", signer=sources_server.signer)
    sources_server.put("overlay/main.tar.gz", b"overlay v1")
    return sources_server


def _publish_under(server, prefix, body, stamp="20260101T000000Z", digests=True, wrong=False):
    return publish_stage3(server, body, prefix=prefix, stamp=stamp, with_digests=digests, wrong_digest=wrong,
                          signer=server.signer)


def test_first_run_downloads_everything_into_genpack_layout(gentoo_mirror, tmp_path):
    work = tmp_path / "work"
    events: list[Event] = []
    ident = run(gentoo_mirror, work, events)
    paths = source_paths(work, "x86_64")
    assert paths.stage3 == work / "x86_64" / "stage3.tar.xz"
    assert paths.stage3.read_bytes() == STAGE3
    assert (work / "portage.tar.xz").read_bytes() == b"portage tree v1"
    assert (work / "genpack-overlay.tar.gz").read_bytes() == b"overlay v1"
    for path in (paths.stage3, paths.portage, paths.overlay):
        assert headers_path(path).read_text().startswith("Last-Modified:")
    assert ident.stage3.url.endswith("gentoo/releases/amd64/autobuilds/20260101T000000Z/"
                                     "stage3-amd64-systemd-20260101T000000Z.tar.xz")
    assert ident.stage3.sha512 == hashlib.sha512(STAGE3).hexdigest() and ident.stage3.verified is True
    assert ident.portage.url == gentoo_mirror.url("gentoo/snapshots/portage-latest.tar.xz")
    assert ident.overlay.info == headers_path(paths.overlay).read_text()
    assert [e.cached for e in events if isinstance(e, DownloadFinished)] == [False, False, False]
    assert not any(isinstance(e, WarningEvent) for e in events)


def test_second_run_downloads_nothing_and_reports_the_same_identity(gentoo_mirror, tmp_path):
    first = run(gentoo_mirror, tmp_path / "work")
    before = len(gentoo_mirror.requests)
    events: list[Event] = []
    second = run(gentoo_mirror, tmp_path / "work", events)
    assert second == first and first.changes(second) == []
    later = gentoo_mirror.requests[before:]
    # the list is read again (it is how a new stage3 is noticed); files answer 304; DIGESTS not refetched
    assert sorted((r.status, r.path.rsplit("/", 1)[-1]) for r in later) == [
        (200, "latest-stage3-amd64-systemd.txt"),
        (304, "main.tar.gz"),
        (304, "portage-latest.tar.xz"),
        (304, "stage3-amd64-systemd-20260101T000000Z.tar.xz"),
    ]
    assert [e.cached for e in events if isinstance(e, DownloadFinished)] == [True, True, True]


def test_a_new_snapshot_is_fetched_and_described(gentoo_mirror, tmp_path):
    first = run(gentoo_mirror, tmp_path / "work")
    old_etag = gentoo_mirror.file("gentoo/snapshots/portage-latest.tar.xz").etag
    publish_snapshot(gentoo_mirror, SNAPSHOT, b"portage tree v2", signer=gentoo_mirror.signer)
    new = gentoo_mirror.file(SNAPSHOT)
    second = run(gentoo_mirror, tmp_path / "work")
    assert (tmp_path / "work" / "portage.tar.xz").read_bytes() == b"portage tree v2"
    changes = first.changes(second)
    assert len(changes) == 1
    assert changes[0].startswith(f"portage snapshot changed: ETag {old_etag} → {new.etag}, Last-Modified ")


def test_a_new_stage3_release_replaces_the_old_one(gentoo_mirror, tmp_path):
    first = run(gentoo_mirror, tmp_path / "work")
    newer = os.urandom(1000)
    url = _publish_under(gentoo_mirror, "gentoo/", newer, stamp="20260201T000000Z")
    second = run(gentoo_mirror, tmp_path / "work")
    assert second.stage3.url == url and second.stage3.sha512 == hashlib.sha512(newer).hexdigest()
    assert (tmp_path / "work" / "x86_64" / "stage3.tar.xz").read_bytes() == newer
    assert first.changes(second)[0].startswith("stage3 changed: URL ")


def test_digest_mismatch_deletes_stage3_and_fails(gentoo_mirror, tmp_path):
    _publish_under(gentoo_mirror, "gentoo/", STAGE3, wrong=True)
    with pytest.raises(SourceError, match="does not match its BLAKE2B digest"):
        run(gentoo_mirror, tmp_path / "work")
    stage3 = tmp_path / "work" / "x86_64" / "stage3.tar.xz"
    assert not stage3.exists() and not headers_path(stage3).exists() and not content_record_path(stage3).exists()
    assert not (tmp_path / "work" / "portage.tar.xz").exists()  # nothing further was fetched


def test_missing_digests_is_a_warning_and_recorded_unverified(gentoo_mirror, tmp_path):
    _publish_under(gentoo_mirror, "gentoo/", STAGE3, digests=False)
    events: list[Event] = []
    ident = run(gentoo_mirror, tmp_path / "work", events, keyring=None)
    assert ident.stage3.verified is False and ident.stage3.sha512 == hashlib.sha512(STAGE3).hexdigest()
    warnings = [e for e in events if isinstance(e, WarningEvent)]
    assert len(warnings) == 1 and warnings[0].message == (
        f"stage3 not verified: the mirror publishes no digests for it ({ident.stage3.url}.DIGESTS: not found)"
    )


def test_unverified_cached_stage3_is_checked_again_without_download(gentoo_mirror, tmp_path):
    _publish_under(gentoo_mirror, "gentoo/", STAGE3, digests=False)
    run(gentoo_mirror, tmp_path / "work", keyring=None)
    name = "stage3-amd64-systemd-20260101T000000Z.tar.xz"
    gentoo_mirror.put(
        f"gentoo/releases/amd64/autobuilds/20260101T000000Z/{name}.DIGESTS",
        gentoo_mirror.signer.clearsign(f"# SHA512 HASH\n{hashlib.sha512(STAGE3).hexdigest()}  {name}\n").encode(),
    )
    ident = run(gentoo_mirror, tmp_path / "work")
    assert ident.stage3.verified is True
    assert gentoo_mirror.bodies_sent(f"gentoo/releases/amd64/autobuilds/20260101T000000Z/{name}") == 1


def test_offline_uses_what_is_there(gentoo_mirror, tmp_path):
    online = run(gentoo_mirror, tmp_path / "work")
    before = len(gentoo_mirror.requests)
    offline = run(gentoo_mirror, tmp_path / "work", offline=True)
    assert offline == online and len(gentoo_mirror.requests) == before


def test_offline_without_downloads_is_a_clear_error(tmp_path):
    with pytest.raises(SourceError, match=r"offline: .*stage3.tar.xz is missing; run once with network access"):
        update_sources(tmp_path / "work", "x86_64", "http://127.0.0.1:9/", "http://127.0.0.1:9/o.tar.gz",
                       offline=True)


def test_unreachable_mirror_is_a_source_error(tmp_path):
    with DownloadClient(retry=RetryPolicy(attempts=1)) as client:
        with pytest.raises(SourceError, match="cannot connect"):
            update_sources(tmp_path / "work", "x86_64", "http://127.0.0.1:9/", "http://127.0.0.1:9/o.tar.gz",
                           client=client)


def test_content_records_are_written(gentoo_mirror, tmp_path):
    ident = run(gentoo_mirror, tmp_path / "work")
    paths = source_paths(tmp_path / "work", "x86_64")
    record = json.loads(content_record_path(paths.stage3).read_text())
    assert record["url"] == ident.stage3.url and record["verified"] is True and record["info"] == ident.stage3.info
    assert record["sha512"] == hashlib.sha512(STAGE3).hexdigest()
    portage = json.loads(content_record_path(paths.portage).read_text())
    assert portage["sha512"] == ident.portage.sha512 == hashlib.sha512(b"portage tree v1").hexdigest()


def test_files_from_genpack_without_content_records_are_hashed_once(gentoo_mirror, tmp_path):
    first = run(gentoo_mirror, tmp_path / "work")
    paths = source_paths(tmp_path / "work", "x86_64")
    for path in (paths.stage3, paths.portage, paths.overlay):
        content_record_path(path).unlink()  # what a work/ made by genpack looks like
    before = len(gentoo_mirror.requests)
    again = run(gentoo_mirror, tmp_path / "work")
    assert again == first and again.stage3.verified is True
    assert all(r.status in (200, 304) for r in gentoo_mirror.requests[before:])
    assert sum(r.status == 200 and r.body_bytes > 1000 for r in gentoo_mirror.requests[before:]) == 0


def test_the_same_files_on_another_server_are_not_downloaded_again(gentoo_mirror, tmp_path):
    first = run(gentoo_mirror, tmp_path / "work")
    # a test-bed mirror restarted on another port serves the same files with the same validators:
    # here the same server under another prefix, with the ETags copied over
    for path, served in list(gentoo_mirror.files.items()):
        if path.startswith("/gentoo/"):
            copy = gentoo_mirror.put("other" + path, served.body)
            copy.etag, copy.last_modified = served.etag, served.last_modified
    before = len(gentoo_mirror.requests)
    moved = update_sources(tmp_path / "work", "x86_64", gentoo_mirror.url("other/gentoo/"),
                           gentoo_mirror.url("overlay/main.tar.gz"), keyring=gentoo_mirror.keyring)
    assert moved == first and first.changes(moved) == []
    assert moved.stage3.url.startswith(gentoo_mirror.url("other/gentoo/"))
    assert [r.status for r in gentoo_mirror.requests[before:] if r.path.endswith("Z.tar.xz")] == [304]
