"""What reaches a terminal: control characters escaped everywhere, and a bounded number of problems."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from genpack_tui.commands.config import run_config
from genpack_tui.engine.config import Problem, resolve
from genpack_tui.engine.config.printable import describe_char, escape_controls
from genpack_tui.engine.config.problems import PRINTED_PROBLEMS, problems_to_print
from genpack_tui.engine.events import BuildFinished, BuildStarted, ErrorEvent, PhaseStarted
from genpack_tui.headless_renderer import HeadlessRenderer, print_problems

REPO = Path(__file__).resolve().parents[3]
EVIL = "evil\x1b[31mred\x1b]0;pwned\x07\u202e"


def test_escape_controls_and_describe_char() -> None:
    assert escape_controls("a\x1b[2Jb\nc\td\u202e\x9b") == "a\\x1b[2Jb\\nc\\td\\u202e\\x9b"
    assert escape_controls("a\tb", keep_tabs=True) == "a\tb"
    assert escape_controls("plain é ü 漢") == "plain é ü 漢"
    assert describe_char("\x1b") == "U+001B (ESC)" and describe_char("\x7f") == "U+007F (DEL)"
    assert describe_char("\u202e") == "U+202E (RIGHT-TO-LEFT OVERRIDE)"


def evil_artifact(tmp_path: Path, text: str = "{packages: ['bad']}") -> Path:
    directory = tmp_path / EVIL
    directory.mkdir()
    (directory / "genpack.json5").write_text(text)
    return directory


def test_config_command_escapes_the_directory_name(tmp_path: Path) -> None:
    directory = evil_artifact(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-m", "genpack_tui", "--headless", "-C", str(directory), "config"],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert proc.returncode == 1
    out = proc.stdout + proc.stderr
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert escape_controls(EVIL) in out  # the title, and the error about the directory name
    assert "the directory name contains a control character (U+001B)" in " ".join(out.split())


def test_problem_strings_escape_every_part() -> None:
    problem = Problem("error", 'use["a\x1bb"]', "bad \x1b[31m", "genpack.json5", 1, 2)
    assert str(problem) == 'genpack.json5:1:2: error: use["a\\x1bb"]: bad \\x1b[31m'


def test_headless_renderer_escapes_names_and_messages() -> None:
    out, err = io.StringIO(), io.StringIO()
    render = HeadlessRenderer(out, err, tty=False)
    render(BuildStarted(action="build", artifact=EVIL, variant=None, arch="x86_64"))
    render(PhaseStarted(phase="lower", reason=f"{EVIL} changed"))
    render(ErrorEvent(message=f"cannot open /tmp/{EVIL}/work", detail=f"line\n\t{EVIL}"))
    render(BuildFinished(ok=False, duration=1.0, message=f"in {EVIL}"))
    text = out.getvalue() + err.getvalue()
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert text.count(escape_controls(EVIL)) == 5
    assert "\n\t" + escape_controls(EVIL) in text  # the detail keeps its lines and tabs


def test_problems_are_capped_with_a_count_and_errors_kept(make_artifact) -> None:
    problems = [Problem("warning", "", f"w{i}") for i in range(100)] + [Problem("error", "", "the error")]
    shown, omitted = problems_to_print(problems)
    assert len(shown) == PRINTED_PROBLEMS and omitted == 101 - PRINTED_PROBLEMS
    assert shown[-1].message == "the error" and shown[0].message == "w0"
    stream = io.StringIO()
    print_problems(problems, stream)
    lines = stream.getvalue().splitlines()
    assert len(lines) == PRINTED_PROBLEMS + 1
    assert lines[-1] == f"… {101 - PRINTED_PROBLEMS} more problems not shown (config --json lists them all)"


def test_config_command_caps_the_tree_and_json_keeps_all(make_artifact) -> None:
    directory = make_artifact("{packages: [%s]}" % ", ".join(f"'bad{i}'" for i in range(300)))
    out = io.StringIO()
    assert run_config(directory, None, "x86_64", False, out, False) == 1
    text = out.getvalue()
    assert "problems (300 errors, 1 warnings)" in text
    assert text.count("is not a valid package atom") == PRINTED_PROBLEMS
    assert f"… {301 - PRINTED_PROBLEMS} more problems not shown (config --json lists them all)" in text
    out = io.StringIO()
    run_config(directory, None, "x86_64", True, out, False)
    assert len(json.loads(out.getvalue())["problems"]) == 301


async def test_workbench_title_escapes_the_name(tmp_path: Path) -> None:
    from genpack_tui.app import WorkbenchApp
    from genpack_tui.parser import parse_args
    from tests.fixtures.app import wait_for

    directory = evil_artifact(tmp_path, "{packages: []}")
    app = WorkbenchApp(directory, parse_args(["-C", str(directory), "--arch", "x86_64"]))
    async with app.run_test(size=(120, 30)):
        assert await wait_for(lambda: app.resolution is not None)
        title = str(app.query_one("#title-bar").content)
        assert escape_controls(EVIL) in title and "\x1b" not in title and "\u202e" not in title
    assert resolve(directory, arch="x86_64").name == EVIL  # the name itself is unchanged, only its display



def test_config_tree_values_are_escaped() -> None:
    """Whatever validation lets through, a tree line never carries a raw control character."""
    from genpack_tui.widgets.config.outline import short_value

    assert short_value("echo \x1b]0;pwned\x07") == escape_controls("echo \x1b]0;pwned\x07")
    assert "\x1b" not in short_value({"k": "\x1b[31m"}) and "\x1b" not in short_value(["\x1b"])


def test_a_headless_build_caps_the_problems_it_prints(make_artifact) -> None:
    atoms = ", ".join(f'"bad atom {i}"' for i in range(PRINTED_PROBLEMS + 30))
    artifact = make_artifact(f'{{ name: "x", packages: [{atoms}] }}')
    proc = subprocess.run([sys.executable, "-m", "genpack_tui", "--headless", "-C", str(artifact), "build"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert sum(": error: " in line for line in proc.stderr.splitlines()) == PRINTED_PROBLEMS
    assert "30 more problems not shown" in proc.stderr
