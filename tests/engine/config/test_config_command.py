"""`config` command: provenance tree, one JSON object, exit codes."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from genpack_tui.commands.config import run_config
from genpack_tui.engine.config import DEFAULT_VARIANT

REPO = Path(__file__).resolve().parents[3]
DOC = """{
  name: "demo",
  packages: ["a/top", "a/gone"],
  use: {"a/b": "x"},
  variants: {v: {packages: ["-a/gone", "a/var"], use: {"a/b": "y VIDEO_CARDS: virgl"}, pakages: []}},
}"""


def run(directory: Path, variant=DEFAULT_VARIANT, arch="x86_64", as_json=False) -> tuple[int, str]:
    out = io.StringIO()
    code = run_config(directory, variant, arch, as_json, out, False)
    return code, out.getvalue()


def test_tree_shows_values_origins_removals_overrides_and_problems(make_artifact) -> None:
    code, text = run(make_artifact(DOC), "v")
    assert code == 0
    assert "demo · variant v · x86_64 · genpack.json5" in text
    assert "merge order: top → variants.v" in text
    assert "a/var  ← variants.v (genpack.json5:5:40)" in text
    assert "removed a/gone by '-a/gone'  ← variants.v (genpack.json5:5:29); it came from top (genpack.json5:3:23)" in text
    assert "a/b: y VIDEO_CARDS: virgl  ← variants.v" in text
    assert "overrides x  ← top (genpack.json5:4:16)" in text
    assert "outfile: demo-v-x86_64.squashfs" in text
    assert "warning: variants.v.pakages: unknown key 'pakages' inside a variant is ignored; did you mean 'packages'?" in text
    assert "\x1b[" not in text  # no colour codes unless asked


def test_colour_output_when_asked(make_artifact) -> None:
    out = io.StringIO()
    assert run_config(make_artifact(DOC), "v", "x86_64", False, out, True) == 0
    assert "\x1b[" in out.getvalue()


def test_json_is_exactly_one_object_with_the_schema(make_artifact) -> None:
    code, text = run(make_artifact(DOC), "v", as_json=True)
    assert code == 0
    data = json.loads(text)  # the whole output is one JSON document
    assert {"name", "variant", "arch", "merged", "derived", "provenance", "problems"} <= set(data)
    assert data["name"] == "demo" and data["variant"] == "v" and data["arch"] == "x86_64"
    assert data["merged"]["packages"] == ["a/top", "a/var"]
    assert data["derived"]["outfile"] == "demo-v-x86_64.squashfs"
    assert data["derived"]["portage_files"]["etc/portage/sets/genpack-runtime"] == "a/top\na/var"
    removal = data["provenance"]["fields"]["packages"]["removed"][0]
    assert removal["target"] == "a/gone" and removal["removed"]["origin"]["layer"] == "top"
    assert data["problems"][0]["severity"] == "warning" and data["problems"][0]["line"] == 5


def test_json_for_unparsable_config_has_null_merged_and_exit_1(make_artifact) -> None:
    code, text = run(make_artifact("{packages: [}"), as_json=True)
    assert code == 1
    data = json.loads(text)
    assert data["merged"] is None and data["derived"] is None and data["ok"] is False
    assert data["problems"][0]["line"] == 1 and data["problems"][0]["column"] == 13


def test_invalid_config_exits_1_and_lists_errors(make_artifact) -> None:
    code, text = run(make_artifact("{packages: ['bad'], compression: 'zstd'}"))
    assert code == 1
    assert "problems (2 errors, 1 warnings)" in text
    assert "genpack.json5:1:13: error: packages[0]: 'bad' is not a valid package atom" in text


def test_unknown_variant_exits_1(make_artifact) -> None:
    code, text = run(make_artifact(DOC), "nope")
    assert code == 1 and "variant 'nope' is not available; available variants: 'v'" in text


def test_no_variant_and_warnings_only_exit_0(make_artifact) -> None:
    code, text = run(make_artifact("{packages: ['a/b']}", name="dirname"), None)
    assert code == 0 and "variant (none)" in text and "using the directory name 'dirname'" in text


def test_whole_process_cli(make_artifact) -> None:
    directory = make_artifact(DOC)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-m", "genpack_tui", "-C", str(directory), "config", "--json",
                           "--variant", "v", "--arch", "aarch64"], capture_output=True, text=True, env=env, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["derived"]["outfile"] == "demo-v-aarch64.squashfs"
    bad = make_artifact("{name: 3}")
    proc = subprocess.run([sys.executable, "-m", "genpack_tui", "-C", str(bad), "config"], capture_output=True,
                          text=True, env=env, cwd=REPO)
    assert proc.returncode == 1 and "name: expected a string, found a number" in proc.stdout
