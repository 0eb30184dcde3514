"""Every real artifact in the shared corpus resolves without error for every variant and both arches."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from genpack_tui.engine.config import parse_use, resolve
from tests.fixtures.config import CORPUS_DIR

ARCHES = ("x86_64", "aarch64")


def _artifact_dirs() -> list[Path]:
    if not CORPUS_DIR.is_dir():
        return []
    return sorted(p.parent.resolve() for p in CORPUS_DIR.rglob("genpack.json5"))


ARTIFACTS = _artifact_dirs()


def _id(path: Path) -> str:
    return str(path.relative_to(CORPUS_DIR.resolve()))


def _assert_resolves_everywhere(directory: Path) -> None:
    variants = resolve(directory, variant=None, arch="x86_64").available_variants
    for arch in ARCHES:
        for variant in [None, *variants]:
            res = resolve(directory, variant=variant, arch=arch)
            assert res.errors == [], (variant, arch, [str(p) for p in res.errors])
            assert res.merged is not None and res.derived is not None
            assert res.variant == variant and res.arch == arch


def test_corpus_is_complete(corpus_dir: Path) -> None:
    names = {_id(p) for p in ARTIFACTS}
    assert len(ARTIFACTS) >= 28  # 21 artifacts + 7 stencils at the time of writing
    assert {"genpack-artifacts+gnome", "genpack-artifacts+nextcloud",
            "genpack-artifacts+genpack-stencils/dev-waypipe"} <= names


@pytest.mark.parametrize("directory", ARTIFACTS, ids=_id)
def test_artifact_resolves_for_every_variant_and_arch(directory: Path) -> None:
    _assert_resolves_everywhere(directory)


def test_monero_pre_json5_genpack_json(corpus_dir: Path, tmp_path: Path) -> None:
    [old] = (corpus_dir / "genpack-artifacts+monero").glob("genpack.json.pre-json5-*")
    directory = tmp_path / "monero"
    directory.mkdir()
    shutil.copy(old, directory / "genpack.json")
    _assert_resolves_everywhere(directory)
    res = resolve(directory, arch="x86_64")
    assert res.config_file.name == "genpack.json" and res.problems == []
    assert res.derived.users[0]["home"] == "/var/lib/monero"


def test_gnome_paravirt_removals_remove(corpus_dir: Path) -> None:
    gnome = corpus_dir / "genpack-artifacts+gnome"
    base = resolve(gnome, variant=None, arch="x86_64").merged["packages"]
    assert "net-wireless/iw" in base and "x11-drivers/nvidia-drivers" in base
    res = resolve(gnome, variant="paravirt", arch="x86_64")
    packages = res.merged["packages"]
    assert "net-wireless/iw" not in packages and "x11-drivers/nvidia-drivers" not in packages
    assert not any(p.startswith("-") for p in packages)
    assert "genpack/paravirt" in packages
    removed = {r.target: r for r in res.provenance.field("packages").removed}
    assert removed["x11-drivers/nvidia-drivers"].removed.origin.layer == "arch.x86_64"
    assert removed["net-wireless/iw"].removed.origin.layer == "top"
    assert removed["genpack/systemimg"].removed is None  # never listed: a no-op
    # the paravirt USE override replaces the baremetal value whole
    assert res.merged["use"]["media-libs/mesa"].startswith("vulkan VIDEO_CARDS: -intel")


def test_nextcloud_numeric_variants_and_profile_override(corpus_dir: Path) -> None:
    nextcloud = corpus_dir / "genpack-artifacts+nextcloud"
    res = resolve(nextcloud, variant=None, arch="x86_64")
    assert res.available_variants == ["31", "32", "33", "selftestable"]
    for name in ("31", "32", "33"):
        numbered = resolve(nextcloud, variant=name, arch="x86_64")
        assert numbered.derived.outfile == f"genpack-artifacts+nextcloud-{name}-x86_64.squashfs"
        assert numbered.derived.profile_path == "genpack-overlay:genpack/amd64/paravirt"
    selftest = resolve(nextcloud, variant="selftestable", arch="aarch64")
    # a variant's profile takes effect (docs/compatibility.md §1)
    assert selftest.derived.profile_path == "genpack-overlay:genpack/arm64/weston/paravirt"
    assert selftest.provenance.field("profile").entries[0].overrides[0].value == "paravirt"
    assert selftest.derived.users[0]["additional_groups"] == ["wheel", "pcap"]


def test_use_expand_strings_are_tokenised(corpus_dir: Path) -> None:
    use = resolve(corpus_dir / "genpack-artifacts+gnome", variant=None, arch="x86_64").merged["use"]
    spec, errors = parse_use(use["media-libs/mesa"])
    assert errors == [] and spec.flags == ["vulkan", "vaapi"] and spec.expand == {"VIDEO_CARDS": ["virgl", "zink"]}
    torch = resolve(corpus_dir / "genpack-artifacts+torch", variant=None, arch="x86_64").merged["use"]
    spec, _ = parse_use(torch["sci-libs/rocBLAS"])
    assert spec.flags == ["benchmark", "-hipblaslt"]
    assert spec.expand["AMDGPU_TARGETS"] == ["gfx1200", "-gfx1103", "gfx1010", "-gfx90a", "-gfx908", "-gfx942"]


def test_wildcard_use_key_accepted(corpus_dir: Path) -> None:
    res = resolve(corpus_dir / "genpack-artifacts+suricata", variant=None, arch="x86_64")
    assert "*/*" in res.merged["use"]
    assert res.derived.portage_files["etc/portage/package.use/genpack"].startswith(
        "*/* python_targets_python3_12 -python_targets_python3_13")


def test_hyphenated_user_keys(corpus_dir: Path) -> None:
    res = resolve(corpus_dir / "genpack-artifacts+gnome", variant=None, arch="x86_64")
    [user] = res.derived.users
    assert user["empty_password"] is True and "dialout" in user["additional_groups"]
    assert res.merged["users"][0]["empty-password"] is True


def test_vpnhub_outfile(corpus_dir: Path) -> None:
    for arch in ARCHES:
        res = resolve(corpus_dir / "genpack-artifacts+vpnhub", variant=None, arch=arch)
        assert res.derived.outfile == "vpnhub.squashfs"
        assert res.derived.compression == "xz"


def test_stencil_circulardep_breaker_inside_variant_warns(corpus_dir: Path) -> None:
    res = resolve(corpus_dir / "genpack-artifacts+genpack-stencils" / "dev-waypipe", variant="dev", arch="x86_64")
    assert res.ok
    [warning] = [p for p in res.warnings if p.path == "variants.dev.circulardep_breaker"]
    assert "no effect inside a variant" in warning.message and warning.line == 30
    assert res.derived.circulardep_breaker is None


def test_streamer_top_level_circulardep_breaker(corpus_dir: Path) -> None:
    d = resolve(corpus_dir / "genpack-artifacts+streamer", variant=None, arch="x86_64").derived
    assert d.circulardep_breaker["use"] == "-truetype -harfbuzz -cairo -sysprof"
    assert "media-libs/freetype" in d.circulardep_breaker["packages"]
