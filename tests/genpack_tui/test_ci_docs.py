"""docs/ci.md's GitHub Actions workflow and GitLab CI pipeline: both YAML blocks parse and have the
parts the page promises, and their genpack-tui commands run here as the CI would run them (in bash,
in the artifact's checkout): check, matrix and doctor for real, every build command of the matrix up to its
parsed arguments, and one build for real on the test bed."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from genpack_tui.parser import parse_invocation
from tests.fixtures.build import EXAMPLE, REPO

CI_DOC = REPO / "docs" / "ci.md"
COMPILED = REPO / "tests" / "data" / "artifacts" / "compiled"
GENPACK_TUI = Path(sys.executable).with_name("genpack-tui")
# stands in for sudo (this machine runs the tests as root and has none): records the command's
# words, one per line, and runs it unless RECORD_ONLY is set
SUDO_SHIM = """#!/bin/sh
while [ $# -gt 0 ]; do case "$1" in -*) shift;; *) break;; esac; done
printf '%s\\n' "$@" > "$RECORDED"
[ -n "$RECORD_ONLY" ] && exit 0
exec "$@"
"""
# records genpack-tui's words, for the GitLab child job's build command
RECORDER = """#!/bin/sh
printf '%s\\n' "$@" > "$RECORDED"
"""
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def yaml_blocks() -> list[dict]:
    blocks = re.findall(r"^```yaml\n(.*?)^```$", CI_DOC.read_text(), re.M | re.S)
    return [YAML(typ="safe").load(block) for block in blocks]


@pytest.fixture(scope="module")
def github() -> dict:
    return yaml_blocks()[0]


@pytest.fixture(scope="module")
def gitlab() -> dict:
    return yaml_blocks()[1]


def checkout(tmp_path: Path, source: Path) -> Path:
    artifact = tmp_path / source.name
    shutil.copytree(source, artifact, symlinks=True)
    return artifact


def shell(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PATH": f"{GENPACK_TUI.parent}{os.pathsep}{os.environ['PATH']}", **env}
    for name in ("GITHUB_ACTIONS", "GITLAB_CI"):  # only what the step itself sets
        if name not in env:
            full.pop(name, None)
    return subprocess.run(["bash", "-e", "-c", script], cwd=cwd, env=full, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=900)


def step(job: dict, needle: str) -> dict:
    (found,) = [s for s in job["steps"] if needle in s.get("run", "") or needle in s.get("uses", "")]
    return found


def test_the_page_has_two_yaml_blocks_a_workflow_and_a_pipeline(github, gitlab):
    assert len(yaml_blocks()) == 2
    assert set(github["jobs"]) == {"matrix", "build"} and "stages" in gitlab


def test_the_workflow_has_a_matrix_job_the_cache_and_the_upload(github):
    matrix, build = github["jobs"]["matrix"], github["jobs"]["build"]
    assert matrix["outputs"]["builds"] == "${{ steps.matrix.outputs.builds }}"
    assert build["needs"] == "matrix"
    assert build["strategy"]["matrix"] == "${{ fromJSON(needs.matrix.outputs.builds) }}"
    cache = step(build, "actions/cache")
    assert cache["with"]["path"] == "~/.cache/genpack/${{ matrix.arch }}/binpkgs"
    assert "${{ matrix.arch }}" in cache["with"]["key"]
    upload = step(build, "actions/upload-artifact")
    assert "*.squashfs" in upload["with"]["path"] and upload["if"] == "always()"
    run = step(build, "--headless")["run"]
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_WORKSPACE"):  # annotations and summary
        assert name in run


@pytest.mark.parametrize("source", [EXAMPLE, COMPILED], ids=["example", "compiled"])
def test_the_workflows_check_and_matrix_steps_run(github, source, tmp_path):
    artifact = checkout(tmp_path, source)
    output = tmp_path / "github_output"
    matrix_job = github["jobs"]["matrix"]
    for needle in ("genpack-tui check", "genpack-tui matrix"):
        run = shell(step(matrix_job, needle)["run"], artifact, {"GITHUB_OUTPUT": str(output)})
        assert run.returncode == 0, run.stdout + run.stderr
    (line,) = output.read_text().splitlines()
    name, _, value = line.partition("=")
    assert name == "builds"
    expected = subprocess.run([str(GENPACK_TUI), "-C", str(artifact), "matrix", "--json"],
                              capture_output=True, text=True, check=True).stdout
    assert json.loads(value) == json.loads(expected) and json.loads(value)["include"]


def _github_expression(expression: str, entry: dict) -> str:
    """The workflow's ${{ }} expressions for one matrix entry (an absent key is GitHub's empty string)."""
    variant = entry.get("variant", "")
    known = {
        "matrix.arch": entry["arch"],
        "matrix.variant": variant,
        "matrix.variant && format('--variant={0}', matrix.variant) || ''": f"--variant={variant}" if variant else "",
        "matrix.variant || 'default'": variant or "default",
    }
    assert expression in known, f"docs/ci.md uses ${{{{ {expression} }}}}, which this test does not evaluate"
    return known[expression]


def _build_command(github: dict, entry: dict) -> tuple[str, dict[str, str]]:
    build = github["jobs"]["build"]
    env = {k: EXPRESSION.sub(lambda m: _github_expression(m.group(1), entry), v) for k, v in build["env"].items()}
    run = EXPRESSION.sub(lambda m: _github_expression(m.group(1), entry), step(build, "--headless")["run"])
    return run, env


def _shims(tmp_path: Path) -> Path:
    bin_dir = tmp_path / "shims"
    bin_dir.mkdir(exist_ok=True)
    for name, text in (("sudo", SUDO_SHIM), ("genpack-tui-recorder", RECORDER)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    return bin_dir


def test_every_build_command_of_the_example_matrix_parses_as_the_cli_expects(github, tmp_path):
    artifact = checkout(tmp_path, EXAMPLE)
    entries = json.loads(subprocess.run([str(GENPACK_TUI), "-C", str(artifact), "matrix", "--json"],
                                        capture_output=True, text=True, check=True).stdout)["include"]
    shims, recorded = _shims(tmp_path), tmp_path / "recorded"
    for entry in entries:
        run, env = _build_command(github, entry)
        env |= {"RECORDED": str(recorded), "RECORD_ONLY": "1", "PATH": f"{shims}{os.pathsep}{GENPACK_TUI.parent}"
                f"{os.pathsep}{os.environ['PATH']}"}
        result = shell(run, artifact, env)
        assert result.returncode == 0, result.stderr
        words = recorded.read_text().splitlines()
        assert words[0] == str(GENPACK_TUI)
        invocation = parse_invocation(words[1:])  # a usage error would exit 2 here
        assert invocation.headless and invocation.action == "build"
        assert invocation.request.arch == entry["arch"]
        assert (invocation.request.variant if "variant" in entry else None) == entry.get("variant")
        assert invocation.events == Path("events.jsonl")


@pytest.mark.root
@pytest.mark.slow
def test_the_workflows_build_step_builds_the_example_on_the_test_bed(github, testbed_mirror, tmp_path):
    artifact = checkout(tmp_path, EXAMPLE)
    run, env = _build_command(github, {"arch": "x86_64"})
    summary = tmp_path / "step_summary.md"
    env |= {"RECORDED": str(tmp_path / "recorded"), "PATH": f"{_shims(tmp_path)}{os.pathsep}{GENPACK_TUI.parent}"
            f"{os.pathsep}{os.environ['PATH']}", "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_WORKSPACE": str(tmp_path), "GENPACK_MIRROR": testbed_mirror.mirror_url,
            "GENPACK_OVERLAY_URL": testbed_mirror.overlay_url, "GENPACK_KEYRING": str(testbed_mirror.keyring)}
    result = shell(run, artifact, env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (artifact / "hello-x86_64.squashfs").is_file()  # what the upload step takes
    events = [json.loads(line) for line in (artifact / "events.jsonl").read_text().splitlines()]
    assert events[-1]["kind"] == "build_finished" and events[-1]["ok"]
    assert "::group::==> lower" in result.stdout  # the groups of GitHub's log
    assert summary.read_text().startswith("## genpack-tui build: hello (x86\\_64): succeeded in ")


def test_the_pipeline_triggers_the_child_pipeline_its_matrix_job_writes(gitlab):
    matrix, build = gitlab["matrix"], gitlab["build"]
    assert matrix["stage"] == "matrix" and "builds.yml" in matrix["artifacts"]["paths"]
    assert build["trigger"]["include"] == [{"artifact": "builds.yml", "job": "matrix"}]
    assert build["needs"] == ["matrix"]


@pytest.mark.parametrize("source", [EXAMPLE, COMPILED], ids=["example", "compiled"])
def test_the_pipelines_matrix_job_runs_and_its_child_jobs_commands_parse(gitlab, source, tmp_path):
    artifact = checkout(tmp_path, source)
    run = shell("\n".join(gitlab["matrix"]["script"]), artifact, {"GITLAB_CI": "true"})
    assert run.returncode == 0, run.stdout + run.stderr
    entries = json.loads((artifact / "matrix.json").read_text())["include"]
    child = YAML(typ="safe").load((artifact / "builds.yml").read_text())
    job = child["build"]
    assert job["parallel"]["matrix"] == [{k.upper(): v for k, v in e.items()} for e in entries]
    assert job["variables"]["XDG_CACHE_HOME"] == "$CI_PROJECT_DIR/.cache"
    assert "*.squashfs" in job["artifacts"]["paths"]
    (build_line,) = [line for line in job["script"] if "--headless" in line]
    recorded, shims = tmp_path / "recorded", _shims(tmp_path)
    (shims / "genpack-tui").symlink_to(shims / "genpack-tui-recorder")
    for entry in entries:
        variables = {k.upper(): v for k, v in entry.items()}
        result = shell(build_line, artifact, {**variables, "RECORDED": str(recorded),
                                              "PATH": f"{shims}{os.pathsep}{os.environ['PATH']}"})
        assert result.returncode == 0, result.stderr
        invocation = parse_invocation(recorded.read_text().splitlines())
        assert invocation.headless and invocation.action == "build"
        assert invocation.request.arch == entry["arch"]
        assert (invocation.request.variant if "variant" in entry else None) == entry.get("variant")


@pytest.mark.root
def test_the_doctor_steps_run(github, gitlab, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("doctor's checks of root, loop devices and nspawn need root")
    artifact = checkout(tmp_path, EXAMPLE)
    env = {"RECORDED": str(tmp_path / "recorded"),
           "PATH": f"{_shims(tmp_path)}{os.pathsep}{GENPACK_TUI.parent}{os.pathsep}{os.environ['PATH']}"}
    run = shell(step(github["jobs"]["build"], " doctor")["run"], artifact, env)
    assert run.returncode == 0 and "this host can build" in run.stdout, run.stdout + run.stderr
    run = shell("\n".join(gitlab["matrix"]["script"]), artifact, env)
    assert run.returncode == 0, run.stderr
    child = YAML(typ="safe").load((artifact / "builds.yml").read_text())["build"]
    (doctor,) = [line for line in child["script"] if line.split()[-1] == "doctor"]
    run = shell(doctor, artifact, env)
    assert run.returncode == 0 and "this host can build" in run.stdout, run.stdout + run.stderr
