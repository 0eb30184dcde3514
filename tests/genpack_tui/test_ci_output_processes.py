"""The headless CLI as a CI job or a terminal runs it, in real processes: a configuration error under
GITHUB_ACTIONS=true (annotations parsed back, the job summary file), colour decided by NO_COLOR,
FORCE_COLOR, TERM=dumb and --color in a real pty, and a real build of the example under GitHub Actions
and then GitLab CI."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from genpack_tui.engine.config import resolve
from tests.fixtures.build import REPO, copy_example
from tests.genpack_tui.terminal import run_in_pty
from tests.genpack_tui.workflow_commands import read_github_log

ESC = "\x1b"


def cli_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)  # without any CI variable (tests/fixtures/ci_environment.py)
    env["PYTHONPATH"] = str(REPO)
    env["TERM"] = "xterm-256color"
    env.update(extra)
    return env


@pytest.fixture
def bad_config(tmp_path) -> Path:
    """The example with a uid that is not a number and a duplicated key (a warning)."""
    workspace = tmp_path / "repo"
    artifact = copy_example(workspace / "images")
    config = artifact / "genpack.json5"
    text = config.read_text().replace("uid: 1000", 'uid: -5').replace('  profile: "paravirt",',
                                                                       '  profile: "paravirt",\n  profile: "paravirt",')
    config.write_text(text)
    return artifact


def headless(artifact: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "genpack_tui", "--headless", "-C", str(artifact), *args]


def test_config_errors_under_github_actions_are_annotations_and_a_summary(bad_config, tmp_path):
    summary = tmp_path / "step_summary.md"
    proc = subprocess.run(headless(bad_config, "build"), capture_output=True, text=True,
                          env=cli_env(GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(summary),
                                      GITHUB_WORKSPACE=str(tmp_path / "repo")), timeout=120)
    assert proc.returncode == 1, proc.stderr
    view = read_github_log(proc.stdout)
    expected = resolve(bad_config, arch="x86_64").problems
    assert [p.severity for p in expected] == ["warning", "error"] or [p.severity for p in expected] == ["error", "warning"]
    annotations = {(c.name, c.properties["file"], int(c.properties["line"]), int(c.properties["col"]), c.data)
                   for c in view.commands if c.name in ("error", "warning")}
    assert annotations == {(p.severity, "images/hello/genpack.json5", p.line, p.column,
                            f"{p.path}: {p.message}") for p in expected}
    lines = (bad_config / "genpack.json5").read_text().splitlines()
    uid = next(p for p in expected if p.is_error)
    assert 'uid: -5' in lines[uid.line - 1] and uid.path == "users[0].uid"
    assert ESC not in proc.stdout + proc.stderr  # a log, not a terminal
    # people still read them, in order with the groups: a CI service gets one stream
    assert "genpack.json5:" in proc.stdout and "users[0].uid" in proc.stdout and proc.stderr == ""
    text = summary.read_text()
    assert text.startswith("## genpack-tui build: hello (x86\\_64): failed in ")
    assert "**Failure:** 1 error(s) in the configuration; nothing was built." in text
    assert "users\\[0\\].uid" in text


def test_github_output_without_summary_variable_writes_no_file(bad_config, tmp_path):
    proc = subprocess.run(headless(bad_config, "build"), capture_output=True, text=True, cwd=tmp_path,
                          env=cli_env(GITHUB_ACTIONS="true"), timeout=120)
    assert proc.returncode == 1 and read_github_log(proc.stdout).of("error")
    assert list(tmp_path.glob("*.md")) == []


@pytest.mark.parametrize("env, args, colored", [
    ({}, [], True),  # a terminal: bold headings
    ({"NO_COLOR": "1"}, [], False),
    ({"TERM": "dumb"}, [], False),
    ({}, ["--color", "never"], False),
    ({"NO_COLOR": "1"}, ["--color", "always"], True),
    ({"FORCE_COLOR": "1", "TERM": "dumb"}, [], True),
], ids=["terminal", "NO_COLOR", "TERM=dumb", "color-never", "always-beats-NO_COLOR", "FORCE_COLOR-on-dumb"])
def test_colour_in_a_real_terminal(bad_config, env, args, colored):
    rc, text = run_in_pty(headless(bad_config, *args, "build"), cli_env(**env))
    assert rc == 1
    assert "Failed after" in text and "users[0].uid" in text
    assert (ESC in text) == colored, repr(text[:400])
    if colored:
        assert "\x1b[1mgenpack-tui build: hello (x86_64)\x1b[0m" in text


@pytest.mark.parametrize("env, args, colored", [
    ({}, [], False),
    ({"FORCE_COLOR": "1"}, [], True),
    ({}, ["--color", "always"], True),
], ids=["pipe", "FORCE_COLOR", "color-always"])
def test_colour_in_a_pipe(bad_config, env, args, colored):
    proc = subprocess.run(headless(bad_config, *args, "build"), capture_output=True, text=True,
                          env=cli_env(**env), timeout=120)
    assert proc.returncode == 1
    assert (ESC in proc.stdout) == colored
    assert "\r" not in proc.stdout + proc.stderr  # never a redrawn line in a pipe


def test_timestamps_in_a_pipe(bad_config):
    proc = subprocess.run(headless(bad_config, "--timestamps", "build"), capture_output=True, text=True,
                          env=cli_env(), timeout=120)
    lines = (proc.stdout + proc.stderr).splitlines()
    assert lines and all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ", line) for line in lines), lines


def test_bad_color_value_is_a_usage_error(bad_config):
    proc = subprocess.run(headless(bad_config, "--color", "sometimes", "build"), capture_output=True, text=True,
                          env=cli_env(), timeout=60)
    assert proc.returncode == 2
    assert "argument --color: invalid choice: 'sometimes' (choose from" in proc.stderr


@pytest.mark.parametrize("env, args, colored", [
    ({}, [], True), ({"TERM": "dumb"}, [], False), ({}, ["--color", "never"], False),
], ids=["terminal", "TERM=dumb", "color-never"])
def test_config_follows_the_same_colour_rules(tmp_path, env, args, colored):
    artifact = copy_example(tmp_path)
    rc, text = run_in_pty([sys.executable, "-m", "genpack_tui", "-C", str(artifact), *args, "config"], cli_env(**env))
    assert rc == 0 and "app-misc/hello" in text
    assert (ESC in text) == colored
