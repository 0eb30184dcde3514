"""SourceIdentity: the record of which sources an image was built from."""
from __future__ import annotations

import json

import pytest

from genpack_tui.engine.sources.identity import (
    IdentityError,
    SourceIdentity,
    SourceRecord,
    identity_path,
    load_identity,
    save_identity,
)


def info(etag: str, lm: str = "Sat, 01 Aug 2026 00:00:00 GMT", cl: str = "100") -> str:
    return f"Last-Modified:{lm} ETag:{etag} Content-Length:{cl}"


def identity(**changes: SourceRecord) -> SourceIdentity:
    base = {
        "stage3": SourceRecord("http://m/s-1.tar.xz", info('"s1"'), "a" * 128, verified=True),
        "portage": SourceRecord("http://m/snapshots/portage-latest.tar.xz", info('"a"'), "c" * 128),
        "overlay": SourceRecord("http://o/main.tar.gz", info('"o1"'), "e" * 128),
    }
    base.update(changes)
    return SourceIdentity(**base)


def test_save_and_load_next_to_the_image(tmp_path):
    image = tmp_path / "lower.img"
    original = identity()
    path = save_identity(image, original)
    assert path == identity_path(image) == tmp_path / "lower.img.sources.json"
    stored = json.loads(path.read_text())
    assert stored["stage3"] == {"url": "http://m/s-1.tar.xz", "info": info('"s1"'), "sha512": "a" * 128,
                                "verified": True}
    loaded = load_identity(image)
    assert loaded == original and loaded.to_dict() == original.to_dict()


def test_missing_record_is_none(tmp_path):
    assert load_identity(tmp_path / "lower-cuda.img") is None


@pytest.mark.parametrize(
    "content",
    ["{", "[]", '{"version": 1, "stage3": {}}', '{"version": 99}',
     '{"version": 1, "stage3": {"url": "u", "info": "i"}, "portage": {}, "overlay": {}}'],
)
def test_unreadable_record_names_the_file(tmp_path, content):
    image = tmp_path / "lower.img"
    identity_path(image).write_text(content)
    with pytest.raises(IdentityError) as caught:
        load_identity(image)
    assert str(caught.value).startswith(f"{identity_path(image)}: unreadable source record")


def test_no_changes_between_equal_identities():
    assert identity().changes(identity()) == []
    assert identity().digest() == identity().digest()


def test_changed_portage_snapshot_is_described():
    newer = identity(portage=SourceRecord("http://m/snapshots/portage-latest.tar.xz", info('"b"'), "d" * 128))
    assert identity() != newer
    assert identity().changes(newer) == [
        'portage snapshot changed: ETag "a" → "b", sha512 cccccccccccc… → dddddddddddd…'
    ]
    assert identity().digest() != newer.digest()


def test_several_fields_and_sources():
    newer = identity(
        stage3=SourceRecord("http://m/s-2.tar.xz", info('"s2"', cl="200"), "b" * 128, verified=False),
        overlay=SourceRecord("http://o/main.tar.gz", info("", lm="Sun, 02 Aug 2026 00:00:00 GMT"), "f" * 128),
    )
    assert identity().changes(newer) == [
        'stage3 changed: URL http://m/s-1.tar.xz → http://m/s-2.tar.xz, ETag "s1" → "s2", '
        "Content-Length 100 → 200, sha512 aaaaaaaaaaaa… → bbbbbbbbbbbb…",
        'genpack overlay changed: ETag "o1" → (none), '
        "Last-Modified Sat, 01 Aug 2026 00:00:00 GMT → Sun, 02 Aug 2026 00:00:00 GMT, "
        "sha512 eeeeeeeeeeee… → ffffffffffff…",
    ]


def test_same_content_from_another_server_is_the_same_source():
    moved = identity(
        stage3=SourceRecord("http://127.0.0.1:4242/s-1.tar.xz", info('"other"'), "a" * 128, verified=False),
        portage=SourceRecord("http://127.0.0.1:4242/portage-latest.tar.xz", info('"x"', cl="1"), "c" * 128),
    )
    assert moved == identity() and moved.stage3 == identity().stage3
    assert identity().changes(moved) == []
    assert identity().digest() == moved.digest()


def test_unparsable_info_is_shown_whole():
    newer = identity(portage=SourceRecord("http://m/snapshots/portage-latest.tar.xz", "garbage", "d" * 128))
    assert identity().changes(newer)[0].startswith(
        f"portage snapshot changed: headers {info(chr(34) + 'a' + chr(34))!r} → 'garbage', sha512 "
    )


def test_identity_error_is_a_source_error(tmp_path):
    from genpack_tui.engine.sources.errors import SourceError

    identity_path(tmp_path / "lower.img").write_text("{")
    with pytest.raises(SourceError):
        load_identity(tmp_path / "lower.img")
