"""Finding lines in a build log by their visible text (escape sequences never match)."""
from __future__ import annotations

import re
from typing import Iterable, Sequence

from .log_text import plain_text

DEFAULT_ERROR_PATTERNS: tuple[str, ...] = (" * ERROR: ", "!!! ", ">>> Failed to emerge")
"""Plain substrings that mark a failure in emerge / ebuild output."""


class SearchError(ValueError):
    """The user's search pattern could not be used (the message says why)."""


def compile_query(pattern: str, regex: bool = False, case_sensitive: bool = False) -> re.Pattern[str]:
    if not pattern:
        raise SearchError("empty search pattern")
    flags = 0 if case_sensitive else re.IGNORECASE
    try:
        return re.compile(pattern if regex else re.escape(pattern), flags)
    except re.error as exc:
        where = f" at position {exc.pos}" if exc.pos is not None else ""
        raise SearchError(f"invalid regular expression {pattern!r}: {exc.msg}{where}") from None


def compile_substrings(substrings: Iterable[str]) -> re.Pattern[str]:
    """One pattern matching any of several plain substrings (case-sensitive, as emerge prints them)."""
    parts = [re.escape(s) for s in substrings if s]
    if not parts:
        raise SearchError("no error patterns configured")
    return re.compile("|".join(parts))


def find_lines(
    lines: Sequence[str], matcher: re.Pattern[str], start: int = 0, limit: int | None = None
) -> list[int]:
    """Indices (into ``lines``) of lines from ``start`` on whose visible text matches."""
    found: list[int] = []
    search = matcher.search
    for index in range(start, len(lines)):
        line = lines[index]
        if "\x1b" in line or "\r" in line:
            line = plain_text(line)
        if search(line):
            found.append(index)
            if limit is not None and len(found) >= limit:
                break
    return found


def match_spans(line: str, matcher: re.Pattern[str]) -> list[tuple[int, int]]:
    """Character spans of every match in the visible text of ``line``."""
    return [m.span() for m in matcher.finditer(plain_text(line)) if m.end() > m.start()]
