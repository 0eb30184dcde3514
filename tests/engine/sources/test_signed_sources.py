"""The mirror is not trusted blindly: signed DIGESTS, the snapshot's .md5sum/.gpgsig, against a real
loopback mirror serving planted hostile files, with real keys made by gpg and checked by gpgv."""
from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from genpack_tui.engine.events import Event, WarningEvent
from genpack_tui.engine.sources import keyring as keyring_module
from genpack_tui.engine.sources.content_record import content_record_path, read_content_record
from genpack_tui.engine.sources.errors import SourceError
from genpack_tui.engine.sources.fetch_all import source_paths, update_sources
from genpack_tui.engine.sources.http import headers_path, part_path
from tests.fixtures.sources import publish_snapshot, publish_stage3

STAGE3 = os.urandom(150_000)
HOSTILE = os.urandom(150_000)
STAMP = "20260101T000000Z"
NAME = f"stage3-amd64-systemd-{STAMP}.tar.xz"
AUTOBUILDS = f"gentoo/releases/amd64/autobuilds/{STAMP}/"
SNAPSHOT = "gentoo/snapshots/portage-latest.tar.xz"


def fingerprint(key) -> str:
    out = subprocess.run(["gpg", "--batch", "--with-colons", "--show-keys", str(key.keyring)],
                         capture_output=True, text=True, check=True).stdout
    return next(line.split(":")[9] for line in out.splitlines() if line.startswith("fpr:"))


@pytest.fixture
def mirror(sources_server, signing_keys, without_keyring):
    """A correctly signed mirror: stage3 + clear-signed DIGESTS, snapshot + .md5sum + .gpgsig."""
    sources_server.signer = signing_keys.signer()
    sources_server.keyring = str(signing_keys.trusted.keyring)
    publish_stage3(sources_server, STAGE3, prefix="gentoo/", stamp=STAMP, signer=sources_server.signer)
    publish_snapshot(sources_server, SNAPSHOT, b"portage tree v1", signer=sources_server.signer)
    sources_server.put("overlay/main.tar.gz", b"overlay v1")
    return sources_server


def run(server, work: Path, events: list[Event] | None = None, **kwargs):
    kwargs.setdefault("keyring", server.keyring)
    return update_sources(work, "x86_64", server.url("gentoo/"), server.url("overlay/main.tar.gz"),
                          sink=events.append if events is not None else None, **kwargs)


def work_dir(tmp_path: Path, name: str) -> Path:
    """Another artifact's work/ (downloads go only into a directory named work)."""
    (tmp_path / name).mkdir()
    return tmp_path / name / "work"


def digests_for(body: bytes) -> str:
    return (f"# BLAKE2B HASH\n{hashlib.blake2b(body).hexdigest()}  {NAME}\n"
            f"# SHA512 HASH\n{hashlib.sha512(body).hexdigest()}  {NAME}\n")


def assert_nothing_cached(work: Path) -> None:
    stage3 = source_paths(work, "x86_64").stage3
    for path in (stage3, headers_path(stage3), content_record_path(stage3), part_path(stage3)):
        assert not path.exists(), f"{path} was left behind"
    assert not (work / "portage.tar.xz").exists()  # the build stopped at the stage3: nothing further fetched


# -- the good case -------------------------------------------------------------------------------

def test_a_correctly_signed_stage3_and_snapshot_verify(mirror, signing_keys, tmp_path):
    events: list[Event] = []
    ident = run(mirror, tmp_path / "work", events)
    paths = source_paths(tmp_path / "work", "x86_64")
    assert ident.stage3.verified is True and paths.stage3.read_bytes() == STAGE3
    assert not [e for e in events if isinstance(e, WarningEvent)]
    trusted = fingerprint(signing_keys.trusted)
    assert read_content_record(paths.stage3).signed_by == trusted
    assert read_content_record(paths.portage).signed_by == trusted
    # a second run trusts the recorded verdict: no DIGESTS, .md5sum or .gpgsig asked for again
    before = len(mirror.requests)
    assert run(mirror, tmp_path / "work") == ident
    assert not [r.path for r in mirror.requests[before:] if r.path.endswith((".DIGESTS", ".md5sum", ".gpgsig"))]


