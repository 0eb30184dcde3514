"""Syntax errors point at the character a reader would: controls named, comments opened, any line end."""
from __future__ import annotations

import pytest

from genpack_tui.engine.config import ConfigError, Problem, load_document, merge_document
from genpack_tui.engine.config.lines import EXCERPT_WIDTH


def syntax_error(text: str, filename: str = "genpack.json5") -> Problem:
    with pytest.raises(ConfigError) as info:
        load_document(text, filename)
    [problem] = info.value.problems
    return problem


def caret_target(problem: Problem) -> str:
    """The excerpt text above the caret (escapes included), from the caret's column on."""
    source, caret = problem.excerpt.split("\n")
    return source[caret.index("^"):]


@pytest.mark.parametrize("char,name", [("\x1b", "U+001B (ESC)"), ("\x00", "U+0000 (NUL)"), ("\x7f", "U+007F (DEL)")])
def test_raw_control_character_is_named_and_the_caret_is_on_it(char: str, name: str) -> None:
    problem = syntax_error("{\n  a: 1,%s b: 2}" % char)
    assert (problem.line, problem.column) == (2, 8)
    assert problem.message == f"syntax error: unexpected character {name}"
    assert caret_target(problem).startswith(ascii(char)[1:-1])
    assert "\x1b" not in str(problem) and "\x00" not in str(problem)


def test_control_character_in_value_position_is_named() -> None:
    problem = syntax_error('{a: ["x", \x1b]}')
    assert (problem.line, problem.column) == (1, 11) and "U+001B (ESC)" in problem.message


def test_control_character_in_plain_json_is_named() -> None:
    problem = syntax_error('{"a": \x1b}', "genpack.json")
    assert (problem.line, problem.column) == (1, 7) and "found U+001B (ESC)" in problem.message


def test_unclosed_block_comment_is_reported_where_it_opens() -> None:
    problem = syntax_error("{\n  a: 1, /* note\n\n  b: 2,\n}\n")
    assert (problem.line, problem.column) == (2, 9)
    assert "unclosed comment" in problem.message and "'*/'" in problem.message
    assert caret_target(problem).startswith("/*")


def test_unclosed_string_is_reported_where_it_opens() -> None:
    problem = syntax_error('{\n  a: "open, b: 2}')
    assert (problem.line, problem.column) == (2, 6) and "unclosed string" in problem.message


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r", "\u2028", "\u2029"])
def test_syntax_and_validation_errors_agree_on_the_line(newline: str) -> None:
    lines = ["{", "  name: 'x',", "  packages: ['a/b'],", "  compression: %s,", "}"]
    text = newline.join(lines)
    syntax = syntax_error(text % "")
    _merged, _prov, problems = merge_document(load_document(text % "'zstd'", "genpack.json5"), variant=None,
                                              arch="x86_64", artifact_name="x")
    [validation] = [p for p in problems if p.path == "compression"]
    assert syntax.line == validation.line == 4
    assert (syntax.column, validation.column) == (16, 16)
    assert syntax.excerpt.split("\n")[0] == "      compression: ,"


def test_carriage_return_lines_in_plain_json() -> None:
    problem = syntax_error('{"a": 1,\r "b": ,\r}', "genpack.json")
    assert (problem.line, problem.column) == (2, 7)


def test_a_huge_line_is_cut_to_a_window_around_the_column() -> None:
    problem = syntax_error('{\n  "a": "' + "y" * 200_000 + '",, b: @}\n')
    source, caret = problem.excerpt.split("\n")
    assert len(source) <= EXCERPT_WIDTH + 10 and len(caret) <= EXCERPT_WIDTH + 10
    assert source.startswith("    …") and problem.line == 2
    assert caret_target(problem).startswith(", b: @}")


@pytest.mark.parametrize("text,column,found", [("{a: 1, ,}", 8, ","), ('{a: 1, "b" 2}', 12, "2"), ("{,}", 2, ",")])
def test_a_bad_key_is_reported_on_itself(text: str, column: int, found: str) -> None:
    problem = syntax_error(text)
    assert problem.column == column and problem.message == f'syntax error: Unexpected "{found}"'


def test_a_long_line_keeps_the_start_when_the_error_is_near_it() -> None:
    problem = syntax_error("{a: @, b: '" + "z" * 500 + "'}")
    source, _caret = problem.excerpt.split("\n")
    assert source.startswith("    {a: @") and source.endswith("…") and caret_target(problem) .startswith("@")
