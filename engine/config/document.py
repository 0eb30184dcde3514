"""Parsing genpack.json5 / genpack.json: syntax errors with the position a reader would point at."""
from __future__ import annotations

import json
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import json5
import pyjson5

from .config_file import JSON5_NAME, JSON_NAME, MINIMAL_HINT, find_config_file, read_config_bytes
from .lines import LineIndex, offset_from_lf_position
from .printable import describe_char, escape_controls
from .problems import ConfigError, Problem, format_path
from .sourcemap import SourceMap, scan, tokens

__all__ = ["JSON5_NAME", "JSON_NAME", "Document", "find_config_file", "load_document", "read_document"]

_JSON5_POSITION = re.compile(r"^<string>:(\d+) (.*) at column (\d+)$", re.DOTALL)
_NON_JSON_CONSTANTS = ("NaN", "Infinity", "-Infinity")
# JSON5 white space that Unicode classes as a control character; any other control is an error.
_SPACE_CONTROLS = frozenset("\t\n\v\f\r")


@dataclass(frozen=True)
class Document:
    """A parsed configuration: the raw object, its text, and where each key/value sits in the text."""

    filename: str
    text: str
    data: dict[str, Any]
    source_map: SourceMap = field(default_factory=SourceMap)
    warnings: tuple[Problem, ...] = ()


def _syntax_problem(filename: str, text: str, message: str, offset: int | None) -> Problem:
    message = "syntax error: " + escape_controls(message)
    if offset is None:
        return Problem("error", "", message, filename)
    lines = LineIndex(text)
    line, column = lines.position(offset)
    return Problem("error", "", message, filename, line, column, lines.excerpt(line, column))


def _is_plain_json(filename: str) -> bool:
    return filename.endswith(".json")


def _stray_control(text: str, before: int) -> int | None:
    """Offset of the first control character outside strings and comments, if it is at most ``before``."""
    for kind, value, start in tokens(text):
        if start > before:
            return None
        if kind in ("ws", "bare", "stop"):
            for index, ch in enumerate(value):
                if ch not in _SPACE_CONTROLS and unicodedata.category(ch) == "Cc":
                    return start + index if start + index <= before else None
    return None


def _unclosed(text: str) -> tuple[str, int] | None:
    """What is left open at the end of the text: ("comment" | "string", offset of its opening)."""
    for kind, value, start in tokens(text):
        if kind == "stop":
            if value.startswith("/*"):
                return "comment", start
            if value[:1] in "\"'":
                return "string", start
            return None
    return None


def _long_number(text: str) -> tuple[int, int] | None:
    """(offset, digits) of the first number literal longer than Python converts to an integer."""
    limit = sys.get_int_max_str_digits()
    for kind, value, start in tokens(text):
        if kind == "bare":
            digits = sum(ch.isdigit() for ch in value)
            if digits > limit:
                return start, digits
    return None


def _first_bare(text: str, wanted: tuple[str, ...]) -> int | None:
    for kind, value, start in tokens(text):
        if kind == "bare" and value in wanted:
            return start
    return None


def _number_too_long(filename: str, text: str) -> ConfigError:
    found = _long_number(text)
    limit = sys.get_int_max_str_digits()
    if found is None:
        return ConfigError([_syntax_problem(filename, text, f"a number has more than {limit} digits", None)])
    offset, digits = found
    return ConfigError([_syntax_problem(filename, text, f"a number with {digits} digits is too long "
                                        f"(at most {limit} digits)", offset)])


class _NotJson(Exception):
    def __init__(self, constant: str) -> None:
        self.constant = constant


def _reject_constant(constant: str) -> Any:
    raise _NotJson(constant)


def _parse_json(text: str, filename: str) -> Any:
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        message = exc.msg
        if exc.pos < len(text) and not text[exc.pos].isprintable() and not text[exc.pos].isspace():
            message += f": found {describe_char(text[exc.pos])}"
        raise ConfigError([_syntax_problem(filename, text, message, exc.pos)]) from None
    except _NotJson as exc:
        message = (f"{exc.constant} is not JSON ({filename} is read as plain JSON; "
                   f"write a number, or rename the file to {JSON5_NAME} for JSON5)")
        raise ConfigError([_syntax_problem(filename, text, message, _first_bare(text, (exc.constant,)))]) from None
    except ValueError:  # an integer beyond Python's digit limit
        raise _number_too_long(filename, text) from None


def _parse(text: str, filename: str) -> Any:
    if _is_plain_json(filename):
        return _parse_json(text, filename)
    try:
        # pyjson5 (compiled) parses the same language ~1000x faster than json5 (pure Python), which
        # keeps live reload fast; json5 stays the reference: it decides whatever pyjson5 rejects, and
        # its messages carry the line and column of a syntax error.
        return pyjson5.decode(text)
    except Exception:  # noqa: BLE001 - any refusal: let json5 decide and explain
        return _parse_json5(text, filename)


def _parse_json5(text: str, filename: str) -> Any:
    try:
        return json5.loads(text)
    except ValueError as exc:
        m = _JSON5_POSITION.match(str(exc))
        if not m:
            if "integer string conversion" in str(exc):
                raise _number_too_long(filename, text) from None
            raise ConfigError([_syntax_problem(filename, text, str(exc), None)]) from None
        message = m.group(2)
        offset = offset_from_lf_position(text, int(m.group(1)), int(m.group(3)))
        if message == "Unexpected end of input":
            unclosed = _unclosed(text)
            if unclosed is not None:
                what, offset = unclosed
                closing = "'*/'" if what == "comment" else "closing quote"
                message = f"unclosed {what}: it starts here and has no {closing}"
        else:
            # json5 reads one character past a bad object key before it complains; the scanner stops on it
            stopped = scan(text).stopped_at
            if stopped is not None and stopped < offset and not text[stopped + 1:offset].strip():
                offset, message = stopped, f'Unexpected "{text[stopped]}"'
            stray = _stray_control(text, offset)
            if stray is not None and stray >= offset - 1:
                offset = stray
            ch = text[offset] if offset < len(text) else ""
            if ch and not ch.isprintable():
                message = f"unexpected character {describe_char(ch)}"
        raise ConfigError([_syntax_problem(filename, text, message, offset)]) from None


def load_document(text: str, filename: str) -> Document:
    """Parse ``text`` as JSON (``*.json``) or JSON5 (anything else); raises only :class:`ConfigError`.

    Duplicate keys are kept as the parser does (the last one wins) and reported as warnings.
    """
    if not text.strip():
        raise ConfigError([Problem("error", "", f"the file is empty; {MINIMAL_HINT}", filename)])
    try:
        data = _parse(text, filename)
    except RecursionError:
        raise ConfigError([Problem("error", "", "the document is nested too deeply", filename)]) from None
    if not isinstance(data, dict):
        kind = {list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(type(data), "a number")
        raise ConfigError([Problem("error", "", f"the top level must be an object ({{ ... }}), found {kind}",
                                   filename, 1, 1)])
    source_map = scan(text, join_surrogates=_is_plain_json(filename))
    warnings = tuple(
        Problem("warning", format_path(dup.path),
                f"duplicate key (first at line {dup.first[0]}, column {dup.first[1]}); the last one is used",
                filename, dup.again[0], dup.again[1])
        for dup in source_map.duplicates
    )
    return Document(filename, text, data, source_map, warnings)


def read_document(path: Path) -> Document:
    """Read and parse a configuration file; raises only :class:`ConfigError`."""
    data = read_config_bytes(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError([Problem("error", "", f"not valid UTF-8 text (byte {exc.start})", path.name)]) from None
    return load_document(text, path.name)
