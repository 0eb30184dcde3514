"""The JSON5-aware scanner that maps config paths to source positions."""
from __future__ import annotations

from genpack_tui.engine.config.sourcemap import scan


def test_positions_of_keys_and_values_through_comments_and_strings() -> None:
    text = (
        "// header {not: json}\n"
        "{\n"
        "  /* block\n  comment */ name: 'a\\'b',\n"
        "  \"use\": {\"x/y\": \"VIDEO_CARDS: virgl\", // trailing\n"
        "          'a/b': ['p', \"q\"],},\n"
        "  list: [ {k: 1}, [2, 3] ],\n"
        "}\n"
    )
    sm = scan(text)
    assert sm.keys[("name",)] == (4, 14) and sm.values[("name",)] == (4, 20)
    assert sm.keys[("use", "x/y")] == (5, 11) and sm.values[("use", "x/y")] == (5, 18)
    assert sm.values[("use", "a/b", 1)] == (6, 24)
    assert sm.values[("list", 0, "k")] == (7, 15)
    assert sm.values[("list", 1, 1)] == (7, 23)
    assert sm.duplicates == []


def test_fallbacks_to_key_then_ancestor() -> None:
    sm = scan("{\n a: {\n  b: 1 }}")
    assert sm.value_pos(("a", "b", "c", 3)) == (3, 6)
    assert sm.key_pos(("a",)) == (2, 2)
    assert sm.value_pos(("zz",)) == (1, 1)


def test_unicode_escapes_in_keys_and_crlf_lines() -> None:
    sm = scan('{\r\n  "\\u0041b": 1,\r\n  c\\u0044: 2\r\n}')
    assert sm.keys[("Ab",)] == (2, 3) and sm.keys[("cD",)] == (3, 3)


def test_duplicates_are_recorded() -> None:
    sm = scan("{a: 1, b: {c: 1, c: 2}, a: 3}")
    assert [(d.path, d.first, d.again) for d in sm.duplicates] == [(("b", "c"), (1, 12), (1, 18)),
                                                                   (("a",), (1, 2), (1, 25))]


def test_garbage_stops_quietly() -> None:
    sm = scan("{a: [1, @@@, 2], b: 3}")
    assert sm.values[("a", 0)] == (1, 6)
    assert scan("").values == {} and scan("]]]").values == {}
