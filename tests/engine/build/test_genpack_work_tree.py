"""Taking over a work tree that genpack built (engine/build/adoption.py, docs/compatibility.md §19):
its lower image is adopted, not recreated; under sudo work/ and the caches stay the invoking user's;
afterwards genpack's own markers are there in the form genpack checks."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from genpack_tui.engine.build.adoption import GENPACK_DONE_TEXT, adopt, is_genpack_image, source_headers
from genpack_tui.engine.build.paths import WorkPaths
from genpack_tui.engine.runtime.mounts import mounted_image
from genpack_tui.engine.sources.identity import SourceIdentity, SourceRecord
from tests.fixtures.build import mounted_readonly

SUDO_UID, SUDO_GID = 54321, 54322  # no such user: the home is $HOME, as for a user without a passwd entry
MARKER = "root/made-by-genpack"


def _identity() -> SourceIdentity:
    return SourceIdentity(*(SourceRecord(url=f"http://x/{n}", info=f"info {n}", sha512=n * 8)
                            for n in ("s", "p", "o")))


def _genpack_tree(tmp_path: Path) -> WorkPaths:
    artifact = tmp_path / "artifact"
    (artifact / "savedconfig").mkdir(parents=True)
    (artifact / "genpack.json5").write_text("{}")
    paths = WorkPaths(artifact, "x86_64", None, tmp_path / "cache")
    paths.arch_dir.mkdir(parents=True)
    paths.lower_image.write_bytes(b"")
    for tarball in (paths.stage3, paths.portage_snapshot, paths.overlay_tarball):
        tarball.with_name(tarball.name + ".headers").write_text(f"Last-Modified:x ETag:{tarball.name} Content-Length:1\n")
    paths.done_marker("lower").write_text(GENPACK_DONE_TEXT + "\n")
    return paths


def test_only_an_image_with_genpacks_markers_is_genpacks(tmp_path: Path) -> None:
    paths = _genpack_tree(tmp_path)
    assert is_genpack_image(paths)
    paths.done_marker("lower").unlink()  # genpack stopped after extracting: its lower.fresh is there
    paths.lower_fresh.write_bytes(b"")
    assert is_genpack_image(paths)
    paths.lower_fresh.unlink()  # neither marker: an image whose creation was interrupted, never adopted
    assert not is_genpack_image(paths)
    paths.done_marker("lower").write_text('{"phase": "lower"}')  # our own marker without our record
    assert not is_genpack_image(paths)


def test_genpacks_records_decide_what_is_adopted(tmp_path: Path) -> None:
    paths = _genpack_tree(tmp_path)
    before = source_headers(paths)
    assert set(before) == {"stage3", "portage", "overlay"} and all(before.values())

    complete = adopt(paths, paths.artifact_dir / "genpack.json5", before, _identity())
    assert complete.recorded == _identity() and complete.done_mtime is not None
    assert complete.said[0] == "Adopting lower.img, built by genpack: its stage3 is the one in work/ (by genpack's .headers)"

    os.utime(paths.done_marker("lower"), (1, 1))  # older than genpack.json5: genpack's is_lower_outdated
    stale = adopt(paths, paths.artifact_dir / "genpack.json5", before, _identity())
    assert stale.recorded == _identity() and stale.done_mtime is None
    assert "lower runs on the adopted image" in stale.said[-1]

    paths.portage_snapshot.with_name("portage.tar.xz.headers").write_text("Last-Modified:y ETag:new Content-Length:2")
    replaced = adopt(paths, None, before, _identity())
    assert replaced.recorded is not None and replaced.recorded.portage != _identity().portage  # replaced in the image
    assert replaced.recorded.stage3 == _identity().stage3 and replaced.done_mtime is None
    assert "portage snapshot changed since genpack's build: replaced in the image" in replaced.said

    paths.stage3.with_name("stage3.tar.xz.headers").write_text("Last-Modified:z ETag:other Content-Length:3")
    new_image = adopt(paths, None, before, _identity())
    assert new_image.recorded is None
    assert "another stage3" in new_image.said[0]


@pytest.mark.root
@pytest.mark.slow
def test_a_genpack_work_tree_is_adopted_and_stays_the_users(built_example, builder, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    artifact, _ = built_example
    arch_dir = artifact / "work" / "x86_64"
    lower = arch_dir / "lower.img"
    # what genpack leaves: no source record, its text lower.done, no marker of the other phases
    (arch_dir / "lower.img.sources.json").unlink()
    for record in (artifact / "work").rglob("*.content.json"):
        record.unlink()  # genpack keeps only the .headers beside its tarballs
    for name in ("upper.done", "pack.done"):
        (arch_dir / name).unlink()
    with mounted_image(lower) as root:
        (root / MARKER).write_text("this image was not recreated\n")
    (arch_dir / "lower.done").write_text(GENPACK_DONE_TEXT + "\n")
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("SUDO_UID", str(SUDO_UID))
    monkeypatch.setenv("SUDO_GID", str(SUDO_GID))
    monkeypatch.setenv("SUDO_USER", "ghost")
    monkeypatch.setenv("HOME", str(home))

    upper_first = builder.run(artifact, "upper")
    assert upper_first.returncode == 1
    assert "lower.done was written by genpack: run 'lower' or 'build' once to adopt genpack's lower image" \
        in upper_first.kinds("error")[0]["message"]

    run = builder.run(artifact, "build")
    assert run.returncode == 0, run.stdout[-3000:]
    assert "lower-image" not in [e["step"] for e in run.kinds("step_started")]
    assert [(e["phase"], e["reason"]) for e in run.kinds("phase_skipped")] == [
        ("lower", "adopted genpack's completed lower image")]
    assert "Adopting lower.img, built by genpack: its stage3 is the one in work/ (by genpack's .headers)" \
        in run.output_lines
    with mounted_readonly(lower) as root:
        assert (root / MARKER).read_text() == "this image was not recreated\n"
    # our records now exist; genpack's markers are there in the form genpack checks
    assert json.loads((arch_dir / "lower.img.sources.json").read_text())["version"] == 1
    assert json.loads((arch_dir / "lower.done").read_text())["phase"] == "lower"
    for required in (lower, arch_dir / "lower.done", arch_dir / "upper.img", arch_dir / "stage3.tar.xz.headers",
                     artifact / "work/portage.tar.xz.headers", artifact / "work/genpack-overlay.tar.gz.headers"):
        assert required.exists(), required
    assert (arch_dir / "lower.done").stat().st_mtime >= (artifact / "genpack.json5").stat().st_mtime
    # under sudo: work/ and everything in it, the cache directories and the image are the user's
    not_theirs = [str(p) for p in [artifact / "work", *(artifact / "work").rglob("*")]
                  if (os.lstat(p).st_uid, os.lstat(p).st_gid) != (SUDO_UID, SUDO_GID)]
    assert not_theirs == []
    for cache in (home / ".cache/genpack/x86_64/binpkgs", home / ".cache/genpack/download"):
        assert cache.stat().st_uid == SUDO_UID, cache
    assert (artifact / "hello-x86_64.squashfs").stat().st_uid == SUDO_UID

    # the adopted image carries our fingerprint now: the next build finds lower up to date
    monkeypatch.delenv("SUDO_UID")
    again = builder.run(artifact, "build")
    assert again.returncode == 0, again.stdout[-3000:]
    assert ("lower", "up to date") in [(e["phase"], e["reason"]) for e in again.kinds("phase_skipped")]
