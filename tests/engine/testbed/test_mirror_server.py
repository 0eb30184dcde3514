"""The test bed's HTTP mirror: a real server on 127.0.0.1, exercised with a real HTTP client."""
from __future__ import annotations

import hashlib
import re
from email.utils import formatdate, parsedate_to_datetime

import httpx
import pytest

from genpack_tui.engine.sources.errors import SourceError
from genpack_tui.engine.sources.keyring import load_keyring
from genpack_tui.engine.sources.openpgp import verify_clearsigned, verify_detached
from genpack_tui.engine.testbed import MirrorServer, TestbedArtifacts, mirror_layout


def genpack_latest_stage3_path(text: str) -> str | None:
    """genpack's parser of latest-stage3-*.txt (docs/genpack.md §5.1), as a state machine."""
    state = "before"
    for line in text.splitlines():
        if state == "before":
            if line == "-----BEGIN PGP SIGNED MESSAGE-----":
                state = "header"
        elif state == "header":
            if line == "":
                state = "body"
        else:
            if line == "-----BEGIN PGP SIGNATURE-----":
                break
            line = re.sub(r"#.*$", "", line.strip())
            if not line:
                continue
            tokens = line.split(" ")
            if len(tokens) >= 2:
                return tokens[0]
    return None


@pytest.fixture
def private_mirror(testbed_artifacts: TestbedArtifacts):
    """A mirror of its own, for tests that change what is published."""
    with MirrorServer(testbed_artifacts) as server:
        yield server


def test_head_and_get_headers(testbed_mirror: MirrorServer, testbed_artifacts: TestbedArtifacts) -> None:
    url = testbed_mirror.mirror_url + "snapshots/portage-latest.tar.xz"
    head = httpx.head(url)
    assert head.status_code == 200
    assert head.content == b""
    size = testbed_artifacts.portage_snapshot.stat().st_size
    assert int(head.headers["Content-Length"]) == size
    assert re.fullmatch(r'"[0-9a-f]{32}"', head.headers["ETag"])
    parsedate_to_datetime(head.headers["Last-Modified"])
    get = httpx.get(url)
    assert get.status_code == 200
    assert get.content == testbed_artifacts.portage_snapshot.read_bytes()
    assert get.headers["ETag"] == head.headers["ETag"]
    assert get.headers["Last-Modified"] == head.headers["Last-Modified"]


def test_urls_are_genpack_shaped(testbed_mirror: MirrorServer, testbed_artifacts: TestbedArtifacts) -> None:
    assert testbed_mirror.mirror_url.startswith("http://127.0.0.1:") and testbed_mirror.mirror_url.endswith("/")
    assert testbed_mirror.overlay_url.endswith("/genpack-overlay/archive/refs/heads/main.tar.gz")
    assert httpx.get(testbed_mirror.overlay_url).content == testbed_artifacts.overlay_tarball.read_bytes()
    assert httpx.get(testbed_mirror.mirror_url + "no/such/file").status_code == 404


def test_conditional_requests_get_304(testbed_mirror: MirrorServer) -> None:
    url = testbed_mirror.overlay_url
    first = httpx.head(url)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert httpx.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert httpx.head(url, headers={"If-None-Match": etag}).status_code == 304
    assert httpx.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200
    assert httpx.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    older = formatdate(parsedate_to_datetime(modified).timestamp() - 10, usegmt=True)
    assert httpx.get(url, headers={"If-Modified-Since": older}).status_code == 200
    not_modified = httpx.get(url, headers={"If-None-Match": etag})
    assert not_modified.content == b"" and not_modified.headers["ETag"] == etag


