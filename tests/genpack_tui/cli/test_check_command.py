"""`genpack-tui check` and the genpack-check pre-commit hook: run as pre-commit runs a hook (the hook's
entry, then the file names its `files` pattern selects), without root and without a terminal;
`file:line:col: severity: message` lines and exit 0/1. Also `genpack-tui schema`."""
from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterator

import pytest
from ruamel.yaml import YAML

from genpack_tui.engine.config.json_schema import json_schema
from tests.fixtures.build import REPO

HOOKS_FILE = REPO / ".pre-commit-hooks.yaml"
LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning): (?P<rest>.+)$")
NOBODY = 65534


def _hook() -> dict:
    hooks = YAML(typ="safe").load(HOOKS_FILE.read_text(encoding="utf-8"))
    (hook,) = [h for h in hooks if h["id"] == "genpack-check"]
    return hook


def _entry_argv(entry: str) -> list[str]:
    """The hook's entry with its command taken from this environment, as pre-commit's own venv would."""
    command, *args = shlex.split(entry)
    return [str(Path(sys.executable).with_name(command)), *args]


def _as_pre_commit(repo: Path, candidates: list[str]) -> subprocess.CompletedProcess[str]:
    """Select ``candidates`` with the hook's `files` pattern and run its entry on them, as uid nobody, in
    ``repo``, with stdin and stdout not terminals."""
    hook = _hook()
    selected = [name for name in candidates if re.search(hook["files"], name)]
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        pytest.skip("needs root and setpriv to run the hook as an unprivileged user")
    argv = [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
            *_entry_argv(hook["entry"]), *selected]
    return subprocess.run(argv, cwd=repo, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=120, env={"PATH": os.environ["PATH"], "HOME": "/nonexistent"})


