"""Hostile artifact directories: the configuration name planted as a link out, a FIFO, a device...

Each test plants the real thing and checks both the message and that nothing outside the artifact
was read or printed. The CLI runs in a subprocess with a timeout, so a reader that blocks fails.
"""
from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from genpack_tui.engine.config import resolve

REPO = Path(__file__).resolve().parents[3]
SECRET = "ROOT-ONLY-SECRET-7f3a {{{ not json"


def config_cli(directory: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "genpack_tui", "--headless", "-C", str(directory), "config", *extra],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=120)


def flat(text: str) -> str:
    """The tree wraps long lines; compare with the wrapping undone."""
    return " ".join(text.split())


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    """A root-only file outside any artifact directory whose first line would be a syntax error."""
    path = tmp_path / "outside" / "shadow"
    path.parent.mkdir()
    path.write_text(SECRET + "\nsecond line\n")
    path.chmod(0o600)
    return path


def artifact(tmp_path: Path) -> Path:
    directory = tmp_path / "artifact"
    directory.mkdir()
    return directory


def errors_of(directory: Path) -> list[str]:
    res = resolve(directory, arch="x86_64")
    assert res.merged is None and not res.ok
    return [str(p) for p in res.errors]


@pytest.mark.parametrize("name", ["genpack.json5", "genpack.json"])
def test_link_to_a_file_outside_is_refused_and_never_read(tmp_path: Path, secret_file: Path, name: str) -> None:
    directory = artifact(tmp_path)
    (directory / name).symlink_to(secret_file)
    [message] = errors_of(directory)
    assert f"{directory / name} is a symbolic link to {secret_file}, which leaves the artifact directory" in message
    for extra in ((), ("--json",)):
        proc = config_cli(directory, *extra)
        assert proc.returncode == 1
        assert "leaves the artifact directory" in proc.stdout
        assert "ROOT-ONLY-SECRET" not in proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr


def test_headless_build_stops_on_a_link_out_before_reading_it(tmp_path: Path, secret_file: Path) -> None:
    directory = artifact(tmp_path)
    (directory / "genpack.json5").symlink_to(secret_file)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-m", "genpack_tui", "--headless", "-C", str(directory), "build"],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert proc.returncode == 1
    assert "leaves the artifact directory" in proc.stderr and "nothing was built" in proc.stderr
    assert "ROOT-ONLY-SECRET" not in proc.stdout + proc.stderr and "Traceback" not in proc.stderr
    assert not (directory / "work").exists()


def test_relative_link_climbing_out_is_refused(tmp_path: Path, secret_file: Path) -> None:
    directory = artifact(tmp_path)
    (directory / "genpack.json5").symlink_to("../outside/shadow")
    [message] = errors_of(directory)
    assert "leaves the artifact directory" in message and SECRET not in message


def test_link_staying_inside_the_artifact_is_read(tmp_path: Path) -> None:
    directory = artifact(tmp_path)
    (directory / "conf").mkdir()
    (directory / "conf" / "real.json5").write_text("{name: 'inside', packages: ['a/b']}")
    (directory / "genpack.json5").symlink_to("conf/real.json5")
    res = resolve(directory, arch="x86_64")
    assert res.ok and res.name == "inside"


def test_fifo_is_named_and_never_waited_on(tmp_path: Path) -> None:
    directory = artifact(tmp_path)
    os.mkfifo(directory / "genpack.json5")
    proc = config_cli(directory)  # a blocking open or read would hit the timeout
    assert proc.returncode == 1
    assert f"{directory / 'genpack.json5'} is a named pipe (FIFO), not a configuration file" in flat(proc.stdout)


def test_link_to_a_fifo_inside_is_named(tmp_path: Path) -> None:
    directory = artifact(tmp_path)
    os.mkfifo(directory / "pipe")
    (directory / "genpack.json5").symlink_to("pipe")
    proc = config_cli(directory)
    assert proc.returncode == 1
    assert "is a symbolic link to pipe, which is a named pipe (FIFO), not a configuration file" in flat(proc.stdout)


def test_directory_socket_and_device_are_named(tmp_path: Path) -> None:
    directory = artifact(tmp_path)
    (directory / "genpack.json5").mkdir()
    assert errors_of(directory) == [f"error: {directory / 'genpack.json5'} is a directory, not a configuration file"]
    (directory / "genpack.json5").rmdir()
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(directory / "genpack.json5"))
    try:
        assert "is a socket, not a configuration file" in errors_of(directory)[0]
    finally:
        sock.close()
    (directory / "genpack.json5").unlink()
    os.mknod(directory / "genpack.json", stat.S_IFCHR | 0o600, os.makedev(1, 3))  # a real /dev/null
    assert "genpack.json is a character device, not a configuration file" in errors_of(directory)[0]


def test_link_to_dev_null_leaves_the_artifact(tmp_path: Path) -> None:
    directory = artifact(tmp_path)
    (directory / "genpack.json5").symlink_to("/dev/null")
    assert "is a symbolic link to /dev/null, which leaves the artifact directory" in errors_of(directory)[0]


def test_dangling_link_and_loop_are_named(tmp_path: Path) -> None:
    directory = artifact(tmp_path)
    (directory / "genpack.json5").symlink_to("missing.json5")
    assert "is a symbolic link to missing.json5, which does not exist (a dangling link)" in errors_of(directory)[0]
    (directory / "genpack.json5").unlink()
    (directory / "genpack.json5").symlink_to("genpack.json5")
    assert "is a symbolic link that loops" in errors_of(directory)[0]


def test_both_broken_names_are_reported(tmp_path: Path) -> None:
    directory = artifact(tmp_path)
    (directory / "genpack.json5").mkdir()
    os.mkfifo(directory / "genpack.json")
    messages = errors_of(directory)
    assert len(messages) == 2 and "a directory" in messages[0] and "a named pipe (FIFO)" in messages[1]


def test_json_output_of_a_refused_link_is_one_object(tmp_path: Path, secret_file: Path) -> None:
    directory = artifact(tmp_path)
    (directory / "genpack.json5").symlink_to(secret_file)
    data = json.loads(config_cli(directory, "--json").stdout)
    assert data["ok"] is False and "leaves the artifact directory" in data["problems"][0]["message"]


def test_an_artifact_path_that_is_a_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "plain-file"
    path.write_text("{}")
    assert errors_of(path) == [f"error: {path} is not a directory"]
