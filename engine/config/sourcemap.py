"""Where each key and value of a JSON5 (or JSON) text sits: config path -> (line, column).

The json5 library returns plain Python objects without positions, so this module scans the same
text once more with a small tokenizer and records, for every path, the position of the member's
key and of its value. It also notices duplicate keys (json5 silently keeps the last one).
The scanner is tolerant: on text it does not understand it stops and keeps what it mapped so far.
Lines and columns are 1-based, columns counted in characters (as the json5 library reports them).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator

from .lines import LineIndex
from .problems import PathParts

Pos = tuple[int, int]

_TOKEN = re.compile(
    r"""
    (?P<ws>[\s\ufeff]+)
  | (?P<comment>//[^\n\r\u2028\u2029]*|/\*.*?\*/)
  | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<punct>[{}\[\]:,])
  | (?P<bare>[^\s\ufeff{}\[\]:,'"/]+)
    """,
    re.VERBOSE | re.DOTALL,
)
_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "0": "\0"}
_ESCAPE = re.compile(r"\\(?:x([0-9A-Fa-f]{2})|u([0-9A-Fa-f]{4})|(\r\n|[\n\r\u2028\u2029])|(.))", re.DOTALL)


def _unescape(body: str, join_surrogates: bool) -> str:
    def repl(m: re.Match[str]) -> str:
        if m.group(1):
            return chr(int(m.group(1), 16))
        if m.group(2):
            return chr(int(m.group(2), 16))
        if m.group(3):
            return ""  # line continuation
        ch = m.group(4)
        return _ESCAPES.get(ch, ch)

    text = _ESCAPE.sub(repl, body) if "\\" in body else body
    # stdlib json joins a surrogate pair written as two \u escapes, json5 keeps both halves: match the parser.
    if join_surrogates and _has_surrogate(text):
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


@dataclass
class Duplicate:
    path: PathParts
    first: Pos
    again: Pos


@dataclass
class SourceMap:
    keys: dict[PathParts, Pos] = field(default_factory=dict)
    values: dict[PathParts, Pos] = field(default_factory=dict)
    duplicates: list[Duplicate] = field(default_factory=list)
    stopped_at: int | None = None  # offset where the text stops making sense as JSON5, if it does

    def key_pos(self, path: PathParts) -> Pos | None:
        """Position of the key naming ``path``, else of its value, else of the nearest ancestor."""
        return self.keys.get(path) or self.values.get(path) or self._ancestor(path)

    def value_pos(self, path: PathParts) -> Pos | None:
        """Position of the value at ``path``, else of its key, else of the nearest ancestor."""
        return self.values.get(path) or self.keys.get(path) or self._ancestor(path)

    def _ancestor(self, path: PathParts) -> Pos | None:
        while path:
            path = path[:-1]
            pos = self.values.get(path) or self.keys.get(path)
            if pos:
                return pos
        return None


@dataclass
class _Frame:
    is_object: bool
    path: PathParts
    state: str  # object: "key" | "colon" | "value" | "comma"; array: "value" | "comma"
    index: int = 0
    current: PathParts = ()
    seen: dict[str, Pos] = field(default_factory=dict)


def tokens(text: str) -> Iterator[tuple[str, str, int]]:
    """(kind, text, offset) of each token: ws, comment, str, punct, bare; then ("stop", rest, offset)
    where the tokenizer could not go on (an unclosed comment or string, a lone '/'), if anywhere."""
    offset = 0
    length = len(text)
    while offset < length:
        m = _TOKEN.match(text, offset)
        if m is None:
            yield "stop", text[offset:offset + 2], offset
            return
        yield m.lastgroup or "", m.group(), offset
        offset = m.end()


def scan(text: str, *, join_surrogates: bool = False) -> SourceMap:
    """Map every key/value of ``text`` to its position; never raises.

    ``join_surrogates``: decode escaped surrogate pairs into one character, as stdlib json does.
    """
    result = SourceMap()
    pos = LineIndex(text).position

    stack: list[_Frame] = []
    started = False

    def open_value(kind: str, value: str, where: Pos, path: PathParts) -> None:
        result.values[path] = where
        if value == "{":
            stack.append(_Frame(True, path, "key"))
        elif value == "[":
            stack.append(_Frame(False, path, "value"))

    for kind, value, start in tokens(text):
        if kind in ("ws", "comment"):
            continue
        if kind == "stop":
            break
        where = pos(start)
        is_value_token = kind in ("str", "bare") or value in "{["
        if not started:
            if not is_value_token:
                break
            started = True
            open_value(kind, value, where, ())
            if not stack:
                return result  # a scalar document: nothing more to map
            continue
        if not stack:
            break
        frame = stack[-1]
        if frame.is_object:
            if frame.state == "key":
                if value == "}":
                    stack.pop()
                    continue
                if kind not in ("str", "bare"):
                    break
                key = _unescape(value[1:-1] if kind == "str" else value, join_surrogates)
                frame.current = frame.path + (key,)
                if key in frame.seen:
                    result.duplicates.append(Duplicate(frame.current, frame.seen[key], where))
                frame.seen[key] = where
                result.keys[frame.current] = where
                frame.state = "colon"
            elif frame.state == "colon":
                if value != ":":
                    break
                frame.state = "value"
            elif frame.state == "value":
                if not is_value_token:
                    break
                frame.state = "comma"
                open_value(kind, value, where, frame.current)
            else:
                if value == ",":
                    frame.state = "key"
                elif value == "}":
                    stack.pop()
                else:
                    break
        else:
            if frame.state == "value":
                if value == "]":
                    stack.pop()
                    continue
                if not is_value_token:
                    break
                frame.state = "comma"
                path = frame.path + (frame.index,)
                frame.index += 1
                open_value(kind, value, where, path)
            else:
                if value == ",":
                    frame.state = "value"
                elif value == "]":
                    stack.pop()
                else:
                    break
    else:
        return result
    result.stopped_at = start  # the first token the scanner could not place
    return result
