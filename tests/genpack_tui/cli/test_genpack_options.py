"""genpack's command line, read from the real genpack.py's argparse calls: every action and option
keeps its spelling, its choices and its default in genpack-tui (docs/compatibility.md §16)."""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from genpack_tui.commands.upper_clean import GENPACK_ANSWER
from genpack_tui.engine.config.variant import DEFAULT_VARIANT
from genpack_tui.parser import parse_invocation
from tests.fixtures.build import REPO
from tests.fixtures.config import genpack_py  # noqa: F401


def genpack_arguments(source: str) -> list[dict[str, Any]]:
    """Each ``parser.add_argument(...)`` of genpack.py as {flags, action, choices, default, nargs};
    ``choices=sorted(X.keys())`` is evaluated from the module-level dict literal X."""
    tree = ast.parse(source)
    tables = {target.id: ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)
              for target in node.targets if isinstance(target, ast.Name) and isinstance(node.value, ast.Dict)}

    def value(node: ast.expr) -> Any:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "sorted":
            inner = node.args[0]
            assert isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute)
            assert isinstance(inner.func.value, ast.Name)
            return sorted(tables[inner.func.value.id])
        if isinstance(node, ast.Attribute):  # argparse.REMAINDER
            return node.attr
        return ast.literal_eval(node)

    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add_argument":
            keywords = {k.arg: value(k.value) for k in node.keywords if k.arg != "help"}
            found.append({"flags": [ast.literal_eval(a) for a in node.args], **keywords})
    return found


def test_the_reader_finds_genpacks_arguments(genpack_py: Path) -> None:
    arguments = genpack_arguments(genpack_py.read_text(encoding="utf-8"))
    flags = [a["flags"][0] for a in arguments]
    assert "--arch" in flags and "action" in flags and len(arguments) >= 12, flags


def test_every_genpack_option_is_accepted_with_its_default(genpack_py: Path) -> None:
    for argument in genpack_arguments(genpack_py.read_text(encoding="utf-8")):
        flag = argument["flags"][0]
        if not flag.startswith("--"):
            continue
        attr = flag[2:].replace("-", "_")
        default = parse_invocation([]).namespace
        if argument.get("action") == "store_true":
            assert getattr(default, attr) is False, flag
            assert getattr(parse_invocation([flag]).namespace, attr) is True, flag
            continue
        assert argument.get("default") is None, flag
        assert getattr(default, attr) is None, flag  # genpack's default: not given
        for choice in argument.get("choices") or ["some-value"]:
            parsed = parse_invocation([flag, choice]).namespace
            assert str(getattr(parsed, attr)).endswith(choice), (flag, choice)


def test_the_choices_are_genpacks_exactly(genpack_py: Path, capsys) -> None:
    for argument in genpack_arguments(genpack_py.read_text(encoding="utf-8")):
        choices = argument.get("choices")
        flag = argument["flags"][0]
        if not choices or not flag.startswith("--"):
            continue
        try:
            parse_invocation([flag, "not-one-of-them"])
        except SystemExit as exc:
            assert exc.code == 2
        usage = capsys.readouterr().err
        listed = usage.split("choose from ", 1)[1].split(")")[0]
        assert sorted(c.strip(" '") for c in listed.split(",")) == sorted(choices), (flag, usage)


def test_every_genpack_action_is_a_subcommand_and_build_is_the_default(genpack_py: Path) -> None:
    [action] = [a for a in genpack_arguments(genpack_py.read_text(encoding="utf-8")) if a["flags"] == ["action"]]
    assert action["default"] == "build"
    assert parse_invocation([]).action == "build"
    for name in action["choices"]:
        invocation = parse_invocation([name])
        assert invocation.action == name and invocation.request.variant is DEFAULT_VARIANT


def test_upper_clean_gives_genpacks_answer(genpack_py: Path, tmp_path: Path) -> None:
    assert f'raise ValueError("{GENPACK_ANSWER}")' in genpack_py.read_text(encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "genpack_tui", "--headless", "upper-clean"], capture_output=True,
                          text=True, cwd=tmp_path, timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 1
    assert proc.stderr == f"genpack-tui: error: {GENPACK_ANSWER}\n" and proc.stdout == ""
    assert list(tmp_path.iterdir()) == []
