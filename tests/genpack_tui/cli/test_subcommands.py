"""The CLI is argparse subcommands: help for each, --version, `bash --help` is help and `bash -- --help`
runs `--help`, the invocation is typed once, and only the entry point imports the parser."""
from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from genpack_tui import cli
from genpack_tui.engine.build import shell
from genpack_tui.engine.build.request import BuildRequest
from genpack_tui.engine.config.variant import DEFAULT_VARIANT
from genpack_tui.options import Invocation, build_request
from genpack_tui.parser import SUBCOMMANDS, parse_invocation
from tests.fixtures.build import REPO, copy_example
from tests.test_layers import imported_names, project_modules


def genpack_tui(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "genpack_tui", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd, env={**os.environ, "PYTHONPATH": str(REPO)})


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_each_subcommand_has_its_own_help(name: str, tmp_path: Path) -> None:
    proc = genpack_tui(name, "--help", cwd=tmp_path)  # nothing is run, nothing is written
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"usage: genpack-tui [global options] {name}")
    assert SUBCOMMANDS[name][1].split()[0] in proc.stdout  # its own description
    assert "130  interrupted" in proc.stdout
    assert list(tmp_path.iterdir()) == []


def test_the_main_help_lists_the_subcommands_and_the_exit_status() -> None:
    proc = genpack_tui("--help")
    assert proc.returncode == 0
    for name, (summary, _) in SUBCOMMANDS.items():
        assert name in proc.stdout and summary.split()[0] in proc.stdout
    for line in ("0    success", "1    the build, the archive or the configuration failed", "2    usage error",
                 "130  interrupted"):
        assert line in proc.stdout


def test_version_is_the_installed_distributions() -> None:
    proc = genpack_tui("--version")
    assert proc.returncode == 0
    assert proc.stdout == f"genpack-tui {metadata.version('genpack-tui')}\n"


def test_bash_help_is_help_and_bash_dashdash_help_is_the_command(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        parse_invocation(["bash", "--help"])
    assert exc.value.code == 0 and "usage: genpack-tui [global options] bash" in capsys.readouterr().out
    for argv in (["bash", "--", "--help"], ["--debug", "bash", "--", "--help"]):
        invocation = parse_invocation(argv)
        assert (invocation.action, invocation.request.command) == ("bash", ["--help"])
    assert parse_invocation(["bash", "ls", "--", "-l"]).request.command == ["ls", "--", "-l"]  # only a first --


@pytest.mark.skipif(os.geteuid() != 0, reason="bash runs as root")
def test_bash_dashdash_help_hands_help_to_the_container(tmp_path: Path, monkeypatch) -> None:
    """Through the real entry point and run_action up to the shell worker's door (which is stood in for
    here: tests/engine/build/test_e2e_build.py runs real commands in the container)."""
    artifact = copy_example(tmp_path)
    shells: list[BuildRequest] = []
    monkeypatch.setattr(shell, "start_shell", lambda request: shells.append(request) or 3)
    events = tmp_path / "events.jsonl"
    assert cli.main(["--headless", "-C", str(artifact), "--events", str(events), "bash", "--", "--help"]) == 3
    assert [(r.action, r.command) for r in shells] == [("bash", ["--help"])]
    assert '"kind": "build_finished"' in events.read_text().splitlines()[-1]


def test_global_options_still_go_before_or_after_the_subcommand() -> None:
    for argv in (["-C", "x", "--variant", "v", "--arch", "aarch64", "--comp", "xz", "pack", "--force"],
                 ["pack", "-C", "x", "--variant", "v", "--arch=aarch64", "--compression", "xz", "-f"]):
        invocation = parse_invocation(argv)
        r = invocation.request
        assert (r.action, r.variant, r.arch, r.compression, r.force, invocation.action_given) == \
            ("pack", "v", "aarch64", "xz", True, True)
        assert r.artifact_dir == str(Path("x").resolve()) and invocation.directory == Path("x")
    assert parse_invocation(["--comp", "xz", "bash", "ls"]).request.command == ["ls"]  # an abbreviation's value


def test_the_invocation_is_typed_once_and_gives_the_workbench_its_namespace(tmp_path: Path) -> None:
    invocation = parse_invocation(["-C", str(tmp_path), "--headless", "--events", "e.jsonl", "--variant", "",
                                   "--keyring", "k.gpg", "--overlay-override", "ov", "--port", "5", "lower"])
    assert invocation.headless and invocation.events == Path("e.jsonl") and invocation.port == 5
    assert invocation.request.variant is DEFAULT_VARIANT  # genpack: --variant "" is the default variant
    args = invocation.namespace
    assert build_request(tmp_path.resolve(), args) == invocation.request
    assert (args.action, args.action_given, args.variant, args.events) == ("lower", True, None, Path("e.jsonl"))
    default = Invocation.for_directory(tmp_path)
    assert (default.action, default.action_given, default.namespace.command) == ("build", False, [])


def test_only_the_entry_point_imports_the_parser() -> None:
    importers = {module for path, module, is_package in project_modules()
                 for name in imported_names(path, module, is_package)
                 if name == "genpack_tui.parser" or name.startswith("genpack_tui.parser.")}
    assert importers == {"genpack_tui.cli"}
