"""The exit status --help documents: 0 success, 1 a failed build or configuration, 2 a usage error,
130 interrupted (a real headless build of the test bed, sent SIGINT)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fixtures.build import REPO, copy_example


def genpack_tui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "genpack_tui", *args], capture_output=True, text=True,
                          timeout=120, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})


@pytest.mark.parametrize("argv,message", [
    (["--headless", "frobnicate"], "invalid choice: 'frobnicate'"),
    (["--headless", "--arch", "sparc", "build"], "argument --arch: invalid choice: 'sparc'"),
    (["--headless", "build", "--no-such-option"], "unrecognized arguments: --no-such-option"),
    (["--headless", "build", "extra"], "unrecognized arguments: extra"),
    (["--headless", "upper-bash", "ls"], "unrecognized arguments: ls"),
    (["--headless", "build", "--json"], "--json is only supported with the 'config', 'plan', 'matrix', 'report', 'diff-builds' subcommands"),
    (["--headless", "-C", "/nonexistent/artifact", "build"], "artifact directory /nonexistent/artifact does not exist"),
])
def test_usage_errors_exit_2_with_the_reason(argv: list[str], message: str) -> None:
    proc = genpack_tui(*argv)
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr


def test_a_configuration_error_exits_1(tmp_path: Path) -> None:
    (tmp_path / "genpack.json5").write_text('{ name: "x", packages: ["not an atom!"] }')
    proc = genpack_tui("--headless", "-C", str(tmp_path), "build")
    assert proc.returncode == 1
    assert "genpack.json5:1:" in proc.stderr and "nothing was built" in proc.stderr


def _wait_for_event(events: Path, predicate, proc: subprocess.Popen, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if events.exists():
            for line in events.read_text().splitlines():
                try:
                    if predicate(json.loads(line)):
                        return
                except ValueError:  # a line being written
                    continue
        time.sleep(0.2)
    raise AssertionError(f"the build never reached the expected point (exit {proc.poll()})")


@pytest.mark.skipif(os.geteuid() != 0, reason="builds run as root")
def test_sigint_to_a_headless_build_exits_130(builder, tmp_path: Path) -> None:
    artifact = copy_example(tmp_path)
    events = tmp_path / "events.jsonl"
    proc = subprocess.Popen(builder.argv(artifact, "lower", events=events), env=builder.env(), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        _wait_for_event(events, lambda e: e["kind"] == "step_started" and e["step"] == "emerge-world", proc)
        proc.send_signal(signal.SIGINT)  # as Ctrl-C does to the CLI (the worker runs in its own session)
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, stderr[-3000:]
    assert "Traceback" not in stderr and "Failed after" in stderr
    reported = [json.loads(line) for line in events.read_text().splitlines()]
    finished = [e for e in reported if e["kind"] == "build_finished"]
    assert len(finished) == 1 and not finished[0]["ok"] and finished[0]["message"] == "Interrupted."
    assert not (artifact / "work/x86_64/lower.done").exists()