def test_an_armoured_keyring_and_the_environment_variable_work(mirror, signing_keys, tmp_path, monkeypatch):
    monkeypatch.setenv("GENPACK_KEYRING", str(armoured_copy(signing_keys.trusted.keyring, tmp_path)))
    ident = run(mirror, tmp_path / "work", keyring=None)
    assert ident.stage3.verified is True
    assert read_content_record(source_paths(tmp_path / "work", "x86_64").stage3).signed_by is not None


def armoured_copy(keyring: Path, tmp_path: Path) -> Path:
    """The keys as gpg --armor --export writes them (Gentoo ships its release key like that)."""
    home = tmp_path / "gpg-home"
    home.mkdir(mode=0o700)
    gpg = ["gpg", "--homedir", str(home), "--batch", "--quiet", "--no-autostart"]
    subprocess.run(gpg + ["--import", str(keyring)], check=True, capture_output=True)
    out = tmp_path / "keys.asc"
    out.write_bytes(subprocess.run(gpg + ["--armor", "--export"], check=True, capture_output=True).stdout)
    assert out.read_bytes().startswith(b"-----BEGIN PGP PUBLIC KEY BLOCK-----")
    return out


def test_the_gentoo_release_key_where_the_host_keeps_it_is_used(mirror, signing_keys, tmp_path, monkeypatch):
    monkeypatch.setattr(keyring_module, "GENTOO_RELEASE_KEY", signing_keys.trusted.keyring)
    events: list[Event] = []
    run(mirror, tmp_path / "work", events, keyring=None)
    assert not [e for e in events if isinstance(e, WarningEvent)]
    assert read_content_record(source_paths(tmp_path / "work", "x86_64").stage3).signed_by is not None


def test_the_older_digests_asc_is_verified_clear_signed_or_detached(mirror, tmp_path):
    mirror.put(AUTOBUILDS + NAME + ".DIGESTS", digests_for(STAGE3).encode())  # unsigned now
    mirror.put(AUTOBUILDS + NAME + ".DIGESTS.asc", mirror.signer.clearsign(digests_for(STAGE3)).encode())
    assert run(mirror, work_dir(tmp_path, "clear")).stage3.verified is True
    mirror.put(AUTOBUILDS + NAME + ".DIGESTS.asc", mirror.signer.detached_signature(digests_for(STAGE3).encode()))
    assert run(mirror, work_dir(tmp_path, "detached")).stage3.verified is True
    mirror.put(AUTOBUILDS + NAME + ".DIGESTS.asc", mirror.signer.detached_signature(digests_for(HOSTILE).encode()))
    with pytest.raises(SourceError, match="BAD signature"):
        run(mirror, work_dir(tmp_path, "detached-bad"))


# -- (a) signed by another key -------------------------------------------------------------------

def test_digests_signed_by_another_key_are_refused_and_nothing_is_kept(mirror, signing_keys, tmp_path):
    mirror.put(AUTOBUILDS + NAME + ".DIGESTS", signing_keys.signer("other").clearsign(digests_for(STAGE3)).encode())
    with pytest.raises(SourceError) as caught:
        run(mirror, tmp_path / "work")
    message = str(caught.value)
    assert message.startswith(mirror.url(AUTOBUILDS + NAME + ".DIGESTS") + ": ")
    assert f"the DIGESTS of {NAME} is signed by key {fingerprint(signing_keys.other)[-16:]}, which is not in " \
           f"the keyring {signing_keys.trusted.keyring} (--keyring)" in message
    assert_nothing_cached(tmp_path / "work")


# -- (b) DIGESTS changed after signing ------------------------------------------------------------

def test_digests_changed_after_signing_are_refused(mirror, tmp_path):
    signed = mirror.signer.clearsign(digests_for(HOSTILE))
    tampered = signed.replace(hashlib.sha512(HOSTILE).hexdigest(), hashlib.sha512(STAGE3).hexdigest())
    tampered = tampered.replace(hashlib.blake2b(HOSTILE).hexdigest(), hashlib.blake2b(STAGE3).hexdigest())
    assert tampered != signed
    mirror.put(AUTOBUILDS + NAME + ".DIGESTS", tampered.encode())
    with pytest.raises(SourceError, match=f"BAD signature by key [0-9A-F]{{16}}: the DIGESTS of {NAME} was "
                                          "changed after it was signed"):
        run(mirror, tmp_path / "work")
    assert_nothing_cached(tmp_path / "work")


