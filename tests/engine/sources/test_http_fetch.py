"""DownloadClient.fetch against the real loopback server (tests/fixtures/sources.py)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from genpack_tui.engine.events import DownloadFinished, DownloadProgress, Event
from genpack_tui.engine.sources.errors import SourceError
from genpack_tui.engine.sources.header_info import HeaderInfo
from genpack_tui.engine.sources.http import (
    DownloadClient,
    RetryPolicy,
    Timeouts,
    fetch,
    head_info,
    headers_path,
    part_path,
)

BODY = os.urandom(300_000)


@pytest.fixture
def client():
    with DownloadClient(retry=RetryPolicy(attempts=3, backoff=0.0), timeouts=Timeouts(connect=5, read=5)) as c:
        yield c


def test_first_fetch_downloads_and_records_headers(sources_server, client, tmp_path):
    served = sources_server.put("portage.tar.xz", BODY)
    events: list[Event] = []
    result = client.fetch(sources_server.url("portage.tar.xz"), tmp_path / "p.tar.xz", sink=events.append)
    assert result.changed and result.size == len(BODY)
    assert (tmp_path / "p.tar.xz").read_bytes() == BODY
    expected = f"Last-Modified:{served.last_modified} ETag:{served.etag} Content-Length:{len(BODY)}"
    assert result.info == expected
    assert headers_path(tmp_path / "p.tar.xz").read_text() == expected
    assert not part_path(tmp_path / "p.tar.xz").exists()
    finished = [e for e in events if isinstance(e, DownloadFinished)]
    assert len(finished) == 1 and finished[0].cached is False and finished[0].size == len(BODY)
    progress = [e for e in events if isinstance(e, DownloadProgress)]
    assert progress[-1].received == len(BODY) and progress[-1].total == len(BODY)


def test_second_fetch_with_nothing_changed_downloads_nothing(sources_server, client, tmp_path):
    sources_server.put("f", BODY)
    dest = tmp_path / "f"
    client.fetch(sources_server.url("f"), dest)
    events: list[Event] = []
    result = client.fetch(sources_server.url("f"), dest, sink=events.append)
    assert not result.changed
    assert sources_server.bodies_sent("f") == 1
    assert sources_server.count("GET", "f", 304) == 1
    assert sources_server.count() == 2  # one request per fetch, no HEAD
    assert [e.cached for e in events if isinstance(e, DownloadFinished)] == [True]
    assert not any(isinstance(e, DownloadProgress) for e in events)


def test_conditional_request_carries_stored_validators(sources_server, client, tmp_path):
    served = sources_server.put("f", BODY)
    client.fetch(sources_server.url("f"), tmp_path / "f")
    client.fetch(sources_server.url("f"), tmp_path / "f")
    second = sources_server.requests[-1]
    assert second.headers["If-None-Match"] == served.etag
    assert second.headers["If-Modified-Since"] == served.last_modified
    assert second.headers["User-Agent"].startswith("genpack-tui/")


def test_changed_etag_downloads_again(sources_server, client, tmp_path):
    sources_server.put("f", BODY)
    dest = tmp_path / "f"
    first = client.fetch(sources_server.url("f"), dest)
    newer = sources_server.put("f", BODY[:1000] + b"changed")
    second = client.fetch(sources_server.url("f"), dest)
    assert second.changed and second.info != first.info
    assert dest.read_bytes() == BODY[:1000] + b"changed"
    assert HeaderInfo.parse(headers_path(dest).read_text()).etag == newer.etag
    assert sources_server.bodies_sent("f") == 2


def test_server_ignoring_conditionals_is_not_downloaded_twice(sources_server, client, tmp_path):
    sources_server.put("f", BODY, honour_conditional=False)
    client.fetch(sources_server.url("f"), tmp_path / "f")
    result = client.fetch(sources_server.url("f"), tmp_path / "f")
    assert not result.changed
    assert sources_server.count("GET", "f", 200) == 2


def test_genpack_headers_file_is_understood(sources_server, client, tmp_path):
    served = sources_server.put("f", BODY)
    dest = tmp_path / "f"
    dest.write_bytes(BODY)
    # genpack writes the info string as is; its reader strips it
    headers_path(dest).write_text(f"Last-Modified:{served.last_modified} ETag:{served.etag} Content-Length:{len(BODY)}\n")
    assert not client.fetch(sources_server.url("f"), dest).changed
    assert sources_server.bodies_sent("f") == 0


def test_missing_or_truncated_file_is_fetched_despite_headers(sources_server, client, tmp_path):
    sources_server.put("f", BODY)
    dest = tmp_path / "f"
    client.fetch(sources_server.url("f"), dest)
    dest.write_bytes(BODY[:10])  # someone truncated it
    assert client.fetch(sources_server.url("f"), dest).changed
    dest.unlink()
    assert client.fetch(sources_server.url("f"), dest).changed
    assert dest.read_bytes() == BODY
    assert sources_server.bodies_sent("f") == 3


def test_explicit_known_info_overrides_headers_file(sources_server, client, tmp_path):
    sources_server.put("f", BODY)
    dest = tmp_path / "f"
    first = client.fetch(sources_server.url("f"), dest)
    assert client.fetch(sources_server.url("f"), dest, known_info="").changed
    assert not client.fetch(sources_server.url("f"), dest, known_info=first.info).changed


def test_dropped_connection_leaves_old_file_and_headers(sources_server, tmp_path):
    sources_server.put("f", b"old contents")
    dest = tmp_path / "f"
    with DownloadClient(retry=RetryPolicy(attempts=2, backoff=0.0)) as client:
        client.fetch(sources_server.url("f"), dest)
        old_headers = headers_path(dest).read_text()
        sources_server.put("f", BODY)
        sources_server.drop("f", after_bytes=100_000, times=5)
        with pytest.raises(SourceError) as caught:
            client.fetch(sources_server.url("f"), dest)
    assert "gave up after 2 attempts" in str(caught.value)
    assert sources_server.url("f") in str(caught.value)
    assert dest.read_bytes() == b"old contents"
    assert headers_path(dest).read_text() == old_headers
    assert not part_path(dest).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f", "f.headers"]


def test_dropped_connection_is_resumed_with_a_range_request(sources_server, client, tmp_path):
    sources_server.put("f", BODY)
    sources_server.drop("f", after_bytes=120_000, times=1)
    result = client.fetch(sources_server.url("f"), tmp_path / "f")
    assert result.changed and (tmp_path / "f").read_bytes() == BODY
    resumed = sources_server.requests[-1]
    assert resumed.status == 206 and resumed.headers["Range"] == "bytes=120000-"
    assert resumed.body_bytes == len(BODY) - 120_000


def test_resume_restarts_when_the_file_changed_meanwhile(sources_server, client, tmp_path):
    sources_server.put("f", BODY)
    sources_server.drop("f", after_bytes=50_000, times=1)
    original = client.fetch  # the server changes the file between the attempts
    first_served = sources_server.file("f")

    def change_then_sleep(_seconds: float) -> None:
        sources_server.put("f", b"replacement")

    client._sleep = change_then_sleep  # the pause between attempts is where the upstream change lands
    result = original(sources_server.url("f"), tmp_path / "f")
    assert (tmp_path / "f").read_bytes() == b"replacement"
    assert HeaderInfo.parse(result.info).etag != first_served.etag
    assert sources_server.requests[-1].status == 200


def test_retries_on_500_then_succeeds(sources_server, tmp_path):
    sources_server.put("f", BODY)
    sources_server.fail("f", times=2)
    waits: list[float] = []
    with DownloadClient(retry=RetryPolicy(attempts=3, backoff=0.5), sleep=waits.append) as client:
        result = client.fetch(sources_server.url("f"), tmp_path / "f")
    assert result.changed and (tmp_path / "f").read_bytes() == BODY
    assert sources_server.count("GET", "f", 500) == 2
    assert waits == [0.5, 1.0]  # exponential backoff


def test_persistent_500_is_a_clear_error(sources_server, tmp_path):
    sources_server.put("f", BODY)
    sources_server.fail("f", times=10, status=503)
    with DownloadClient(retry=RetryPolicy(attempts=3, backoff=0.0)) as client:
        with pytest.raises(SourceError) as caught:
            client.fetch(sources_server.url("f"), tmp_path / "f")
    assert caught.value.status == 503
    assert str(caught.value) == (
        f"{sources_server.url('f')}: HTTP 503: Service Unavailable (gave up after 3 attempts)"
    )
    assert not (tmp_path / "f").exists() and not part_path(tmp_path / "f").exists()


def test_404_fails_at_once_without_retrying(sources_server, client, tmp_path):
    with pytest.raises(SourceError) as caught:
        client.fetch(sources_server.url("missing"), tmp_path / "f")
    assert caught.value.status == 404
    assert str(caught.value) == f"{sources_server.url('missing')}: HTTP 404: Not Found"
    assert sources_server.count() == 1


def test_read_timeout_is_a_source_error(sources_server, tmp_path):
    sources_server.put("f", BODY, stall_seconds=30)
    with DownloadClient(timeouts=Timeouts(connect=2, read=0.2), retry=RetryPolicy(attempts=1)) as client:
        with pytest.raises(SourceError) as caught:
            client.fetch(sources_server.url("f"), tmp_path / "f")
    assert "read timeout" in caught.value.reason
    assert caught.value.status is None
    assert not part_path(tmp_path / "f").exists()


def test_connection_refused_is_a_source_error(tmp_path):
    import socket

    with socket.socket() as s:  # a port that nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with DownloadClient(retry=RetryPolicy(attempts=2, backoff=0.0)) as client:
        with pytest.raises(SourceError) as caught:
            client.fetch(f"http://127.0.0.1:{port}/x", tmp_path / "x")
    assert "cannot connect" in str(caught.value) and f"127.0.0.1:{port}/x" in str(caught.value)


def test_unusable_url_is_a_source_error(client, tmp_path):
    with pytest.raises(SourceError, match="not a usable URL"):
        client.fetch("ftp-ish:/nowhere", tmp_path / "x")


def test_redirects_are_followed(sources_server, client, tmp_path):
    sources_server.put("real", BODY)
    sources_server.put("alias", b"", redirect_to=sources_server.url("real"))
    result = client.fetch(sources_server.url("alias"), tmp_path / "f")
    assert result.changed and (tmp_path / "f").read_bytes() == BODY


def test_interrupt_during_download_removes_part_and_keeps_old(sources_server, client, tmp_path):
    sources_server.put("f", b"old")
    dest = tmp_path / "f"
    client.fetch(sources_server.url("f"), dest)
    sources_server.put("f", BODY, chunk_size=8192)

    def interrupting_sink(event: Event) -> None:
        if isinstance(event, DownloadProgress) and event.received > 0:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        client.fetch(sources_server.url("f"), dest, sink=interrupting_sink)
    assert dest.read_bytes() == b"old" and not part_path(dest).exists()
    assert HeaderInfo.parse(headers_path(dest).read_text()).content_length == "3"


def test_stale_part_from_a_killed_run_is_not_reused(sources_server, client, tmp_path):
    sources_server.put("f", BODY)
    part_path(tmp_path / "f").write_bytes(b"garbage from a killed run")
    client.fetch(sources_server.url("f"), tmp_path / "f")
    assert (tmp_path / "f").read_bytes() == BODY


def test_head_info_matches_genpack_format(sources_server):
    served = sources_server.put("f", BODY)
    info = head_info(sources_server.url("f"))
    assert info == f"Last-Modified:{served.last_modified} ETag:{served.etag} Content-Length:{len(BODY)}"
    assert sources_server.count("HEAD", "f") == 1


def test_module_level_fetch(sources_server, tmp_path):
    sources_server.put("f", b"data")
    assert fetch(sources_server.url("f"), tmp_path / "f").changed
    assert not fetch(sources_server.url("f"), Path(tmp_path / "f")).changed


def test_head_refused_falls_back_to_get_headers(sources_server):
    served = sources_server.put("f", BODY, refuse_head=True)
    assert head_info(sources_server.url("f")) == (
        f"Last-Modified:{served.last_modified} ETag:{served.etag} Content-Length:{len(BODY)}"
    )
    assert sources_server.count("HEAD", "f", 405) == 1 and sources_server.count("GET", "f", 200) == 1


def test_body_without_content_length(sources_server, client, tmp_path):
    served = sources_server.put("f", BODY, without_length=True)
    events: list[Event] = []
    result = client.fetch(sources_server.url("f"), tmp_path / "f", sink=events.append)
    assert (tmp_path / "f").read_bytes() == BODY
    assert result.info == f"Last-Modified:{served.last_modified} ETag:{served.etag} Content-Length:"
    assert all(e.total is None for e in events if isinstance(e, DownloadProgress))
    assert not client.fetch(sources_server.url("f"), tmp_path / "f").changed


def test_unwritable_destination_is_a_source_error(sources_server, client, tmp_path):
    sources_server.put("f", BODY)
    with pytest.raises(SourceError) as caught:
        client.fetch(sources_server.url("f"), tmp_path / "no-such-dir" / "f")
    assert "cannot write the download" in str(caught.value) and "no-such-dir" in str(caught.value)


def test_a_misplaced_partial_answer_restarts_the_download(sources_server, client, tmp_path):
    sources_server.put("f", BODY, misplaced_ranges=1)
    sources_server.drop("f", after_bytes=100_000, times=1)
    result = client.fetch(sources_server.url("f"), tmp_path / "f")
    assert result.changed and (tmp_path / "f").read_bytes() == BODY
    assert [r.status for r in sources_server.requests] == [200, 206, 200]
    assert "Range" not in sources_server.requests[-1].headers


def test_undecodable_body_is_a_source_error(sources_server, client, tmp_path):
    sources_server.put("f", b"this is not gzip data", content_encoding="gzip")
    with pytest.raises(SourceError, match="bad answer from the server"):
        client.fetch(sources_server.url("f"), tmp_path / "f")
    assert not (tmp_path / "f").exists() and not part_path(tmp_path / "f").exists()
