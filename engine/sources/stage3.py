"""Finding the latest stage3 the way genpack does, and checking a downloaded one against its (signed) DIGESTS."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .digests import Digests, file_hashes, parse_digests, parse_signed_digests, verify_file
from .errors import SourceError
from .http import DownloadClient
from .keyring import Keyring
from .locations import STAGE3_VARIANT, autobuilds_url, digests_urls, stage3_list_url
from .openpgp import signed_message_count, verify_clearsigned, verify_detached

_BEGIN_SIGNED = "-----BEGIN PGP SIGNED MESSAGE-----"
_BEGIN_SIGNATURE = "-----BEGIN PGP SIGNATURE-----"


@dataclass(frozen=True)
class Stage3Entry:
    url: str
    size: int | None  # as announced by the list; informational


@dataclass(frozen=True)
class StageDigests:
    digests: Digests
    url: str  # the file the entries came from
    signed_by: str | None  # fingerprint of the key whose good signature covers them; None: not checked


@dataclass(frozen=True)
class Stage3Check:
    sha512: str
    verified: bool  # False: the mirror publishes no DIGESTS for it, so it was not checked
    digests_url: str
    signed_by: str | None = None  # the DIGESTS' signing key; None: the signature was not checked


def parse_latest_list(text: str, *, autobuilds: str, list_url: str) -> Stage3Entry:
    """genpack's state machine over ``latest-stage3-*.txt``.

    Only a PGP-signed list is accepted (the signature itself is not checked, as in genpack): skip to
    the BEGIN line, skip the armour headers up to a blank line, then the first ``<path> <size>`` line of
    the body (``#`` comments and blank lines ignored) names the tarball relative to ``autobuilds``.
    """
    state = "before"
    signed = False
    for raw in text.splitlines():
        line = raw.rstrip()
        if state == "before":
            if line == _BEGIN_SIGNED:
                state, signed = "header", True
            continue
        if state == "header":
            if line == "":
                state = "body"
            continue
        if line == _BEGIN_SIGNATURE:
            break
        tokens = re.sub(r"#.*$", "", line.strip()).split()
        if len(tokens) >= 2:
            size = int(tokens[1]) if tokens[1].isdigit() else None
            return Stage3Entry(url=autobuilds + tokens[0], size=size)
    if not signed:
        reason = "not a PGP-signed stage3 list (no '-----BEGIN PGP SIGNED MESSAGE-----' line)"
    else:
        reason = "the signed stage3 list names no tarball (expected a '<path> <size>' line)"
    raise SourceError(reason, url=list_url)


def discover_latest_stage3(
    client: DownloadClient, mirror: str, machine: str, stage3_variant: str = STAGE3_VARIANT
) -> Stage3Entry:
    list_url = stage3_list_url(mirror, machine, stage3_variant)
    text = client.get_text(list_url)
    assert text is not None
    return parse_latest_list(text, autobuilds=autobuilds_url(mirror, machine), list_url=list_url)


def stage3_filename(stage3_url: str) -> str:
    return unquote(urlsplit(stage3_url).path.rsplit("/", 1)[-1])


def fetch_stage3_digests(client: DownloadClient, stage3_url: str, keyring: Keyring | None) -> StageDigests | None:
    """The stage3's DIGESTS: ``<stage3>.DIGESTS`` (clear-signed since 2023), else the older ``.DIGESTS.asc``
    (clear-signed, or a detached signature of ``.DIGESTS``).

    With a keyring only signed entries count, and a missing or bad signature is a SourceError.
    Without one the armour is stripped unchecked; None when the mirror has no DIGESTS at all.
    """
    name = stage3_filename(stage3_url)
    what = f"the DIGESTS of {name}"
    first_url, older_url = digests_urls(stage3_url)
    first = client.get_bytes(first_url, missing_ok=True)
    if keyring is None:
        if first is not None:
            return StageDigests(parse_digests(_text(first)), first_url, None)
        older = client.get_bytes(older_url, missing_ok=True)
        return None if older is None else StageDigests(parse_digests(_text(older)), older_url, None)
    if first is not None and signed_message_count(first):
        good = verify_clearsigned(first, keyring, what=what, url=first_url)
        return StageDigests(parse_signed_digests(_text(good.signed)), first_url, good.fingerprint)
    older = client.get_bytes(older_url, missing_ok=True)
    if older is not None and signed_message_count(older):
        good = verify_clearsigned(older, keyring, what=what, url=older_url)
        return StageDigests(parse_signed_digests(_text(good.signed)), older_url, good.fingerprint)
    if older is not None and first is not None:
        good = verify_detached(older, first, keyring, what=what, url=older_url)
        return StageDigests(parse_signed_digests(_text(first)), first_url, good.fingerprint)
    if first is not None:
        raise SourceError(f"{what} is not signed and the mirror has no {older_url.rsplit('/', 1)[-1]}, so "
                          f"it cannot be checked with {keyring.describe()}", url=first_url)
    raise SourceError(f"the mirror publishes no DIGESTS for {name} (nor .DIGESTS.asc), so the stage3 cannot "
                      f"be checked with {keyring.describe()}", url=first_url)


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def check_stage3(
    client: DownloadClient,
    stage3_url: str,
    path: Path,
    *,
    keyring: Keyring | None = None,
    known_sha512: str | None = None,
) -> Stage3Check:
    """Check the file at ``path`` (a download not yet in place, or the cached copy) against the
    stage3's DIGESTS (``fetch_stage3_digests``); raises SourceError on a mismatch or a bad signature.

    No DIGESTS on the mirror (404) and no keyring → not verified, only hashed (unless ``known_sha512``
    is given). The caller decides what happens to a file that failed.
    """
    found = fetch_stage3_digests(client, stage3_url, keyring)
    if found is None:
        sha512 = known_sha512 or file_hashes(path, {"sha512"})["sha512"]
        return Stage3Check(sha512=sha512, verified=False, digests_url=digests_urls(stage3_url)[0])
    computed = verify_file(path, stage3_filename(stage3_url), found.digests, digests_url=found.url)
    return Stage3Check(sha512=computed["sha512"], verified=True, digests_url=found.url, signed_by=found.signed_by)
