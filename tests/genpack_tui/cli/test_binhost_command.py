"""``binhost serve`` and ``--binhost``/``--distcc`` on the command line: user mistakes are clear errors, with
nothing started, fetched or written."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.build import copy_example

REPO = Path(__file__).resolve().parents[3]


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("GENPACK_BINHOST", None)
    env.pop("GENPACK_DISTCC_HOSTS", None)
    return subprocess.run([sys.executable, "-m", "genpack_tui", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="the build worker's host check needs root")


@needs_root
def test_serve_without_a_lower_image_says_to_build_first(tmp_path):
    artifact = copy_example(tmp_path)
    result = cli("-C", str(artifact), "binhost", "serve", "--port", "0")
    assert result.returncode == 1
    assert f"{artifact}/work/x86_64/lower.img does not exist" in result.stderr
    assert "build the artifact (or run 'lower') first" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not (artifact / "work").exists() or not any((artifact / "work").rglob("*.img"))


def test_serve_is_the_only_binhost_action(tmp_path):
    result = cli("-C", str(tmp_path), "binhost", "publish")
    assert result.returncode == 2
    assert "invalid choice: 'publish'" in result.stderr


def test_a_bad_port_is_a_usage_error(tmp_path):
    result = cli("-C", str(tmp_path), "binhost", "serve", "--port", "70000")
    assert result.returncode == 2 and "--port 70000: expected 0 to 65535" in result.stderr


@needs_root
@pytest.mark.parametrize(("option", "expected"), [
    ("--binhost=ftp://10.0.0.1/", "--binhost 'ftp://10.0.0.1/': expected an http:// or https:// URL"),
    ("--distcc=10.0.0.1;reboot", "--distcc '10.0.0.1;reboot': expected distcc hosts separated by spaces"),
])
def test_a_bad_binhost_or_distcc_stops_the_build_before_anything_is_fetched(tmp_path, option, expected):
    artifact = copy_example(tmp_path)
    # no mirror is reachable there: the build must stop before it tries one
    result = cli("--headless", "-C", str(artifact), "--mirror=http://127.0.0.1:9/", option, "lower")
    assert result.returncode == 1
    assert expected in result.stderr
    assert "Checking stage3" not in result.stdout and "Traceback" not in result.stderr
