"""genpack's helper files (.gitignore, .vscode/settings.json) in a hostile artifact never end a run in a
traceback, in the headless CLI or in the workbench's runner: where they cannot be created (a dangling
.vscode link, a .gitignore directory, a read-only artifact) that is a warning per file naming it and
the run goes on, with nothing outside the artifact touched; and if creating them raises anyway, that is one
error line and exit 1 (engine/build/preflight.py's artifact_files_checked)."""
from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable, Iterator

import pytest

from genpack_tui.cli import main
from genpack_tui.engine.build import preflight
from genpack_tui.engine.build.request import BuildRequest
from genpack_tui.engine.events import BuildFinished, ErrorEvent, WarningEvent
from genpack_tui.workbench.build import BuildController
from tests.fixtures.build import REPO, copy_example

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="runs as root, as builds do (read-only bind mount)")


@contextlib.contextmanager
def dangling_vscode(artifact: Path) -> Iterator[str]:
    target = artifact.parent / "outside" / "vscode"  # a path outside the artifact that must stay absent
    (artifact / ".vscode").symlink_to(target)
    yield f".vscode/settings.json not created: {artifact / '.vscode'} is a symbolic link"
    assert not target.exists() and not target.parent.exists()
    assert (artifact / ".vscode").is_symlink()


@contextlib.contextmanager
def gitignore_directory(artifact: Path) -> Iterator[str]:
    (artifact / ".gitignore").mkdir()
    (artifact / ".gitignore" / "keep").write_text("mine\n")
    yield f".gitignore not created: {artifact / '.gitignore'} exists and is not a regular file"
    assert [p.name for p in (artifact / ".gitignore").iterdir()] == ["keep"]
    assert (artifact / ".gitignore" / "keep").read_text() == "mine\n"


@contextlib.contextmanager
def read_only_artifact(artifact: Path) -> Iterator[str]:
    subprocess.run(["mount", "--bind", str(artifact), str(artifact)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(artifact)], check=True)
        yield "not created: cannot write in"  # twice: .gitignore and .vscode/settings.json
    finally:
        subprocess.run(["umount", str(artifact)], check=True)
    assert not (artifact / ".gitignore").exists() and not (artifact / ".vscode").exists()


CASES: dict[str, Callable[[Path], contextlib.AbstractContextManager[str]]] = {
    "dangling-vscode-symlink": dangling_vscode,
    "gitignore-is-a-directory": gitignore_directory,
    "read-only-artifact": read_only_artifact,
}
WARNINGS = {"dangling-vscode-symlink": 1, "gitignore-is-a-directory": 1, "read-only-artifact": 2}


@pytest.mark.parametrize("case", CASES)
def test_headless_warns_and_goes_on(tmp_path: Path, case: str) -> None:
    artifact = copy_example(tmp_path)
    with CASES[case](artifact) as expected:
        proc = subprocess.run([sys.executable, "-m", "genpack_tui", "--headless", "-C", str(artifact), "archive"],
                              capture_output=True, text=True, timeout=120, cwd=REPO,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
    assert "Traceback" not in proc.stderr + proc.stdout
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == WARNINGS[case] and all(expected in w for w in warnings), proc.stderr
    if case == "read-only-artifact":  # the archive cannot be written either: that is the run's one error
        errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
        assert proc.returncode == 1 and len(errors) == 1 and "genpack-hello.tar.gz" in errors[0], proc.stderr
    else:
        assert proc.returncode == 0, proc.stderr
        assert (artifact / "genpack-hello.tar.gz").is_file()


@pytest.mark.parametrize("case", CASES)
def test_workbench_runner_warns_and_goes_on(tmp_path: Path, case: str) -> None:
    artifact = copy_example(tmp_path)
    events: list = []
    started: list = []
    controller = BuildController([events.append], starter=lambda *a: started.append(a) or 0)
    assert controller.claim("build")
    with CASES[case](artifact) as expected:
        rc = controller.run(BuildRequest(action="build", artifact_dir=str(artifact)))
    assert rc == 0 and len(started) == 1 and controller.running is None
    warnings = [e.message for e in events if isinstance(e, WarningEvent)]
    assert len(warnings) == WARNINGS[case] and all(expected in w for w in warnings), warnings
    assert not [e for e in events if isinstance(e, ErrorEvent)]


class Unforeseen(Exception):
    pass


def _raising(*args, **kwargs):
    raise Unforeseen("the helper files could not be examined")


# ensure_artifact_files turns what a hostile artifact does into warnings, so no real input reaches this
# path any more: the failure is injected, to prove that whatever it raises never becomes a traceback.
def test_any_exception_from_it_is_one_error_and_exit_1(tmp_path: Path, monkeypatch) -> None:
    artifact = copy_example(tmp_path)
    monkeypatch.setattr(preflight, "ensure_artifact_files", _raising)
    events_file = tmp_path / "events.jsonl"  # in-process, the renderer's stderr may be another test's capture
    assert main(["--headless", "-C", str(artifact), "--events", str(events_file), "build"]) == 1
    reported = [json.loads(line) for line in events_file.read_text().splitlines()]
    errors = [e["message"] for e in reported if e["kind"] == "error"]
    assert errors == ["cannot create genpack's helper files (.gitignore, .vscode/settings.json) in "
                      f"{artifact}: the helper files could not be examined"], reported
    assert [e["ok"] for e in reported if e["kind"] == "build_finished"] == [False]
    assert not (artifact / "work").exists()

    events: list = []
    started: list = []
    controller = BuildController([events.append], starter=lambda *a: started.append(a) or 0)
    assert controller.claim("build")
    assert controller.run(BuildRequest(action="build", artifact_dir=str(artifact))) == 1
    assert started == [] and controller.running is None
    assert [e.message for e in events if isinstance(e, ErrorEvent)] == errors
    assert [e.ok for e in events if isinstance(e, BuildFinished)] == [False]