def test_publish_replaces_content_and_validators(private_mirror: MirrorServer,
                                                 testbed_artifacts: TestbedArtifacts) -> None:
    url = private_mirror.mirror_url + mirror_layout.SNAPSHOT
    before = httpx.head(url)
    bumped = testbed_artifacts.bumped_snapshot()
    private_mirror.publish(mirror_layout.SNAPSHOT, bumped)
    after = httpx.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.content == bumped.read_bytes() != testbed_artifacts.portage_snapshot.read_bytes()
    assert after.headers["ETag"] != before.headers["ETag"]
    assert parsedate_to_datetime(after.headers["Last-Modified"]) > parsedate_to_datetime(before.headers["Last-Modified"])
    assert httpx.get(url, headers={"If-Modified-Since": before.headers["Last-Modified"]}).status_code == 200


def test_dropped_connection_after_n_bytes(private_mirror: MirrorServer, testbed_artifacts: TestbedArtifacts) -> None:
    path = mirror_layout.SNAPSHOT
    private_mirror.drop_connection_after(path, 1000)
    received = bytearray()
    with pytest.raises(httpx.TransportError):
        with httpx.stream("GET", private_mirror.url(path)) as response:
            assert int(response.headers["Content-Length"]) == testbed_artifacts.portage_snapshot.stat().st_size
            for chunk in response.iter_raw():
                received += chunk
    assert bytes(received) == testbed_artifacts.portage_snapshot.read_bytes()[:1000]
    # the fault was for one request only
    assert httpx.get(private_mirror.url(path)).content == testbed_artifacts.portage_snapshot.read_bytes()


def test_request_counts_per_path_and_method(private_mirror: MirrorServer) -> None:
    url = private_mirror.overlay_url
    httpx.head(url)
    httpx.get(url)
    httpx.get(url)
    path = mirror_layout.OVERLAY
    assert private_mirror.request_count(path) == 3
    assert private_mirror.request_count(path, "HEAD") == 1
    assert private_mirror.request_count("/" + path, "GET") == 2
    assert private_mirror.request_count(mirror_layout.SNAPSHOT) == 0
    private_mirror.reset_counts()
    assert private_mirror.request_count(path) == 0


def test_latest_stage3_parses_and_points_at_the_stage3(testbed_mirror: MirrorServer,
                                                       testbed_artifacts: TestbedArtifacts) -> None:
    latest = httpx.get(testbed_mirror.mirror_url + "releases/amd64/autobuilds/latest-stage3-amd64-systemd.txt")
    assert latest.status_code == 200
    text = latest.text
    assert text.startswith("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n# Latest as of ")
    assert "-----BEGIN PGP SIGNATURE-----" in text and text.rstrip().endswith("-----END PGP SIGNATURE-----")
    relative = genpack_latest_stage3_path(text)
    ts = testbed_artifacts.stage3_timestamp
    assert re.fullmatch(r"\d{8}T\d{6}Z", ts)
    assert relative == f"{ts}/stage3-amd64-systemd-{ts}.tar.xz"
    size_line = next(line for line in text.splitlines() if line.startswith(relative))
    assert int(size_line.split()[1]) == testbed_artifacts.stage3.stat().st_size
    head = httpx.head(testbed_mirror.mirror_url + "releases/amd64/autobuilds/" + relative)
    assert int(head.headers["Content-Length"]) == testbed_artifacts.stage3.stat().st_size


def test_unsigned_pointer_gives_no_stage3() -> None:
    assert genpack_latest_stage3_path("20260101T000000Z/stage3.tar.xz 1\n") is None


