"""Cancelling a real build from the workbench: the engine stops, cleans up, and leaves no stamp or mount."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from genpack_tui.app import WorkbenchApp
from genpack_tui.parser import parse_args
from genpack_tui.widgets.build.phase_runner import PhaseRunner
from tests.fixtures.app import EXAMPLE_ARTIFACT, wait_for

pytestmark = [pytest.mark.root, pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0, reason="builds need root")]


def mounts_under(path: Path) -> list[str]:
    with open("/proc/self/mountinfo") as info:
        return [line for line in info if str(path) in line]


def loops_backed_by(path: Path) -> list[str]:
    out = subprocess.run(["losetup", "--list", "--noheadings", "-O", "BACK-FILE"], capture_output=True,
                         text=True).stdout
    return [line for line in out.splitlines() if str(path) in line]


async def test_cancel_during_emerge_cleans_up(testbed_mirror, tmp_path: Path) -> None:
    artifact = tmp_path / "hello"
    shutil.copytree(EXAMPLE_ARTIFACT, artifact)
    args = parse_args(["-C", str(artifact), "--arch", "x86_64", "--mirror", testbed_mirror.mirror_url,
                       "--overlay-url", testbed_mirror.overlay_url, "--keyring", str(testbed_mirror.keyring)])
    app = WorkbenchApp(artifact, args)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.ensure_panes()  # the Build and Diff panes mount after the first frame
        runner = app.query_one(PhaseRunner)
        app.query_one("#config-tree").focus()
        await pilot.press("b")
        assert await wait_for(lambda: runner.steps.get(("lower", "emerge-world")) == "running", timeout=300), \
            runner.summary_text()
        await pilot.press("x")
        assert await wait_for(lambda: runner.finished is not None, timeout=120), "\n".join(
            [runner.summary_text(), *runner.logs["lower"].lines[-15:], *runner.logs["setup"].lines[-10:]])
        assert not runner.finished.ok
        assert await wait_for(lambda: app.controller.running is None)
        assert runner.phases["lower"].state == "failed"
        assert not app.query_one("#runner-run").disabled and app.query_one("#runner-cancel").disabled
    work = artifact / "work" / "x86_64"
    assert not (work / "lower.done").exists(), "a cancelled lower must not leave its completion stamp"
    assert not mounts_under(artifact), mounts_under(artifact)
    assert not loops_backed_by(artifact), loops_backed_by(artifact)
