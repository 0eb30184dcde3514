"""Bring the three sources of a lower image up to date in genpack's work/ layout; all network is here.

    work/<arch>/stage3.tar.xz          (+ .headers as genpack, + .content.json: URL, sha512, DIGESTS and
                                        signature verdict)
    work/portage.tar.xz                (+ .headers, + .content.json: also its MD5 and signature verdict)
    work/genpack-overlay.tar.gz        (+ .headers, + .content.json)
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TypeVar

from genpack_tui.engine.events import EventSink, WarningEvent

from .atomic_file import make_dirs, read_text_or_none, remove_file
from .content_record import ContentRecord, content_record_path, read_content_record, write_content_record
from .digests import file_hashes
from .errors import DigestMismatch, SourceError
from .header_info import HeaderInfo
from .http import DownloadClient, FetchResult, headers_path
from .identity import SourceIdentity, SourceRecord
from .keyring import Keyring, no_keyring_hint, resolve_keyring
from .locations import resolve_locations, snapshot_url
from .snapshot_check import SnapshotCheck, check_snapshot
from .stage3 import Stage3Check, check_stage3, discover_latest_stage3, stage3_filename

_Check = TypeVar("_Check")


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
    keyring: str | None = None,
    client: DownloadClient | None = None,
    offline: bool = False,
) -> SourceIdentity:
    """Download what changed on the mirror and return the identity of the files now in ``work_dir``.

    ``mirror``/``overlay_url`` None → environment or genpack's defaults; ``keyring`` None →
    ``GENPACK_KEYRING``, else the Gentoo release key when this host has it, else no signature checks
    (a warning). A download that fails its checks never replaces the cached copy. ``offline`` uses
    the files already present without any request (SourceError if one is missing).
    """
    paths = source_paths(Path(work_dir), arch)
    if offline:
        return SourceIdentity(
            stage3=_offline_record(paths.stage3),
            portage=_offline_record(paths.portage),
            overlay=_offline_record(paths.overlay),
        )
    locations = resolve_locations(mirror, overlay_url)
    trusted = resolve_keyring(keyring)
    portage_url = snapshot_url(locations.mirror)
    emit: EventSink = sink or (lambda _event: None)
    make_dirs(paths.stage3.parent)
    http = client or DownloadClient()
    try:
        stage3 = _update_stage3(http, locations.mirror, arch, paths.stage3, trusted, emit)
        portage = _update_snapshot(http, portage_url, paths.portage, trusted, emit)
        overlay = _content(
            paths.overlay, locations.overlay_url, http.fetch(locations.overlay_url, paths.overlay, sink=emit)
        )
    finally:
        if client is None:
            http.close()
    return SourceIdentity(stage3=stage3, portage=portage, overlay=overlay)


def _reusable(previous: ContentRecord | None, fetched: FetchResult) -> bool:
    return previous is not None and not fetched.changed and previous.info == fetched.info


def _still_trusted(record: ContentRecord, keyring: Keyring | None) -> bool:
    """A cached verdict holds unless a keyring now asks for a signature check it did not have."""
    if not record.verified:
        return False
    return keyring is None or (record.signed_by is not None and record.keyring == keyring.digest)


def _discard(path: Path) -> None:
    """A cached file that does not match its digests goes with its identity, so the next run downloads
    again. (One whose signature cannot be checked stays: the keyring may be what is wrong.)"""
    remove_file(path)
    remove_file(headers_path(path))
    remove_file(content_record_path(path))


def _checked(path: Path, check: Callable[[Path], _Check]) -> _Check:
    try:
        return check(path)
    except DigestMismatch:
        _discard(path)
        raise


def _content(path: Path, url: str, fetched: FetchResult) -> SourceRecord:
    previous = read_content_record(path)
    if previous is not None and _reusable(previous, fetched):
        return SourceRecord(url=url, info=fetched.info, sha512=previous.sha512)
    sha512 = file_hashes(path, {"sha512"})["sha512"]
    write_content_record(path, ContentRecord(url=url, info=fetched.info, sha512=sha512))
    return SourceRecord(url=url, info=fetched.info, sha512=sha512)


def _update_stage3(
    client: DownloadClient, mirror: str, arch: str, dest: Path, keyring: Keyring | None, emit: EventSink
) -> SourceRecord:
    entry = discover_latest_stage3(client, mirror, arch)
    previous = read_content_record(dest)
    # a new release has a new file name; the headers of a same-sized file on another server prove nothing
    renamed = previous is not None and stage3_filename(previous.url) != stage3_filename(entry.url)
    checks: list[Stage3Check] = []
    fetched = client.fetch(entry.url, dest, known_info="" if renamed else None, sink=emit,
                           check=lambda part: checks.append(check_stage3(client, entry.url, part, keyring=keyring)))
    same = previous if _reusable(previous, fetched) else None
    if not checks and same is not None and _still_trusted(same, keyring):
        record = same
    else:  # new, never verified, or not yet with this keyring: check (again) against the mirror's digests
        check = checks[0] if checks else _checked(dest, lambda path: check_stage3(
            client, entry.url, path, keyring=keyring, known_sha512=same.sha512 if same else None))
        record = ContentRecord(
            url=entry.url, info=fetched.info, sha512=check.sha512, verified=check.verified,
            digests_url=check.digests_url, signed_by=check.signed_by,
            keyring=keyring.digest if keyring is not None and check.signed_by else None,
        )
        write_content_record(dest, record)
    if not record.verified:
        emit(WarningEvent(
            message=f"stage3 not verified: the mirror publishes no digests for it ({record.digests_url}: not found)",
            phase="lower",
        ))
    elif record.signed_by is None:
        emit(WarningEvent(
            message=f"stage3 not verified: no OpenPGP keyring, so the signature of {record.digests_url} was "
                    f"not checked ({no_keyring_hint()})",
            phase="lower",
        ))
    return SourceRecord(url=entry.url, info=fetched.info, sha512=record.sha512, verified=record.verified)


def _update_snapshot(
    client: DownloadClient, url: str, dest: Path, keyring: Keyring | None, emit: EventSink
) -> SourceRecord:
    previous = read_content_record(dest)
    checks: list[SnapshotCheck] = []
    fetched = client.fetch(url, dest, sink=emit,
                           check=lambda part: checks.append(check_snapshot(client, url, part, keyring)))
    same = previous if _reusable(previous, fetched) else None
    if not checks and same is not None and _still_trusted(same, keyring):
        record = same
    else:
        check = checks[0] if checks else _checked(dest, lambda path: check_snapshot(client, url, path, keyring))
        record = ContentRecord(
            url=url, info=fetched.info, sha512=check.sha512, verified=check.verified,
            digests_url=check.digest_url, signed_by=check.signed_by,
            keyring=keyring.digest if keyring is not None and check.signed_by else None,
        )
        write_content_record(dest, record)
    if not record.verified:
        emit(WarningEvent(
            message=f"portage snapshot not verified: the mirror publishes no digest for it "
                    f"({record.digests_url}: not found)",
            phase="lower",
        ))
    return SourceRecord(url=url, info=fetched.info, sha512=record.sha512)


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
