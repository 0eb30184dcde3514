"""Gentoo ``.DIGESTS`` files: parsing (plain or PGP clear-signed) and checking a file against them.

Format: a ``# <ALGO> HASH`` line names the algorithm of the ``<hex>  <filename>`` lines that follow.
``parse_signed_digests`` reads the text a signature check recovered (engine/sources/openpgp.py);
``parse_digests`` is for a file nobody verified: it strips the armour, unchecked.
"""
from __future__ import annotations

import hashlib
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DigestMismatch, SourceError

# DIGESTS names → hashlib names; Gentoo's BLAKE2B is b2sum's 512-bit BLAKE2b (hashlib's default size)
ALGORITHMS = {"BLAKE2B": "blake2b", "SHA512": "sha512", "SHA256": "sha256", "SHA1": "sha1", "MD5": "md5"}
_ALGO_LINE = re.compile(r"^#\s*([A-Za-z0-9_-]+)\s+HASH\s*$")
_ENTRY_LINE = re.compile(r"^([0-9a-fA-F]+)\s+\*?(\S.*)$")
_BEGIN_SIGNED = "-----BEGIN PGP SIGNED MESSAGE-----"
_BEGIN_SIGNATURE = "-----BEGIN PGP SIGNATURE-----"


@dataclass(frozen=True)
class Digests:
    # file name → {hashlib algorithm name → lower-case hex}
    entries: dict[str, dict[str, str]] = field(default_factory=dict)

    def for_file(self, filename: str) -> dict[str, str]:
        return dict(self.entries.get(filename, {}))


def _unarmour(lines: list[str]) -> list[str]:
    if _BEGIN_SIGNED not in lines:
        return lines
    start = lines.index(_BEGIN_SIGNED) + 1
    while start < len(lines) and lines[start] != "":  # armour headers ("Hash: SHA512") end at a blank line
        start += 1
    body = []
    for line in lines[start + 1:]:
        if line == _BEGIN_SIGNATURE:
            break
        body.append(line[2:] if line.startswith("- ") else line)  # RFC 4880 dash-escaping
    return body


def parse_digests(text: str) -> Digests:
    return _parse_lines(_unarmour([line.rstrip() for line in text.splitlines()]))


def parse_signed_digests(signed_text: str) -> Digests:
    """The entries of the signed text itself: it has no armour, and an armour line in it is just text."""
    return _parse_lines([line.rstrip() for line in signed_text.splitlines()])


def _parse_lines(lines: list[str]) -> Digests:
    entries: dict[str, dict[str, str]] = {}
    algorithm: str | None = None
    for line in lines:
        header = _ALGO_LINE.match(line)
        if header:
            algorithm = ALGORITHMS.get(header.group(1).upper())  # unknown (e.g. WHIRLPOOL): skip its lines
            continue
        if not line or line.startswith("#") or algorithm is None:
            continue
        entry = _ENTRY_LINE.match(line.strip())
        if entry:
            name = entry.group(2).strip().rsplit("/", 1)[-1]
            entries.setdefault(name, {})[algorithm] = entry.group(1).lower()
    return Digests(entries)


def file_hashes(path: Path, algorithms: set[str]) -> dict[str, str]:
    """Hex digests of ``path`` for every hashlib algorithm named, in one read.

    hashlib releases the GIL on large buffers, so with several algorithms each gets a thread.
    """
    hashers = [hashlib.new(name) for name in sorted(algorithms)]
    with open(path, "rb") as f, ThreadPoolExecutor(max_workers=max(1, len(hashers) - 1)) as pool:
        while chunk := f.read(4 * 1024 * 1024):
            others = [pool.submit(h.update, chunk) for h in hashers[1:]]
            hashers[0].update(chunk)
            for job in others:
                job.result()
    return {h.name: h.hexdigest() for h in hashers}


def verify_file(path: Path, filename: str, digests: Digests, *, digests_url: str) -> dict[str, str]:
    """Check ``path`` against every listed digest of ``filename``; returns computed hashes (sha512 always).

    Raises SourceError when the file is not listed, DigestMismatch when a digest differs.
    """
    expected = digests.for_file(filename)
    if not expected:
        raise SourceError(f"lists no digest for {filename}", url=digests_url)
    computed = file_hashes(path, set(expected) | {"sha512"})
    for algorithm, want in sorted(expected.items()):
        if computed[algorithm] != want:
            raise DigestMismatch(
                f"{filename} does not match its {algorithm.upper()} digest "
                f"(expected {want[:16]}…, got {computed[algorithm][:16]}…)",
                url=digests_url,
            )
    return computed
