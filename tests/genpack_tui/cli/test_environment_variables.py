"""Every environment variable the program reads is listed in --help (parser.ENVIRONMENT) and README."""
from __future__ import annotations

import re
import subprocess
import sys

from genpack_tui.parser import ENVIRONMENT
from tests.fixtures.build import REPO

LISTED = {part.strip() for name, _ in ENVIRONMENT for part in name.split(",")}
# read by the program, not meant to be set by its users: the worker's handshake with its parent
INTERNAL = {"GENPACK_TUI_WORKER_PARENT"}
# environ.get("X") / env["X"] (not an assignment) / os.getenv("X") / X_ENV = "X" / "X" in os.environ
READS = re.compile(r"""(?:environ|env|getenv)(?:\.get\(|\()\s*["']([A-Z_]+)["']"""
                   r"""|(?:environ|env)(?:\[\s*["']([A-Z_]+)["']\s*\](?!\s*=[^=]))"""
                   r"""|\b[A-Z_]+_ENV\s*=\s*["']([A-Z_]+)["']|["']([A-Z_]+)["']\s+(?:not\s+)?in\s+(?:os\.)?environ""")


def variables_read_by_the_program() -> set[str]:
    names = set()
    for folder in ("engine", "genpack_tui", "widgets"):
        for path in (REPO / folder).rglob("*.py"):
            if "testbed/data" in path.as_posix():
                continue  # programs run inside the test bed's containers
            for match in READS.finditer(path.read_text()):
                names.add(next(group for group in match.groups() if group))
    return names


def test_every_variable_the_program_reads_is_listed() -> None:
    read = variables_read_by_the_program()
    assert {"GENPACK_MIRROR", "GENPACK_OVERLAY_URL", "GENPACK_KEYRING", "XDG_CACHE_HOME"} <= read
    assert read - INTERNAL - LISTED == set()


def test_help_and_readme_list_them() -> None:
    proc = subprocess.run([sys.executable, "-m", "genpack_tui", "--help"], capture_output=True, text=True,
                          timeout=60, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    help_text = proc.stdout.split("environment:\n", 1)[1]
    readme = (REPO / "README.md").read_text().split("### Environment variables", 1)[1]
    for name in LISTED:
        assert f"  {name}" in help_text or f", {name}" in help_text
        assert f"`{name}`" in readme
