"""Machine-readable output says its version (docs/events.md, "Versions"): a real headless run's
--events file starts with the schema line, and `config --json` carries "schema" as its first key."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from genpack_tui.commands.config import CONFIG_JSON_SCHEMA
from genpack_tui.engine.events import SCHEMA_VERSION, parse_schema_version, read_events
from tests.fixtures.build import REPO


def genpack_tui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "genpack_tui", *args], capture_output=True, text=True,
                          timeout=120, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})


def artifact(tmp_path: Path, text: str) -> Path:
    directory = tmp_path / "artifact"
    directory.mkdir()
    (directory / "genpack.json5").write_text(text)
    return directory


def test_the_events_of_a_real_headless_run_start_with_the_schema_line(tmp_path: Path) -> None:
    broken = artifact(tmp_path, '{ name: "x", packages: ["not an atom"] }')  # fails in the configuration: no root
    events_file = tmp_path / "ci.jsonl"
    proc = genpack_tui("--headless", "-C", str(broken), "--events", str(events_file), "build")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    first, *rest = events_file.read_text(encoding="utf-8").splitlines()
    assert json.loads(first) == {"kind": "schema", "version": SCHEMA_VERSION}
    kinds = [json.loads(line)["kind"] for line in rest]
    assert kinds[0] == "build_started" and kinds[-1] == "build_finished" and "schema" not in kinds
    with open(events_file, encoding="utf-8") as stream:
        log = read_events(stream)
    assert log.version == SCHEMA_VERSION and not log.skipped and len(log.events) == len(rest)


@pytest.mark.parametrize(("text", "code"), [('{ name: "x", packages: ["app-misc/hello"] }', 0),
                                            ('{ name: 3 }', 1)])
def test_config_json_carries_its_schema_first(tmp_path: Path, text: str, code: int) -> None:
    proc = genpack_tui("-C", str(artifact(tmp_path, text)), "config", "--json")
    assert proc.returncode == code, proc.stderr
    data = json.loads(proc.stdout)
    assert next(iter(data)) == "schema" and data["schema"] == CONFIG_JSON_SCHEMA
    assert parse_schema_version(data["schema"]) >= (1, 0)
    assert {"name", "variant", "arch", "merged", "derived", "provenance", "problems"} <= set(data)
