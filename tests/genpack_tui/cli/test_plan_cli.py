"""`genpack-tui plan [--json]`: the real CLI in a subprocess, as an unprivileged user (no root needed),
without a terminal; the artifact is left as it was."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from genpack_tui.commands.plan import resolve_plan
from genpack_tui.engine.build.request import BuildRequest
from tests.fixtures.build import EXAMPLE, REPO

NOBODY = 65534


def listing(directory: Path) -> list[tuple[str, int]]:
    return sorted((str(p.relative_to(directory)), p.lstat().st_mode) for p in directory.rglob("*"))


@pytest.fixture
def artifact() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="genpack-tui-plan-") as scratch:  # pytest's tmp is root's only
        os.chmod(scratch, 0o755)
        directory = Path(scratch) / "hello"
        shutil.copytree(EXAMPLE, directory)
        _readable_by_all(directory)
        yield directory


def _readable_by_all(directory: Path) -> None:
    for path in [directory, *directory.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)  # readable by nobody, writable by root only


def run_plan(artifact: Path, *args: str) -> subprocess.CompletedProcess[str]:
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("setpriv (util-linux) is needed to run the CLI as an unprivileged user")
    env = {**os.environ, "PYTHONPATH": str(REPO), "HOME": "/nonexistent"}
    argv = [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
            sys.executable, "-m", "genpack_tui", "-C", str(artifact), *args]
    return subprocess.run(argv, capture_output=True, text=True, env=env, cwd="/", stdin=subprocess.DEVNULL,
                          timeout=120)


def test_plan_json_without_root(artifact: Path) -> None:
    before = listing(artifact)
    result = run_plan(artifact, "plan", "--json", "--arch", "aarch64", "--variant", "quiet")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert {"schema", "name", "variant", "arch", "profile", "portage_files", "lower", "upper", "pack"} <= set(plan)
    assert next(iter(plan)) == "schema"  # first, as docs/events.md ("Versions") says of every JSON output
    assert (plan["schema"], plan["name"], plan["variant"], plan["arch"]) == ("1.0", "hello", "quiet", "aarch64")
    assert plan["profile"].startswith("genpack-overlay:genpack/arm64")
    assert plan["portage_files"]["etc/portage/sets/genpack-runtime"].startswith("app-misc/hello")
    assert set(plan["pack"]) == {"outfile", "compression", "steps"}
    for step in plan["lower"] + plan["upper"]:
        assert {"argv", "env", "stdin", "where"} <= set(step) and step["where"] in ("lower", "upper", "host")
    assert plan["emulated"] == (os.uname().machine != "aarch64")
    world = next(s for s in plan["lower"] if s["name"] == "emerge-world")
    assert world["where"] == "lower" and world["argv"][0] == "emerge"
    if plan["emulated"]:
        assert world["env"]["FEATURES"] == "-pid-sandbox"
    files = next(s for s in plan["upper"] if s["name"] == "files")
    assert files["where"] == "upper" and "execute-artifact-build-scripts" in files["stdin"]
    assert files["env"]["VARIANT"] == "quiet"
    assert listing(artifact) == before  # nothing written: no work/, no .gitignore, no output


def test_plan_human_sections(artifact: Path) -> None:
    result = run_plan(artifact, "plan", "--arch", "x86_64")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for heading in ("profile: genpack-overlay:genpack/amd64", "Portage files written into the lower image:",
                    "/etc/portage/package.use/genpack", "\nlower:\n", "\nupper:\n", "\npack:\n",
                    "[lower container] Emerging all packages...", "[upper container] Creating user",
                    "only when: the plain depclean failed", "outfile: hello-x86_64.squashfs  compression: gzip"):
        assert heading in out, heading


def test_plan_of_a_broken_config_is_a_clear_error(artifact: Path) -> None:
    (artifact / "genpack.json5").write_text('{\n  name: "hello",\n  packages: "app-misc/hello",\n}\n')
    before = listing(artifact)
    result = run_plan(artifact, "plan", "--json")
    assert result.returncode == 1 and result.stdout == ""
    assert "genpack.json5:3:" in result.stderr and "packages" in result.stderr
    assert "Traceback" not in result.stderr and "no plan: the configuration has errors" in result.stderr
    assert listing(artifact) == before


def test_plan_of_an_overlay_linked_out_is_refused(artifact: Path) -> None:
    outside = artifact.parent / "outside"
    (outside / "cat" / "pkg").mkdir(parents=True)
    (outside / "cat" / "pkg" / "pkg-1.ebuild").write_text("")
    os.symlink(outside, artifact / "overlay")
    result = run_plan(artifact, "plan")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{artifact}/overlay is a symbolic link (to {outside})" in result.stderr
    assert sorted(p.name for p in outside.rglob("*")) == ["cat", "pkg", "pkg-1.ebuild"]


def test_plan_json_is_the_engine_plan(artifact: Path) -> None:
    """What the differential test (tests/differential/) compares in-process is what the CLI prints."""
    result = run_plan(artifact, "plan", "--json", "--arch", "i686")
    assert result.returncode == 0, result.stderr
    _, plan = resolve_plan(BuildRequest(action="plan", artifact_dir=str(artifact), arch="i686"))
    assert plan is not None and json.loads(result.stdout) == plan.to_json()
