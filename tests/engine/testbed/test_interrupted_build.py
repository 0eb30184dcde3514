"""An interrupted stage3 build leaves no mount, no child process, and nothing that is reused."""
from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from genpack_tui.engine.runtime import privileged
from genpack_tui.engine.testbed.stage3 import find_cached_stage3
from tests.fixtures.testbed import reason_testbed_unavailable

REPO = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.root


@pytest.fixture(autouse=True)
def _needs_root() -> None:
    reason = reason_testbed_unavailable()
    if reason:
        pytest.skip(reason)


@pytest.mark.slow
def test_ctrl_c_during_debootstrap_leaves_nothing_behind(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    code = f"from pathlib import Path; from genpack_tui.engine.testbed import build_testbed; build_testbed(Path({str(cache)!r}))"
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 300
        # wait until debootstrap has unpacked something into the build root
        while time.monotonic() < deadline and proc.poll() is None:
            roots = list((cache / "stage3").glob(".tmp-*/root/usr/bin"))
            if roots and any(roots[0].iterdir()):
                break
            time.sleep(0.5)
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode != 0
    assert "KeyboardInterrupt" in (proc.stderr.read() if proc.stderr else "")
    assert privileged.mountpoints_under(str(cache)) == []
    assert not list((cache / "stage3").glob(".tmp-*"))
    assert find_cached_stage3(cache) is None
    leftover = subprocess.run(["pgrep", "-f", f"debootstrap.*{cache}"], capture_output=True, text=True).stdout
    assert leftover == ""
