"""The root worker imports nothing from the artifact, the caller's directory or PYTHONPATH.

Hostile modules are planted where a Python started with ``-m`` or PYTHONPATH would look first: an
``argparse.py`` (the worker's first stdlib import), an ``engine/`` and a ``genpack_tui/`` package.
Each writes a marker file when imported; a real build job runs from that directory and the markers
must stay absent.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from genpack_tui.engine.build.request import BuildRequest
from genpack_tui.engine.build.runner import RUN_TARGET, start_build
from genpack_tui.engine.build.shell import SHELL_TARGET
from genpack_tui.engine.events import ErrorEvent, Event
from genpack_tui.engine.runtime.worker import WORKER_CWD, interactive_job_argv, worker_env

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the build worker needs root")

HOSTILE_MODULES = ("argparse.py", "engine/__init__.py", "genpack_tui/__init__.py", "json.py")


def plant(directory: Path, marker: Path) -> None:
    for relative in HOSTILE_MODULES:
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"open({str(marker)!r}, 'a').write({relative!r} + '\\n')\n")


@pytest.fixture
def hostile_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    artifact = tmp_path / "artifact"
    artifact.mkdir()
    marker = tmp_path / "imported-as-root"
    plant(artifact, marker)
    (artifact / "genpack.json5").write_text("{ packages: [ }")  # the job fails fast, after its imports
    monkeypatch.chdir(artifact)
    monkeypatch.setenv("PYTHONPATH", str(artifact))
    monkeypatch.setenv("PYTHONSTARTUP", str(artifact / "argparse.py"))
    return artifact, marker


def test_build_worker_started_in_a_hostile_directory_imports_none_of_it(hostile_dir) -> None:
    artifact, marker = hostile_dir
    events: list[Event] = []
    rc = start_build(BuildRequest(action="build", artifact_dir=str(artifact)), events.append)
    assert rc == 1
    errors = [e.message for e in events if isinstance(e, ErrorEvent)]
    assert any("genpack.json5" in message for message in errors), errors  # the job really ran
    assert not marker.exists(), marker.read_text()


def test_interactive_worker_runs_isolated_from_slash(hostile_dir) -> None:
    artifact, marker = hostile_dir
    argv = interactive_job_argv(SHELL_TARGET, {"request": BuildRequest("bash", str(artifact)).to_json()})
    assert argv[1:4] == ["-I", "-m", "genpack_tui.engine.runtime.worker_main"]
    proc = subprocess.run(argv, env=worker_env(), cwd=WORKER_CWD, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "genpack.json5" in proc.stdout + proc.stderr
    assert not marker.exists(), marker.read_text()


def test_targets_name_the_installed_package() -> None:
    assert RUN_TARGET == "genpack_tui.engine.build.runner:run_build"
    assert SHELL_TARGET == "genpack_tui.engine.build.shell:open_shell"


def test_a_plain_python_would_have_imported_the_planted_module(hostile_dir) -> None:
    """The control: without -I the same directory does take over (so the tests above can fail)."""
    artifact, marker = hostile_dir
    subprocess.run([sys.executable, "-m", "genpack_tui.engine.runtime.worker_main", "--help"],
                   cwd=artifact, capture_output=True, timeout=60)
    assert marker.exists() and "argparse.py" in marker.read_text()
