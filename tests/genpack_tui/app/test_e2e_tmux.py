"""End to end in a real terminal: the workbench under tmux builds the example artifact against the
Portage test bed, shows progress and the finished image, then opens upper-bash in the shell pane.

Needs root (loop mounts, systemd-nspawn), tmux and the test bed (built once, then cached).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest

from tests.fixtures.app import EXAMPLE_ARTIFACT

ROOT = Path(__file__).resolve().parents[3]

pytestmark = [
    pytest.mark.root,
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="builds need root"),
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


class Tmux:
    """One tmux server of our own (its own socket), one session running the app."""

    def __init__(self, name: str) -> None:
        self.base = ["tmux", "-L", name]
        self.session = "workbench"

    def start(self, argv: list[str], width: int = 120, height: int = 40) -> None:
        subprocess.run([*self.base, "new-session", "-d", "-s", self.session, "-x", str(width), "-y", str(height),
                        # COLUMNS/LINES (set under pytest) would override the pane's real size
                        "env", "-u", "COLUMNS", "-u", "LINES", "TERM=xterm-256color", f"PYTHONPATH={ROOT}",
                        *argv], check=True)
        # a new server may start the window at its default size whatever -x/-y said
        subprocess.run([*self.base, "resize-window", "-t", self.session, "-x", str(width), "-y", str(height)],
                       check=True)

    def screen(self) -> str:
        return subprocess.run([*self.base, "capture-pane", "-p", "-t", self.session], capture_output=True,
                              text=True).stdout

    def keys(self, *keys: str) -> None:
        subprocess.run([*self.base, "send-keys", "-t", self.session, *keys], check=True)

    def wait_for(self, condition: Callable[[str], bool], timeout: float, what: str) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if condition(screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}; the screen was:\n{screen}")

    def alive(self) -> bool:
        return subprocess.run([*self.base, "has-session", "-t", self.session], capture_output=True).returncode == 0

    def kill(self) -> None:
        subprocess.run([*self.base, "kill-server"], capture_output=True)


@pytest.fixture
def tmux() -> Tmux:
    server = Tmux(f"genpack-e2e-{os.getpid()}")
    yield server
    server.kill()


def test_build_then_shell_in_a_real_terminal(tmux: Tmux, testbed_mirror, tmp_path: Path) -> None:
    artifact = tmp_path / "hello"
    shutil.copytree(EXAMPLE_ARTIFACT, artifact)
    tmux.start([sys.executable, "-m", "genpack_tui", "-C", str(artifact), "--arch", "x86_64",
                "--mirror", testbed_mirror.mirror_url, "--overlay-url", testbed_mirror.overlay_url,
                "--keyring", str(testbed_mirror.keyring)])
    screen = tmux.wait_for(lambda s: "merge order:" in s, 30, "the config tree")
    assert "hello" in screen and "x86_64" in screen
    tmux.wait_for(lambda s: s.count("never built") == 3, 30, "three 'never built' badges")

    tmux.keys("b")  # run the Build pane's action: build
    progress = re.compile(r"emerge (\d+)/(\d+) (\S+) · (source|cache|binhost|binary) · (\w+)")
    seen_progress: set[str] = set()
    progress_rows: list[str] = []

    def finished(screen: str) -> bool:
        seen_progress.update(m.group(0) for m in progress.finditer(screen))
        progress_rows.extend(line for line in screen.splitlines() if line.startswith("emerge "))
        return "✓ finished in" in screen or "✖ failed after" in screen

    screen = tmux.wait_for(finished, 1200, "the build to end")
    assert "✓ finished in" in screen, screen
    assert seen_progress, f"no emerge progress was ever shown: {progress_rows[-5:]}"
    assert "image: hello-x86_64.squashfs" in screen
    assert (artifact / "hello-x86_64.squashfs").stat().st_size > 0
    tmux.wait_for(lambda s: s.count("up to date") >= 3, 60, "the badges to say up to date")

    tmux.keys("S")  # upper-bash in the shell pane
    tmux.wait_for(lambda s: re.search(r"root@[\w.-]+:/#", s) is not None, 120, "the upper-bash prompt")
    tmux.keys("cat /etc/issue; echo rows-cols=$(stty size)", "Enter")
    screen = tmux.wait_for(lambda s: "Welcome to the hello image" in s and "rows-cols=" in s, 30,
                           "the command's output")
    rows, cols = map(int, re.search(r"rows-cols=(\d+) (\d+)", screen).groups())
    assert 10 < rows < 40 and 100 < cols < 120  # the pane's inner size, not the whole terminal
    tmux.keys("exit", "Enter")
    tmux.wait_for(lambda s: "upper-bash ended (exit status 0)" in s, 60, "the shell to end")
    tmux.keys("C-q")
    deadline = time.monotonic() + 15
    while tmux.alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not tmux.alive(), "the app did not quit on Ctrl-Q"


def test_failed_build_shows_package_and_opens_its_log(tmux: Tmux, testbed_mirror, tmp_path: Path) -> None:
    """The test bed's app-misc/broken fails in src_compile: the failure panel names it, and `l` shows
    its build.log from inside the lower container."""
    artifact = tmp_path / "hello"
    shutil.copytree(EXAMPLE_ARTIFACT, artifact)
    config = artifact / "genpack.json5"
    config.write_text(config.read_text().replace('"app-misc/hello",', '"app-misc/hello",\n    "app-misc/broken",', 1))
    tmux.start([sys.executable, "-m", "genpack_tui", "-C", str(artifact), "--arch", "x86_64",
                "--mirror", testbed_mirror.mirror_url, "--overlay-url", testbed_mirror.overlay_url,
                "--keyring", str(testbed_mirror.keyring), "lower"])
    screen = tmux.wait_for(lambda s: "✖ failed after" in s or "✓ finished in" in s, 1200, "lower to end")
    assert "✖ app-misc/broken-1.0 failed in compile during lower" in screen, screen
    assert "log: /var/tmp/portage/app-misc/broken-1.0/temp/build.log" in screen
    assert "l: its build.log" in screen
    tmux.keys("l")  # the Shell pane replaces the Build pane: what follows is the log seen from the container
    # cat shows the whole log (the test bed has no less); less +G would open at its end
    tmux.wait_for(lambda s: "Package:    app-misc/broken-1.0" in s or "intentional failure" in s, 120,
                  "the build log in the shell pane")
