"""Scroll-back for a bittty board, which keeps none of its own (bittty 0.1.4 / textual-tty 0.4).

Rows that scroll off the top of the primary screen (a full-width region starting at row 0, which is
what a shell's output does) are kept in a bounded deque. Full-screen programs use the alternate
screen and never add to it, as in xterm. Lines that ``shell_flood`` skimmed past the emulator are
kept as raw text (``str``, SGR codes included) and drawn unwrapped.
"""
from __future__ import annotations

from collections import deque
from typing import Any, Callable

Row = list[Any]  # bittty video row: list of (Style, char) cells
Entry = Row | str  # a video row, or a raw line that never went through the emulator


class Scrollback:
    def __init__(self, board: Any, max_rows: int = 10_000) -> None:
        self._board = board
        self.rows: deque[Entry] = deque(maxlen=max_rows)
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
        self._push(blitter.current_buffer.grid[0:count])

    def push_rows(self, rows: list[Row]) -> None:
        self._push(rows)

    def push_lines(self, lines: list[str]) -> None:
        self._push(lines)

    def _push(self, entries: list[Any]) -> None:
        if not entries:
            return
        maxlen = self.rows.maxlen or len(entries)
        self.rows.extend(entries[-maxlen:])
        if self.on_added is not None:
            self.on_added(len(entries))

    def __len__(self) -> int:
        return len(self.rows)
