"""Skimming floods of plain output (``cat big.log``, emerge) past the terminal emulator.

bittty parses about 28k lines/s here, so 200k lines of build output took ~20 s in the pane. But in
a chunk of plain lines only the last screenful can ever be visible: the lines before it would only
scroll through. When a chunk holds nothing but printable text, CR LF line ends and SGR colour
codes, and the screen scrolls as a whole, this module feeds the emulator only

- the first line (it continues the cursor's row),
- the SGR codes of the skipped lines (so the colour state stays exact),
- the last screenful of lines and the unterminated tail,

and hands the skipped lines to the scroll-back as raw text. A background colour (which scrolling
paints into new rows) also sends the chunk the normal way. The visible screen ends identical to
full emulation; any other content (cursor movement, tabs, lone CR, full-screen programs) takes the
normal path.
"""
from __future__ import annotations

import re
from typing import Any, Callable

from .scrollback import Scrollback

SGR = re.compile(r"\x1b\[[0-9;:]*m")
_NON_SGR_ESCAPE = re.compile(r"\x1b(?!\[[0-9;:]*m)")
# SGR parameters that set a background (49, "default background", is harmless). With a background
# set, rows created by scrolling take its colour (BCE), which skimming cannot reproduce. Colour
# indices inside 38;5;N may trip this too; that only costs the fast path, never correctness.
_SETS_BACKGROUND = re.compile(r"\x1b\[(?:[0-9:]*;)*(?:4[0-8]|10[0-7])(?:[;:][0-9;:]*)?m")


def _scrolls_whole_screen(board: Any) -> bool:
    blitter = board.blitter
    return (
        not blitter.in_alt_screen
        and blitter.scroll_top == 0
        and blitter.scroll_bottom == board.height - 1
        and blitter.left_margin == 0
        and blitter.right_margin == board.width - 1
        and not board.modes.insert_mode
        and not board.modes.origin_mode
        and not board.printer.auto_print
    )


def skim(board: Any, scrollback: Scrollback, data: str, feed: Callable[[str], None]) -> bool:
    """Feed ``data`` the short way if it qualifies; False (nothing fed) when it does not."""
    height = board.height
    if data.count("\n") < 3 * height or not _scrolls_whole_screen(board):
        return False
    if board.style.current.bg is not None:
        return False
    if "\x1b" in data and (_NON_SGR_ESCAPE.search(data) or _SETS_BACKGROUND.search(data)):
        return False
    text = data.replace("\r\n", "\n")
    visible = SGR.sub("", text) if "\x1b" in text else text
    if not visible.replace("\n", "").isprintable():  # lone CR, TAB, BS, BEL, other controls
        return False
    lines = text.split("\n")
    head, skipped, kept = lines[0], lines[1 : -height - 1], lines[-height - 1 :]
    feed(head + "\r\n")
    cursor = board.cursor
    page = board.blitter.current_buffer
    # Everything above the cursor's (fresh) row would scroll into the scroll-back before the
    # skipped lines do; the rows at and below it would be overwritten by them.
    scrollback.push_rows(page.grid[0 : cursor.y])
    scrollback.push_lines(skipped)
    codes = SGR.findall("\n".join(skipped)) if "\x1b" in text else ()
    if codes:
        feed("".join(codes))
    page.scroll_up(height)  # blank the page (bypasses Blitter.scroll, so nothing reaches the history)
    cursor.set_position(0, 0)
    feed("\r\n".join(kept))
    return True
