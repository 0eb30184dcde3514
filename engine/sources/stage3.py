"""Finding the latest stage3 the way genpack does, and checking a downloaded one against its DIGESTS."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .atomic_file import remove_file
from .content_record import content_record_path
from .digests import file_hashes, parse_digests, verify_file
from .errors import SourceError
from .http import DownloadClient, headers_path
from .locations import STAGE3_VARIANT, autobuilds_url, digests_urls, stage3_list_url

_BEGIN_SIGNED = "-----BEGIN PGP SIGNED MESSAGE-----"
_BEGIN_SIGNATURE = "-----BEGIN PGP SIGNATURE-----"


@dataclass(frozen=True)
class Stage3Entry:
    url: str
    size: int | None  # as announced by the list; informational


@dataclass(frozen=True)
class Stage3Check:
    sha512: str
    verified: bool  # False: the mirror publishes no DIGESTS for it, so it was not checked
    digests_url: str


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


def check_stage3(
    client: DownloadClient, stage3_url: str, path: Path, *, known_sha512: str | None = None
) -> Stage3Check:
    """Verify ``path`` against ``<stage3_url>.DIGESTS`` (or the older ``.DIGESTS.asc``).

    No DIGESTS on the mirror (404) → not verified, only hashed (unless ``known_sha512`` is given). A mismatch deletes ``path`` with its
    ``.headers`` and ``.content.json`` (so the next run downloads again) and raises SourceError.
    """
    candidates = digests_urls(stage3_url)
    for url in candidates:
        text = client.get_text(url, missing_ok=True)
        if text is not None:
            break
    else:
        sha512 = known_sha512 or file_hashes(path, {"sha512"})["sha512"]
        return Stage3Check(sha512=sha512, verified=False, digests_url=candidates[0])
    try:
        computed = verify_file(path, stage3_filename(stage3_url), parse_digests(text), digests_url=url)
    except SourceError:
        remove_file(path)
        remove_file(headers_path(path))
        remove_file(content_record_path(path))
        raise
    return Stage3Check(sha512=computed["sha512"], verified=True, digests_url=url)
