"""Lines of a configuration text, one convention for every position shown to the user.

JSON5 ends a line at LF, CR, CR LF, U+2028 and U+2029; the parsers count only LF. Every line/column
the tool reports is computed here from a character offset, so a syntax error and a validation error
on the same character name the same line. Columns are 1-based and counted in characters.
"""
from __future__ import annotations

import bisect
import re

from .printable import escape_controls

_BREAK = re.compile(r"\r\n|[\n\u2028\u2029]|\r(?!\n)")
EXCERPT_WIDTH = 120  # characters of a long source line shown around the column
_ELLIPSIS = "…"


class LineIndex:
    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in _BREAK.finditer(text)]

    def position(self, offset: int) -> tuple[int, int]:
        """(line, column) of the character at ``offset`` (0-based)."""
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1

    def line_text(self, line: int) -> str | None:
        """Line ``line`` (1-based) without its line break; None when there is no such line."""
        if not 1 <= line <= len(self.starts):
            return None
        start = self.starts[line - 1]
        end = self.starts[line] if line < len(self.starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n\u2028\u2029")

    def excerpt(self, line: int, column: int | None) -> str | None:
        """The source line and a caret under ``column``: controls escaped, tabs kept so the caret
        aligns, and a long line cut to a window of :data:`EXCERPT_WIDTH` characters around the column."""
        source = self.line_text(line)
        if source is None:
            return None
        col = max((column or 1) - 1, 0)
        head = tail = ""
        if len(source) > EXCERPT_WIDTH:
            start = max(0, min(col - EXCERPT_WIDTH // 2, len(source) - EXCERPT_WIDTH))
            end = start + EXCERPT_WIDTH
            head = _ELLIPSIS if start > 0 else ""
            tail = _ELLIPSIS if end < len(source) else ""
            source, col = source[start:end], col - start
        shown = [escape_controls(ch, keep_tabs=True) for ch in source]
        text = "    " + head + "".join(shown) + tail
        if column is None:
            return text
        prefix = head + "".join(shown[:col])
        caret = "".join("\t" if ch == "\t" else " " for ch in prefix) + "^"
        return text + "\n    " + caret


def offset_from_lf_position(text: str, line: int, column: int) -> int:
    """The offset of a (line, column) counted as the parsers count them: lines end at LF only."""
    start = 0
    for _ in range(line - 1):
        found = text.find("\n", start)
        if found < 0:
            break
        start = found + 1
    return min(start + max(column - 1, 0), len(text))
