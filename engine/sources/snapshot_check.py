"""Checking a Portage snapshot against what the mirror publishes beside it, as Gentoo does:
``portage-latest.tar.xz.md5sum`` (its MD5) and ``portage-latest.tar.xz.gpgsig`` (a detached signature).

With a keyring the signature must be there and good; the MD5, when published, must match either way.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .digests import file_hashes
from .errors import DigestMismatch, SourceError
from .http import DownloadClient
from .keyring import Keyring
from .openpgp import verify_detached

_MD5_LINE = re.compile(r"^([0-9a-fA-F]{32})\s+\*?(\S+)$")
WHAT = "the Portage snapshot"


@dataclass(frozen=True)
class SnapshotCheck:
    sha512: str
    verified: bool  # matched its published MD5 or signature
    signed_by: str | None  # the signing key's fingerprint; None: the signature was not checked
    digest_url: str


def md5sum_url(snapshot_url: str) -> str:
    return snapshot_url + ".md5sum"


def signature_url(snapshot_url: str) -> str:
    return snapshot_url + ".gpgsig"


def parse_md5sum(text: str, filename: str, url: str) -> str:
    """The MD5 for ``filename``. Gentoo's file names the dated snapshot (``portage-20260101.tar.xz``)
    behind the ``-latest`` link, so a file with a single entry gives that entry."""
    entries = [m.groups() for m in (_MD5_LINE.match(line.strip()) for line in text.splitlines()) if m]
    if not entries:
        raise SourceError("not an md5sum file (expected a '<32 hex digits>  <file name>' line)", url=url)
    if len(entries) == 1:
        return entries[0][0].lower()
    for digest, name in entries:
        if name.rsplit("/", 1)[-1] == filename:
            return digest.lower()
    raise SourceError(f"lists {len(entries)} files, none of them {filename}", url=url)


def check_snapshot(client: DownloadClient, snapshot_url: str, path: Path, keyring: Keyring | None) -> SnapshotCheck:
    """Check the snapshot at ``path`` (a download not yet in place, or the cached copy); SourceError
    when a published digest differs or, with a keyring, the signature is missing or bad."""
    digest_url = md5sum_url(snapshot_url)
    text = client.get_text(digest_url, missing_ok=True)
    computed = file_hashes(path, {"sha512"} if text is None else {"md5", "sha512"})
    if text is not None:
        filename = unquote(urlsplit(snapshot_url).path.rsplit("/", 1)[-1])
        want = parse_md5sum(text, filename, digest_url)
        if computed["md5"] != want:
            raise DigestMismatch(f"{WHAT} does not match its MD5 digest (expected {want}, got {computed['md5']})",
                              url=digest_url)
    signed_by = None
    if keyring is not None:
        sig_url = signature_url(snapshot_url)
        signature = client.get_bytes(sig_url, missing_ok=True)
        if signature is None:
            raise SourceError(f"the mirror publishes no signature (.gpgsig) for {WHAT}, so it cannot be checked "
                              f"with {keyring.describe()}", url=sig_url)
        signed_by = verify_detached(signature, path, keyring, what=WHAT, url=sig_url).fingerprint
    return SnapshotCheck(sha512=computed["sha512"], verified=text is not None or signed_by is not None,
                         signed_by=signed_by, digest_url=digest_url)
