"""SourceIdentity: the record of which sources an image was built from."""
from __future__ import annotations

import json

import pytest

from engine.sources.identity import IdentityError, SourceIdentity, SourceRecord, identity_path, load_identity, save_identity


def info(etag: str, lm: str = "Sat, 01 Aug 2026 00:00:00 GMT", cl: str = "100") -> str:
    return f"Last-Modified:{lm} ETag:{etag} Content-Length:{cl}"


def identity(**changes: SourceRecord) -> SourceIdentity:
    base = {
        "stage3": SourceRecord("http://m/s-1.tar.xz", info('"s1"'), sha512="a" * 128, verified=True),
        "portage": SourceRecord("http://m/snapshots/portage-latest.tar.xz", info('"a"')),
        "overlay": SourceRecord("http://o/main.tar.gz", info('"o1"')),
    }
    base.update(changes)
    return SourceIdentity(**base)


def test_save_and_load_next_to_the_image(tmp_path):
    image = tmp_path / "lower.img"
    original = identity()
    path = save_identity(image, original)
    assert path == identity_path(image) == tmp_path / "lower.img.sources.json"
    assert json.loads(path.read_text())["stage3"]["verified"] is True
    assert load_identity(image) == original


def test_missing_record_is_none(tmp_path):
    assert load_identity(tmp_path / "lower-cuda.img") is None


@pytest.mark.parametrize("content", ["{", "[]", '{"version": 1, "stage3": {}}', '{"version": 99}'])
def test_unreadable_record_names_the_file(tmp_path, content):
    image = tmp_path / "lower.img"
    identity_path(image).write_text(content)
    with pytest.raises(IdentityError) as caught:
        load_identity(image)
    assert str(caught.value).startswith(f"{identity_path(image)}: unreadable source record")


def test_no_changes_between_equal_identities():
    assert identity().changes(identity()) == []
    assert identity().digest() == identity().digest()


def test_changed_portage_etag_is_described():
    newer = identity(portage=SourceRecord("http://m/snapshots/portage-latest.tar.xz", info('"b"')))
    assert identity().changes(newer) == ['portage snapshot changed: ETag "a" → "b"']
    assert identity().digest() != newer.digest()


def test_several_fields_and_sources():
    newer = identity(
        stage3=SourceRecord("http://m/s-2.tar.xz", info('"s2"', cl="200"), sha512="b" * 128, verified=False),
        overlay=SourceRecord("http://o/main.tar.gz", info("", lm="Sun, 02 Aug 2026 00:00:00 GMT")),
    )
    assert identity().changes(newer) == [
        'stage3 changed: URL http://m/s-1.tar.xz → http://m/s-2.tar.xz, ETag "s1" → "s2", '
        "Content-Length 100 → 200, sha512 aaaaaaaaaaaa… → bbbbbbbbbbbb…",
        'genpack overlay changed: ETag "o1" → (none), '
        "Last-Modified Sat, 01 Aug 2026 00:00:00 GMT → Sun, 02 Aug 2026 00:00:00 GMT",
    ]


def test_verification_state_alone_is_not_a_source_change():
    newer = identity(stage3=SourceRecord("http://m/s-1.tar.xz", info('"s1"'), sha512="a" * 128, verified=False))
    assert identity().changes(newer) == []
    assert identity().digest() == newer.digest()


def test_unparsable_info_is_shown_whole():
    newer = identity(portage=SourceRecord("http://m/snapshots/portage-latest.tar.xz", "garbage"))
    assert identity().changes(newer) == [f"portage snapshot changed: headers {info(chr(34) + 'a' + chr(34))!r} → 'garbage'"]
