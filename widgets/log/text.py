"""Turning one raw build-log line into what the log view draws or searches.

Raw lines are stored untouched (so ``save()`` writes exactly what the build printed); everything
here runs only for the handful of lines that are visible or searched.
"""
from __future__ import annotations

import re

from rich.style import Style
from rich.text import Text

MAX_RENDER_CHARS = 4000
"""Lines longer than this are cut for display (the stored line stays whole)."""

_SGR = re.compile(r"\x1b\[[0-9;:]*m")
# Every escape sequence that is not SGR: other CSI, OSC (BEL or ST terminated), charset
# designations and two-byte escapes. A dangling ESC at a cut is removed as well.
_NON_SGR_ESCAPE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-ln-~]"  # CSI with any final byte except "m"
    r"|\x1b\][^\x07\x1b\n\r]*(?:\x07|\x1b\\)?"  # OSC
    r"|\x1b[()*+][0-9A-Za-z]"  # charset designation
    r"|\x1b[^\[\]\n\r]"  # two-byte escapes (never CR or LF: search joins lines with LF)
    r"|\x1b\[?[0-?]*$"  # dangling or truncated escape at the end
)
ESCAPES = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b\n\r]*(?:\x07|\x1b\\)?|[()*+][0-9A-Za-z]|[^\[\]\n\r]|\[?[0-?]*$)"
)
"""Every escape sequence, SGR included (same alternatives as above, factored for speed)."""
# C0 controls other than TAB and ESC, plus DEL: never drawn, they would corrupt the screen.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1a\x1c-\x1f\x7f]")
_NEEDS_CLEANING = re.compile(r"[\x00-\x1f\x7f]")


def _overwrite_cr(line: str) -> str:
    """A carriage return inside a line means the text after it overwrote what came before."""
    line = line.rstrip("\r")
    if "\r" in line:
        line = line.rsplit("\r", 1)[-1]
    return line


def abbreviate(line: str, limit: int = MAX_RENDER_CHARS) -> str:
    if len(line) <= limit:
        return line
    return f"{line[:limit]} … [+{len(line) - limit} chars]"


def plain_text(line: str) -> str:
    """The visible characters of a raw line: no escapes, no control characters."""
    if not _NEEDS_CLEANING.search(line):
        return line
    line = ESCAPES.sub("", _overwrite_cr(line))
    return _CONTROL.sub("", line).expandtabs(8)


def display_text(line: str, base_style: Style, limit: int = MAX_RENDER_CHARS) -> Text:
    """A styled, single-line ``Text`` for a raw line: SGR colours kept, everything else removed."""
    line = abbreviate(line, limit)
    if not _NEEDS_CLEANING.search(line):
        return Text(line, style=base_style, no_wrap=True, end="")
    line = _overwrite_cr(line)
    line = _CONTROL.sub("", _NON_SGR_ESCAPE.sub("", line))
    if "\t" in line:
        # Expand tabs on the visible text only, so escape sequences do not shift the stops.
        line = _expand_tabs_around_sgr(line)
    if "\x1b" not in line:
        return Text(line, style=base_style, no_wrap=True, end="")
    text = Text.from_ansi(line, style=base_style, no_wrap=True, end="")
    return text


def _expand_tabs_around_sgr(line: str) -> str:
    out: list[str] = []
    column = 0
    position = 0
    for match in _SGR.finditer(line):
        chunk = line[position : match.start()]
        expanded, column = _expand_from(chunk, column)
        out.append(expanded)
        out.append(match.group())
        position = match.end()
    expanded, column = _expand_from(line[position:], column)
    out.append(expanded)
    return "".join(out)


def _expand_from(chunk: str, column: int) -> tuple[str, int]:
    pieces: list[str] = []
    for part in re.split(r"(\t)", chunk):
        if part == "\t":
            spaces = 8 - column % 8
            pieces.append(" " * spaces)
            column += spaces
        else:
            pieces.append(part)
            column += len(part)
    return "".join(pieces), column
