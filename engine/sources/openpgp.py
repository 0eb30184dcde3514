"""OpenPGP signature checks with gpgv: a clear-signed text, or a detached signature of a file.

gpgv runs from an argv list (no shell) with a throwaway home directory and only the given keys, so
nothing the user's own GnuPG trusts counts, and nothing is written outside a temporary directory.
The verdict comes from gpgv's machine-readable status lines, never from its wording. A clear-signed
file yields the text gpgv says was signed: anything around the signed block is dropped, not trusted.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import SourceError
from .keyring import Keyring

GPGV = "gpgv"
BEGIN_SIGNED = b"-----BEGIN PGP SIGNED MESSAGE-----"
_STATUS = "[GNUPG:] "
_TIMEOUT = 600  # a detached check hashes the whole file (a stage3 is a few hundred MB)


@dataclass(frozen=True)
class GoodSignature:
    fingerprint: str  # of the primary key that made the signature
    signed: bytes  # clear-signed input: the signed text exactly as recovered by gpgv; detached: b""


def signed_message_count(text: bytes) -> int:
    return sum(line.rstrip(b"\r") == BEGIN_SIGNED for line in text.split(b"\n"))


def _gpgv_argv(home: Path, keyring: Path) -> list[str]:
    program = shutil.which(GPGV)
    if program is None:
        raise SourceError(f"cannot check OpenPGP signatures: {GPGV} is not installed (Debian package gpgv)")
    return [program, "--homedir", str(home), "--keyring", str(keyring), "--status-fd", "1"]


def _verdict(status: str, keyring: Keyring, what: str, url: str) -> str:
    """The signing key's fingerprint when every signature is good; else a SourceError in words."""
    lines = [line[len(_STATUS):].split() for line in status.splitlines() if line.startswith(_STATUS)]
    seen = {words[0]: words[1:] for words in lines if words}

    def keyid(name: str) -> str:
        return (seen[name] or ["?"])[0]

    where = keyring.describe()
    if "BADSIG" in seen:
        reason = f"BAD signature by key {keyid('BADSIG')}: {what} was changed after it was signed"
    elif "NO_PUBKEY" in seen:
        reason = f"{what} is signed by key {keyid('NO_PUBKEY')}, which is not in {where}"
    elif "EXPKEYSIG" in seen:
        reason = f"{what} is signed by key {keyid('EXPKEYSIG')}, which has expired in {where} (update the keyring)"
    elif "REVKEYSIG" in seen:
        reason = f"{what} is signed by key {keyid('REVKEYSIG')}, which is revoked in {where}"
    elif "EXPSIG" in seen:
        reason = f"the signature of {what} has expired"
    elif "ERRSIG" in seen:
        reason = f"the signature of {what} by key {keyid('ERRSIG')} cannot be checked with {where}"
    elif "NEWSIG" not in seen or "NODATA" in seen:
        reason = f"{what} carries no OpenPGP signature"
    else:
        signatures = sum(words[0] == "NEWSIG" for words in lines)
        good = [words for words in lines if words[0] == "VALIDSIG"]
        if len(good) != signatures or sum(words[0] == "GOODSIG" for words in lines) != signatures:
            reason = f"not every signature of {what} is good"
        else:
            return good[0][-1] if len(good[0]) >= 10 else good[0][0]  # the primary key's, when given
    raise SourceError(reason, url=url)


def _run(argv: list[str], keyring: Keyring, what: str, url: str) -> str:
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise SourceError(f"checking the signature of {what} took longer than {_TIMEOUT} s", url=url) from None
    status = proc.stdout.decode("utf-8", errors="replace")
    fingerprint = _verdict(status, keyring, what, url)
    if proc.returncode != 0:  # the status said good but gpgv did not: trust the refusal
        detail = proc.stderr.decode("utf-8", errors="replace").strip().splitlines()[-1:] or ["no detail"]
        raise SourceError(f"gpgv refused the signature of {what} (exit {proc.returncode}: {detail[0]})", url=url)
    return fingerprint


def _prepared(directory: Path, keyring: Keyring) -> list[str]:
    home = directory / "home"
    home.mkdir(mode=0o700)
    keys = directory / "keyring.gpg"
    keys.write_bytes(keyring.keys)
    return _gpgv_argv(home, keys)


def verify_clearsigned(text: bytes, keyring: Keyring, *, what: str, url: str) -> GoodSignature:
    """Check a clear-signed ``text``; returns the signed text. SourceError (naming ``url``) otherwise."""
    blocks = signed_message_count(text)
    if blocks != 1:
        reason = "is not clear-signed" if blocks == 0 else f"holds {blocks} signed messages, expected one"
        raise SourceError(f"{what} {reason}", url=url)
    with tempfile.TemporaryDirectory(prefix="genpack-gpgv-") as tmp:
        directory = Path(tmp)
        argv = _prepared(directory, keyring)
        signed_input, output = directory / "signed.asc", directory / "signed.txt"
        signed_input.write_bytes(text)
        fingerprint = _run(argv + ["--output", str(output), str(signed_input)], keyring, what, url)
        return GoodSignature(fingerprint=fingerprint, signed=output.read_bytes())


def verify_detached(
    signature: bytes, data: Path | bytes, keyring: Keyring, *, what: str, url: str
) -> GoodSignature:
    """Check ``signature`` (armoured or binary) over ``data`` (a file, or bytes in memory);
    SourceError naming ``url`` otherwise."""
    with tempfile.TemporaryDirectory(prefix="genpack-gpgv-") as tmp:
        directory = Path(tmp)
        argv = _prepared(directory, keyring)
        signature_file = directory / "detached.sig"
        signature_file.write_bytes(signature)
        if isinstance(data, bytes):
            (directory / "data").write_bytes(data)
            data = directory / "data"
        fingerprint = _run(argv + [str(signature_file), str(data)], keyring, what, url)
        return GoodSignature(fingerprint=fingerprint, signed=b"")
