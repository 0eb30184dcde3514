"""Scroll-back for a bittty board, which keeps none of its own (bittty 0.1.4 / textual-tty 0.4).

Rows that scroll off the top of the primary screen (a full-width region starting at row 0, which is
what a shell's output does) are kept in a bounded deque. Full-screen programs use the alternate
screen and never add to it, as in xterm.
"""
from __future__ import annotations

from collections import deque
from typing import Any, Callable

Row = list[Any]  # bittty video row: list of (Style, char) cells


class Scrollback:
    def __init__(self, board: Any, max_rows: int = 10_000) -> None:
        self._board = board
        self.rows: deque[Row] = deque(maxlen=max_rows)
        self.on_added: Callable[[int], None] | None = None
        blitter = board.blitter
        original: Callable[[int], None] = blitter.scroll

        def scroll(lines: int) -> None:
            if lines > 0:
                self._capture(lines)
            original(lines)

        # Every scroll path (line feed at the bottom margin, CSI S) goes through Blitter.scroll
        # looked up on the instance, so an instance attribute intercepts all of them.
        blitter.scroll = scroll

    def _capture(self, lines: int) -> None:
        blitter = self._board.blitter
        if (
            blitter.in_alt_screen
            or blitter.scroll_top != 0
            or blitter.left_margin != 0
            or blitter.right_margin != self._board.width - 1
        ):
            return
        region = blitter.scroll_bottom - blitter.scroll_top + 1
        count = min(lines, region)
        # The rows leaving the grid are dropped by the scroll, never mutated again: keep them as is.
        self.rows.extend(blitter.current_buffer.grid[0:count])
        if self.on_added is not None:
            self.on_added(count)

    def __len__(self) -> int:
        return len(self.rows)
