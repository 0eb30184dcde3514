"""How a difference from the previous build is drawn: a glyph (read without colour) and a style."""
from __future__ import annotations

from rich.text import Text

from genpack_tui.widgets.image.view_model import Mark

GLYPHS: dict[Mark, str] = {"added": "+", "removed": "-", "grown": "▲", "shrunk": "▼", "": " "}
STYLES: dict[Mark, str] = {"added": "bold green", "removed": "red", "grown": "yellow", "shrunk": "cyan", "": ""}
LEGEND = "+ added  - removed  ▲ grown  ▼ shrunk"


def mark_text(mark: Mark) -> Text:
    """The glyph as a span of its own, so the text it starts keeps the colour to the glyph."""
    return Text().append(GLYPHS[mark], STYLES[mark] or "")


def size_delta(size: int, previous: int | None) -> str:
    """"+1.2 KiB" / "-300 B"; "" when unchanged or there is nothing to compare with."""
    from genpack_tui.engine.report.format import human_size

    if previous is None or size == previous:
        return ""
    sign = "+" if size > previous else "-"
    return sign + human_size(abs(size - previous))
