"""Without a terminal the workbench does not open: genpack-tui exits 2 at once and asks for --headless,
touching nothing; commands that only print still work in a pipe, and a real terminal still gets the
workbench."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.build import REPO, copy_example

WORKBENCH_ACTIONS = [[], ["build"], ["lower"], ["upper"], ["pack"], ["bash"], ["bash", "ls"], ["upper-bash"],
                     ["archive"]]
TIMEOUT = 60  # a hang is what this guards against: fail instead of waiting for CI's timeout


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env["PYTHONPATH"] = str(REPO)
    env.setdefault("TERM", "xterm-256color")
    env.update(extra)
    return env


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.lstat().st_mode, p.lstat().st_mtime_ns) for p in root.rglob("*")}


def _run(argv: list[str], *, stdin, stdout, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "genpack_tui", *argv], stdin=stdin, stdout=stdout,
                          stderr=subprocess.PIPE, env=env, timeout=TIMEOUT, cwd=REPO)


@pytest.fixture
def artifact(tmp_path: Path) -> Path:
    return copy_example(tmp_path)


def _assert_refused(proc: subprocess.CompletedProcess, reason: str, artifact: Path, before: dict) -> None:
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err  # one line, no traceback
    assert f"the workbench needs a terminal ({reason})" in lines[0] and "use --headless" in lines[0], err
    assert _snapshot(artifact) == before
    assert not (artifact / "work").exists() and not (artifact / ".gitignore").exists()
    assert not (artifact / ".vscode").exists()


@pytest.mark.parametrize("action", WORKBENCH_ACTIONS, ids=lambda a: " ".join(a) or "no-subcommand")
def test_stdin_devnull_and_stdout_piped_exit_2_and_touch_nothing(artifact: Path, action: list[str]) -> None:
    before = _snapshot(artifact)
    proc = _run(["-C", str(artifact), *action], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, env=_env())
    _assert_refused(proc, "stdin is not a terminal", artifact, before)
    assert proc.stdout == b""  # no escape codes written into the pipe
    named = action[0] if action else "build"
    assert f"use --headless {named} to run without it" in proc.stderr.decode()


def test_stdout_piped_with_a_terminal_on_stdin(artifact: Path) -> None:
    before = _snapshot(artifact)
    master, slave = os.openpty()
    try:
        proc = _run(["-C", str(artifact), "build"], stdin=slave, stdout=subprocess.PIPE, env=_env())
    finally:
        os.close(slave)
        os.close(master)
    _assert_refused(proc, "stdout is not a terminal", artifact, before)
    assert proc.stdout == b""


def test_term_dumb_on_a_real_terminal(artifact: Path) -> None:
    before = _snapshot(artifact)
    master, slave = os.openpty()
    try:
        proc = _run(["-C", str(artifact)], stdin=slave, stdout=slave, env=_env(TERM="dumb"))
    finally:
        os.close(slave)
        os.close(master)
    _assert_refused(proc, "TERM is dumb", artifact, before)


def test_config_and_help_still_print_in_a_pipe(artifact: Path) -> None:
    before = _snapshot(artifact)
    for env in (_env(), _env(TERM="dumb")):
        proc = _run(["-C", str(artifact), "config"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, env=env)
        assert proc.returncode == 0, proc.stderr.decode()
        out = proc.stdout.decode()
        assert "name: hello" in out and "\x1b[" not in out
        proc = _run(["-C", str(artifact), "config", "--json"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                    env=env)
        assert proc.returncode == 0 and b'"name": "hello"' in proc.stdout
    proc = _run(["--help"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, env=_env())
    assert proc.returncode == 0 and b"usage: genpack-tui" in proc.stdout
    assert _snapshot(artifact) == before


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_a_real_terminal_still_opens_the_workbench(artifact: Path) -> None:
    from tests.genpack_tui.app.test_e2e_tmux import Tmux

    tmux = Tmux(f"genpack-no-terminal-{os.getpid()}")
    try:
        tmux.start([sys.executable, "-m", "genpack_tui", "-C", str(artifact)], width=100, height=30)
        screen = tmux.wait_for(lambda s: "merge order:" in s, 60, "the workbench's config tree")
        assert "the workbench needs a terminal" not in screen
        tmux.keys("C-q")
        tmux.wait_for(lambda s: not tmux.alive() or "merge order:" not in s, 30, "the workbench to quit")
    finally:
        tmux.kill()
