"""Using a binhost (``--binhost URL``, else ``GENPACK_BINHOST``): Portage's own remote binary packages.

The lower image gets a ``binrepos.conf`` entry for the URL and emerge runs with ``--getbinpkg``
(engine/build/emerge_commands.py). The URL is written into a Portage configuration file, so only a
plain http(s) URL is taken (no whitespace, no control characters). Before emerge the index is probed
with a bounded timeout: a binhost that does not answer is a warning, and the build goes on from
the local cache and source.
"""
from __future__ import annotations

import os
import re
import socket
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

BINHOST_ENV = "GENPACK_BINHOST"
REPO_NAME = "genpack-binhost"
PROBE_TIMEOUT = 5.0  # seconds for the index probe: connect and first bytes
_PLAIN = re.compile(r"[!-~]+")  # printable ASCII, no spaces


class BinhostError(ValueError):
    """The binhost URL cannot be used; the message names where it came from."""


@dataclass(frozen=True)
class Binhost:
    url: str  # ends with "/"
    origin: str  # "--binhost" or "GENPACK_BINHOST"

    @property
    def index_url(self) -> str:
        return self.url + "Packages"

    def binrepos_conf(self) -> str:
        # verify-signature: a genpack binhost serves the unsigned gpkgs of a build host's cache;
        # Portage still checks each package against the index's size and digests (docs/binhost.md)
        return (f"# written by genpack-tui for {self.origin}; removed when the build has no binhost\n"
                f"[{REPO_NAME}]\npriority = 10\nsync-uri = {self.url}\nverify-signature = false\n")


def chosen_binhost(option: str | None, environ: Mapping[str, str] | None = None) -> Binhost | None:
    """The binhost of ``--binhost`` (``option``), else of ``GENPACK_BINHOST``, else None."""
    env = os.environ if environ is None else environ
    if option:
        return parse_binhost(option, "--binhost")
    value = env.get(BINHOST_ENV, "")
    return parse_binhost(value, BINHOST_ENV) if value else None


def parse_binhost(value: str, origin: str) -> Binhost:
    if not _PLAIN.fullmatch(value):
        raise BinhostError(f"{origin} {value!r}: expected an http:// or https:// URL without spaces or "
                           "control characters")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BinhostError(f"{origin} {value!r}: expected an http:// or https:// URL with a host")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise BinhostError(f"{origin} {value!r}: expected a URL without query, fragment or credentials")
    return Binhost(url=value if value.endswith("/") else value + "/", origin=origin)


def probe(binhost: Binhost, timeout: float = PROBE_TIMEOUT) -> str | None:
    """None when the binhost answers for its ``Packages`` index, else why not (for the warning)."""
    request = urllib.request.Request(binhost.index_url, method="HEAD")
    try:
        with urllib.request.urlopen(request, timeout=timeout):
            return None
    except urllib.error.HTTPError as exc:
        return f"{binhost.index_url} answered {exc.code} {exc.reason}"
    except (urllib.error.URLError, socket.timeout, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"{binhost.index_url} is unreachable ({reason})"