def test_unsigned_digests_with_a_keyring_are_refused(mirror, tmp_path):
    mirror.put(AUTOBUILDS + NAME + ".DIGESTS", digests_for(STAGE3).encode())
    with pytest.raises(SourceError, match=f"the DIGESTS of {NAME} is not signed and the mirror has no "
                                          f"{NAME}.DIGESTS.asc, so it cannot be checked with the keyring"):
        run(mirror, tmp_path / "work")
    assert_nothing_cached(tmp_path / "work")
    mirror.remove(AUTOBUILDS + NAME + ".DIGESTS")
    with pytest.raises(SourceError, match=f"the mirror publishes no DIGESTS for {NAME}"):
        run(mirror, tmp_path / "work")
    assert_nothing_cached(tmp_path / "work")


def test_only_the_signed_text_counts(mirror, tmp_path):
    """Hostile entries around the signed block, or a second armour block, change nothing."""
    signed = mirror.signer.clearsign(digests_for(STAGE3))
    mirror.put(AUTOBUILDS + NAME, HOSTILE)
    around = digests_for(HOSTILE) + signed + digests_for(HOSTILE)
    mirror.put(AUTOBUILDS + NAME + ".DIGESTS", around.encode())
    with pytest.raises(SourceError, match=f"{NAME} does not match its BLAKE2B digest"):
        run(mirror, tmp_path / "work")
    assert_nothing_cached(tmp_path / "work")
    second_block = ("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n" + digests_for(HOSTILE)
                    + "-----BEGIN PGP SIGNATURE-----\n\n-----END PGP SIGNATURE-----\n")
    mirror.put(AUTOBUILDS + NAME + ".DIGESTS", (second_block + signed).encode())
    with pytest.raises(SourceError, match=f"the DIGESTS of {NAME} holds 2 signed messages, expected one"):
        run(mirror, tmp_path / "work")
    assert_nothing_cached(tmp_path / "work")


# -- (c) a hostile tarball ------------------------------------------------------------------------

def test_a_stage3_not_matching_the_signed_hash_never_replaces_the_good_copy(mirror, tmp_path):
    work = tmp_path / "work"
    good = run(mirror, work)
    stage3 = source_paths(work, "x86_64").stage3
    record_before = content_record_path(stage3).read_text()
    headers_before = headers_path(stage3).read_text()
    mirror.put(AUTOBUILDS + NAME, HOSTILE)  # same name, new ETag: the mirror swapped the tarball
    with pytest.raises(SourceError) as caught:
        run(mirror, work)
    assert caught.value.url == mirror.url(AUTOBUILDS + NAME + ".DIGESTS")
    assert f"{NAME} does not match its BLAKE2B digest" in caught.value.reason
    assert stage3.read_bytes() == STAGE3 and not part_path(stage3).exists()
    assert content_record_path(stage3).read_text() == record_before
    assert headers_path(stage3).read_text() == headers_before
    mirror.put(AUTOBUILDS + NAME, STAGE3)  # the mirror is repaired
    assert run(mirror, work) == good


def test_a_hostile_first_stage3_is_not_kept(mirror, tmp_path):
    mirror.put(AUTOBUILDS + NAME, HOSTILE)
    with pytest.raises(SourceError, match="does not match its BLAKE2B digest"):
        run(mirror, tmp_path / "work")
    assert_nothing_cached(tmp_path / "work")


def test_a_cached_stage3_is_checked_when_a_keyring_first_appears(mirror, tmp_path):
    work = tmp_path / "work"
    events: list[Event] = []
    run(mirror, work, events, keyring=None)
    assert [e.message for e in events if isinstance(e, WarningEvent)][0].startswith("stage3 not verified: no OpenPGP")
    stage3 = source_paths(work, "x86_64").stage3
    assert read_content_record(stage3).signed_by is None
    stage3_path = AUTOBUILDS + NAME
    run(mirror, work)
    assert read_content_record(stage3).signed_by is not None
    assert mirror.bodies_sent(stage3_path) == 1  # checked in place, not downloaded again


