"""A profile that the overlay does not have for the selected arch is a clear error naming the config
path, before any image is created (engine/build/profile_check.py)."""
from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from genpack_tui.engine.build.profile_check import _override_listing, _tarball_listing
from tests.fixtures.build import copy_example, edited


def _overlay_tarball(path: Path, names: list[str], desc: str) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name in names:
            info = tarfile.TarInfo(f"genpack-overlay-main/{name}")
            info.type = tarfile.DIRTYPE
            tar.addfile(info)
        data = desc.encode()
        info = tarfile.TarInfo("genpack-overlay-main/profiles/profiles.desc")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return path


def test_the_tarball_listing_finds_a_profile_directory_without_extracting(tmp_path: Path) -> None:
    tarball = _overlay_tarball(tmp_path / "o.tar.gz", ["profiles/genpack/amd64/weston/paravirt"],
                               "amd64 genpack/amd64/weston/paravirt stable\n")
    found, desc = _tarball_listing(tarball, "profiles/genpack/amd64/weston/paravirt")
    assert found == {"profiles/genpack/amd64/weston/paravirt"} and "weston" in desc
    missing, _ = _tarball_listing(tarball, "profiles/genpack/arm64/weston/paravirt")
    assert missing == set()
    assert _tarball_listing(tarball, "profiles/genpack/amd64/weston")[0] == {"profiles/genpack/amd64/weston"}
    assert list(tmp_path.iterdir()) == [tarball]


def test_an_overlay_override_is_looked_at_as_a_directory(tmp_path: Path) -> None:
    (tmp_path / "profiles/genpack/amd64/paravirt").mkdir(parents=True)
    (tmp_path / "profiles/profiles.desc").write_text("amd64 genpack/amd64/paravirt stable\n")
    (tmp_path / "profiles/genpack/arm64").mkdir()
    (tmp_path / "profiles/genpack/arm64/weston").symlink_to("/usr")  # a link out of the override is not followed
    assert _override_listing(tmp_path, "profiles/genpack/amd64/paravirt")[0] == {"profiles/genpack/amd64/paravirt"}
    assert _override_listing(tmp_path, "profiles/genpack/arm64/weston/share")[0] == set()


@pytest.mark.root
@pytest.mark.slow
def test_a_variant_profile_missing_for_the_arch_fails_before_any_image(builder, tmp_path: Path) -> None:
    artifact = copy_example(tmp_path)
    with edited(artifact / "genpack.json5", "quiet: {", 'quiet: {\n      profile: "weston/paravirt",'):
        run = builder.run(artifact, "--variant", "quiet", "build")
    assert run.returncode == 1, run.stdout[-2000:]
    text = run.stdout + run.stderr
    assert ("genpack.json5:33:16: variants.quiet.profile: profile 'weston/paravirt' does not exist for x86_64 in "
            "genpack-overlay (no genpack-overlay:genpack/amd64/weston/paravirt); profiles for x86_64: paravirt") in text
    assert "Traceback" not in text
    assert sorted(p.name for p in (artifact / "work/x86_64").iterdir() if p.suffix in (".img", ".done")) == []
    assert [e["step"] for e in run.kinds("step_started")] == ["sources"]