@pytest.fixture
def repo() -> Iterator[Path]:
    """A directory the unprivileged user can read (pytest's tmp_path is root's alone)."""
    path = Path(tempfile.mkdtemp(prefix="genpack-check-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path)


def _write(repo: Path, name: str, text: str) -> Path:
    path = repo / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o755)
    path.write_text(text, encoding="utf-8")
    path.chmod(0o644)
    return path


def test_the_hook_reports_each_problem_as_file_line_col_and_fails_on_an_error(repo: Path) -> None:
    _write(repo, "good/genpack.json5", '{packages: ["genpack/paravirt"]}\n')
    _write(repo, "warn/genpack.json", '{"packages": [], "colour": "blue"}\n')
    _write(repo, "bad/genpack.json5", '{\n  name: "demo",\n  compression: "zstd",\n  users: [{uid: 1}],\n}\n')
    _write(repo, "README.md", "not a config\n")
    _write(repo, "bad/genpack.json5.orig", "{ not even json")
    proc = _as_pre_commit(repo, ["good/genpack.json5", "warn/genpack.json", "bad/genpack.json5", "README.md",
                                 "bad/genpack.json5.orig"])
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stderr == ""
    lines = proc.stdout.splitlines()
    assert [LINE.match(line) is not None for line in lines] == [True] * len(lines), lines
    assert lines == [
        "warn/genpack.json:1:18: warning: colour: unknown key 'colour' at the top level is ignored",
        "bad/genpack.json5:3:16: error: compression: expected one of gzip, xz, lzo, none, found 'zstd'",
        "bad/genpack.json5:4:11: error: users[0]: a user object needs a 'name'",
    ]


def test_the_hook_passes_with_warnings_only(repo: Path) -> None:
    _write(repo, "genpack.json5", '{packages: ["#app-misc/screen"]}\n')
    proc = _as_pre_commit(repo, ["genpack.json5"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ("genpack.json5:1:13: warning: packages[0]: '#app-misc/screen' starts with '#': "
                           "Portage reads it as a comment, so it has no effect\n")


def test_the_hook_reports_a_syntax_error_with_its_position(repo: Path) -> None:
    _write(repo, "genpack.json5", '{\n  packages: ["a/b"\n  use: {},\n}\n')
    proc = _as_pre_commit(repo, ["genpack.json5"])
    assert proc.returncode == 1
    match = LINE.match(proc.stdout.splitlines()[0])
    assert match and match["file"] == "genpack.json5" and match["severity"] == "error", proc.stdout
    assert (match["line"], match["col"]) == ("3", "3")


def test_a_link_leaving_the_directory_is_refused_and_the_outside_file_is_not_read(repo: Path) -> None:
    outside = Path(tempfile.mkdtemp(prefix="genpack-check-outside-"))
    try:
        secret = outside / "secret.json5"
        secret.write_text('{name: "TOP-SECRET-VALUE/x"}\n', encoding="utf-8")
        secret.chmod(0o644)
        outside.chmod(0o755)
        before = secret.stat()
        (repo / "genpack.json5").symlink_to(secret)
        proc = _as_pre_commit(repo, ["genpack.json5"])
        assert proc.returncode == 1
        assert "TOP-SECRET-VALUE" not in proc.stdout + proc.stderr
        assert "genpack.json5: error: " in proc.stdout
        assert "which leaves the artifact directory" in proc.stdout
        after = secret.stat()
        assert (after.st_mtime_ns, after.st_size, after.st_atime_ns) == (before.st_mtime_ns, before.st_size,
                                                                          before.st_atime_ns)
    finally:
        shutil.rmtree(outside)


def test_a_fifo_is_refused_without_waiting(repo: Path) -> None:
    os.mkfifo(repo / "genpack.json5")
    proc = _as_pre_commit(repo, ["genpack.json5"])
    assert proc.returncode == 1
    assert proc.stdout == "genpack.json5: error: genpack.json5 is a named pipe (FIFO), not a configuration file\n"


def test_control_characters_from_the_file_are_escaped(repo: Path) -> None:
    _write(repo, "genpack.json5", '{"\\u001b[31mred": 1}\n')
    proc = _as_pre_commit(repo, ["genpack.json5"])
    assert proc.returncode == 0
    assert "\x1b" not in proc.stdout and "\\x1b[31mred" in proc.stdout


def test_the_hook_selects_only_configuration_files() -> None:
    pattern = _hook()["files"]
    chosen = [name for name in ("genpack.json5", "a/genpack.json", "a/genpack.json5.bak", "mygenpack.json5x",
                                "genpack.yaml", "other.json5") if re.search(pattern, name)]
    assert chosen == ["genpack.json5", "a/genpack.json"]


def _genpack_tui(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(Path(sys.executable).with_name("genpack-tui")), *args], cwd=cwd,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)


def test_check_without_files_checks_the_artifact_directory(tmp_path: Path) -> None:
    (tmp_path / "art").mkdir()
    proc = _genpack_tui("-C", "art", "check", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.startswith("art: error: neither genpack.json5 nor genpack.json found in ")
    (tmp_path / "art" / "genpack.json5").write_text('{packages: ["genpack/paravirt"]}', encoding="utf-8")
    proc = _genpack_tui("-C", "art", "check", cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


def test_schema_prints_the_json_schema(tmp_path: Path) -> None:
    proc = _genpack_tui("schema", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == json_schema()
    assert list(tmp_path.iterdir()) == []


def test_pre_commit_itself_runs_the_hook_from_this_repository(tmp_path: Path) -> None:
    """pre-commit installs this repository into its own environment and runs genpack-check on the
    configuration files of a repository of artifacts."""
    pre_commit = Path(sys.executable).with_name("pre-commit")
    if not pre_commit.exists():
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    if not (REPO / ".git").exists():
        pytest.skip(f"{REPO} is not a git checkout, which pre-commit try-repo needs")
    artifacts = tmp_path / "artifacts"
    (artifacts / "good").mkdir(parents=True)
    (artifacts / "bad").mkdir()
    (artifacts / "good" / "genpack.json5").write_text('{packages: ["genpack/paravirt"]}\n', encoding="utf-8")
    (artifacts / "bad" / "genpack.json5").write_text('{\n  compression: "zstd",\n}\n', encoding="utf-8")
    (artifacts / "notes.json5").write_text("{ not a config, not selected", encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=artifacts, check=True)
    subprocess.run(["git", "add", "."], cwd=artifacts, check=True)
    proc = subprocess.run([str(pre_commit), "try-repo", str(REPO), "genpack-check", "--all-files"], cwd=artifacts,
                          capture_output=True, text=True, timeout=900,
                          env={**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "bad/genpack.json5:2:16: error: compression: expected one of gzip, xz, lzo, none, found 'zstd'" \
        in proc.stdout.splitlines(), proc.stdout
    assert "good/genpack.json5" not in proc.stdout and "notes.json5" not in proc.stdout


def test_a_huge_key_gives_a_short_line(repo: Path) -> None:
    _write(repo, "genpack.json5", '{"' + "k" * 100_000 + '": 1}\n')
    proc = _as_pre_commit(repo, ["genpack.json5"])
    assert proc.returncode == 0
    (line,) = proc.stdout.splitlines()
    assert line.startswith("genpack.json5:1:2: warning: kkkk") and len(line) < 1000, len(line)
