"""`genpack-tui matrix`: the (variant, arch) builds of an artifact for a CI matrix, run as CI runs it
(a subprocess, no terminal, no root needed), on the example, the test artifacts and the corpus."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from genpack_tui.engine.config import resolve
from genpack_tui.engine.config.arches import ARCHES
from tests.fixtures.build import EXAMPLE, REPO

COMPILED = REPO / "tests" / "data" / "artifacts" / "compiled"
HOST = os.uname().machine


def matrix(artifact: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "genpack_tui", "-C", str(artifact), *args],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120, cwd="/")


def include(artifact: Path, *args: str) -> list[dict]:
    run = matrix(artifact, "matrix", "--json", *args)
    assert run.returncode == 0, run.stderr
    document = json.loads(run.stdout)
    assert list(document) == ["include"]
    return document["include"]


def _host_first(arches: list[str]) -> list[str]:
    return [a for a in ARCHES if a in set(arches) | ({HOST} if HOST in ARCHES else set())]


def test_the_example_gives_every_variant_and_the_plain_build_for_every_named_arch():
    arches = _host_first(["x86_64", "aarch64", "riscv64"])  # its arch blocks: x86_64, "aarch64|riscv64"
    assert include(EXAMPLE) == ([{"arch": a} for a in arches] + [{"variant": "quiet", "arch": a} for a in arches])


def test_arch_options_choose_the_arches_before_or_after_the_subcommand():
    assert include(EXAMPLE, "--arch", "aarch64") == [{"arch": "aarch64"}, {"variant": "quiet", "arch": "aarch64"}]
    run = matrix(EXAMPLE, "--arch", "riscv64", "matrix", "--json", "--arch", "x86_64")
    assert json.loads(run.stdout)["include"] == [
        {"arch": "x86_64"}, {"arch": "riscv64"}, {"variant": "quiet", "arch": "x86_64"},
        {"variant": "quiet", "arch": "riscv64"}]


def test_an_artifact_without_variants_has_no_variant_key():
    assert include(COMPILED) == [{"arch": a} for a in _host_first([])]


def test_with_default_variant_the_plain_build_is_that_variant_and_not_listed_twice(tmp_path):
    (tmp_path / "genpack.json5").write_text(
        '{ name: "dv", default_variant: "big", variants: { big: {}, small: {} }, arch: { aarch64: {} } }\n')
    assert include(tmp_path, "--arch", "aarch64") == [{"variant": "big", "arch": "aarch64"},
                                                      {"variant": "small", "arch": "aarch64"}]


def test_arch_blocks_inside_variants_count(tmp_path):
    (tmp_path / "genpack.json5").write_text('{ variants: { arm: { arch: { "aarch64|riscv64": {} } } } }\n')
    arches = {e["arch"] for e in include(tmp_path)}
    assert {"aarch64", "riscv64"} <= arches and "i686" not in arches


def test_human_output_is_a_table():
    run = matrix(EXAMPLE, "matrix", "--arch", "x86_64")
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["hello: 2 build(s)", "variant  arch", "(none)   x86_64", "quiet    x86_64"]


def test_a_broken_configuration_fails_with_its_location_and_no_traceback(tmp_path):
    (tmp_path / "genpack.json5").write_text('{\n  name: "x",\n  packages: "not-a-list",\n}\n')
    run = matrix(tmp_path, "matrix", "--json")
    assert run.returncode == 1 and run.stdout == ""
    assert f"{tmp_path / 'genpack.json5'}:3:" in run.stderr and "packages" in run.stderr
    assert "Traceback" not in run.stderr


def test_an_unknown_arch_is_a_usage_error():
    run = matrix(EXAMPLE, "matrix", "--arch", "sparc")
    assert run.returncode == 2 and "invalid choice: 'sparc'" in run.stderr


def test_every_corpus_configuration_gives_a_matrix_of_builds_that_resolve(corpus_dir):
    artifacts = sorted(p.parent for p in corpus_dir.glob("*/genpack.json5"))
    assert artifacts
    for artifact in artifacts:
        entries = include(artifact)
        document = resolve(artifact).document
        assert document is not None
        variants = list(document.get("variants") or {})
        default = document.get("default_variant")
        expected_variants = set(variants) | (set() if default in variants else {None})
        assert {e.get("variant") for e in entries} == expected_variants, artifact.name
        assert HOST not in ARCHES or {e["arch"] for e in entries} >= {HOST}, artifact.name
        for entry in entries:  # each one is a build genpack-tui would start
            assert resolve(artifact, variant=entry.get("variant"), arch=entry["arch"]).ok, (artifact.name, entry)


def test_the_corpus_arch_blocks_show_up(corpus_dir):
    stub = corpus_dir / "genpack-artifacts+stub"
    if not stub.is_dir():
        pytest.skip(f"{stub} is not in this corpus")
    assert "aarch64" in {e["arch"] for e in include(stub)}
