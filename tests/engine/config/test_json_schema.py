"""The JSON Schema of genpack.json5 (engine/config/json_schema.py): made from the field table, valid
draft 2020-12, passed by every corpus config under check-jsonschema, and agreeing with our validator
on good and bad documents (each accepted by both or refused by both)."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from genpack_tui.engine.config.arches import ARCHES
from genpack_tui.engine.config.document import load_document
from genpack_tui.engine.config.json_schema import DRAFT, json_schema
from genpack_tui.engine.config.problems import ConfigError
from genpack_tui.engine.config.schema import (
    DEPRECATED,
    FIELDS,
    GROUP_KEYS,
    USER_KEYS,
)
from genpack_tui.engine.config.validate import validate
from tests.fixtures.config import corpus_dir  # noqa: F401

CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")


@pytest.fixture(scope="module")
def schema_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not CHECK_JSONSCHEMA.exists() and shutil.which("check-jsonschema") is None:
        pytest.skip("check-jsonschema is not installed (pip install -e '.[test]')")
    path = tmp_path_factory.mktemp("schema") / "genpack.schema.json"
    path.write_text(json.dumps(json_schema(), indent=2), encoding="utf-8")
    return path


def _check_jsonschema(schema: Path, files: list[Path]) -> dict[str, Any]:
    """check-jsonschema's JSON report over ``files`` (it reads JSON5 by the .json5 suffix)."""
    exe = str(CHECK_JSONSCHEMA) if CHECK_JSONSCHEMA.exists() else "check-jsonschema"
    done = subprocess.run([exe, "--schemafile", str(schema), "-o", "json", *map(str, files)],
                          capture_output=True, text=True, check=False)
    assert done.stdout, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    assert not report.get("parse_errors"), report["parse_errors"]
    return report


def _refused_by_validator(text: str) -> list[str]:
    try:
        document = load_document(text, "genpack.json5")
    except ConfigError as exc:
        return [str(p) for p in exc.problems]
    return [str(p) for p in validate(document.data, document.source_map, "genpack.json5").problems if p.is_error]


# -- the schema itself ---------------------------------------------------------------------------

