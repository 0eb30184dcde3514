"""ShellPane: an interactive program (a shell in the build container) on a real pty inside the TUI.

The emulator is textual-tty 0.4 / bittty, wrapped in ``backend/terminal.py`` so the backend can change
without touching callers. The pane itself carries any border (a border on the emulator widget would
make the child believe it has more rows and columns than are visible).

Keys: everything goes to the child, Ctrl-C included, except
- **Ctrl-]** ("leave", binding id ``shell.leave``): focus leaves the pane and ``LeaveRequested`` is
  posted, so the app can move focus or close the pane;
- **Shift-PageUp / Shift-PageDown** and the mouse wheel (unless the child tracks the mouse or is
  full-screen): scroll-back; any other key returns to the live screen.

``run_suspended(app, argv)`` is the robust fallback: the app steps aside and the program gets the
real terminal, with no emulation in between.
"""
from __future__ import annotations

import os
import subprocess
from typing import Any, Mapping, Sequence

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.message import Message

from .backend.terminal import PaneTerminal

__all__ = ["ShellPane", "run_suspended"]


class ShellPane(Container):
    DEFAULT_CSS = """
    ShellPane {
        height: 1fr;
        border: round $accent 50%;
        &:focus-within { border: round $accent; }
        & > PaneTerminal { width: 1fr; height: 1fr; }
    }
    """

    BINDINGS = [
        Binding("ctrl+right_square_bracket", "leave", "Leave shell", priority=True, id="shell.leave"),
    ]

    class PaneMessage(Message):
        """A message from a ShellPane; ``control`` is that pane."""

        def __init__(self, pane: "ShellPane") -> None:
            super().__init__()
            self.pane = pane

        @property
        def control(self) -> "ShellPane":
            return self.pane

    class Exited(PaneMessage):
        """The child ended. ``returncode`` is negative for a signal; ``error`` is set if it never ran."""

        def __init__(self, pane: "ShellPane", returncode: int, error: str | None = None) -> None:
            super().__init__(pane)
            self.returncode = returncode
            self.error = error

    class LeaveRequested(PaneMessage):
        """The user pressed the leave key while the pane had focus."""

    def __init__(
        self,
        argv: Sequence[str],
        cwd: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        *,
        autostart: bool = True,
        scrollback_rows: int = 10_000,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """``argv`` runs with no shell in between; ``env`` replaces the environment (None inherits),
        TERM defaults to xterm-256color. With ``autostart`` the child starts after the first layout,
        so its pty already has the pane's size."""
        super().__init__(name=name, id=id, classes=classes)
        if not argv:
            raise ValueError("ShellPane needs a command")
        self.argv = list(argv)
        self.terminal = PaneTerminal(self.argv, cwd, env, scrollback_rows=scrollback_rows)
        self._autostart = autostart
        self.returncode: int | None = None

    def compose(self) -> ComposeResult:
        yield self.terminal

    def on_mount(self) -> None:
        if self._autostart:
            self.call_after_refresh(self.start)

    async def start(self) -> int | None:
        """Start the child; returns its pid, or None when it could not be started (then the pane
        shows why and posts ``Exited(127, error=...)``)."""
        try:
            return await self.terminal.start()
        except OSError as exc:
            error = f"cannot start {self.argv[0]}: {exc.strerror or exc}"
            self.terminal.feed(f"\x1b[31m{error}\x1b[0m\r\n")
            self.returncode = 127
            self.post_message(self.Exited(self, 127, error))
            return None

    @property
    def running(self) -> bool:
        return self.terminal.running

    def send_text(self, text: str) -> None:
        """Type ``text`` into the child as if from the keyboard (use "\\r" for Enter)."""
        self.terminal.send_text(text)

    def screen_text(self) -> str:
        """The visible screen as plain text, rows joined by newlines, trailing blanks removed."""
        return self.terminal.board.capture_text()

    def history_text(self) -> str:
        """Scroll-back plus screen as plain text."""
        return self.terminal.history_text()

    def focus_terminal(self) -> None:
        self.terminal.focus()

    def action_leave(self) -> None:
        self.terminal.blur()
        self.post_message(self.LeaveRequested(self))

    @on(PaneTerminal.ProcessExited)
    def _child_exited(self, event: Any) -> None:  # textual-tty's ProcessExited (the library has no types)
        event.stop()
        self.returncode = event.exit_code
        self.post_message(self.Exited(self, event.exit_code))


def run_suspended(
    app: App,
    argv: Sequence[str],
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> int:
    """Run ``argv`` full-screen in the real terminal while the app is suspended; returns its exit
    status. Raises textual's ``SuspendNotSupported`` where the driver cannot suspend (headless runs,
    the web driver)."""
    with app.suspend():
        return subprocess.call(list(argv), cwd=cwd, env=None if env is None else dict(env))
