"""The tree snapshot and overlay tarballs (no root needed), and finding the Debian mirror."""
from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from genpack_tui.engine.testbed.debian_mirror import NoDebianMirror, debian_mirror
from genpack_tui.engine.testbed.overlay import build_overlay
from genpack_tui.engine.testbed.snapshot import build_snapshot


def _members(tarball: Path) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(tarball) as tar:
        return {m.name: m for m in tar.getmembers()}


def _read(tarball: Path, name: str) -> str:
    with tarfile.open(tarball) as tar:
        f = tar.extractfile(name)
        assert f is not None
        return f.read().decode()


def test_snapshot_layout_and_reproducibility(tmp_path: Path) -> None:
    a = build_snapshot(tmp_path / "a.tar.xz")
    b = build_snapshot(tmp_path / "b.tar.xz")
    assert a.read_bytes() == b.read_bytes()
    names = _members(a)
    assert all(n == "portage" or n.startswith("portage/") for n in names)
    for required in ("profiles/repo_name", "profiles/profiles.desc", "profiles/arch.list", "profiles/license_groups",
                     "profiles/use.desc", "profiles/categories", "metadata/layout.conf", "metadata/timestamp.commit",
                     "eclass/testbed.eclass", "licenses/TESTBED-EULA", "app-misc/hello/hello-1.0.ebuild",
                     "app-misc/broken/broken-1.0.ebuild", "virtual/greeter/greeter-0.ebuild"):
        assert f"portage/{required}" in names, required
    assert _read(a, "portage/profiles/repo_name") == "gentoo\n"
    desc = _read(a, "portage/profiles/profiles.desc")
    assert "amd64\tdefault/linux/amd64/23.0/systemd\tstable" in desc
    assert "arm64\tdefault/linux/arm64/23.0/systemd\tstable" in desc
    assert "TESTBED-EULA" not in _read(a, "portage/profiles/license_groups")
    keyworded = _read(a, "portage/app-misc/keyworded/keyworded-1.0.ebuild")
    assert 'KEYWORDS="~amd64 ~arm64"' in keyworded
    assert names["portage/profiles/repo_name"].uid == 0


def test_bumped_snapshot_differs_only_by_the_new_version(tmp_path: Path) -> None:
    base = build_snapshot(tmp_path / "base.tar.xz")
    bumped = build_snapshot(tmp_path / "bumped.tar.xz", {"app-misc/hello": "1.1"})
    base_names, bumped_names = set(_members(base)), set(_members(bumped))
    assert bumped_names - base_names == {"portage/app-misc/hello/hello-1.1.ebuild"}
    assert _read(bumped, "portage/app-misc/hello/hello-1.1.ebuild") == _read(base, "portage/app-misc/hello/hello-1.0.ebuild")
    assert _read(bumped, "portage/metadata/timestamp.commit") != _read(base, "portage/metadata/timestamp.commit")
    with pytest.raises(ValueError, match="app-misc/nothing"):
        build_snapshot(tmp_path / "bad.tar.xz", {"app-misc/nothing": "2"})


def test_overlay_layout(tmp_path: Path) -> None:
    overlay = build_overlay(tmp_path / "overlay.tar.gz")
    with tarfile.open(overlay) as tar:
        assert tar.pax_headers.get("comment")  # GitHub puts the commit id there
        names = set(tar.getnames())
    top = "genpack-overlay-main"
    assert all(n == top or n.startswith(top + "/") for n in names)
    desc = _read(overlay, f"{top}/profiles/profiles.desc").splitlines()
    for profile in ("amd64\tgenpack/amd64", "amd64\tgenpack/amd64/paravirt", "arm64\tgenpack/arm64",
                    "arm64\tgenpack/arm64/paravirt"):
        assert f"{profile}\tstable" in desc
    assert _read(overlay, f"{top}/profiles/genpack/packages").split() == ["*genpack/genpack-progs", "genpack/base"]
    assert _read(overlay, f"{top}/profiles/genpack/amd64/parent").split() == ["gentoo:default/linux/amd64/23.0/systemd", ".."]
    assert "masters = gentoo" in _read(overlay, f"{top}/metadata/layout.conf")
    progs = _read(overlay, f"{top}/genpack/genpack-progs/genpack-progs-20260101.ebuild")
    assert "inherit genpack-ignore" in progs and "TEST DOUBLES" in progs
    with tarfile.open(overlay) as tar:
        mode = tar.getmember(f"{top}/genpack/genpack-progs/files/genpack-copyup").mode
        header = tar.extractfile(f"{top}/genpack/genpack-progs/files/genpack-copyup").read().decode()
    assert mode & 0o111 and "TEST DOUBLE" in header
    changed = build_overlay(tmp_path / "changed.tar.gz", revision=1)
    assert changed.read_bytes() != overlay.read_bytes()


@pytest.mark.parametrize("layout", ["deb822", "one-line"])
def test_debian_mirror_is_read_from_apt_sources(tmp_path: Path, layout: str) -> None:
    (tmp_path / "sources.list.d").mkdir()
    if layout == "deb822":
        (tmp_path / "sources.list.d/debian.sources").write_text(
            "Types: deb\nURIs: http://mirror.example.invalid/debian-security\nSuites: bookworm-security\n"
            "Components: main\n\n"
            "Types: deb deb-src\n# a comment\nURIs: http://mirror.example.invalid/debian\n"
            "Suites: bookworm bookworm-updates\nComponents: main\n")
    else:
        (tmp_path / "sources.list").write_text(
            "# comment\ndeb [signed-by=/x.gpg] http://mirror.example.invalid/debian bookworm main\n")
    (tmp_path / "sources.list.d/other.list.disabled").write_text("deb http://wrong.invalid/ bookworm main\n")
    assert debian_mirror("bookworm", tmp_path) == "http://mirror.example.invalid/debian"
    assert debian_mirror("trixie", tmp_path) == "http://mirror.example.invalid/debian"  # an archive has all


def test_no_debian_source_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "sources.list").write_text("deb http://other.example.invalid/apt stable main\n")
    with pytest.raises(NoDebianMirror, match="bookworm"):
        debian_mirror("bookworm", tmp_path)


def test_this_machine_has_a_debian_mirror() -> None:
    try:
        mirror = debian_mirror("bookworm")
    except NoDebianMirror as e:
        pytest.skip(f"this host has no apt source for bookworm: {e}")
    assert mirror.startswith(("http://", "https://"))


def test_debian_mirror_falls_back_to_a_debian_archive(tmp_path: Path) -> None:
    (tmp_path / "sources.list").write_text(
        "deb http://other.example.invalid/apt stable main\n"
        "deb http://mirror.example.invalid/debian trixie main\n"
        "deb http://mirror.example.invalid/debian-security trixie-security main\n")
    assert debian_mirror("bookworm", tmp_path) == "http://mirror.example.invalid/debian"
