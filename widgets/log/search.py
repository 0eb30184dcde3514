"""Finding lines in a build log by their visible text (escape sequences never match).

Lines are searched in chunks joined by newlines, so the scanning runs in C (``str.find`` for plain
text, one ``finditer`` per chunk for regular expressions) instead of one Python call per line:
about 4x faster on emerge-like output (see benchmarks/bench_log_view.py for figures).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

from .text import ESCAPES, plain_text

DEFAULT_ERROR_PATTERNS: tuple[str, ...] = (" * ERROR: ", "!!! ", ">>> Failed to emerge")
"""Plain substrings that mark a failure in emerge / ebuild output."""

_CHUNK_LINES = 16_384


class SearchError(ValueError):
    """The user's search pattern could not be used (the message says why)."""


@dataclass(frozen=True)
class Query:
    regex: re.Pattern[str]
    literals: tuple[str, ...] | None = None  # plain substrings, lower-cased when ignore_case
    ignore_case: bool = False
    per_line: bool = False  # \A / \Z mean the start / end of the chunk, so search line by line


def compile_query(pattern: str, regex: bool = False, case_sensitive: bool = False) -> Query:
    if not pattern:
        raise SearchError("empty search pattern")
    # MULTILINE makes ^ and $ mean line start / end inside a chunk; on one line it changes nothing.
    flags = re.MULTILINE | (0 if case_sensitive else re.IGNORECASE)
    try:
        compiled = re.compile(pattern if regex else re.escape(pattern), flags)
    except re.error as exc:
        where = f" at position {exc.pos}" if exc.pos is not None else ""
        raise SearchError(f"invalid regular expression {pattern!r}: {exc.msg}{where}") from None
    if regex:
        return Query(compiled, per_line="\\A" in pattern or "\\Z" in pattern)
    return Query(compiled, (pattern if case_sensitive else pattern.lower(),), not case_sensitive)


def compile_substrings(substrings: Iterable[str]) -> Query:
    """Any of several plain substrings, case-sensitive (as emerge prints them)."""
    literals = tuple(s for s in substrings if s)
    if not literals:
        raise SearchError("no error patterns configured")
    return Query(re.compile("|".join(re.escape(s) for s in literals)), literals)


def _plain_chunk(lines: Sequence[str]) -> str:
    chunk = "\n".join(lines)
    if "\x1b" in chunk:
        chunk = ESCAPES.sub("", chunk)
    # isprintable() runs in C; if anything else needs cleaning (CR, TAB, controls) go line by line.
    if chunk.replace("\n", "").isprintable():
        return chunk
    return "\n".join(plain_text(line) for line in lines)


def _spans(chunk: str, query: Query) -> Iterator[tuple[int, int]]:
    # lower() can change the length of non-ASCII text, which would shift the positions.
    if query.literals is None or (query.ignore_case and not chunk.isascii()):
        for match in query.regex.finditer(chunk):
            yield match.span()
        return
    haystack = chunk.lower() if query.ignore_case else chunk
    found: list[tuple[int, int]] = []
    for needle in query.literals:
        position = haystack.find(needle)
        while position >= 0:
            found.append((position, position + len(needle)))
            position = haystack.find(needle, position + 1)
    yield from sorted(found) if len(query.literals) > 1 else found


def find_lines(lines: Sequence[str], query: Query, start: int = 0, limit: int | None = None) -> list[int]:
    """Indices (into ``lines``) of lines from ``start`` on whose visible text matches."""
    found: list[int] = []
    if query.per_line:
        for number in range(start, len(lines)):
            if query.regex.search(plain_text(lines[number])):
                found.append(number)
                if limit is not None and len(found) >= limit:
                    break
        return found
    for chunk_start in range(start, len(lines), _CHUNK_LINES):
        part = lines[chunk_start : chunk_start + _CHUNK_LINES]
        chunk = _plain_chunk(part)
        line = chunk_start
        counted_to = 0
        for begin, end in _spans(chunk, query):
            line += chunk.count("\n", counted_to, begin)
            counted_to = begin
            if "\n" in chunk[begin:end]:
                # The expression matched across a joined newline: judge those lines one by one.
                last = line + chunk.count("\n", begin, end)
                candidates = [n for n in range(line, last + 1) if query.regex.search(plain_text(lines[n]))]
            else:
                candidates = [line]
            for number in candidates:
                if found and found[-1] >= number:
                    continue
                found.append(number)
                if limit is not None and len(found) >= limit:
                    return found
    return found


def match_spans(line: str, query: Query) -> list[tuple[int, int]]:
    """Character spans of every match in the visible text of ``line``."""
    return [m.span() for m in query.regex.finditer(plain_text(line)) if m.end() > m.start()]
