"""ShellHost: the Shell pane's content: a hint (or why no shell may start) and at most one ShellPane.

The app decides what may run (workbench_shell.shell_refusal) and which argv; the host shows it.
``widgets/shell/pane.py`` (textual-tty) is imported on first use: it is heavy and most sessions
never open a shell.
"""
from __future__ import annotations

import os
from typing import Mapping, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

__all__ = ["ShellHost"]

PANE_ID = "shell-pane"


def hint(reason: str | None = None) -> Text:
    text = Text()
    if reason:
        text.append(reason + "\n\n", "bold yellow")
    text.append("s: bash in the lower container   S: upper-bash on the upper layer\n", "bold")
    text.append("In the shell every key goes to it (Ctrl-C too). Ctrl-] leaves the pane; F2-F5 switch panes.", "dim")
    return text


class ShellHost(Vertical):
    DEFAULT_CSS = """
    ShellHost { height: 1fr; }
    ShellHost > #shell-placeholder { padding: 1 2; height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.label: str | None = None  # what runs, e.g. "upper-bash"
        self.placeholder = Static(hint(), id="shell-placeholder")

    def compose(self) -> ComposeResult:
        yield self.placeholder

    @property
    def pane(self):
        """The ShellPane, if one was opened (it may have exited)."""
        panes = self.query(f"#{PANE_ID}")
        return panes.first() if panes else None

    @property
    def running(self) -> bool:
        pane = self.pane
        return pane is not None and pane.running

    def say(self, reason: str) -> None:
        """Show ``reason`` above the usual hint."""
        self.placeholder.update(hint(reason))
        self.placeholder.display = True

    async def open(self, label: str, argv: Sequence[str], env: Mapping[str, str] | None,
                   cwd: str | os.PathLike[str] | None = None) -> None:
        """Replace any ended pane with a new one running ``argv`` and focus it."""
        from genpack_tui.widgets.shell.pane import ShellPane

        if self.pane is not None:
            await self.pane.remove()
        self.label = label
        self.placeholder.display = False
        pane = ShellPane(argv, cwd=cwd, env=env, id=PANE_ID)
        await self.mount(pane)
        pane.focus_terminal()

    def focus_shell(self) -> None:
        if self.pane is not None:
            self.pane.focus_terminal()

    def on_shell_pane_exited(self, event) -> None:  # ShellPane.Exited; it bubbles on to the app
        reason = f"The {self.label or 'shell'} ended (exit status {event.returncode})."
        if event.error:
            reason += f" {event.error}"
        self.say(reason)