def test_digests_match_the_stage3_and_are_signed(testbed_mirror: MirrorServer,
                                                 testbed_artifacts: TestbedArtifacts) -> None:
    ts = testbed_artifacts.stage3_timestamp
    base = f"{testbed_mirror.mirror_url}releases/amd64/autobuilds/{ts}/stage3-amd64-systemd-{ts}.tar.xz"
    body = httpx.get(base, timeout=60).content
    published = httpx.get(base + ".DIGESTS").content
    assert published.startswith(b"-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n")
    keyring = load_keyring(testbed_artifacts.keyring, "--keyring")
    assert testbed_mirror.keyring == testbed_artifacts.keyring
    digests = verify_clearsigned(published, keyring, what="the DIGESTS", url=base + ".DIGESTS").signed
    lines = digests.decode().splitlines()
    name = f"stage3-amd64-systemd-{ts}.tar.xz"
    expected = {"BLAKE2B": hashlib.blake2b(body).hexdigest(), "SHA512": hashlib.sha512(body).hexdigest()}
    seen = {}
    for header, entry in zip(lines[::2], lines[1::2], strict=True):
        algo = re.fullmatch(r"# (\w+) HASH", header).group(1)
        hexdigest, filename = entry.split("  ")
        assert filename == name
        seen[algo] = hexdigest
    assert seen == expected


def test_the_snapshot_has_its_md5sum_and_signature(testbed_mirror: MirrorServer,
                                                  testbed_artifacts: TestbedArtifacts) -> None:
    url = testbed_mirror.url(mirror_layout.SNAPSHOT)
    snapshot = testbed_artifacts.portage_snapshot.read_bytes()
    md5, name = httpx.get(url + ".md5sum").text.split()
    assert md5 == hashlib.md5(snapshot).hexdigest() and re.fullmatch(r"portage-\d{8}\.tar\.xz", name)
    signature = httpx.get(url + ".gpgsig").content
    keyring = load_keyring(testbed_artifacts.keyring, "--keyring")
    assert verify_detached(signature, snapshot, keyring, what="the snapshot", url=url).fingerprint
    with pytest.raises(SourceError, match="BAD signature"):
        verify_detached(signature, snapshot + b"x", keyring, what="the snapshot", url=url)


def test_a_server_without_a_key_publishes_unsigned(tmp_path) -> None:
    tarball = tmp_path / "stage3-amd64-systemd-20260101T000000Z.tar.xz"
    tarball.write_bytes(b"stage3")
    with MirrorServer() as server:
        url = server.publish_stage3(tarball)
        assert server.keyring is None
        assert httpx.get(url + ".DIGESTS").text.startswith("# BLAKE2B HASH\n")
        server.publish_snapshot(tarball)
        assert httpx.get(server.url(mirror_layout.SNAPSHOT_SIGNATURE)).status_code == 404


def test_distfiles_are_served_flat_as_the_manifest_says(testbed_mirror: MirrorServer) -> None:
    from genpack_tui.engine.testbed.compiled_packages import COMPILED_PACKAGES
    from genpack_tui.engine.testbed.distfiles import distfile_bytes, manifests
    layout = httpx.get(testbed_mirror.url("distfiles/layout.conf"))
    assert layout.status_code == 200 and layout.text == "[structure]\n0=flat\n"
    for package in COMPILED_PACKAGES:
        got = httpx.get(testbed_mirror.url(f"distfiles/{package.distfile}"))
        assert got.status_code == 200 and got.content == distfile_bytes(package)
        assert f"BLAKE2B {hashlib.blake2b(got.content).hexdigest()} " in manifests()[f"{package.cp}/Manifest"]


def test_a_corrupted_distfile_has_its_size_but_not_its_digest(private_mirror: MirrorServer,
                                                              testbed_artifacts: TestbedArtifacts) -> None:
    from genpack_tui.engine.testbed.compiled_packages import compiled_package
    from genpack_tui.engine.testbed.distfiles import distfile_bytes
    good = distfile_bytes(compiled_package("app-misc/tbcalc"))
    private_mirror.corrupt_distfile("tbcalc-1.0.tar.gz")
    bad = httpx.get(private_mirror.url("distfiles/tbcalc-1.0.tar.gz")).content
    assert len(bad) == len(good) and hashlib.blake2b(bad).digest() != hashlib.blake2b(good).digest()
    private_mirror.publish_distfiles(testbed_artifacts.distfiles_dir)
    assert httpx.get(private_mirror.url("distfiles/tbcalc-1.0.tar.gz")).content == good
