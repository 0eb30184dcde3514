"""Download progress events: emitted while the body arrives, at most ~10 a second, ending at the full size."""
from __future__ import annotations

import os

from genpack_tui.engine.events import DownloadFinished, DownloadProgress, Event
from genpack_tui.engine.sources.http import DownloadClient
from genpack_tui.engine.sources.progress import ProgressThrottle


def test_throttle_allows_one_event_per_interval():
    now = [100.0]
    throttle = ProgressThrottle(1.0, clock=lambda: now[0])  # binary-exact steps: no float drift
    decisions = []
    for _ in range(20):  # 20 chunks arriving every 0.25 s
        decisions.append(throttle.due())
        now[0] += 0.25
    assert [i for i, d in enumerate(decisions) if d] == [0, 4, 8, 12, 16]


def test_slow_download_emits_throttled_monotonic_progress(sources_server, tmp_path):
    body = os.urandom(256 * 1024)
    sources_server.put("slow", body, chunk_size=4096, chunk_delay=0.004)  # 64 chunks over ~0.3 s
    events: list[Event] = []
    with DownloadClient() as client:
        client.fetch(sources_server.url("slow"), tmp_path / "slow", sink=events.append)
    progress = [e for e in events if isinstance(e, DownloadProgress)]
    received = [e.received for e in progress]
    assert received == sorted(received) and received[-1] == len(body)
    assert all(e.total == len(body) and e.url == sources_server.url("slow") for e in progress)
    assert 2 <= len(progress) < 64 // 2
    gaps = [b.ts - a.ts for a, b in zip(progress[:-2], progress[1:-1], strict=True)]  # the last one is forced
    assert all(gap >= 0.09 for gap in gaps), gaps
    assert isinstance(events[-1], DownloadFinished) and events[-1].size == len(body)