def test_schema_is_valid_draft_2020_12(schema_file: Path) -> None:
    exe = str(CHECK_JSONSCHEMA) if CHECK_JSONSCHEMA.exists() else "check-jsonschema"
    done = subprocess.run([exe, "--check-metaschema", str(schema_file)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json_schema()["$schema"] == DRAFT == "https://json-schema.org/draft/2020-12/schema"


def test_every_field_is_described_from_the_field_table() -> None:
    schema = json_schema()
    blocks = {"top": schema, "arch": schema["$defs"]["archBlock"], "variant": schema["$defs"]["variantBlock"],
              "variant_arch": schema["$defs"]["variantArchBlock"]}
    for spec in FIELDS.values():
        assert len(spec.description) > 20, spec.name
        for place, block in blocks.items():
            entry = block["properties"][spec.name]
            if place in spec.places:
                assert entry["description"] == spec.description
                assert entry.keys() - {"description"}, f"{spec.name} at {place} has no type"
            else:
                assert "has no effect" in entry["description"], (spec.name, place)
    for key in USER_KEYS:
        assert schema["$defs"]["user"]["oneOf"][1]["properties"][key]["description"]
    for key in GROUP_KEYS:
        assert schema["$defs"]["group"]["oneOf"][1]["properties"][key]["description"]


def test_users_and_groups_are_a_string_or_an_object_with_a_name() -> None:
    defs = json_schema()["$defs"]
    for what in ("user", "group"):
        string, obj = defs[what]["oneOf"]
        assert string["type"] == "string" and obj["type"] == "object" and obj["required"] == ["name"]


def test_deprecated_names_are_marked_and_refused_everywhere() -> None:
    schema = json_schema()
    for block in (schema, *(schema["$defs"][b] for b in ("archBlock", "variantBlock", "variantArchBlock"))):
        for old, new in DEPRECATED.items():
            entry = block["properties"][old]
            assert entry["deprecated"] is True and entry["not"] == {} and new in entry["description"]


def test_arch_keys_are_names_joined_by_a_bar() -> None:
    (pattern,) = json_schema()["$defs"]["arch"]["patternProperties"]
    for key in ("x86_64", "x86_64|aarch64", "|".join(ARCHES)):
        assert re.search(pattern, key), key
    for key in ("x86_64 | aarch64", "sparc", "x86_64|", "amd64"):
        assert not re.search(pattern, key), key


# -- the corpus ------------------------------------------------------------------------------------

def test_every_corpus_config_validates_with_check_jsonschema(schema_file: Path, corpus_dir: Path) -> None:  # noqa: F811
    files = sorted(corpus_dir.glob("*/genpack.json5"))
    if not files:
        pytest.skip(f"no */genpack.json5 in the corpus at {corpus_dir}")
    report = _check_jsonschema(schema_file, files)
    assert report["status"] == "ok" and not report["errors"], report["errors"]


# -- schema and validator agree ---------------------------------------------------------------------

GOOD = {
    "minimal": '{packages: ["genpack/paravirt"]}',
    "everything": """{
      name: "demo", profile: "paravirt", outfile: "out/demo.squashfs", compression: "xz",
      "lower-layer-capacity": 64, independent_binpkgs: true, buildtime_packages_first: false,
      default_variant: "cuda",
      circulardep_breaker: {packages: ["media-libs/freetype"], use: "-harfbuzz"},
      packages: ["genpack/paravirt", "-app-misc/screen", "@world"],
      buildtime_packages: ["dev-lang/go"], mask: [">=dev-db/mysql-8"],
      accept_keywords: {"dev-util/debootstrap": null, "app-misc/a": "~amd64", "app-misc/b": ["~amd64", "**"]},
      use: {"*/*": "python_targets_python3_12", "media-libs/mesa": ["wayland", "VIDEO_CARDS:", "virgl"]},
      license: {"sys-kernel/linux-firmware": "linux-fw-redistributable"},
      env: {"sci-libs/pytorch": ["torch_cuda.conf"]},
      binpkg_excludes: "sys-kernel/gentoo-kernel",
      users: ["simple", {name: "adv", uid: 1000, comment: "A user", home: "/home/adv", shell: "/bin/bash",
                         initial_group: "users", additional_groups: ["wheel", "video"], create_home: true,
                         empty_password: false}, {name: "other", initial_group: 100, additional_groups: "a,b"}],
      groups: ["custom", {name: "withgid", gid: 1002}],
      setup_commands: ["mkdir -p /var/www"], services: ["sshd", "getty@tty1.service"],
      arch: {"x86_64|aarch64": {packages: ["app-misc/x"]}, riscv64: {use: {"a/b": "c"}}},
      variants: {cuda: {name: "demo-cuda", packages: ["x11-drivers/nvidia-drivers"],
                        arch: {x86_64: {services: ["nvidia"]}}}, paravirt: {}},
    }""",
    "unknown key (a warning)": '{packages: [], colour: "blue"}',
    "a field with no effect in a variant (a warning)": '{variants: {v: {compression: "xz"}}}',
    "an arch name that never matches (a warning)": '{arch: {sparc: {packages: ["a/b"]}}}',
    "a hyphenated user key": '{users: [{name: "u", "create-home": false, "additional-groups": ["wheel"]}]}',
    "an object in setup_commands (a warning)": '{setup_commands: [{run: "x"}]}',
    "an empty default_variant": '{default_variant: ""}',
    "a user name ending in $": '{users: ["machine$"]}',
    "a relative home (a warning)": '{users: [{name: "u", home: "home/u"}]}',
    "a uid as a string (a warning)": '{users: [{name: "u", uid: "1000"}]}',
    "a multi-line command with a tab": '{setup_commands: ["if true; then\\n\\techo a\\nfi"]}',
    "a '+flag' in use (a warning)": '{use: {"a/b": "+x y"}}',
    "a '-atom' in mask (a warning)": '{mask: ["-dev-db/mysql"]}',
}

BAD = {
    "packages not a list": '{packages: "genpack/paravirt"}',
    "an unknown compression": '{compression: "zstd"}',
    "a capacity of 0": '{"lower-layer-capacity": 0}',
    "a capacity too big": '{"lower-layer-capacity": 20000}',
    "a capacity as a string": '{"lower-layer-capacity": "64"}',
    "a user without a name": '{users: [{uid: 1000}]}',
    "a negative uid": '{users: [{name: "u", uid: -1}]}',
    "a user name with a space": '{users: ["bad name"]}',
    "a group id as a string": '{groups: [{name: "g", gid: "10"}]}',
    "a group as a number": '{groups: [10]}',
    "a deprecated name": '{"buildtime-packages": ["dev-lang/go"]}',
    "a deprecated name in a variant's arch block": '{variants: {v: {arch: {x86_64: {"binpkg-exclude": "a"}}}}}',
    "an arch block that is a list": '{arch: {x86_64: ["a/b"]}}',
    "arch not an object": '{arch: ["x86_64"]}',
    "variants not an object": '{variants: ["a"]}',
    "a variant named ..": '{variants: {"..": {}}}',
    "a USE value that is a number": '{use: {"a/b": 3}}',
    "a keyword value that is true": '{accept_keywords: {"a/b": true}}',
    "a name with a slash": '{name: "a/b"}',
    "a name with an escape character": '{name: "a\\u001bb"}',
    "an absolute outfile": '{outfile: "/tmp/x.squashfs"}',
    "a service that is a number": '{services: [22]}',
    "devel as a string": '{devel: "yes"}',
    "circulardep_breaker packages as a string": '{circulardep_breaker: {packages: "a/b"}}',
    "a number in setup_commands": '{setup_commands: [1]}',
    "a command with an escape character": '{setup_commands: ["echo \\u001b[2J"]}',
    "a shell that is relative": '{users: [{name: "u", shell: "bin/sh"}]}',
    "an empty package": '{packages: [""]}',
    "the top level is a list": '[{packages: []}]',
}


def _write_all(root: Path, documents: dict[str, str]) -> dict[Path, str]:
    files = {}
    for index, (label, text) in enumerate(documents.items()):
        directory = root / str(index)
        directory.mkdir()
        (directory / "genpack.json5").write_text(text, encoding="utf-8")
        files[directory / "genpack.json5"] = label
    return files


def test_schema_and_validator_agree(schema_file: Path, tmp_path: Path) -> None:
    files = _write_all(tmp_path, {**GOOD, **BAD})
    report = _check_jsonschema(schema_file, list(files))
    refused_by_schema = {files[Path(error["filename"])] for error in report["errors"]}
    disagreements = []
    for path, label in files.items():
        by_validator = _refused_by_validator(path.read_text(encoding="utf-8"))
        expected_refused = label in BAD
        if bool(by_validator) != expected_refused or (label in refused_by_schema) != expected_refused:
            disagreements.append(f"{label}: validator {by_validator or 'accepts'}; "
                                 f"schema {'refuses' if label in refused_by_schema else 'accepts'}")
    assert not disagreements, "\n".join(disagreements)


def test_check_jsonschema_names_the_file_and_the_place_of_a_malformed_document(schema_file: Path,
                                                                              tmp_path: Path) -> None:
    bad = tmp_path / "genpack.json5"
    bad.write_text('{\n  // a comment: JSON5\n  compression: "zstd",\n  users: [{uid: 1}],\n}\n', encoding="utf-8")
    report = _check_jsonschema(schema_file, [bad])
    where = {(error["filename"], error["path"]) for error in report["errors"]}
    assert where == {(str(bad), "$.compression"), (str(bad), "$.users[0]")}
    assert any("'zstd' is not one of ['gzip', 'xz', 'lzo', 'none']" in e["message"] for e in report["errors"])
