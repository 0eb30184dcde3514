"""The textual-tty ``Terminal`` adapted for ShellPane: explicit start, argv/cwd/env, scroll-back.

Everything that touches textual-tty / bittty internals lives here, so another backend only has to
replace this module. Written against textual-tty 0.4.0 and bittty 0.1.4.
"""
from __future__ import annotations

import os
import subprocess
from typing import Mapping, Sequence

from bittty import Board, TerminalCaps
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual import events
from textual.strip import Strip
from textual_tty import Monitor, Terminal

from ...log.text import display_text, plain_text
from .flood import skim
from .scrollback import Scrollback
from .spawn import SessionPTY


class SessionBoard(Board):
    """A board whose child is spawned by ``SessionPTY`` and whose start errors are raised."""

    def __init__(self, argv: Sequence[str], cwd: str | os.PathLike[str] | None, env: Mapping[str, str] | None) -> None:
        super().__init__(command=list(argv), width=80, height=24)
        self.argv = list(argv)
        self.cwd_arg = cwd
        self.env_arg = env

    async def start_process(self) -> None:
        pty = SessionPTY(self.height, self.width)
        try:
            process = pty.spawn(self.argv, cwd=self.cwd_arg, env=self.env_arg)
        except OSError:
            pty.close()
            raise
        self.pty = pty
        self.process = process
        self.host.connect(pty, self._dispatch_pty_data, on_idle=self._pty_idle, on_closed=self.stop_process)


class PaneTerminal(Terminal):
    """Terminal that starts only when asked and can show rows that scrolled off the top."""

    SCROLL_KEYS = {"shift+pageup": -1, "shift+pagedown": +1}
    skim_floods = True  # see shell_flood; off means every byte goes through the emulator

    def __init__(
        self,
        argv: Sequence[str],
        cwd: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        scrollback_rows: int = 10_000,
        id: str | None = None,
    ) -> None:
        # Terminal.__init__ would build its own Board (and spawn with preexec_fn); build ours.
        Monitor.__init__(self, board=SessionBoard(argv, cwd, env), id=id)
        self._process: subprocess.Popen[bytes] | None = None
        self._exited = False
        self.mouse_mode = "off"
        self.cwd = ""
        self.icon_title = ""
        self.scrollback = Scrollback(self.board, scrollback_rows)
        self.scrollback.on_added = self._scrollback_added
        self.scroll_offset_rows = 0  # how many rows the view is lifted into the scroll-back
        self._started = False

    # --- lifecycle --- #

    def on_mount(self, event: events.Mount) -> None:
        # Replaces Terminal.on_mount (which spawns at once) and Monitor.on_mount: Textual would
        # otherwise run both, and Terminal's also calls Monitor's, giving two 60 Hz tick timers.
        event.prevent_default()
        self._chrome.set_caps(TerminalCaps(color_depth="truecolor", background=self.background_colors[1].rgb))
        self.board.set_pty_data_callback(self.feed)
        self.set_interval(1 / 60, self._tick)
        self.set_interval(0.5, self._blink)

    async def start(self) -> int:
        """Spawn the child; returns its pid. Raises OSError when it cannot be started."""
        if self._started:
            raise RuntimeError("the shell pane was already started")
        self._started = True
        if self.size.width and self.size.height:
            self.board.resize(self.size.width, self.size.height)
        await self.board.start_process()
        self._process = self.board.process
        return self._process.pid

    def feed(self, data: str) -> None:
        """Output from the child. Floods of plain lines skip the emulator for what scrolls by."""
        if self.skim_floods and not self._sync and skim(self.board, self.scrollback, data, super().feed):
            return
        super().feed(data)

    @property
    def returncode(self) -> int | None:
        return None if self._process is None else self._process.poll()

    @property
    def running(self) -> bool:
        """A child was started and has not exited."""
        return self._process is not None and self.returncode is None

    def send_text(self, text: str) -> None:
        self.board.display.input(text)

    # --- scroll-back view --- #

    def _scrollback_added(self, count: int) -> None:
        if self.scroll_offset_rows:
            # Keep the lifted view on the same rows while new output arrives.
            self.scroll_offset_rows = min(self.scroll_offset_rows + count, len(self.scrollback))

    def scroll_history(self, rows: int) -> None:
        """Lift the view ``rows`` up into the scroll-back (negative: back down towards live)."""
        offset = min(max(self.scroll_offset_rows + rows, 0), len(self.scrollback))
        if offset != self.scroll_offset_rows:
            self.scroll_offset_rows = offset
            self.refresh()

    def _tick(self) -> None:
        redraw = self.scroll_offset_rows and self._dirty
        super()._tick()
        if redraw:
            self.refresh()

    def render_line(self, y: int) -> Strip:
        if not self.scroll_offset_rows:
            return super().render_line(y)
        history = self.scrollback.rows
        index = len(history) - self.scroll_offset_rows + y
        if index < len(history):
            row = history[index]
            if isinstance(row, str):
                text = display_text(row, self.rich_style)
                return Strip(list(text.render(self.app.console)), text.cell_len).crop_extend(
                    0, self.size.width, self.rich_style
                )
        else:
            grid = self.board.blitter.current_buffer.grid
            row = grid[index - len(history)] if index - len(history) < len(grid) else []
        return self._row_strip(row, self.size.width)

    def _row_strip(self, row: list, width: int) -> Strip:
        segments: list[Segment] = []
        run: list[str] = []
        run_style = None
        for style, char in row[:width]:
            if style is not run_style and style != run_style:
                if run:
                    segments.append(Segment("".join(run), self._to_rich(run_style)))
                    run = []
                run_style = style
            run.append(char)
        if run:
            segments.append(Segment("".join(run), self._to_rich(run_style)))
        return Strip(segments).adjust_cell_length(width, RichStyle())

    def history_text(self) -> str:
        """Scroll-back plus screen as plain text (for tests and "copy all")."""
        rows = [*self.scrollback.rows, *self.board.blitter.current_buffer.grid]
        return "\n".join(
            (plain_text(row) if isinstance(row, str) else "".join(char for _style, char in row)).rstrip()
            for row in rows
        )

    # --- input --- #

    def on_key(self, event: events.Key) -> None:
        if event.key in self.SCROLL_KEYS:
            self.scroll_history(-self.SCROLL_KEYS[event.key] * max(1, self.size.height - 1))
            event.stop()
            event.prevent_default()
            return
        if self.scroll_offset_rows:
            self.scroll_offset_rows = 0
            self.refresh()
        super().on_key(event)

    def _wheel(self, event: events.MouseEvent, button: int, arrow: str) -> None:
        # The child gets the wheel when it tracks the mouse or runs full-screen; else we scroll back.
        if self.mouse_mode != "off" or self.board.blitter.in_alt_screen:
            super()._wheel(event, button, arrow)
            return
        self.scroll_history(3 if arrow == "up" else -3)
        event.stop()
