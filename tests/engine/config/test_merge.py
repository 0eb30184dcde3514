"""Merge rules (docs/genpack.md §2) and our deliberate differences (docs/compatibility.md §1-§2)."""
from __future__ import annotations

import pytest

from genpack_tui.engine.config import DEFAULT_VARIANT, ConfigError, load_document, merge_document

DOC = """{
  name: "demo",
  profile: "paravirt",
  packages: ["a/top", "a/shared", "a/gone"],
  services: ["s-top"],
  setup_commands: ["c-top"],
  use: {"a/one": "x", "a/two": "y"},
  users: ["alice", {name: "bob", uid: 1000}],
  groups: ["g1"],
  arch: {
    "x86_64|aarch64": {packages: ["a/arch-both"], services: ["s-arch"], setup_commands: ["c-arch"],
                       use: {"a/one": "arch"}},
    "x86_64": {packages: ["a/arch-x86"]},
    " x86_64| aarch64": {packages: ["a/never"]},
  },
  variants: {
    v: {
      name: "vname", profile: "weston/paravirt", outfile: "v.squashfs", buildtime_packages_first: true,
      packages: ["-a/gone", "-a/absent", "a/var"],
      use: {"a/two": "var", "a/three": "z"},
      users: [{name: "bob", uid: 2000}, "carol"],
      groups: [{name: "g1", gid: 5}],
      services: ["s-top", "s-var"],
      setup_commands: ["c-var", "c-top"],
      arch: {aarch64: {packages: ["a/var-arm"], setup_commands: ["c-var-arm"]}},
    },
    w: {},
  },
}"""


def merge(variant=None, arch="x86_64", text=DOC):
    return merge_document(load_document(text, "genpack.json5"), variant=variant, arch=arch, artifact_name="dir")


def test_merge_order_top_arch_variant_variant_arch() -> None:
    merged, prov, problems = merge("v", "aarch64")
    assert {(p.severity, p.path) for p in problems} == {("warning", 'arch[" x86_64| aarch64"]')}
    assert prov.layers == ["top", "arch.x86_64|aarch64", "variants.v", "variants.v.arch.aarch64"]
    assert merged["packages"] == ["a/top", "a/shared", "a/arch-both", "a/var", "a/var-arm"]
    assert merged["setup_commands"] == ["c-top", "c-arch", "c-var", "c-top", "c-var-arm"]


def test_arch_keys_are_exact_pipe_separated_tokens_all_matching_blocks_apply() -> None:
    merged, prov, _ = merge(None, "x86_64")
    assert prov.layers == ["top", "arch.x86_64|aarch64", "arch.x86_64"]
    assert merged["packages"] == ["a/top", "a/shared", "a/gone", "a/arch-both", "a/arch-x86"]
    assert "a/never" not in merge(None, "aarch64")[0]["packages"]
    # no whitespace stripping, but a token that is exact matches even next to a spaced one
    assert "a/x" in merge(None, "aarch64", "{arch: {'x86_64 |aarch64': {packages: ['a/x']}}}")[0]["packages"]


def test_no_matching_arch_block_merges_top_only() -> None:
    merged, prov, _ = merge(None, "riscv64")
    assert prov.layers == ["top"]
    assert merged["packages"] == ["a/top", "a/shared", "a/gone"]


def test_packages_removal_removes_earlier_entry_and_is_recorded() -> None:
    merged, prov, _ = merge("v")
    assert "a/gone" not in merged["packages"] and "-a/gone" not in merged["packages"]
    removed = {r.target: r for r in prov.field("packages").removed}
    assert removed["a/gone"].removed.origin.layer == "top"
    assert removed["a/gone"].origin.layer == "variants.v"
    assert removed["a/gone"].origin.path == "variants.v.packages[0]"
    assert removed["a/absent"].removed is None  # a no-op, as in genpack


def test_removal_only_affects_entries_merged_earlier() -> None:
    text = "{packages: ['-a/x'], variants: {v: {packages: ['a/x']}}}"
    merged, prov, _ = merge("v", text=text)
    assert merged["packages"] == ["a/x"]
    assert prov.field("packages").removed[0].removed is None


def test_lists_keep_first_occurrence_and_record_ignored_duplicates() -> None:
    text = """{packages: ['a/b', 'a/b'], mask: ['a/m'], buildtime_packages: ['a/t'], binpkg_excludes: ['a/e'],
      services: ['s'], variants: {v: {mask: ['a/m'], buildtime_packages: ['a/t', 'a/u'],
      binpkg_excludes: 'a/e', services: ['s']}}}"""
    merged, prov, _ = merge("v", text=text)
    assert merged["packages"] == ["a/b"]
    assert merged["mask"] == ["a/m"] and merged["buildtime_packages"] == ["a/t", "a/u"]
    assert merged["binpkg_excludes"] == ["a/e"] and merged["services"] == ["s"]
    ignored = prov.field("packages").ignored[0]
    assert ignored.origin.path == "packages[1]" and "packages[0]" in ignored.reason
    assert prov.field("binpkg_excludes").ignored[0].origin.path == "variants.v.binpkg_excludes"


def test_binpkg_excludes_string_becomes_a_list() -> None:
    merged, _, _ = merge(None, text="{binpkg_excludes: 'sys-kernel/gentoo-kernel'}")
    assert merged["binpkg_excludes"] == ["sys-kernel/gentoo-kernel"]


