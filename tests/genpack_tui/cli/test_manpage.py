"""The committed man page (docs/genpack-tui.1) is what scripts/manpage.py makes from the parser today,
and it is valid roff that man renders with every subcommand, option and environment variable."""
from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from genpack_tui.parser import ENVIRONMENT, SUBCOMMANDS, build_parser
from tests.fixtures.build import REPO

PAGE = REPO / "docs" / "genpack-tui.1"


def generated() -> str:
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "manpage.py")], capture_output=True, text=True,
                          timeout=60, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_the_committed_man_page_is_the_generated_one() -> None:
    assert PAGE.read_text() == generated(), "docs/genpack-tui.1 is stale: run bash scripts/manpage.sh"


def test_the_man_page_renders_every_subcommand_option_and_variable() -> None:
    if shutil.which("man") is None:
        pytest.skip("man is not installed")
    proc = subprocess.run(["man", "--warnings", "-l", str(PAGE)], capture_output=True, text=True, timeout=60,
                          env={"MANWIDTH": "200", "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # groff's warnings
    text = proc.stdout
    for name in SUBCOMMANDS:
        assert f"\n       {name} " in text
    options = {flag for action in build_parser()._actions for flag in action.option_strings}
    for flag in options - {"-h", "--help"}:
        assert flag in text
    for name, _ in ENVIRONMENT:
        assert f"\n       {name}" in text
    assert "130  interrupted" in text
