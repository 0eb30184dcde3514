"""scripts/setup.sh on a checkout whose .venv an interrupted run left half-made, run through sudo.

The script runs for real on a copy laid out like the repository with a tiny project of its own (so
pip installs in seconds); dpkg-query reports every Debian package installed, so apt is not touched.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="checks the .venv's owner after a run as root under sudo")


@pytest.fixture
def checkout() -> Iterator[Path]:
    base = Path(tempfile.mkdtemp(prefix="setup-script-"))  # not below pytest's 0700 directory: nobody runs in it
    base.chmod(0o755)
    yield from _checkout(base)
    shutil.rmtree(base)


def _checkout(tmp_path: Path) -> Iterator[Path]:
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "setup.sh", repo / "scripts" / "setup.sh")
    (repo / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "tiny"\nversion = "0"\n[project.optional-dependencies]\ntest = []\n'
        '[tool.setuptools]\npy-modules = []\n')
    (repo / ".venv" / "bin").mkdir(parents=True)  # what an interrupted `python3 -m venv` can leave
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    (stubs / "dpkg-query").write_text("#!/bin/sh\nprintf 'install ok installed'\n")
    (stubs / "dpkg-query").chmod(0o755)
    (stubs / "python3").symlink_to(sys.base_prefix + "/bin/python3")
    yield repo


def test_a_half_made_venv_is_rebuilt_and_given_to_the_sudo_user(checkout: Path) -> None:
    env = {**os.environ, "PATH": f"{checkout.parent / 'stubs'}:{os.environ['PATH']}",
           "SUDO_UID": "65534", "SUDO_GID": "65534"}
    proc = subprocess.run(["bash", "scripts/setup.sh"], cwd=checkout, env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert ".venv is incomplete" in proc.stdout
    assert subprocess.run([checkout / ".venv/bin/python", "-m", "pip", "--version"], capture_output=True).returncode == 0
    assert {p.lstat().st_uid for p in [checkout / ".venv", *(checkout / ".venv").rglob("*")]} == {65534}


def test_without_root_missing_packages_are_named_with_what_needs_root(checkout: Path) -> None:
    stubs = checkout.parent / "stubs"
    (stubs / "dpkg-query").write_text("#!/bin/sh\nexit 1\n")  # nothing installed
    proc = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "bash", "scripts/setup.sh"],
                          cwd=checkout, env={**os.environ, "PATH": f"{stubs}:{os.environ['PATH']}"},
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "installing them (apt-get) needs root" in proc.stderr and "systemd-container" in proc.stderr