def test_buildtime_packages_and_mask_have_no_removal() -> None:
    merged, _, problems = merge(None, text="{buildtime_packages: ['a/b', '-a/b']}")
    assert merged["buildtime_packages"] == ["a/b"]
    assert problems[0].severity == "error" and problems[0].path == "buildtime_packages[1]"


def test_dict_fields_replace_per_key_keeping_first_position() -> None:
    merged, prov, _ = merge("v", "x86_64")
    assert list(merged["use"].items()) == [("a/one", "arch"), ("a/two", "var"), ("a/three", "z")]
    entry = prov.field("use").entry("a/two")
    assert entry.origin.layer == "variants.v"
    assert [(o.value, o.origin.layer) for o in entry.overrides] == [("y", "top")]
    assert prov.field("use").entry("a/one").overrides[0].origin.path == 'use["a/one"]'


def test_use_values_replace_and_never_merge_flags() -> None:
    text = "{use: {'a/b': 'x y'}, variants: {v: {use: {'a/b': ['z']}}}}"
    merged, _, _ = merge("v", text=text)
    assert merged["use"] == {"a/b": ["z"]}


def test_services_merge_from_all_four_levels() -> None:
    merged, _, _ = merge("v", "aarch64")
    assert merged["services"] == ["s-top", "s-arch", "s-var"]


def test_setup_commands_from_arch_and_variant_are_merged_decision_1() -> None:
    merged, prov, _ = merge("v", "aarch64")
    assert merged["setup_commands"].count("c-top") == 2  # appended without dedup, as genpack's merge does
    assert [e.origin.layer for e in prov.field("setup_commands").entries] == [
        "top", "arch.x86_64|aarch64", "variants.v", "variants.v", "variants.v.arch.aarch64"]


def test_variant_name_profile_outfile_take_effect_decision_1() -> None:
    merged, prov, _ = merge("v")
    assert merged["name"] == "vname" and merged["profile"] == "weston/paravirt" and merged["outfile"] == "v.squashfs"
    profile = prov.field("profile").entries[0]
    assert profile.origin.layer == "variants.v"
    assert [(o.value, o.origin.layer) for o in profile.overrides] == [("paravirt", "top")]
    assert merged["buildtime_packages_first"] is True


def test_users_and_groups_later_same_name_replaces_in_place_decision_2() -> None:
    merged, prov, _ = merge("v")
    assert merged["users"] == ["alice", {"name": "bob", "uid": 2000}, "carol"]
    bob = prov.field("users").entry("bob")
    assert bob.origin.layer == "variants.v" and bob.overrides[0].value == {"name": "bob", "uid": 1000}
    assert merged["groups"] == [{"name": "g1", "gid": 5}]


def test_users_from_arch_blocks_do_not_merge() -> None:
    merged, _, problems = merge(None, text="{users: ['a'], arch: {x86_64: {users: ['b']}}}")
    assert merged["users"] == ["a"]
    assert problems[0].severity == "warning" and problems[0].path == "arch.x86_64.users"


def test_name_defaults_to_directory_with_warning() -> None:
    merged, prov, problems = merge(None, text="{packages: []}")
    assert merged["name"] == "dir"
    assert prov.field("name").entries[0].origin.layer == "default"
    assert [(p.severity, p.path) for p in problems] == [("warning", "name")]
    assert "using the directory name 'dir'" in problems[0].message


def test_default_variant_selection_rules() -> None:
    text = "{default_variant: 'w', variants: {v: {packages: ['a/v']}, w: {packages: ['a/w']}}}"
    assert merge(DEFAULT_VARIANT, text=text)[1].variant == "w"
    assert merge("", text=text)[1].variant == "w"  # genpack: --variant "" falls back to the default
    merged, prov, _ = merge(None, text=text)
    assert prov.variant is None and "packages" not in merged
    assert merge("v", text=text)[0]["packages"] == ["a/v"]
    assert merge(DEFAULT_VARIANT, text="{variants: {v: {}}}")[1].variant is None


def test_unknown_variant_is_an_error_listing_available_ones() -> None:
    merged, _, problems = merge("nope")
    assert merged is None
    assert problems[-1].message == "variant 'nope' is not available; available variants: 'v', 'w'"


def test_invalid_default_variant_blocks_default_selection() -> None:
    merged, _, problems = merge(DEFAULT_VARIANT, text="{default_variant: 'x', variants: {v: {}}}")
    assert merged is None and problems[0].path == "default_variant"


def test_unsupported_arch_is_an_error() -> None:
    merged, _, problems = merge(None, "armv7l")
    assert merged is None and "unsupported target arch 'armv7l'" in problems[-1].message


def test_origins_carry_positions() -> None:
    _, prov, _ = merge("v")
    entry = prov.field("packages").entries[0]
    assert (entry.origin.file, entry.origin.line, entry.origin.column) == ("genpack.json5", 4, 14)
    assert prov.to_json()["fields"]["packages"]["entries"][0]["origin"]["path"] == "packages[0]"


def test_plain_dict_documents_merge_without_positions() -> None:
    merged, prov, problems = merge_document({"name": "x", "packages": ["a/b"]}, variant=None, arch="x86_64",
                                            artifact_name="d")
    assert merged == {"name": "x", "packages": ["a/b"]} and problems == []
    assert prov.field("packages").entries[0].origin.line is None


@pytest.mark.parametrize("data", [[], "x", None, 3])
def test_non_object_document_raises_config_error(data) -> None:
    with pytest.raises(ConfigError):
        merge_document(data, variant=None, arch="x86_64", artifact_name="d")
