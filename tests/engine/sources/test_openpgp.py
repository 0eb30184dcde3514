"""gpgv's verdict on a signature, from its status lines: real signatures where gpg can make them
(an expired key: signed in the past with --faked-system-time), status lines for the rest."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from genpack_tui.engine.sources.errors import SourceError
from genpack_tui.engine.sources.keyring import Keyring, load_keyring
from genpack_tui.engine.sources.openpgp import _verdict, verify_clearsigned

KEYRING = Keyring(path=Path("/keys.gpg"), origin="--keyring", keys=b"")
GOOD = ("[GNUPG:] NEWSIG\n[GNUPG:] GOODSIG 2A47E557BB9BCF3C someone\n"
        "[GNUPG:] VALIDSIG B869EB67AB4FC75ED26189CC2A47E557BB9BCF3C 2026-12-02 1 0 4 0 22 8 01 "
        "PRIMARY0000000000000000000000000000000000\n")


def gpg(home: Path, *args: str, stdin: bytes = b"") -> bytes:
    return subprocess.run(["gpg", "--homedir", str(home), "--batch", "--quiet", "--pinentry-mode", "loopback",
                           "--passphrase", "", *args], input=stdin, capture_output=True, check=True).stdout


def test_a_signature_by_a_key_that_has_since_expired_is_refused(signing_keys, tmp_path):  # skips without gpg
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    try:
        gpg(home, "--faked-system-time", "20200101T000000", "--quick-gen-key", "old key", "ed25519", "sign", "1y")
        signed = gpg(home, "--faked-system-time", "20200601T000000", "--clearsign", stdin=b"# SHA512 HASH\n")
        (tmp_path / "old.gpg").write_bytes(gpg(home, "--export"))
    finally:
        subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "gpg-agent"], capture_output=True)
    keyring = load_keyring(tmp_path / "old.gpg", "--keyring")
    with pytest.raises(SourceError, match=r"u: the DIGESTS is signed by key [0-9A-F]{16}, which has expired in "
                                          r"the keyring .*old\.gpg \(--keyring\) \(update the keyring\)"):
        verify_clearsigned(signed, keyring, what="the DIGESTS", url="u")


def test_good_status_gives_the_primary_key_fingerprint():
    assert _verdict(GOOD, KEYRING, "x", "u") == "PRIMARY0000000000000000000000000000000000"


@pytest.mark.parametrize("status, reason", [
    ("[GNUPG:] NEWSIG\n[GNUPG:] REVKEYSIG ABCD who\n", "x is signed by key ABCD, which is revoked in the keyring"),
    ("[GNUPG:] NEWSIG\n[GNUPG:] EXPSIG ABCD who\n", "the signature of x has expired"),
    ("[GNUPG:] NEWSIG\n[GNUPG:] ERRSIG ABCD 22 8 01 1 4 -\n", "the signature of x by key ABCD cannot be checked"),
    ("[GNUPG:] NODATA 1\n", "x carries no OpenPGP signature"),
    ("", "x carries no OpenPGP signature"),
    (GOOD + "[GNUPG:] NEWSIG\n", "not every signature of x is good"),
    (GOOD + "[GNUPG:] NEWSIG\n[GNUPG:] BADSIG ABCD who\n", "BAD signature by key ABCD: x was changed"),
])
def test_anything_but_all_good_is_refused_in_words(status, reason):
    with pytest.raises(SourceError) as caught:
        _verdict(status, KEYRING, "x", "u")
    assert caught.value.url == "u" and caught.value.reason.startswith(reason)
