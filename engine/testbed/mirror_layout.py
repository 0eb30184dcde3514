"""Where files live on a Gentoo mirror and in a GitHub branch archive, and the small text files
(latest-stage3 pointer, DIGESTS, the snapshot's md5sum) a mirror publishes next to a stage3 and a snapshot."""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path

from . import recipe

AUTOBUILDS = f"releases/{recipe.STAGE3_ARCH}/autobuilds"
LATEST_STAGE3 = f"{AUTOBUILDS}/latest-stage3-{recipe.STAGE3_ARCH}-systemd.txt"
SNAPSHOT = "snapshots/portage-latest.tar.xz"
SNAPSHOT_MD5SUM = SNAPSHOT + ".md5sum"
SNAPSHOT_SIGNATURE = SNAPSHOT + ".gpgsig"
OVERLAY = "genpack-overlay/archive/refs/heads/main.tar.gz"

# Test double: the real list is signed with Gentoo's release key; nobody verifies it (genpack does
# not, and the signed DIGESTS are what is checked), so the block only has the right shape.
_DUMMY_SIGNATURE = (
    "iQIzBAEBCgAdFiEEdGVzdGJlZC1kdW1teS1zaWduYXR1cmUAAAAACgkQdGVzdGJl",
    "ZC1kdW1teSBzaWduYXR1cmUgb2YgdGhlIGdlbnBhY2stdHVpIHRlc3QgYmVkLCBu",
    "b3QgYSByZWFsIE9wZW5QR1Agc2lnbmF0dXJlLg==",
    "=TeSt",
)


def stage3_path(stage3_name: str, timestamp: str) -> str:
    return f"{AUTOBUILDS}/{timestamp}/{stage3_name}"


def latest_stage3_text(stage3_name: str, timestamp: str, size: int, now: datetime | None = None) -> str:
    now = now or datetime.now(timezone.utc)
    lines = [
        "-----BEGIN PGP SIGNED MESSAGE-----",
        "Hash: SHA512",
        "",
        f"# Latest as of {now.strftime('%a, %d %b %Y %H:%M:%S +0000')}",
        f"# ts={int(now.timestamp())}",
        f"{timestamp}/{stage3_name} {size}",
        "-----BEGIN PGP SIGNATURE-----",
        "",
        *_DUMMY_SIGNATURE,
        "-----END PGP SIGNATURE-----",
    ]
    return "\n".join(lines) + "\n"


def digests_text(file: Path) -> str:
    """Gentoo's DIGESTS format: a ``# <ALGO> HASH`` line, then ``<hex>  <file name>``."""
    blake2b, sha512 = hashlib.blake2b(), hashlib.sha512()
    with open(file, "rb") as f:
        while chunk := f.read(1 << 20):
            blake2b.update(chunk)
            sha512.update(chunk)
    return (f"# BLAKE2B HASH\n{blake2b.hexdigest()}  {file.name}\n"
            f"# SHA512 HASH\n{sha512.hexdigest()}  {file.name}\n")


def md5sum_text(snapshot: Path) -> str:
    """Gentoo's ``portage-latest.tar.xz.md5sum``: one ``<md5>  <dated snapshot name>`` line."""
    md5 = hashlib.md5()
    with open(snapshot, "rb") as f:
        while chunk := f.read(1 << 20):
            md5.update(chunk)
    return f"{md5.hexdigest()}  portage-{datetime.now(timezone.utc).strftime('%Y%m%d')}.tar.xz\n"
