"""genpack's helper files (.gitignore, .vscode/settings.json) that cannot be created end the run with one
clear error line and exit 1, in the headless CLI and in the workbench's runner; never a traceback, and
nothing outside the artifact is touched."""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable, Iterator

import pytest

from genpack_tui.engine.build.request import BuildRequest
from genpack_tui.engine.events import BuildFinished, ErrorEvent
from genpack_tui.workbench_build import BuildController
from tests.fixtures.build import REPO, copy_example

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="runs as root, as builds do (read-only bind mount)")

PREFIX = "error: cannot create genpack's helper files (.gitignore, .vscode/settings.json) in "


@contextlib.contextmanager
def dangling_vscode(artifact: Path) -> Iterator[str]:
    target = artifact.parent / "outside" / "vscode"  # a path outside the artifact that must stay absent
    (artifact / ".vscode").symlink_to(target)
    yield f"{artifact / '.vscode'}"
    assert not target.exists() and not target.parent.exists()
    assert (artifact / ".vscode").is_symlink()


@contextlib.contextmanager
def gitignore_directory(artifact: Path) -> Iterator[str]:
    (artifact / ".gitignore").mkdir()
    (artifact / ".gitignore" / "keep").write_text("mine\n")
    yield f"Is a directory: {artifact / '.gitignore'}"
    assert [p.name for p in (artifact / ".gitignore").iterdir()] == ["keep"]
    assert (artifact / ".gitignore" / "keep").read_text() == "mine\n"


@contextlib.contextmanager
def read_only_artifact(artifact: Path) -> Iterator[str]:
    subprocess.run(["mount", "--bind", str(artifact), str(artifact)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(artifact)], check=True)
        yield f"Read-only file system: {artifact / '.gitignore'}"
    finally:
        subprocess.run(["umount", str(artifact)], check=True)
    assert not (artifact / ".gitignore").exists() and not (artifact / ".vscode").exists()


CASES: dict[str, Callable[[Path], contextlib.AbstractContextManager[str]]] = {
    "dangling-vscode-symlink": dangling_vscode,
    "gitignore-is-a-directory": gitignore_directory,
    "read-only-artifact": read_only_artifact,
}


@pytest.mark.parametrize("action", ["build", "archive"])
@pytest.mark.parametrize("case", CASES)
def test_headless_reports_one_line_and_exits_1(tmp_path: Path, case: str, action: str) -> None:
    artifact = copy_example(tmp_path)
    with CASES[case](artifact) as expected:
        proc = subprocess.run([sys.executable, "-m", "genpack_tui", "--headless", "-C", str(artifact), action],
                              capture_output=True, text=True, timeout=120, cwd=REPO,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert errors == [line for line in proc.stderr.splitlines() if line.strip() and not line.startswith("Failed")]
    assert len(errors) == 1 and errors[0].startswith(PREFIX + str(artifact)) and expected in errors[0], proc.stderr
    assert not (artifact / "work").exists() and not list(artifact.glob("genpack-*.tar.gz*"))


@pytest.mark.parametrize("case", CASES)
def test_workbench_runner_reports_an_error_and_starts_no_build(tmp_path: Path, case: str) -> None:
    artifact = copy_example(tmp_path)
    events: list = []
    started: list = []
    controller = BuildController([events.append], starter=lambda *a: started.append(a) or 0)
    assert controller.claim("build")
    with CASES[case](artifact) as expected:
        rc = controller.run(BuildRequest(action="build", artifact_dir=str(artifact)))
    assert rc == 1 and started == [] and controller.running is None
    errors = [e.message for e in events if isinstance(e, ErrorEvent)]
    assert len(errors) == 1 and expected in errors[0], errors
    assert errors[0].startswith(PREFIX.removeprefix("error: ") + str(artifact))
    assert [e.ok for e in events if isinstance(e, BuildFinished)] == [False]