def test_a_cached_stage3_whose_signature_cannot_be_checked_stays(mirror, signing_keys, tmp_path):
    """The keyring may be what is wrong: the file is kept (not proven bad), the error says why."""
    work = tmp_path / "work"
    run(mirror, work)
    with pytest.raises(SourceError, match="which is not in the keyring"):
        run(mirror, work, keyring=str(signing_keys.other.keyring))
    assert source_paths(work, "x86_64").stage3.read_bytes() == STAGE3


# -- (d) the Portage snapshot ---------------------------------------------------------------------

def test_a_snapshot_not_matching_its_md5sum_never_becomes_the_cached_copy(mirror, tmp_path):
    work = tmp_path / "work"
    run(mirror, work)
    portage = source_paths(work, "x86_64").portage
    record_before = content_record_path(portage).read_text()
    publish_snapshot(mirror, SNAPSHOT, b"hostile tree", signer=mirror.signer, md5_of=b"portage tree v2")
    with pytest.raises(SourceError) as caught:
        run(mirror, work)
    assert caught.value.url == mirror.url(SNAPSHOT + ".md5sum")
    assert caught.value.reason.startswith("the Portage snapshot does not match its MD5 digest (expected "
                                          f"{hashlib.md5(b'portage tree v2').hexdigest()}, got "
                                          f"{hashlib.md5(b'hostile tree').hexdigest()})")
    assert portage.read_bytes() == b"portage tree v1" and not part_path(portage).exists()
    assert content_record_path(portage).read_text() == record_before


def test_a_snapshot_with_a_bad_or_missing_signature_is_refused(mirror, signing_keys, tmp_path):
    work = tmp_path / "work"
    run(mirror, work)
    portage = source_paths(work, "x86_64").portage
    publish_snapshot(mirror, SNAPSHOT, b"portage tree v2", signer=signing_keys.signer("other"))
    with pytest.raises(SourceError, match=r"\.gpgsig: the Portage snapshot is signed by key [0-9A-F]{16}, which "
                                          "is not in the keyring"):
        run(mirror, work)
    publish_snapshot(mirror, SNAPSHOT, b"portage tree v2", signer=None)
    with pytest.raises(SourceError, match=r"the mirror publishes no signature \(\.gpgsig\) for the Portage "
                                          "snapshot, so it cannot be checked with the keyring"):
        run(mirror, work)
    mirror.put(SNAPSHOT + ".gpgsig", mirror.signer.detached_signature(b"portage tree v1"))
    with pytest.raises(SourceError, match="BAD signature by key .*: the Portage snapshot was changed after it"):
        run(mirror, work)
    assert portage.read_bytes() == b"portage tree v1" and not part_path(portage).exists()


def test_without_a_keyring_the_snapshot_md5sum_is_still_checked(mirror, tmp_path):
    publish_snapshot(mirror, SNAPSHOT, b"hostile tree", md5_of=b"portage tree v1")
    with pytest.raises(SourceError, match="the Portage snapshot does not match its MD5 digest"):
        run(mirror, tmp_path / "work", keyring=None)
    assert not (tmp_path / "work" / "portage.tar.xz").exists()


# -- (e) no keyring -------------------------------------------------------------------------------

def test_without_a_keyring_every_build_warns_that_the_stage3_is_unverified(mirror, tmp_path):
    for attempt in range(2):  # a fresh download, then the cached copy: both warn
        events: list[Event] = []
        ident = run(mirror, tmp_path / "work", events, keyring=None)
        warnings = [e.message for e in events if isinstance(e, WarningEvent)]
        assert warnings == [
            f"stage3 not verified: no OpenPGP keyring, so the signature of {ident.stage3.url}.DIGESTS was not "
            "checked (give --keyring FILE or set GENPACK_KEYRING; Gentoo hosts keep the release key in "
            f"{keyring_module.GENTOO_RELEASE_KEY})"
        ], f"run {attempt}"
        assert ident.stage3.verified is True  # its DIGESTS still matched


def test_a_snapshot_without_any_published_digest_warns(mirror, tmp_path):
    publish_snapshot(mirror, SNAPSHOT, b"portage tree v1", md5sum=False)
    events: list[Event] = []
    run(mirror, tmp_path / "work", events, keyring=None)
    assert f"portage snapshot not verified: the mirror publishes no digest for it " \
           f"({mirror.url(SNAPSHOT)}.md5sum: not found)" in [e.message for e in events if isinstance(e, WarningEvent)]
