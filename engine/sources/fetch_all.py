"""Bring the three sources of a lower image up to date in genpack's work/ layout; all network is here.

    work/<arch>/stage3.tar.xz (+ .headers, + .check.json: which URL it is and whether DIGESTS matched)
    work/portage.tar.xz (+ .headers)
    work/genpack-overlay.tar.gz (+ .headers)
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from engine.events import EventSink, WarningEvent

from .atomic_file import read_text_or_none, write_text_atomic
from .errors import SourceError
from .header_info import HeaderInfo
from .http import DownloadClient, FetchResult, headers_path
from .identity import SourceIdentity, SourceRecord
from .locations import resolve_locations, snapshot_url
from .stage3 import Stage3Check, check_stage3, discover_latest_stage3


@dataclass(frozen=True)
class SourcePaths:
    stage3: Path
    portage: Path
    overlay: Path


def source_paths(work_dir: Path, arch: str) -> SourcePaths:
    return SourcePaths(
        stage3=work_dir / arch / "stage3.tar.xz",
        portage=work_dir / "portage.tar.xz",
        overlay=work_dir / "genpack-overlay.tar.gz",
    )


def check_path(stage3: Path) -> Path:
    return stage3.with_name(stage3.name + ".check.json")


def _read_check(stage3: Path) -> dict[str, object]:
    try:
        data = json.loads(read_text_or_none(check_path(stage3)) or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _ignore(_event: object) -> None:
    return None


def update_sources(
    work_dir: Path | str,
    arch: str,
    mirror: str | None = None,
    overlay_url: str | None = None,
    sink: EventSink | None = None,
    *,
    client: DownloadClient | None = None,
    offline: bool = False,
) -> SourceIdentity:
    """Download what changed on the mirror and return the identity of the files now in ``work_dir``.

    ``mirror``/``overlay_url`` None → environment or genpack's defaults. ``offline`` uses the files
    already present without any request (SourceError if one is missing).
    """
    work = Path(work_dir)
    paths = source_paths(work, arch)
    locations = resolve_locations(mirror, overlay_url)
    emit = sink or _ignore
    portage_url = snapshot_url(locations.mirror)
    if offline:
        return _identity_offline(paths, portage_url, locations.overlay_url)
    paths.stage3.parent.mkdir(parents=True, exist_ok=True)
    own_client = client is None
    http = client or DownloadClient()
    try:
        stage3 = _update_stage3(http, locations.mirror, arch, paths.stage3, emit)
        portage = http.fetch(portage_url, paths.portage, sink=emit)
        overlay = http.fetch(locations.overlay_url, paths.overlay, sink=emit)
    finally:
        if own_client:
            http.close()
    return SourceIdentity(
        stage3=stage3,
        portage=SourceRecord(url=portage_url, info=portage.info),
        overlay=SourceRecord(url=locations.overlay_url, info=overlay.info),
    )


def _update_stage3(client: DownloadClient, mirror: str, arch: str, dest: Path, emit: EventSink) -> SourceRecord:
    entry = discover_latest_stage3(client, mirror, arch)
    previous = _read_check(dest)
    # a different tarball name is a different file, whatever the headers say
    known = "" if previous and previous.get("url") != entry.url else None
    fetched: FetchResult = client.fetch(entry.url, dest, known_info=known, sink=emit)
    if not fetched.changed and previous.get("info") == fetched.info and previous.get("verified") is True:
        check = Stage3Check(sha512=str(previous["sha512"]), verified=True, digests_url=str(previous["digests_url"]))
    else:
        check = check_stage3(client, entry.url, dest)
        write_text_atomic(
            check_path(dest),
            json.dumps(
                {"url": entry.url, "info": fetched.info, "sha512": check.sha512, "verified": check.verified,
                 "digests_url": check.digests_url},
                indent=2,
            ) + "\n",
        )
    if not check.verified:
        emit(WarningEvent(message=f"stage3 not verified: the mirror has no {check.digests_url}", phase="lower"))
    return SourceRecord(url=entry.url, info=fetched.info, sha512=check.sha512, verified=check.verified)


def _stored_info(path: Path) -> str:
    if not path.is_file():
        raise SourceError(f"offline: {path} is missing; run once with network access first")
    info = HeaderInfo.parse(read_text_or_none(headers_path(path)))
    if info is None:
        raise SourceError(f"offline: {headers_path(path)} is missing or unreadable; run once with network access")
    return info.format()


def _identity_offline(paths: SourcePaths, portage_url: str, overlay_url: str) -> SourceIdentity:
    stage3_info = _stored_info(paths.stage3)
    check = _read_check(paths.stage3)
    if check.get("info") != stage3_info or not isinstance(check.get("url"), str):
        raise SourceError(f"offline: {check_path(paths.stage3)} does not describe {paths.stage3}; run with network")
    stage3 = SourceRecord(
        url=str(check["url"]), info=stage3_info, sha512=check.get("sha512"),  # type: ignore[arg-type]
        verified=check.get("verified") is True,
    )
    return SourceIdentity(
        stage3=stage3,
        portage=SourceRecord(url=portage_url, info=_stored_info(paths.portage)),
        overlay=SourceRecord(url=overlay_url, info=_stored_info(paths.overlay)),
    )
