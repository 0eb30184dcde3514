"""latest-stage3 list parsing (genpack's state machine), discovery and DIGESTS checks."""
from __future__ import annotations

import hashlib
import os

import pytest

from genpack_tui.engine.sources.arches import stage3_arch
from genpack_tui.engine.sources.digests import parse_digests, verify_file
from genpack_tui.engine.sources.errors import SourceError
from genpack_tui.engine.sources.http import DownloadClient, RetryPolicy
from genpack_tui.engine.sources.stage3 import check_stage3, discover_latest_stage3, parse_latest_list, stage3_filename
from tests.fixtures.sources import publish_stage3

BASE = "http://mirror.invalid/releases/amd64/autobuilds/"
LIST_URL = BASE + "latest-stage3-amd64-systemd.txt"
SIGNED = """-----BEGIN PGP SIGNED MESSAGE-----
Hash: SHA512

# Latest as of Sun, 16 Nov 2025 17:05:01 +0000
# ts=1763312701

20251116T161545Z/stage3-amd64-systemd-20251116T161545Z.tar.xz 276532456
-----BEGIN PGP SIGNATURE-----

iQKTBAEBCgB9FiEEYHoUXbkv5/dtBvZT9HoMlhY0R+oFAmkaBD1fFIAAAAAALgAo
-----END PGP SIGNATURE-----
"""


def parse(text: str):
    return parse_latest_list(text, autobuilds=BASE, list_url=LIST_URL)


def test_signed_list_gives_first_tarball():
    entry = parse(SIGNED)
    assert entry.url == BASE + "20251116T161545Z/stage3-amd64-systemd-20251116T161545Z.tar.xz"
    assert entry.size == 276532456


def test_crlf_and_trailing_comment_are_tolerated():
    text = SIGNED.replace("276532456", "276532456   # newest").replace("\n", "\r\n")
    assert parse(text).size == 276532456


def test_lines_before_the_armour_and_single_token_lines_are_ignored():
    text = "20200101T000000Z/old.tar.xz 1\n" + SIGNED.replace("# ts=1763312701", "lonely-token")
    assert parse(text).url.endswith("stage3-amd64-systemd-20251116T161545Z.tar.xz")


def test_armour_header_lines_are_not_entries():
    text = SIGNED.replace("Hash: SHA512", "Hash: SHA512\nComment: a b")
    assert parse(text).size == 276532456


def test_unsigned_list_is_an_error_naming_the_url():
    unsigned = "# Latest as of today\n20251116T161545Z/stage3.tar.xz 276532456\n"
    with pytest.raises(SourceError) as caught:
        parse(unsigned)
    assert caught.value.url == LIST_URL
    assert "not a PGP-signed stage3 list" in str(caught.value) and LIST_URL in str(caught.value)


def test_signed_list_without_entry_is_an_error():
    empty = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n# only comments\n\n-----BEGIN PGP SIGNATURE-----\n"
    with pytest.raises(SourceError, match="names no tarball"):
        parse(empty)
    with pytest.raises(SourceError, match="not a PGP-signed"):
        parse("")


def test_entry_after_signature_is_not_used():
    text = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n-----BEGIN PGP SIGNATURE-----\nx/y.tar.xz 5\n"
    with pytest.raises(SourceError):
        parse(text)


@pytest.mark.parametrize(
    "machine, expected",
    [("x86_64", ("amd64", "amd64")), ("i686", ("x86", "i686")), ("aarch64", ("arm64", "arm64")),
     ("riscv64", ("riscv", "rv64_lp64d"))],
)
def test_arch_map(machine, expected):
    assert stage3_arch(machine) == expected


def test_unknown_arch_is_a_clear_error():
    with pytest.raises(SourceError, match=r"no Gentoo stage3 for architecture 'sparc64' \(supported: x86_64"):
        stage3_arch("sparc64")


def test_discovery_against_a_served_list(sources_server):
    url = publish_stage3(sources_server, b"x" * 10, stamp="20260301T101010Z", directory="riscv",
                         name_arch="rv64_lp64d")
    with DownloadClient() as client:
        entry = discover_latest_stage3(client, sources_server.base_url, "riscv64")
    assert entry.url == url and entry.size == 10
    assert url.endswith("releases/riscv/autobuilds/20260301T101010Z/stage3-rv64_lp64d-systemd-20260301T101010Z.tar.xz")


