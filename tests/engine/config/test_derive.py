"""Derived values: arch names, profile path, outfile, defaults, users, exact Portage file texts."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from genpack_tui.engine.config import ARCHES, DEFAULT_VARIANT, resolve

SAMPLE = """{
  name: "sample",
  profile: "gnome/baremetal",
  packages: ["genpack/paravirt", "app-misc/screen", ">=dev-lang/python-3.12"],
  buildtime_packages: ["dev-build/cmake", "dev-lang/go"],
  accept_keywords: {"dev-util/debootstrap": null, "app-misc/pkg": "~amd64", "app-misc/other": ["~amd64", "**"]},
  use: {"*/*": "python_targets_python3_12", "media-libs/mesa": "wayland VIDEO_CARDS: virgl zink",
        "dev-lang/php": ["mysql", "curl"]},
  license: {"sys-kernel/linux-firmware": "linux-fw-redistributable", "x/y": ["a", "b"]},
  mask: [">=dev-db/mysql-8", "dev-lang/ruby"],
  env: {"sci-libs/pytorch": "torch_cuda.conf"},
}"""

EXPECTED_FILES = {
    "etc/portage/sets/genpack-runtime": "genpack/paravirt\napp-misc/screen\n>=dev-lang/python-3.12",
    "etc/portage/sets/genpack-buildtime": "dev-build/cmake\ndev-lang/go",
    "etc/portage/package.accept_keywords/genpack":
        "dev-util/debootstrap\napp-misc/pkg ~amd64\napp-misc/other ~amd64 **\n",
    "etc/portage/package.use/genpack":
        "*/* python_targets_python3_12\nmedia-libs/mesa wayland VIDEO_CARDS: virgl zink\ndev-lang/php mysql curl\n",
    "etc/portage/package.license/genpack": "sys-kernel/linux-firmware linux-fw-redistributable\nx/y a b\n",
    "etc/portage/package.mask/genpack": ">=dev-db/mysql-8\ndev-lang/ruby",
    "etc/portage/package.env": "sci-libs/pytorch torch_cuda.conf\n",
}


def test_portage_files_are_byte_exact(make_artifact) -> None:
    res = resolve(make_artifact(SAMPLE), arch="x86_64")
    assert res.ok, res.problems
    assert res.derived.portage_files == EXPECTED_FILES


def test_empty_config_writes_empty_portage_files(make_artifact) -> None:
    res = resolve(make_artifact("{name: 'e'}"), arch="x86_64")
    assert set(res.derived.portage_files.values()) == {""}
    assert len(res.derived.portage_files) == 7


@pytest.mark.parametrize("arch,portage_arch", [("x86_64", "amd64"), ("aarch64", "arm64"), ("i686", "x86"),
                                               ("riscv64", "riscv")])
def test_portage_arch_and_profile_path(make_artifact, arch: str, portage_arch: str) -> None:
    res = resolve(make_artifact(SAMPLE), arch=arch)
    assert res.derived.portage_arch == portage_arch
    assert res.derived.profile_path == f"genpack-overlay:genpack/{portage_arch}/gnome/baremetal"
    assert resolve(make_artifact("{}"), arch=arch).derived.profile_path == f"genpack-overlay:genpack/{portage_arch}"
    assert arch in ARCHES


def test_default_outfile_with_and_without_variant(make_artifact) -> None:
    directory = make_artifact("{name: 'n', variants: {v: {}}}")
    assert resolve(directory, variant=None, arch="aarch64").derived.outfile == "n-aarch64.squashfs"
    assert resolve(directory, variant="v", arch="x86_64").derived.outfile == "n-v-x86_64.squashfs"


def test_variant_name_feeds_default_outfile(make_artifact) -> None:
    res = resolve(make_artifact("{name: 'n', variants: {v: {name: 'other'}}}"), variant="v", arch="x86_64")
    assert res.name == "other" and res.derived.outfile == "other-v-x86_64.squashfs"


def test_outfile_gets_squashfs_suffix_and_variant_outfile_wins(make_artifact) -> None:
    directory = make_artifact("{outfile: 'img', variants: {v: {outfile: 'sub/v.squashfs'}}}")
    assert resolve(directory, variant=None, arch="x86_64").derived.outfile == "img.squashfs"
    assert resolve(directory, variant="v", arch="x86_64").derived.outfile == "sub/v.squashfs"


def test_outfile_escaping_through_a_symlink_is_an_error(make_artifact, tmp_path: Path) -> None:
    directory = make_artifact("{outfile: 'link/x.squashfs'}")
    (directory / "link").symlink_to(tmp_path)
    res = resolve(directory, arch="x86_64")
    assert not res.ok
    assert res.errors[0].path == "outfile" and "outside the artifact directory" in res.errors[0].message


def test_defaults(make_artifact) -> None:
    d = resolve(make_artifact("{}", name="mydir"), arch="x86_64").derived
    assert (d.name, d.compression, d.lower_capacity_gib, d.independent_binpkgs) == ("mydir", "gzip", 128, False)
    assert d.circulardep_breaker is None and d.buildtime_packages_first is False
    assert d.binpkg_excludes == [] and d.users == [] and d.setup_commands == []


def test_top_level_only_values(make_artifact) -> None:
    d = resolve(make_artifact("""{compression: 'xz', 'lower-layer-capacity': 64, independent_binpkgs: true,
        circulardep_breaker: {packages: ['media-libs/freetype'], use: '-harfbuzz'}}"""), arch="x86_64").derived
    assert (d.compression, d.lower_capacity_gib, d.independent_binpkgs) == ("xz", 64, True)
    assert d.circulardep_breaker == {"packages": ["media-libs/freetype"], "use": "-harfbuzz"}
    assert d.with_compression("lzo").phase_inputs["pack"]["compression"] == "lzo"


def test_users_and_groups_are_normalised(make_artifact) -> None:
    d = resolve(make_artifact("""{users: ['alice', {name: 'bob', uid: 1000, 'empty-password': true,
        'additional-groups': 'wheel,video', 'create-home': false}], groups: ['g', {name: 'h', gid: 7}]}"""),
        arch="x86_64").derived
    assert d.users == [
        {"name": "alice", "uid": None, "comment": None, "home": None, "shell": None, "initial_group": None,
         "additional_groups": [], "create_home": True, "empty_password": False},
        {"name": "bob", "uid": 1000, "comment": None, "home": None, "shell": None, "initial_group": None,
         "additional_groups": ["wheel", "video"], "create_home": False, "empty_password": True},
    ]
    assert d.groups == [{"name": "g", "gid": None}, {"name": "h", "gid": 7}]


def test_phase_inputs_hold_exactly_what_each_phase_consumes(make_artifact) -> None:
    d = resolve(make_artifact(SAMPLE + "\n"), arch="x86_64").derived
    assert set(d.phase_inputs) == {"lower", "upper", "pack"}
    assert set(d.phase_inputs["lower"]) == {
        "profile", "packages", "buildtime_packages", "buildtime_packages_first", "accept_keywords", "use",
        "license", "mask", "env", "binpkg_excludes", "circulardep_breaker", "lower_capacity_gib",
        "independent_binpkgs", "arch"}
    assert set(d.phase_inputs["upper"]) == {"users", "groups", "services", "setup_commands", "name", "variant",
                                            "profile"}
    assert d.phase_inputs["pack"] == {"outfile": "sample-x86_64.squashfs", "compression": "gzip"}
    assert d.phase_inputs["lower"]["use"][1] == ["media-libs/mesa", "wayland VIDEO_CARDS: virgl zink"]
    json.dumps(d.phase_inputs)  # JSON-able


def test_a_services_edit_changes_only_upper_inputs(make_artifact) -> None:
    a = resolve(make_artifact(SAMPLE), arch="x86_64").derived.phase_inputs
    b = resolve(make_artifact(SAMPLE.rstrip()[:-1] + " services: ['sshd']}"), arch="x86_64").derived.phase_inputs
    assert a["lower"] == b["lower"] and a["pack"] == b["pack"] and a["upper"] != b["upper"]


def test_resolution_json_shape(make_artifact) -> None:
    res = resolve(make_artifact("{name: 'n', default_variant: 'v', variants: {v: {}}}"), arch="x86_64")
    data = json.loads(json.dumps(res.to_json()))
    assert {"name", "variant", "arch", "merged", "derived", "provenance", "problems"} <= set(data)
    assert data["variant"] == "v" and data["available_variants"] == ["v"] and data["default_variant"] == "v"
    assert data["derived"]["outfile"] == "n-v-x86_64.squashfs" and data["derived"]["portage_arch"] == "amd64"
    res.raise_for_errors()


def test_resolve_defaults_to_the_machine_arch(make_artifact) -> None:
    import os
    res = resolve(make_artifact("{}"), variant=DEFAULT_VARIANT)
    assert res.arch == os.uname().machine
