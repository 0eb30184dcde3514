"""Real-terminal smoke test under tmux: ShellPane sizes, Ctrl-C, resize, and run_suspended.

Headless pilot tests cannot show what a real pty + real terminal do together, so this drives a tiny
app in a tmux pane with send-keys and reads the screen with capture-pane.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

APP = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from textual.app import App
from textual.binding import Binding
from textual.widgets import Static
from genpack_tui.widgets.shell.pane import ShellPane, run_suspended

class TmuxApp(App):
    BINDINGS = [Binding("f5", "suspended", priority=True)]

    def compose(self):
        yield ShellPane(["/bin/sh"], env={{"PATH": "/usr/bin:/bin", "PS1": "$ ", "HOME": "/tmp", "ENV": ""}})
        yield Static("status: idle", id="status")

    def on_mount(self):
        self.query_one(ShellPane).focus_terminal()
        self.set_interval(0.1, self._show_size)

    def _show_size(self):
        if "suspended" in str(self.query_one("#status", Static).content):
            return
        region = self.query_one(ShellPane).terminal.content_region
        self.query_one("#status", Static).update(f"status: pane {{region.height}}x{{region.width}}")

    def action_suspended(self):
        rc = run_suspended(self, ["sh", "-c", "echo SUSPENDED-RUN-$((40+2)); sleep 1; exit 3"])
        self.query_one("#status", Static).update(f"status: suspended rc={{rc}}")

TmuxApp().run()
"""

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Tmux:
    def __init__(self, session: str) -> None:
        self.session = session

    def run(self, *args: str) -> str:
        return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.session)

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", self.session, *keys)

    def wait_for(self, pattern: str, timeout: float = 15.0) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(pattern, self.screen())
            if found:
                return found
            time.sleep(0.05)
        raise AssertionError(f"{pattern!r} never appeared; screen:\n{self.screen()}")


@pytest.fixture
def tmux(tmp_path: Path):
    script = tmp_path / "tmux_app.py"
    script.write_text(APP)
    session = f"h4test{os.getpid()}"
    tmux = Tmux(session)
    tmux.run("new-session", "-d", "-s", session, "-x", "100", "-y", "30",
             f"env -u COLUMNS -u LINES TERM=xterm-256color {sys.executable} {script}")
    try:
        yield tmux
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def pane_size(width: int, height: int) -> tuple[int, int]:
    """Rows x columns inside the pane: its border takes 2 of each, the status line one row."""
    return height - 3, width - 2


def test_shell_pane_in_a_real_terminal(tmux: Tmux) -> None:
    tmux.run("resize-window", "-t", tmux.session, "-x", "100", "-y", "30")
    rows, cols = pane_size(100, 30)
    tmux.wait_for(rf"status: pane {rows}x{cols}")
    tmux.wait_for(r"\$ ")
    tmux.keys("stty size", "Enter")
    tmux.wait_for(rf"\n.*{rows} {cols}")

    tmux.keys("sleep 100", "Enter")
    time.sleep(0.3)
    tmux.keys("C-c")
    tmux.keys("echo rc=$?", "Enter")
    tmux.wait_for(r"rc=130")

    tmux.run("resize-window", "-t", tmux.session, "-x", "90", "-y", "26")
    rows, cols = pane_size(90, 26)
    tmux.wait_for(rf"status: pane {rows}x{cols}")
    tmux.keys("clear; stty size", "Enter")
    tmux.wait_for(rf"\n.*{rows} {cols}")

    tmux.keys("F5")
    tmux.wait_for(r"SUSPENDED-RUN-42")
    tmux.wait_for(r"status: suspended rc=3")
    tmux.keys("C-q")