def test_digests_parsing_plain_and_signed():
    body = b"stage3 bytes"
    text = (
        f"# BLAKE2B HASH\n{hashlib.blake2b(body).hexdigest()}  stage3-a.tar.xz\n"
        f"# SHA512 HASH\n{hashlib.sha512(body).hexdigest().upper()}  stage3-a.tar.xz\n"
        "# WHIRLPOOL HASH\nabcdef  stage3-a.tar.xz\n"
        f"# SHA512 HASH\n{'0' * 128}  stage3-a.tar.xz.CONTENTS.gz\n"
    )
    plain = parse_digests(text)
    assert plain.for_file("stage3-a.tar.xz") == {
        "blake2b": hashlib.blake2b(body).hexdigest(),
        "sha512": hashlib.sha512(body).hexdigest(),
    }
    assert plain.for_file("stage3-a.tar.xz.CONTENTS.gz") == {"sha512": "0" * 128}
    signed = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n" + text.replace(
        "# SHA512 HASH\n0", "- # SHA512 HASH\n0"
    ) + "-----BEGIN PGP SIGNATURE-----\n\nxyz\n-----END PGP SIGNATURE-----\n"
    assert parse_digests(signed).entries == plain.entries


def test_verify_file_ok_and_mismatch(tmp_path):
    path = tmp_path / "s.tar.xz"
    path.write_bytes(b"abc")
    good = parse_digests(f"# SHA512 HASH\n{hashlib.sha512(b'abc').hexdigest()}  s.tar.xz\n")
    assert verify_file(path, "s.tar.xz", good, digests_url="u")["sha512"] == hashlib.sha512(b"abc").hexdigest()
    bad = parse_digests(f"# BLAKE2B HASH\n{hashlib.blake2b(b'abd').hexdigest()}  s.tar.xz\n")
    with pytest.raises(SourceError, match="does not match its BLAKE2B digest"):
        verify_file(path, "s.tar.xz", bad, digests_url="u")
    with pytest.raises(SourceError, match="lists no digest for other.tar.xz"):
        verify_file(path, "other.tar.xz", good, digests_url="u")


@pytest.mark.parametrize("signed", [False, True])
def test_check_stage3_verifies_downloaded_file(sources_server, tmp_path, signed):
    body = os.urandom(5000)
    url = publish_stage3(sources_server, body, signed_digests=signed)
    dest = tmp_path / "stage3.tar.xz"
    with DownloadClient() as client:
        client.fetch(url, dest)
        check = check_stage3(client, url, dest)
    assert check.verified and check.sha512 == hashlib.sha512(body).hexdigest()
    assert check.digests_url == url + ".DIGESTS"


def test_check_stage3_mismatch_is_an_error_naming_the_digests(sources_server, tmp_path):
    url = publish_stage3(sources_server, b"real", wrong_digest=True)
    dest = tmp_path / "stage3.tar.xz"
    with DownloadClient() as client:
        client.fetch(url, dest)
        with pytest.raises(SourceError) as caught:
            check_stage3(client, url, dest)
    assert caught.value.url == url + ".DIGESTS" and "does not match" in caught.value.reason


def test_check_stage3_without_digests_is_unverified(sources_server, tmp_path):
    url = publish_stage3(sources_server, b"real", with_digests=False)
    dest = tmp_path / "stage3.tar.xz"
    with DownloadClient() as client:
        client.fetch(url, dest)
        check = check_stage3(client, url, dest)
    assert check.verified is False and check.sha512 == hashlib.sha512(b"real").hexdigest()
    assert dest.exists()


def test_digests_server_error_is_not_taken_for_missing(sources_server, tmp_path):
    url = publish_stage3(sources_server, b"real")
    dest = tmp_path / "stage3.tar.xz"
    sources_server.fail(url[len(sources_server.base_url):] + ".DIGESTS", times=5)
    with DownloadClient(retry=RetryPolicy(attempts=2, backoff=0)) as client:
        client.fetch(url, dest)
        with pytest.raises(SourceError) as caught:
            check_stage3(client, url, dest)
    assert caught.value.status == 500


def test_stage3_filename_from_url():
    assert stage3_filename(BASE + "2025/stage3-amd64-systemd-2025.tar.xz") == "stage3-amd64-systemd-2025.tar.xz"


def test_check_stage3_falls_back_to_the_older_digests_asc(sources_server, tmp_path):
    body = os.urandom(3000)
    url = publish_stage3(sources_server, body, signed_digests=True)
    relative = url[len(sources_server.base_url):]
    signed = sources_server.file(relative + ".DIGESTS").body
    sources_server.remove(relative + ".DIGESTS")
    sources_server.put(relative + ".DIGESTS.asc", signed)
    dest = tmp_path / "stage3.tar.xz"
    with DownloadClient() as client:
        client.fetch(url, dest)
        check = check_stage3(client, url, dest)
    assert check.verified and check.digests_url == url + ".DIGESTS.asc"
    assert sources_server.count("GET", relative + ".DIGESTS", 404) == 1
