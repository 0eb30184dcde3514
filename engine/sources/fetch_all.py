"""Bring the three sources of a lower image up to date in genpack's work/ layout; all network is here.

    work/<arch>/stage3.tar.xz          (+ .headers as genpack, + .content.json: URL, sha512, DIGESTS verdict)
    work/portage.tar.xz                (+ .headers, + .content.json)
    work/genpack-overlay.tar.gz        (+ .headers, + .content.json)
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from genpack_tui.engine.events import EventSink, WarningEvent

from .atomic_file import make_dirs, read_text_or_none
from .content_record import ContentRecord, content_record_path, read_content_record, write_content_record
from .digests import file_hashes
from .errors import SourceError
from .header_info import HeaderInfo
from .http import DownloadClient, FetchResult, headers_path
from .identity import SourceIdentity, SourceRecord
from .locations import resolve_locations, snapshot_url
from .stage3 import check_stage3, discover_latest_stage3, stage3_filename


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
    paths = source_paths(Path(work_dir), arch)
    if offline:
        return SourceIdentity(
            stage3=_offline_record(paths.stage3),
            portage=_offline_record(paths.portage),
            overlay=_offline_record(paths.overlay),
        )
    locations = resolve_locations(mirror, overlay_url)
    portage_url = snapshot_url(locations.mirror)
    emit: EventSink = sink or (lambda _event: None)
    make_dirs(paths.stage3.parent)
    http = client or DownloadClient()
    try:
        stage3 = _update_stage3(http, locations.mirror, arch, paths.stage3, emit)
        portage = _content(paths.portage, portage_url, http.fetch(portage_url, paths.portage, sink=emit))
        overlay = _content(
            paths.overlay, locations.overlay_url, http.fetch(locations.overlay_url, paths.overlay, sink=emit)
        )
    finally:
        if client is None:
            http.close()
    return SourceIdentity(stage3=stage3, portage=portage, overlay=overlay)


def _reusable(previous: ContentRecord | None, fetched: FetchResult) -> bool:
    return previous is not None and not fetched.changed and previous.info == fetched.info


def _content(path: Path, url: str, fetched: FetchResult) -> SourceRecord:
    previous = read_content_record(path)
    if previous is not None and _reusable(previous, fetched):
        return SourceRecord(url=url, info=fetched.info, sha512=previous.sha512)
    sha512 = file_hashes(path, {"sha512"})["sha512"]
    write_content_record(path, ContentRecord(url=url, info=fetched.info, sha512=sha512))
    return SourceRecord(url=url, info=fetched.info, sha512=sha512)


def _update_stage3(client: DownloadClient, mirror: str, arch: str, dest: Path, emit: EventSink) -> SourceRecord:
    entry = discover_latest_stage3(client, mirror, arch)
    previous = read_content_record(dest)
    # a new release has a new file name; the headers of a same-sized file on another server prove nothing
    renamed = previous is not None and stage3_filename(previous.url) != stage3_filename(entry.url)
    fetched = client.fetch(entry.url, dest, known_info="" if renamed else None, sink=emit)
    same = previous if _reusable(previous, fetched) else None
    if same is not None and same.verified:
        record = same
    else:  # new, or never verified: look for the mirror's digests (again)
        check = check_stage3(client, entry.url, dest, known_sha512=same.sha512 if same else None)
        record = ContentRecord(
            url=entry.url, info=fetched.info, sha512=check.sha512, verified=check.verified,
            digests_url=check.digests_url,
        )
        write_content_record(dest, record)
    if not record.verified:
        emit(WarningEvent(
            message=f"stage3 not verified: the mirror publishes no digests for it ({record.digests_url}: not found)",
            phase="lower",
        ))
    return SourceRecord(url=entry.url, info=fetched.info, sha512=record.sha512, verified=record.verified)


def _offline_record(path: Path) -> SourceRecord:
    if not path.is_file():
        raise SourceError(f"offline: {path} is missing; run once with network access first")
    info = HeaderInfo.parse(read_text_or_none(headers_path(path)))
    record = read_content_record(path)
    if info is None or record is None or record.info != info.format():
        raise SourceError(
            f"offline: {content_record_path(path)} does not describe {path}; run once with network access"
        )
    return SourceRecord(url=record.url, info=record.info, sha512=record.sha512, verified=record.verified)
